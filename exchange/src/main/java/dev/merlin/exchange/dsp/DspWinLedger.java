package dev.merlin.exchange.dsp;

import dev.merlin.exchange.auction.ExternalBid;
import dev.merlin.exchange.bid.ExternalWinRecorder;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import dev.merlin.exchange.store.ChronicleMapFiles;
import dev.merlin.protocol.model.Bid;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.DoubleSupplier;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ExternalMapQueryContext;
import net.openhft.chronicle.map.MapEntry;
import net.openhft.chronicle.map.MapSegmentContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The DSP bids that won Merlin's auction and await the seller's notice, persisted in a Chronicle Map under the data
 * dir ({@code dsp-wins.cm3}) so that a restart between the auction and the notice still notifies the DSP. Keyed by
 * Merlin's auction id and the seller's imp id; each entry holds what notifying the DSP needs ({@link DspWin}).
 *
 * <p><b>Exactly once.</b> {@link #take} removes the entry under its segment lock and returns it to exactly one
 * caller, however many threads (or processes mapping the same file) ask at once: the billing notice that takes it
 * fires the DSP's {@code burl} and books what the DSP owes; every repeat finds nothing. {@link #winNotice} flips the
 * entry's win flag under the same lock, so the DSP's {@code nurl} is fired once too while the entry waits for its
 * bill; a DSP that gave no {@code burl} has no bill to wait for, so its win notice takes the entry.
 *
 * <p><b>Bounded.</b> {@code entries} bounds the map (the runtime sizes it from {@code stores.chargedImpressions},
 * the same bound as the commitments of Merlin's own campaigns); a full map refuses the record and the bid path
 * answers no bid to the whole request ({@code commitments_full}: the auction's other commitments are taken back
 * too), as it does when the campaigns' commitments have no room. A DSP's {@code nurl}, {@code burl} and
 * {@code lurl} are kept only up to {@link #MAX_URL_CHARS} each: a longer one refuses the record, so no DSP makes
 * Merlin store megabytes; {@code DspBidValidator} drops such a bid before the auction, so this refusal is a last
 * guard. Entries older than the window ({@code stores.chargedWindowSeconds}: no notice is accepted later)
 * are removed by {@link #purgeExpired}, which the maintenance agent runs.
 *
 * <p>{@link #record} runs on the event loop: it builds the key and the entry's text in this thread's reused
 * builders and puts them (a Chronicle Map write, no I/O wait). Entry text, one line:
 * <pre>
 *   win notified '0'|'1' | nurl served by the seller '0'|'1' | dspIndex | auctionEpochSeconds |
 *   clearingMicros | chargeMicros |
 *   then nine strings, each "length:chars" or "-:" for null:
 *   dspId, currency, bidId, bidImpId, seat, adId, nurl, burl, lurl
 * </pre>
 */
public final class DspWinLedger implements ExternalWinRecorder, AutoCloseable {

    /** The longest {@code nurl}, {@code burl} or {@code lurl} of a DSP's bid Merlin keeps, in chars. */
    public static final int MAX_URL_CHARS = 2048;
    static final String FILE = "dsp-wins.cm3";
    private static final int FIRST_STRING_FIELD = 6;

    private static final Logger LOG = LoggerFactory.getLogger(DspWinLedger.class);
    private static final ThreadLocal<EntryText> ENTRY_TEXT = ThreadLocal.withInitial(EntryText::new);

    private final ChronicleMapFiles.Opened<CharSequence, CharSequence> wins;
    private final long windowSeconds;
    private final AtomicLong recorded = new AtomicLong();
    private final AtomicLong refusedFull = new AtomicLong();
    private final AtomicLong refusedUrlTooLong = new AtomicLong();
    private final AtomicLong expired = new AtomicLong();

    /**
     * Opens the ledger under {@code dataDir}, holding at most {@code entries} wins, each kept {@code windowSeconds}
     * after its auction.
     */
    public DspWinLedger(Path dataDir, long entries, long windowSeconds) {
        if (windowSeconds <= 0) {
            throw new IllegalArgumentException("windowSeconds must be positive: " + windowSeconds);
        }
        this.windowSeconds = windowSeconds;
        this.wins = ChronicleMapFiles.open(dataDir, FILE, ChronicleMap.of(CharSequence.class, CharSequence.class)
                .name("merlin-dsp-wins").entries(Math.max(1_000L, entries)).averageKeySize(40)
                .averageValueSize(600).maxBloatFactor(2.0));
    }

    /**
     * Records a DSP's winning bid for one imp: false, recording nothing, when one of its notice URLs is longer than
     * {@link #MAX_URL_CHARS} or the map is full. Event loop; allocates nothing in the steady state.
     *
     * @param chargeMicros what the DSP pays, exchange-currency micros (CPM)
     */
    @Override
    public boolean record(long auctionId, String impId, ExternalBid winner, long chargeMicros, long nowEpochSeconds) {
        Bid bid = winner.bid;
        if (isTooLong(bid.nurl) || isTooLong(bid.burl) || isTooLong(bid.lurl)) {
            refusedUrlTooLong.incrementAndGet();
            return false;
        }
        EntryText text = ENTRY_TEXT.get();
        StringBuilder entry = text.entry;
        entry.setLength(0);
        // a bid without markup (adm absent) is answered with its own nurl, as BidResponseWriter does: the seller
        // calls it for the markup, so Merlin must not call it again
        boolean isNurlServed = bid.nurl != null && bid.adm == null;
        entry.append('0').append('|').append(isNurlServed ? '1' : '0').append('|').append(winner.dsp).append('|')
                .append(nowEpochSeconds).append('|').append(winner.clearingMicros).append('|').append(chargeMicros)
                .append('|');
        appendField(entry, winner.dspId);
        appendField(entry, winner.currency);
        appendField(entry, bid.id);
        appendField(entry, bid.impid);
        appendField(entry, winner.seat);
        appendField(entry, bid.adid);
        appendField(entry, bid.nurl);
        appendField(entry, bid.burl);
        appendField(entry, bid.lurl);
        appendField(entry, winner.userRegion);
        try {
            wins.map().put(text.key(auctionId, impId), entry);
        } catch (IllegalStateException | IllegalArgumentException e) {
            if (!ChronicleMapFiles.isFull(e)) {
                throw e;
            }
            if (refusedFull.getAndIncrement() == 0) {
                LOG.error("the DSP win map {} is full: DSP bids become no-bids until the maintenance purge removes"
                        + " wins older than the {} s window: {}", FILE, windowSeconds, e.getMessage());
            }
            return false;
        }
        recorded.incrementAndGet();
        return true;
    }

    private static boolean isTooLong(String url) {
        return url != null && url.length() > MAX_URL_CHARS;
    }

    private static void appendField(StringBuilder entry, String value) {
        if (value == null) {
            entry.append("-:");
        } else {
            entry.append(value.length()).append(':').append(value);
        }
    }

    /** Forgets a win whose answer could not be sent. Event loop: allocates nothing (no removed value is read). */
    @Override
    public void release(long auctionId, String impId) {
        try (ExternalMapQueryContext<CharSequence, CharSequence, ?> context =
                     wins.map().queryContext(ENTRY_TEXT.get().key(auctionId, impId))) {
            context.updateLock().lock();
            MapEntry<CharSequence, CharSequence> entry = context.entry();
            if (entry != null) {
                context.remove(entry);
            }
        }
    }

    /**
     * Removes the win of {@code (auctionId, impId)} and returns it, to exactly one caller; null when there is none
     * (never recorded, already taken, or purged).
     */
    public DspWin take(long auctionId, String impId) {
        CharSequence text = wins.map().remove(ENTRY_TEXT.get().key(auctionId, impId));
        return text == null ? null : parse(text);
    }

    /**
     * {@link #take}, and null (the win forgotten, counted as expired) when its auction is more than the window
     * before {@code nowEpochSeconds}.
     */
    public DspWin take(long auctionId, String impId, long nowEpochSeconds) {
        DspWin win = take(auctionId, impId);
        if (win != null && isExpired(win.auctionEpochSeconds(), nowEpochSeconds)) {
            expired.incrementAndGet();
            return null;
        }
        return win;
    }

    /**
     * What Merlin's win notice for {@code (auctionId, impId)} does to its DSP win, to exactly one caller: a win whose
     * DSP gave a {@code burl} is marked win-notified and stays for its billing notice; one without is taken (its win
     * is what bills it). Returns the win as it was before, or null when there is none or it was marked before.
     */
    public DspWin winNotice(long auctionId, String impId) {
        try (ExternalMapQueryContext<CharSequence, CharSequence, ?> context =
                     wins.map().queryContext(ENTRY_TEXT.get().key(auctionId, impId))) {
            context.updateLock().lock();
            MapEntry<CharSequence, CharSequence> entry = context.entry();
            if (entry == null) {
                return null;
            }
            String text = entry.value().get().toString();
            if (text.charAt(0) != '0') {
                return null;
            }
            DspWin win = parse(text);
            if (win.burl() == null) {
                context.remove(entry);
            } else {
                context.replaceValue(entry, context.wrapValueAsData("1" + text.substring(1)));
            }
            return win;
        }
    }

    /** Whether a notice for an auction at {@code auctionEpochSeconds} is too late to be accepted. */
    public boolean isExpired(long auctionEpochSeconds, long nowEpochSeconds) {
        return nowEpochSeconds - auctionEpochSeconds > windowSeconds;
    }

    /**
     * Removes the wins whose auction is more than the window before {@code nowEpochSeconds}: the DSP won but no
     * billing notice came in time, so it owes nothing and is not notified. Returns how many. Maintenance, never on an
     * event loop: it walks the whole map.
     */
    public long purgeExpired(long nowEpochSeconds) {
        long[] removed = new long[1];
        ChronicleMap<CharSequence, CharSequence> map = wins.map();
        for (int segment = 0, segments = map.segments(); segment < segments; segment++) {
            try (MapSegmentContext<CharSequence, CharSequence, ?> context = map.segmentContext(segment)) {
                context.forEachSegmentEntry(entry -> {
                    long auctionEpochSeconds = auctionEpochSeconds(entry.value().get());
                    if (auctionEpochSeconds < 0 || isExpired(auctionEpochSeconds, nowEpochSeconds)) {
                        entry.doRemove();
                        removed[0]++;
                    }
                });
            }
        }
        expired.addAndGet(removed[0]);
        return removed[0];
    }

    /**
     * Exposes the ledger on {@code metrics}: {@code merlin_dsp_wins} (awaiting their notice),
     * {@code merlin_dsp_wins_recorded_total}, {@code merlin_dsp_wins_refused_total{reason=full|url_too_long}} and
     * {@code merlin_dsp_wins_expired_total} (won, never billed within the window).
     */
    public void registerMetrics(ExchangeMetrics metrics) {
        metrics.gauge("merlin_dsp_wins", "DSP wins awaiting Merlin's win or billing notice", this::size);
        metrics.counter("merlin_dsp_wins_recorded_total", "DSP wins recorded for their notice", recorded::get);
        Map<String, DoubleSupplier> refused = new LinkedHashMap<>();
        refused.put("full", refusedFull::get);
        refused.put("url_too_long", refusedUrlTooLong::get);
        metrics.counter("merlin_dsp_wins_refused_total", "DSP wins not recorded (the bid became a no-bid), by reason:"
                + " full (the win map had no room), url_too_long (a notice URL over " + MAX_URL_CHARS + " chars)",
                "reason", refused);
        metrics.counter("merlin_dsp_wins_expired_total", "DSP wins forgotten unbilled: no billing notice within the"
                + " window", expired::get);
    }

    /** Wins awaiting their notice. */
    public long size() {
        return wins.map().longSize();
    }

    /** Wins recorded since start. */
    public long recorded() {
        return recorded.get();
    }

    /** Records refused because the map was full. */
    public long refusedFull() {
        return refusedFull.get();
    }

    /** Records refused because a notice URL of the bid was longer than {@link #MAX_URL_CHARS}. */
    public long refusedUrlTooLong() {
        return refusedUrlTooLong.get();
    }

    /** Wins forgotten unbilled: purged, or taken after the window. */
    public long expired() {
        return expired.get();
    }

    /** The auction time an entry's text carries, or -1 when the text is not an entry. */
    private static long auctionEpochSeconds(CharSequence text) {
        int start = 0;
        for (int field = 0; field < 3 && start >= 0; field++) {
            start = indexOf(text, '|', start);
            start = start < 0 ? -1 : start + 1;
        }
        int end = start < 0 ? -1 : indexOf(text, '|', start);
        if (end < 0) {
            return -1;
        }
        try {
            return Long.parseLong(text, start, end, 10);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static int indexOf(CharSequence text, char c, int from) {
        for (int i = from; i < text.length(); i++) {
            if (text.charAt(i) == c) {
                return i;
            }
        }
        return -1;
    }

    /** The win an entry's text describes; an entry this class did not write is a bug, not input. */
    static DspWin parse(CharSequence entry) {
        String text = entry.toString();
        long[] numbers = new long[FIRST_STRING_FIELD];
        int at = 0;
        for (int i = 0; i < FIRST_STRING_FIELD; i++) {
            int bar = text.indexOf('|', at);
            numbers[i] = Long.parseLong(text, at, bar, 10);
            at = bar + 1;
        }
        String[] strings = new String[10];
        for (int i = 0; i < strings.length && at < text.length(); i++) {
            int colon = text.indexOf(':', at);
            if (text.charAt(at) == '-') {
                at = colon + 1;
                continue;
            }
            int length = Integer.parseInt(text, at, colon, 10);
            strings[i] = text.substring(colon + 1, colon + 1 + length);
            at = colon + 1 + length;
        }
        return new DspWin((int) numbers[2], strings[0], numbers[3], numbers[4], strings[1], numbers[5], strings[2],
                strings[3], strings[4], strings[5], strings[6], strings[7], strings[8], numbers[0] == 1,
                numbers[1] == 1, strings[9]);
    }

    /** One thread's builders for an entry's key and text, so that recording allocates nothing. */
    private static final class EntryText {
        private static final char[] HEX = "0123456789abcdef".toCharArray();
        final StringBuilder key = new StringBuilder(64);
        final StringBuilder entry = new StringBuilder(1024);

        /** The key of {@code (auctionId, impId)}: the auction id in hex, U+0001, the imp id. */
        StringBuilder key(long auctionId, CharSequence impId) {
            key.setLength(0);
            int digits = Math.max(1, (Long.SIZE - Long.numberOfLeadingZeros(auctionId) + 3) / 4);
            for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) {
                key.append(HEX[(int) (auctionId >>> shift) & 0xF]);
            }
            return key.append('\u0001').append(impId);
        }
    }

    @Override
    public void close() {
        wins.close();
    }
}
