package dev.merlin.exchange;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.merlin.config.ConfigLoader;
import dev.merlin.config.MerlinConfig;
import dev.merlin.config.StoresConfig;
import dev.merlin.exchange.auction.CampaignCatalog;
import dev.merlin.exchange.privacy.ErasureRegistry;
import dev.merlin.exchange.privacy.IdentityKeys;
import dev.merlin.exchange.privacy.OptOutRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stores take their sizes from the configuration ({@code stores.*}), real Chronicle files under a temp dir. */
class ExchangeStoresTest {

    private static final byte[] SECRET = "exchange-stores-test-secret".getBytes(StandardCharsets.UTF_8);
    private static final long T0 = 1_780_000_000L;
    /** What each registry would get from {@code segmentUsers} alone: a tenth of it, at least 10,000. */
    private static final long DEFAULT_REGISTRY_ENTRIES = 10_000L;

    @Test
    void theOptOutAndErasureRegistriesAreSizedByTheirOwnKeys(@TempDir Path dataDir) {
        MerlinConfig config = ConfigLoader.loadDefault().withDataDir(dataDir.toString())
                .withStores(StoresConfig.builder().segmentUsers(20_000L).frequencyEntries(10_000L)
                        .chargedImpressions(10_000L).optOutEntries(1_000L).erasureEntries(1_000L).build())
                .validate();
        try (ExchangeStores stores = ExchangeStores.open(config, new CampaignCatalog(config),
                IdentityKeys.of(SECRET).userHash(), () -> T0)) {
            long optOutsHeld = optOutsHeldWhenFull(stores.optOuts());
            long erasuresHeld = erasuresHeldWhenFull(stores.erasures());
            assertTrue(optOutsHeld >= 1_000 && optOutsHeld < DEFAULT_REGISTRY_ENTRIES / 2,
                    "stores.optOutEntries=1000, yet the registry held " + optOutsHeld);
            assertTrue(erasuresHeld >= 1_000 && erasuresHeld < DEFAULT_REGISTRY_ENTRIES / 2,
                    "stores.erasureEntries=1000, yet the registry held " + erasuresHeld);
        }
    }

    /** Adds 45-character keys (a uid's length) until one is not held: how many it held (half the default: never). */
    private static long optOutsHeldWhenFull(OptOutRegistry optOuts) {
        for (int i = 0; i < DEFAULT_REGISTRY_ENTRIES / 2; i++) {
            String key = String.format("key-%041d", i);
            optOuts.add(key, T0);
            if (!optOuts.contains(key)) {
                return i;
            }
        }
        return DEFAULT_REGISTRY_ENTRIES / 2;
    }

    /** Adds user hashes until one is not held: how many it held (half the default: never full). */
    private static long erasuresHeldWhenFull(ErasureRegistry erasures) {
        for (int i = 1; i <= DEFAULT_REGISTRY_ENTRIES / 2; i++) {
            long hash = i * 0x9E37_79B9_7F4A_7C15L;
            erasures.optedOut(hash, T0);
            if (erasures.state(hash) == null) {
                return i - 1;
            }
        }
        return DEFAULT_REGISTRY_ENTRIES / 2;
    }
}
