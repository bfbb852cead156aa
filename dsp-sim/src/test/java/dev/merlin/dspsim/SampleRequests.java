package dev.merlin.dspsim;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.Assumptions;

/**
 * Finds the shared public OpenRTB sample corpus ({@code shared/openrtb-samples}) above the working directory;
 * aborts (skips, with the reason) the calling test when it is absent.
 */
final class SampleRequests {

    private SampleRequests() {
    }

    /** The bytes of one sample request. */
    static byte[] read(String fileName) throws IOException {
        Path start = Paths.get("").toAbsolutePath();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("shared").resolve("openrtb-samples").resolve("requests");
            if (Files.isDirectory(candidate)) {
                return Files.readAllBytes(candidate.resolve(fileName));
            }
        }
        return Assumptions.abort("skipped: ../shared/openrtb-samples not found above " + start);
    }
}
