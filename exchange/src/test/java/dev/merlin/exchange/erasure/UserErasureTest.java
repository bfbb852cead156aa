package dev.merlin.exchange.erasure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.merlin.config.ConfigLoader;
import dev.merlin.config.MerlinConfig;
import dev.merlin.config.StoresConfig;
import dev.merlin.exchange.ExchangeRuntime;
import dev.merlin.exchange.auction.Campaign;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import dev.merlin.exchange.privacy.ErasureRegistry;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Another node's erasure while this node's event log refuses records (a full disk; here, a closed log): the
 * registries and the data change at once, and only the log record waits, in a bounded queue. Real stores.
 */
class UserErasureTest {

    private static final long NOW = Instant.parse("2026-06-15T12:00:00Z").getEpochSecond();

    @TempDir
    Path dataDir;

    private ExchangeRuntime node;
    private UserErasure erasure;

    @BeforeEach
    void open() {
        String yaml = "exchange:\n"
                + "  currency: USD\n"
                + "  takeRate: 0.15\n"
                + "  publicUrl: https://merlin.test\n"
                + "advertisers:\n"
                + "  - id: acme\n"
                + "    campaigns:\n"
                + "      - id: c0\n"
                + "        bid: {amount: 3.00}\n"
                + "        pacing: asap\n"
                + "        frequencyCap: {impressions: 5, periodSeconds: 3600}\n"
                + "        creatives:\n"
                + "          - {id: ad, format: banner, w: 300, h: 250, markup: '<a href=\"${CLICK_URL}\">x</a>',"
                + " landingPage: 'https://acme.example/', adomain: [acme.example]}\n";
        MerlinConfig config = ConfigLoader.parse(yaml, "test").withStores(StoresConfig.small(10_000L))
                .withDataDir(dataDir.toString()).withNodeId(2).validate();
        node = ExchangeRuntime.open(config, new ExchangeMetrics(), () -> NOW);
        erasure = node.erasure();
    }

    @AfterEach
    void close() {
        node.close();
    }

    @Test
    void anotherNodesOptOutTakesEffectWhileTheEventLogRefusesItsRecord() {
        long hash = node.identity().userHash().hash("u-remote");
        Campaign campaign = node.tracking().catalog().get(0);
        node.stores().frequency().record(hash, campaign, NOW - 60);
        node.stores().events().close();

        assertEquals(UserErasure.Remote.NOT_LOGGED, erasure.apply(1, "u-remote", true, NOW - 5));

        assertTrue(node.stores().optOuts().contains("u-remote"), "the consent gate refuses the user's data");
        assertEquals(ErasureRegistry.Refusal.USER_OPT_OUT, node.stores().erasures().refusal(hash, NOW - 5),
                "late notices are refused");
        assertEquals(0, node.stores().frequency().impressions(hash, campaign, NOW), "frequency counts erased");
        assertEquals(UserErasure.Remote.KNOWN, erasure.apply(1, "u-remote", true, NOW - 5),
                "a replay is known: it is not applied (nor logged) twice");
    }

    @Test
    void recordsTheLogRefusedWaitInABoundedQueueAndDropsAreCounted() {
        node.stores().events().close();
        for (int i = 0; i <= UserErasure.UNLOGGED_CAPACITY; i++) {
            assertEquals(UserErasure.Remote.NOT_LOGGED, erasure.apply(1, "u-" + i, false, NOW - 5));
        }
        assertEquals(UserErasure.UNLOGGED_CAPACITY, erasure.unlogged());
        assertEquals(1, erasure.unloggedDropped());
        assertEquals(UserErasure.Remote.KNOWN, erasure.apply(1, "u-0", false, NOW - 5));
        assertEquals(0, erasure.logAgain(), "the log still refuses: nothing written");
        assertEquals(UserErasure.UNLOGGED_CAPACITY, erasure.unlogged(), "and nothing lost");
    }
}
