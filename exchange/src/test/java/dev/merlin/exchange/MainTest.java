package dev.merlin.exchange;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.merlin.config.ConfigException;
import dev.merlin.config.MerlinConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line: {@code [--config FILE] [--port N] [--data-dir DIR]}. */
class MainTest {

    @Test
    void noFlagsIsTheEmbeddedDemo() {
        MerlinConfig config = Main.configure(new String[0]);
        assertEquals(8080, config.server().port());
        assertEquals("./data", config.dataDir());
        assertTrue(config.advertisers().size() >= 12);
    }

    @Test
    void flagsOverrideTheConfig(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("m.yaml");
        Files.writeString(file, "server:\n  port: 7000\ndataDir: /srv/merlin\n");
        MerlinConfig config = Main.configure(new String[] {"--config", file.toString(), "--port", "9090",
            "--data-dir", dir.toString()});
        assertEquals(9090, config.server().port());
        assertEquals(dir.toString(), config.dataDir());
        assertEquals("http://127.0.0.1:9090", Main.configure(new String[] {"--port", "9090"}).exchange().publicUrl());
    }

    @Test
    void helpReturnsNoConfig() {
        assertNull(Main.configure(new String[] {"--help"}));
    }

    @Test
    void badArgumentsAreNamed() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Main.configure(new String[] {"--bogus"}))
                .getMessage().contains("--bogus"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Main.configure(new String[] {"--port", "x"}))
                .getMessage().contains("--port"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Main.configure(new String[] {"--config"}))
                .getMessage().contains("needs a value"));
        ConfigException range = assertThrows(ConfigException.class,
                () -> Main.configure(new String[] {"--port", "70000"}));
        assertEquals("server.port", range.keyPath());
    }

    @Test
    void aMissingConfigFileIsRefusedBeforeAnythingStarts(@TempDir Path dir) {
        ConfigException e = assertThrows(ConfigException.class,
                () -> Main.configure(new String[] {"--config", dir.resolve("nope.yaml").toString()}));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }
}
