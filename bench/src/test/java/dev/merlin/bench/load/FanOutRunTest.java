package dev.merlin.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.merlin.config.AuctionConfig;
import dev.merlin.config.ConfigLoader;
import dev.merlin.config.DspConfig;
import dev.merlin.config.MerlinConfig;
import dev.merlin.dspsim.DspSimulator;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The fan-out run's options, the config it forks Merlin with and the budgets it times answers against. */
class FanOutRunTest {

    @Test
    void dspsListsTheCountsWithTheInternalOnlyReferenceFirst() {
        LoadOptions options = LoadOptions.parse("--dsps", "3,1", "--find-max", "--merlin-jvm", "-Xmx512m");
        assertEquals(List.of(0, 1, 3), options.fanOut().dspCounts());
        assertEquals(List.of("-Xmx512m"), options.fanOut().merlinJvmArgs());
        assertEquals("0", options.fanOut().dspLatency());
        assertEquals(30, options.fanOut().forkWarmupSeconds(), "a fresh fork is warmed before it is measured");
        assertEquals(0, LoadOptions.parse("--dsps", "1", "--fork-warmup", "0").fanOut().forkWarmupSeconds());
        assertThrows(IllegalArgumentException.class, () -> LoadOptions.parse("--dsps", "1", "--fork-warmup", "-1"));
        assertFalse(options.measureBare(), "the reference is N = 0, not the bare server");
        assertEquals(List.of(0, 2), LoadOptions.parse("--dsps=2,2,0", "--dsp-latency-ms", "1..3").fanOut()
                .dspCounts());
        assertNull(LoadOptions.parse("--rate", "10").fanOut());
        assertThrows(IllegalArgumentException.class, () -> LoadOptions.parse("--dsps", "1,x"));
        assertThrows(IllegalArgumentException.class, () -> LoadOptions.parse("--dsps", "1.5"));
        assertThrows(IllegalArgumentException.class, () -> LoadOptions.parse("--dsps", "17"));
        assertThrows(IllegalArgumentException.class, () -> LoadOptions.parse("--dsps", "1", "--target",
                "http://127.0.0.1:9090/openrtb2/auction"));
        assertThrows(IllegalArgumentException.class, () -> LoadOptions.parse("--dsps", "1", "--soak"));
        assertThrows(IllegalArgumentException.class, () -> LoadOptions.parse("--dsp-latency-ms", "soon"));
    }

    @Test
    void dspPipeliningIsOneByDefaultAndAWholeNumberTo64() {
        assertEquals(1, LoadOptions.parse("--dsps", "1").fanOut().dspPipelining());
        assertEquals(8, LoadOptions.parse("--dsps", "1,3", "--dsp-pipelining", "8").fanOut().dspPipelining());
        for (String bad : new String[] {"0", "65", "2.5", "many"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> LoadOptions.parse("--dsps", "1", "--dsp-pipelining", bad));
            assertEquals("--dsp-pipelining is 1 to 64: " + bad, e.getMessage());
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void theForkedConfigIsTheDefaultPlusOneDspPerSimulator() throws Exception {
        try (DspSimulator a = DspSimulator.builder().start(); DspSimulator b = DspSimulator.builder().start()) {
            MerlinConfig config = ConfigLoader.parse(FanOutRun.configYaml(List.of(a, b)), "fan-out test");
            List<DspConfig> dsps = config.dsps();
            assertEquals(2, dsps.size());
            assertEquals("load-dsp-1", dsps.get(0).id());
            assertEquals(a.endpoint(), dsps.get(0).endpoint());
            assertEquals(b.endpoint(), dsps.get(1).endpoint());
            assertEquals(0, dsps.get(1).maxQps(), "no QPS cap under load");
            assertEquals(ConfigLoader.loadDefault().sellers().size(), config.sellers().size(),
                    "the default's sellers, so the generator's token is accepted");
            assertTrue(ConfigLoader.parse(FanOutRun.configYaml(List.of()), "none").dsps().isEmpty());
        }
    }

    @Test
    void timesEachRequestAgainstItsEffectiveTmax() throws Exception {
        AuctionConfig auction = ConfigLoader.loadDefault().auction();
        RequestCorpus corpus = new RequestCorpus("test", List.of("a", "b", "c", "d"), List.of(
                body("{\"id\":\"a\",\"tmax\":120}"), body("{\"id\":\"b\"}"), body("{\"id\":\"c\",\"tmax\":5}"),
                body("{\"id\":\"d\",\"tmax\":100000}")), List.of());
        int[] tmax = FanOutRun.tmaxMillis(corpus, auction);
        assertEquals(120, tmax[0]);
        assertEquals(auction.defaultTmaxMs(), tmax[1]);
        assertEquals(auction.minTmaxMs(), tmax[2]);
        assertEquals(auction.maxTmaxMs(), tmax[3]);
    }

    private static byte[] body(String json) {
        return json.getBytes(StandardCharsets.UTF_8);
    }
}
