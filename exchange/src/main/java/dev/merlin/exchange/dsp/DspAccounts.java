package dev.merlin.exchange.dsp;

import dev.merlin.exchange.store.ChronicleMapFiles;
import java.nio.file.Path;
import java.time.LocalDate;
import net.openhft.chronicle.map.ChronicleMap;

/**
 * The exchange's books per UTC day of the auction, persisted in a Chronicle Map under the data dir
 * ({@code dsp-accounts.cm3}) so the reports survive a restart: what each DSP owes for the impressions it won (in
 * the currency it bid in and in the exchange currency, with the count), and what each seller's publishers are owed
 * — gross and net of the take rate — for impressions won by DSPs and by Merlin's own campaigns, apart.
 *
 * <p>A Chronicle Map rather than a pass over the event log: the reports read a day in a few lookups however long the
 * log is, and the log may be rotated away or streamed to Kafka. Each billed impression is booked exactly once
 * because its caller is: {@link DspWinLedger#take} hands a DSP's win to one notice, and the spend ledger charges a
 * campaign's impression once. A process killed between that and the booking loses the booking (never books twice).
 *
 * <p>Amounts are kept in nano-units of their currency (10^-9): a CPM in micros is exactly the price of one
 * impression in nanos, so nothing is rounded before the report adds up the day. Totals saturate at
 * {@code Long.MAX_VALUE} (9.2 billion units a day per key) rather than wrap.
 */
public final class DspAccounts implements AutoCloseable {

    static final String FILE = "dsp-accounts.cm3";
    private static final long DAYS_KEPT = 550;

    /** What a DSP's account counts, per currency it bid in and day. */
    public enum Owed {
        /** Impressions billed. */
        IMPRESSIONS,
        /** What it owes in the currency it bid in, nanos. */
        OWED_NANOS,
        /** The same in the exchange currency, nanos. */
        OWED_EXCHANGE_NANOS
    }

    /** What a seller's account counts per day: impressions, gross and payout (exchange currency, nanos). */
    public enum Payout {
        CAMPAIGN_IMPRESSIONS, CAMPAIGN_GROSS_NANOS, CAMPAIGN_PAYOUT_NANOS,
        DSP_IMPRESSIONS, DSP_GROSS_NANOS, DSP_PAYOUT_NANOS
    }

    private final ChronicleMapFiles.Opened<CharSequence, Long> opened;
    private final long keepPartsPerMillion;

    /**
     * Opens the accounts under {@code dataDir}, sized for {@code dspCurrencies} (DSP, currency) pairs and
     * {@code sellers} sellers over a year and a half; {@code takeRate} is the exchange's cut of what buyers pay.
     */
    public DspAccounts(Path dataDir, int dspCurrencies, int sellers, double takeRate) {
        long keys = (Math.max(1, dspCurrencies) * 3L + Math.max(1, sellers) * 6L) * DAYS_KEPT;
        this.opened = ChronicleMapFiles.open(dataDir, FILE, ChronicleMap.of(CharSequence.class, Long.class)
                .name("merlin-dsp-accounts").entries(Math.max(10_000L, keys)).averageKeySize(48));
        this.keepPartsPerMillion = Math.round((1 - takeRate) * 1_000_000d);
    }

    /**
     * Books a DSP's billed impression: what it owes (its clearing price and the charge in the exchange currency)
     * on the day of its auction, and the seller's payout for it when {@code sellerId} is known.
     */
    public void dspBilled(DspWin win, String sellerId) {
        LocalDate day = day(win.auctionEpochSeconds());
        String account = "d/" + win.dspId() + "/" + win.currency();
        add(account, Owed.IMPRESSIONS.ordinal(), 1, day);
        add(account, Owed.OWED_NANOS.ordinal(), win.clearingMicros(), day);
        add(account, Owed.OWED_EXCHANGE_NANOS.ordinal(), win.chargeMicros(), day);
        if (sellerId != null) {
            String seller = "s/" + sellerId;
            add(seller, Payout.DSP_IMPRESSIONS.ordinal(), 1, day);
            add(seller, Payout.DSP_GROSS_NANOS.ordinal(), win.chargeMicros(), day);
            add(seller, Payout.DSP_PAYOUT_NANOS.ordinal(), payoutNanos(win.chargeMicros()), day);
        }
    }

    /**
     * Books the seller's payout for an impression a Merlin campaign was charged {@code chargedMicros} for (what the
     * advertiser pays for that one impression), on the day of its auction.
     */
    public void campaignCharged(String sellerId, long chargedMicros, long auctionEpochSeconds) {
        if (sellerId == null) {
            return;
        }
        LocalDate day = day(auctionEpochSeconds);
        long grossNanos = saturatingMultiply(Math.max(0, chargedMicros), 1_000L);
        String seller = "s/" + sellerId;
        add(seller, Payout.CAMPAIGN_IMPRESSIONS.ordinal(), 1, day);
        add(seller, Payout.CAMPAIGN_GROSS_NANOS.ordinal(), grossNanos, day);
        add(seller, Payout.CAMPAIGN_PAYOUT_NANOS.ordinal(), payoutNanos(grossNanos), day);
    }

    /** What a DSP's account holds for one currency and day. */
    public long owed(String dspId, String currency, Owed metric, LocalDate day) {
        return get("d/" + dspId + "/" + currency, metric.ordinal(), day);
    }

    /** What a seller's account holds for one day. */
    public long payout(String sellerId, Payout metric, LocalDate day) {
        return get("s/" + sellerId, metric.ordinal(), day);
    }

    /** {@code grossNanos} net of the take rate, rounded down, without overflowing. */
    long payoutNanos(long grossNanos) {
        return grossNanos / 1_000_000L * keepPartsPerMillion + grossNanos % 1_000_000L * keepPartsPerMillion
                / 1_000_000L;
    }

    private static LocalDate day(long epochSeconds) {
        return LocalDate.ofEpochDay(Math.floorDiv(epochSeconds, 86_400L));
    }

    private void add(String account, int metric, long amount, LocalDate day) {
        opened.map().merge(key(account, metric, day), Math.max(0, amount), DspAccounts::saturatingSum);
    }

    private long get(String account, int metric, LocalDate day) {
        Long value = opened.map().get(key(account, metric, day));
        return value == null ? 0 : value;
    }

    private static String key(String account, int metric, LocalDate day) {
        return day + "/" + metric + "/" + account;
    }

    private static Long saturatingSum(Long a, Long b) {
        long sum = a + b;
        return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
    }

    private static long saturatingMultiply(long a, long b) {
        long high = Math.multiplyHigh(a, b);
        long product = a * b;
        return high != 0 || product < 0 ? Long.MAX_VALUE : product;
    }

    @Override
    public void close() {
        opened.close();
    }
}
