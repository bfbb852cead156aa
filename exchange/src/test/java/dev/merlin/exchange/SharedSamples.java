package dev.merlin.exchange;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/** Finds {@code shared/openrtb-samples} above the working directory; aborts the test loudly when it is absent. */
final class SharedSamples {

    private SharedSamples() {
    }

    static Path requests() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            Path candidate = dir.resolve("shared/openrtb-samples/requests");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
            candidate = dir.resolve("../shared/openrtb-samples/requests").normalize();
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
            dir = dir.getParent();
        }
        Assumptions.abort("../shared/openrtb-samples not found above " + Path.of("").toAbsolutePath()
                + ": the sample corpus is needed for this test");
        return null;
    }
}
