package dev.merlin.exchange.dsp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.LocalDate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The books on a real Chronicle Map file: what DSPs owe and sellers are paid, by day of the auction, kept. */
class DspAccountsTest {

    private static final long NOON = 1_781_524_800L; // 2026-06-15T12:00:00Z
    private static final LocalDate DAY = LocalDate.of(2026, 6, 15);

    @TempDir
    Path dataDir;

    private static DspWin win(String dsp, String currency, long clearingMicros, long chargeMicros, long at) {
        return new DspWin(0, dsp, at, clearingMicros, currency, chargeMicros, "b", "1", null, null, null, null, null,
                false, false, null);
    }

    @Test
    void aDspOwesItsClearingPricePerImpressionInItsCurrencyAndTheExchangesAndSurvivesARestart() {
        try (DspAccounts accounts = new DspAccounts(dataDir, 2, 1, 0.15)) {
            // 1,500 JPY CPM = 1.5 JPY per impression; 10 USD CPM = 0.01 USD
            accounts.dspBilled(win("tokyo", "JPY", 1_500_000_000L, 10_000_000L, NOON), "demo-ssp");
            accounts.dspBilled(win("tokyo", "JPY", 1_500_000_000L, 10_000_000L, NOON + 3_600), "demo-ssp");
            accounts.dspBilled(win("tokyo", "USD", 2_000_000L, 2_000_000L, NOON), null);
            accounts.dspBilled(win("tokyo", "JPY", 1_000_000_000L, 6_000_000L, NOON + 86_400), "demo-ssp");
        }
        try (DspAccounts accounts = new DspAccounts(dataDir, 2, 1, 0.15)) {
            assertEquals(2, accounts.owed("tokyo", "JPY", DspAccounts.Owed.IMPRESSIONS, DAY));
            assertEquals(3_000_000_000L, accounts.owed("tokyo", "JPY", DspAccounts.Owed.OWED_NANOS, DAY),
                    "3 JPY");
            assertEquals(20_000_000L, accounts.owed("tokyo", "JPY", DspAccounts.Owed.OWED_EXCHANGE_NANOS, DAY),
                    "0.02 USD");
            assertEquals(1, accounts.owed("tokyo", "USD", DspAccounts.Owed.IMPRESSIONS, DAY));
            assertEquals(1, accounts.owed("tokyo", "JPY", DspAccounts.Owed.IMPRESSIONS, DAY.plusDays(1)));
            assertEquals(2, accounts.payout("demo-ssp", DspAccounts.Payout.DSP_IMPRESSIONS, DAY),
                    "the DSP win without a seller pays no seller");
            assertEquals(20_000_000L, accounts.payout("demo-ssp", DspAccounts.Payout.DSP_GROSS_NANOS, DAY));
            assertEquals(17_000_000L, accounts.payout("demo-ssp", DspAccounts.Payout.DSP_PAYOUT_NANOS, DAY),
                    "net of the 15% take rate");
        }
    }

    @Test
    void aCampaignsChargedImpressionPaysItsSellerNetOfTheTakeRate() {
        try (DspAccounts accounts = new DspAccounts(dataDir, 1, 1, 0.15)) {
            accounts.campaignCharged("demo-ssp", 1_176, NOON);
            accounts.campaignCharged("demo-ssp", 1_176, NOON);
            accounts.campaignCharged(null, 1_176, NOON);
            assertEquals(2, accounts.payout("demo-ssp", DspAccounts.Payout.CAMPAIGN_IMPRESSIONS, DAY));
            assertEquals(2_352_000L, accounts.payout("demo-ssp", DspAccounts.Payout.CAMPAIGN_GROSS_NANOS, DAY));
            assertEquals(1_999_200L, accounts.payout("demo-ssp", DspAccounts.Payout.CAMPAIGN_PAYOUT_NANOS, DAY));
            assertEquals(0, accounts.payout("demo-ssp", DspAccounts.Payout.DSP_IMPRESSIONS, DAY));
        }
    }

    @Test
    void hugeAmountsSaturateRatherThanWrap() {
        try (DspAccounts accounts = new DspAccounts(dataDir, 1, 1, 0.15)) {
            accounts.dspBilled(win("d", "USD", Long.MAX_VALUE - 1, Long.MAX_VALUE - 1, NOON), "s");
            accounts.dspBilled(win("d", "USD", Long.MAX_VALUE - 1, Long.MAX_VALUE - 1, NOON), "s");
            accounts.campaignCharged("s", Long.MAX_VALUE, NOON);
            assertEquals(Long.MAX_VALUE, accounts.owed("d", "USD", DspAccounts.Owed.OWED_NANOS, DAY));
            assertEquals(Long.MAX_VALUE, accounts.payout("s", DspAccounts.Payout.CAMPAIGN_GROSS_NANOS, DAY));
            assertEquals(Long.MAX_VALUE, accounts.payout("s", DspAccounts.Payout.DSP_GROSS_NANOS, DAY));
        }
    }
}
