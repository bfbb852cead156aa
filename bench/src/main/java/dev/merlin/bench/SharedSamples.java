package dev.merlin.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds the shared OpenRTB sample corpus ({@code shared/openrtb-samples}) by walking up from the working directory;
 * the samples are read at run time and never copied into the project.
 *
 * <p>The system property {@code merlin.samples} (the {@code openrtb-samples} directory itself) overrides the search.
 */
public final class SharedSamples {

    /** System property naming the {@code openrtb-samples} directory explicitly. */
    public static final String DIR_PROPERTY = "merlin.samples";

    private SharedSamples() {
    }

    /** The {@code openrtb-samples} directory; throws {@link IllegalStateException} naming where it looked. */
    public static Path root() {
        String explicit = System.getProperty(DIR_PROPERTY);
        if (explicit != null) {
            Path dir = Path.of(explicit);
            if (!Files.isDirectory(dir.resolve("requests"))) {
                throw new IllegalStateException("-D" + DIR_PROPERTY + "=" + explicit + " has no requests/ directory");
            }
            return dir;
        }
        Path start = Path.of("").toAbsolutePath();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("shared/openrtb-samples");
            if (Files.isDirectory(candidate.resolve("requests"))) {
                return candidate;
            }
        }
        throw new IllegalStateException("shared/openrtb-samples not found in " + start + " or above; run from the"
                + " project directory or pass -D" + DIR_PROPERTY + "=DIR");
    }

    /** The {@code requests/} directory of the corpus. */
    public static Path requests() {
        return root().resolve("requests");
    }

    /** The bytes of one request sample, e.g. {@code iab26spec-mobile-app.json}. */
    public static byte[] request(String fileName) {
        Path file = requests().resolve(fileName);
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read sample " + file, e);
        }
    }
}
