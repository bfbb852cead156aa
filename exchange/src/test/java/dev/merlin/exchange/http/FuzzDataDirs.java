package dev.merlin.exchange.http;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The data directory a fuzz test's runtime lives in for the whole run (Jazzer's {@code @FuzzTest} has no
 * {@code @TempDir}): made under the system's temp directory, and deleted, with the stores' ~90 MB of files, once
 * the test closed its runtime.
 */
final class FuzzDataDirs {

    private FuzzDataDirs() {
    }

    static Path create(String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes {@code dir} and everything under it; nothing when it is null or already gone. */
    static void delete(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> tree = Files.walk(dir)) {
            for (Path path : tree.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
