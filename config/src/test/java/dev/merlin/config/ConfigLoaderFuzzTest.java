package dev.merlin.config;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;

/**
 * Fuzzes the YAML config loader: any text gives a valid config or a {@link ConfigException} with a key path, never
 * another exception type. Seeded with the embedded default config.
 */
class ConfigLoaderFuzzTest {

    @FuzzTest(maxDuration = "100s")
    void parse(byte[] input) {
        String yaml = new String(input, StandardCharsets.UTF_8);
        try {
            assertNotNull(ConfigLoader.parse(yaml, "fuzz.yaml"));
        } catch (ConfigException e) {
            assertNotNull(e.keyPath(), "a config error without a key path");
        }
    }
}
