package dev.merlin.protocol;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * Locates the shared public OpenRTB sample corpus ({@code shared/openrtb-samples}) by walking up from the working
 * directory, so the tests run from the module, the project root or an IDE alike.
 *
 * <p>When the corpus is absent the calling test is aborted (reported as skipped with the reason), never passed.
 */
final class SharedSamples {

    private static final String RELATIVE = "shared/openrtb-samples";

    private SharedSamples() {
    }

    /** The corpus root, or aborts the current test when no ancestor of the working directory holds one. */
    static Path root() {
        Path start = Paths.get("").toAbsolutePath();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(RELATIVE);
            if (Files.isDirectory(candidate.resolve("requests"))) {
                return candidate;
            }
        }
        return Assumptions.abort("../shared/openrtb-samples not found: no " + RELATIVE + "/requests in " + start
                + " or any of its parents");
    }

    /** The folder of sample bid requests. */
    static Path requestsDir() {
        return root().resolve("requests");
    }

    /** Names of every {@code .json} file in the requests folder, sorted. */
    static List<String> requestFileNames() {
        try (Stream<Path> files = Files.list(requestsDir())) {
            return files.filter(Files::isRegularFile)
                    .map(p -> p.getFileName().toString())
                    .filter(name -> name.endsWith(".json"))
                    .sorted()
                    .collect(Collectors.toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The exact bytes of one sample request. */
    static byte[] request(String fileName) throws IOException {
        return Files.readAllBytes(requestsDir().resolve(fileName));
    }
}
