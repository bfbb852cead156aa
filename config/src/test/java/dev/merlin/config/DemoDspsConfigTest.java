package dev.merlin.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code examples/demo-dsps.yaml}, the config {@code make demo} starts Merlin on, loads and validates as shipped. */
class DemoDspsConfigTest {

    private static final Path DEMO = Path.of("../examples/demo-dsps.yaml");

    @Test
    void theDemoConfigValidatesWithItsTwoDsps() {
        assertTrue(Files.isRegularFile(DEMO), "the demo config is part of the repository: " + DEMO.toAbsolutePath());
        MerlinConfig demo = ConfigLoader.load(DEMO).validate();
        List<DspConfig> dsps = demo.dsps();
        assertEquals(List.of("tokyo-dsp", "frankfurt-dsp"), dsps.stream().map(DspConfig::id).toList());
        assertEquals(List.of("JPN", "DEU"), dsps.stream().map(DspConfig::region).toList(), "two regions");
        assertEquals(8, dsps.get(0).pipelining(), "the Tokyo simulator takes pipelined requests");
        assertEquals(1, dsps.get(1).pipelining(), "Frankfurt: one request per connection at a time, the default");
        assertEquals("2.5", dsps.get(1).openrtb());
    }
}
