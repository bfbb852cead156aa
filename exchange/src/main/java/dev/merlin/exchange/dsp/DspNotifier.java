package dev.merlin.exchange.dsp;

import dev.merlin.config.DspConfig;
import dev.merlin.exchange.auction.ExternalBid;
import dev.merlin.exchange.auction.PriceCrypto;
import dev.merlin.exchange.flows.FlowRecorder;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import dev.merlin.exchange.transport.IoTransport;
import io.netty.resolver.dns.DnsServerAddressStreamProvider;
import io.netty.resolver.dns.DnsServerAddressStreamProviders;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.agrona.concurrent.ManyToManyConcurrentArrayQueue;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls DSPs' {@code nurl}, {@code burl} and {@code lurl} server to server, off the event loops: {@link #win},
 * {@link #bill} and {@link #loss} fill a pooled slot and queue it (lock-free, allocation-free, never waiting, never
 * waking anyone). The {@link NoticeTransport}'s own event loop (Netty, keep-alive connections) takes them in passes,
 * every {@link Settings#passInterval}: it fills each URL's macros ({@link NoticeMacros}) and calls it, at most
 * {@link Settings#maxInFlight} calls at once, and a call that ends frees its room at once (a pass follows it when
 * notices wait). Each pass's calls go out together, and loss notices to one origin share a connection pipelined
 * ({@link Settings#pipelinedLosses}), so a busy exchange pays a write, a read and a wake-up per pass and origin rather
 * than per notice, and no thread but that loop.
 *
 * <p>Bounded everywhere: the pool holds {@link Settings#queueCapacity} notices (queued, in flight or waiting to be
 * retried); when it is empty a new notice is dropped and counted, never waited for. A call times out after
 * {@link Settings#callTimeout}; its answer's body is discarded after {@link #MAX_BODY_BYTES} at most. A network error
 * or a 5xx is retried up to {@link Settings#maxAttempts} calls in all, the wait doubling from
 * {@link Settings#firstRetryDelay}; a 4xx is not retried (the DSP refused the URL, asking again changes nothing).
 * Only {@code http} and {@code https} URLs of at most {@link #MAX_URL_CHARS} characters are called; a URL naming a
 * loopback or private address is called all the same (tests use 127.0.0.1), since the DSP could point its own name
 * anywhere.
 *
 * <p>Win and billing notices carry money; loss notices do not and come in far greater numbers (one per losing bid), so
 * losses may take at most three quarters of the pool's slots and of the calls under way, and one DSP's losses at most
 * half of those calls when several DSPs are configured: a DSP whose losing bids name a host that hangs or fails
 * delays neither another DSP's losses nor any win or bill.
 *
 * <p>{@link #close} stops accepting, then lets the loop finish every accepted notice — queued, in flight, or
 * waiting for a retry — within {@link Settings#drainTimeout}; what is left then is counted as dropped.
 *
 * <p>Counted per DSP and kind ({@code merlin_dsp_notices_total{dsp,kind,outcome}}): {@code sent} (answered 1xx-3xx),
 * {@code failed} (a 4xx, or the last attempt failed), {@code retried} (each new attempt), {@code dropped} (the pool
 * was full, the notifier closing, or the drain ran out of time), {@code invalid} (not a URL Merlin calls).
 */
public final class DspNotifier implements AutoCloseable {

    /** The most of an answer's body read before the call is cut; it is discarded anyway. */
    public static final int MAX_BODY_BYTES = 4 * 1024;
    /** The longest URL called, macros filled in. */
    public static final int MAX_URL_CHARS = 8 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(DspNotifier.class);

    /** What a notice tells the DSP. */
    public enum Kind {
        /** Its bid won ({@code nurl}). */
        WIN,
        /** Its won impression is billable ({@code burl}). */
        BILL,
        /** Its bid lost ({@code lurl}). */
        LOSS;

        final String label = name().toLowerCase(Locale.ROOT);
    }

    /** What became of a notice. */
    public enum Outcome {
        SENT, FAILED, RETRIED, DROPPED, INVALID;

        final String label = name().toLowerCase(Locale.ROOT);
    }

    /**
     * The notifier's bounds.
     *
     * @param queueCapacity   notices queued, in flight or awaiting a retry, at most (rounded up to a power of two)
     * @param maxInFlight     calls under way at once
     * @param maxAttempts     calls of one notice in all, the first included
     * @param firstRetryDelay the wait before the first retry; it doubles for each next one
     * @param callTimeout     the longest one call may take to connect and answer
     * @param drainTimeout    the longest {@link #close} waits for accepted notices to be done
     * @param pipelinedLosses loss notices sent on one keep-alive connection before their answers (HTTP/1.1
     *                        pipelining of GETs, RFC 9112 9.3.2); 1 = one at a time. Win and billing notices, which
     *                        carry money, always have a connection to themselves
     * @param passInterval    how often the loop looks for queued notices and due retries: the most a notice waits
     *                        before its call while calls are under way, and the loop's wake-ups when idle
     */
    public record Settings(int queueCapacity, int maxInFlight, int maxAttempts, Duration firstRetryDelay,
                           Duration callTimeout, Duration drainTimeout, int pipelinedLosses, Duration passInterval) {

        /** The pass interval of {@link #defaults}: 200 wake-ups a second when idle, a few ms added to a notice. */
        public static final Duration DEFAULT_PASS_INTERVAL = Duration.ofMillis(5);

        /**
         * 4,096 notices, 64 in flight, 3 attempts from 200 ms, 2 s per call, 5 s to drain, 8 losses pipelined, a pass
         * every 5 ms.
         */
        public static Settings defaults() {
            return new Settings(4_096, 64, 3, Duration.ofMillis(200), Duration.ofSeconds(2), Duration.ofSeconds(5), 8);
        }

        /** These bounds, with a pass every {@link #DEFAULT_PASS_INTERVAL}. */
        public Settings(int queueCapacity, int maxInFlight, int maxAttempts, Duration firstRetryDelay,
                        Duration callTimeout, Duration drainTimeout, int pipelinedLosses) {
            this(queueCapacity, maxInFlight, maxAttempts, firstRetryDelay, callTimeout, drainTimeout, pipelinedLosses,
                    DEFAULT_PASS_INTERVAL);
        }

        public Settings {
            if (pipelinedLosses < 1) {
                throw new IllegalArgumentException("pipelinedLosses must be at least 1: " + pipelinedLosses);
            }
            if (maxInFlight < 1) {
                throw new IllegalArgumentException("maxInFlight must be at least 1: " + maxInFlight);
            }
            if (passInterval.isNegative() || passInterval.isZero()) {
                throw new IllegalArgumentException("passInterval must be positive: " + passInterval);
            }
        }
    }

    private final Settings settings;
    /** Per DSP: its id, and whether a refused notice address was logged (the loop's). */
    private final String[] dspIds;
    private final boolean[] refusedLogged;
    private final PriceCrypto[] cryptos;
    private final CounterDataPoint[][][] counts;
    private final ManyToManyConcurrentArrayQueue<Notice> free;
    private final ManyToOneConcurrentArrayQueue<Notice> queued;
    private final NoticeTransport transport;
    /** The passes on the transport's loop, every {@link Settings#passInterval}; cancelled once drained. */
    private final ScheduledFuture<?> passes;
    /** Done once {@link #close} has nothing left to wait for: every accepted notice ended, or dropped. */
    private final CompletableFuture<Void> drained = new CompletableFuture<>();
    private final Map<String, Integer> dspIndexes = new HashMap<>();
    private final AtomicLong unknownDsps = new AtomicLong();
    /** The loop's: notices waiting for their retry, soonest first. */
    private final PriorityQueue<Notice> retries = new PriorityQueue<>(Comparator.comparingLong(n -> n.dueNanos));
    /** The loop's: notices whose call is under way. */
    private final Set<Notice> inFlight = Collections.newSetFromMap(new IdentityHashMap<>());
    /**
     * The loop's, per DSP: loss notices due to start while losses (or that DSP's losses) had their share of the calls
     * under way, oldest first; started in turn, one DSP after another.
     */
    private final ArrayDeque<Notice>[] waitingLosses;
    /** The loop's: how many notices {@link #waitingLosses} holds, over every DSP. */
    private int waitingLossCount;
    /** The loop's: the DSP whose waiting losses are offered a call first in the next turn. */
    private int nextWaitingDsp;
    /** The loop's: loss notices among {@link #inFlight}, in all and per DSP. */
    private int lossesInFlight;
    private final int[] lossesInFlightByDsp;
    /** The most loss notices under way at once: three quarters of {@link Settings#maxInFlight}, at least one. */
    private final int maxLossesInFlight;
    /**
     * The most one DSP's loss notices under way at once: half the losses' share when several DSPs are configured, so
     * one whose {@code lurl}s hang holds back no other's.
     */
    private final int maxLossesPerDsp;
    /** Slots of the pool loss notices may hold at once: three quarters; the rest are kept for wins and bills. */
    private final int maxLossSlots;
    /** Slots loss notices hold now, claimed by any thread (exact where a look at the pool's size is not). */
    private final AtomicInteger lossSlots = new AtomicInteger();
    /** The loop's: the calls of this pass, handed to the transport at once (one flush per connection). */
    private final List<Notice> batch = new ArrayList<>();
    /** The loop's: a pass is asked for, to start what waited for the room a call that ended left. */
    private boolean passPending;
    private volatile boolean isClosing;
    private volatile FlowRecorder flows = FlowRecorder.NONE;
    private volatile long drainDeadlineNanos;

    /**
     * Starts the loop's passes for the configured {@code dsps} (by their index in that list), counting on
     * {@code metrics}, on the transport {@code auto} chooses.
     */
    public DspNotifier(List<DspConfig> dsps, Settings settings, ExchangeMetrics metrics) {
        this(dsps, settings, metrics, IoTransport.choose("auto"));
    }

    /** As {@link #DspNotifier(List, Settings, ExchangeMetrics)}, its loop on {@code io}. */
    public DspNotifier(List<DspConfig> dsps, Settings settings, ExchangeMetrics metrics, IoTransport io) {
        this(dsps, settings, metrics, io, NoticeAddresses.of(dsps));
    }

    /** As the public constructors; notices go only where {@code addresses} permits. */
    DspNotifier(List<DspConfig> dsps, Settings settings, ExchangeMetrics metrics, IoTransport io,
                NoticeAddresses addresses) {
        this(dsps, settings, metrics, io, addresses, DnsServerAddressStreamProviders.platformDefault());
    }

    /** As above; notice hosts are looked up on {@code nameServers} (the system's in production). */
    DspNotifier(List<DspConfig> dsps, Settings settings, ExchangeMetrics metrics, IoTransport io,
                NoticeAddresses addresses, DnsServerAddressStreamProvider nameServers) {
        this.settings = settings;
        this.refusedLogged = new boolean[dsps.size()];
        this.dspIds = new String[dsps.size()];
        this.cryptos = new PriceCrypto[dsps.size()];
        this.counts = new CounterDataPoint[dsps.size()][Kind.values().length][Outcome.values().length];
        Counter counter = metrics.labelledCounter("merlin_dsp_notices_total", "Win, billing and loss notices Merlin"
                + " called on DSPs, by DSP, kind and outcome: sent (1xx-3xx), failed (4xx, or the last attempt failed),"
                + " retried (each new attempt after a network error or 5xx), dropped (queue full or shutting down),"
                + " invalid (not an http(s) URL of bounded length, or its host is not public and not the DSP's"
                + " endpoint)", "dsp", "kind", "outcome");
        for (int d = 0; d < dsps.size(); d++) {
            DspConfig dsp = dsps.get(d);
            dspIndexes.put(dsp.id(), d);
            dspIds[d] = dsp.id();
            if (dsp.priceKeys() != null) {
                cryptos[d] = new PriceCrypto(dsp.priceKeys().encryptionKeyBytes(),
                        dsp.priceKeys().integrityKeyBytes());
            }
            for (Kind kind : Kind.values()) {
                for (Outcome outcome : Outcome.values()) {
                    counts[d][kind.ordinal()][outcome.ordinal()] = counter.labelValues(dsp.id(), kind.label,
                            outcome.label);
                }
            }
        }
        this.free = new ManyToManyConcurrentArrayQueue<>(settings.queueCapacity());
        int slots = free.capacity();
        for (int i = 0; i < slots; i++) {
            free.offer(new Notice().clear());
        }
        this.queued = new ManyToOneConcurrentArrayQueue<>(slots);
        this.maxLossSlots = slots - slots / 4;
        this.maxLossesInFlight = Math.max(1, settings.maxInFlight() * 3 / 4);
        this.maxLossesPerDsp = dsps.size() <= 1 ? maxLossesInFlight : Math.max(1, maxLossesInFlight / 2);
        this.lossesInFlightByDsp = new int[dsps.size()];
        this.waitingLosses = newDeques(dsps.size());
        this.transport = new NoticeTransport(io, settings.callTimeout(), settings.pipelinedLosses(), addresses,
                nameServers, this::ended);
        long every = settings.passInterval().toNanos();
        this.passes = transport.loop().scheduleWithFixedDelay(this::pass, every, every, TimeUnit.NANOSECONDS);
    }

    /**
     * Queues the DSP's {@code nurl}: the seller told Merlin its bid won. {@code requestId} is the id of the request
     * the DSP was sent ({@code ${AUCTION_ID}}); {@code auctionId} Merlin's, part of an encrypted price's IV. False
     * when not queued (no {@code nurl}, or dropped and counted).
     */
    public boolean win(DspWin win, String requestId, long auctionId) {
        return won(Kind.WIN, win.nurl(), win, requestId, auctionId, -1);
    }

    /** Queues the DSP's {@code burl}: its won impression is billable. As {@link #win} otherwise. */
    public boolean bill(DspWin win, String requestId, long auctionId) {
        return won(Kind.BILL, win.burl(), win, requestId, auctionId, -1);
    }

    /**
     * Queues the DSP's {@code lurl} for a bid that won Merlin's auction but lost at the seller, with
     * {@code ${AUCTION_LOSS}} = {@code lossCode} (OpenRTB's reasons; -1 when the seller gave none) and the price
     * macro empty. As {@link #win} otherwise.
     */
    public boolean lostAtSeller(DspWin win, String requestId, long auctionId, int lossCode) {
        return won(Kind.LOSS, win.lurl(), win, requestId, auctionId, lossCode);
    }

    private boolean won(Kind kind, String url, DspWin win, String requestId, long auctionId, int lossCode) {
        // by id, not by the index recorded with the win: the DSP list may have changed across a restart
        Integer dsp = dspIndexes.get(win.dspId());
        if (dsp == null) {
            if (unknownDsps.getAndIncrement() == 0) {
                LOG.warn("a {} notice for DSP {}, which is no longer configured, was not sent", kind.label,
                        win.dspId());
            }
            return false;
        }
        Notice notice = claim(dsp, kind, url);
        if (notice == null) {
            return false;
        }
        notice.requestId = requestId;
        notice.bidId = win.bidId();
        notice.impId = win.impId();
        notice.seat = win.seat();
        notice.adId = win.adId();
        notice.currency = win.currency();
        notice.priceMicros = kind == Kind.LOSS ? -1 : win.clearingMicros();
        notice.lossCode = lossCode;
        notice.auctionId = auctionId;
        notice.auctionEpochSeconds = win.auctionEpochSeconds();
        notice.userRegion = win.userRegion();
        return queue(notice);
    }

    /**
     * Queues a losing DSP bid's {@code lurl} with {@code ${AUCTION_LOSS}} = its {@link ExternalBid#lossCode} and
     * {@code ${AUCTION_MIN_TO_WIN}} = its {@link ExternalBid#minToWinMicros} when known; false when not queued.
     * Copies what it needs out of {@code loser} (a pooled bid the caller reuses); allocates nothing, never waits:
     * event loop.
     *
     * @param requestId the id of the request the DSP was sent ({@code ${AUCTION_ID}})
     */
    public boolean loss(int dspIndex, String lurl, ExternalBid loser, String requestId, long auctionId,
                        long auctionEpochSeconds) {
        Notice notice = claim(dspIndex, Kind.LOSS, lurl);
        if (notice == null) {
            return false;
        }
        notice.requestId = requestId;
        notice.bidId = loser.bid == null ? null : loser.bid.id;
        notice.impId = loser.bid == null ? null : loser.bid.impid;
        notice.adId = loser.bid == null ? null : loser.bid.adid;
        notice.seat = loser.seat;
        notice.currency = loser.currency;
        notice.lossCode = loser.lossCode;
        notice.minToWinMicros = loser.minToWinMicros;
        notice.auctionId = auctionId;
        notice.auctionEpochSeconds = auctionEpochSeconds;
        notice.userRegion = loser.userRegion;
        return queue(notice);
    }

    /** A slot from the pool for a call to {@code url}, or null: no URL, an unknown DSP, or none left (counted). */
    private Notice claim(int dsp, Kind kind, String url) {
        if (url == null || url.isEmpty() || dsp < 0 || dsp >= counts.length) {
            return null;
        }
        boolean isLoss = kind == Kind.LOSS;
        boolean isRoomy = !isLoss || lossSlots.incrementAndGet() <= maxLossSlots;
        Notice notice = isClosing || !isRoomy ? null : free.poll();
        if (notice == null) {
            if (isLoss) {
                lossSlots.decrementAndGet();
            }
            counted(dsp, kind, Outcome.DROPPED);
            return null;
        }
        notice.kind = kind;
        notice.dsp = dsp;
        notice.template = url;
        return notice;
    }

    private boolean queue(Notice notice) {
        // the queue holds as many as the pool: a slot taken from the pool always fits
        queued.offer(notice);
        return true;
    }

    private void counted(int dsp, Kind kind, Outcome outcome) {
        counts[dsp][kind.ordinal()][outcome.ordinal()].inc();
    }

    /** Reports each notice sent (answered 1xx-3xx) to {@code recorder}, the data-flow ledger. */
    public void recordFlowsTo(FlowRecorder recorder) {
        this.flows = recorder;
    }

    /** Notices of won bids not sent because their DSP is no longer configured. */
    public long unknownDsps() {
        return unknownDsps.get();
    }

    /** The transport its loop runs on (for tests). */
    IoTransport loopTransport() {
        return IoTransport.of(transport.loop());
    }

    /** The keep-alive connections the transport keeps for later notices (for tests). */
    int keptConnections() {
        return transport.keptConnections();
    }

    /** Notices of {@code kind} to the DSP at {@code dspIndex} that came to {@code outcome} so far. */
    public long count(int dspIndex, Kind kind, Outcome outcome) {
        return (long) counts[dspIndex][kind.ordinal()][outcome.ordinal()].get();
    }

    /**
     * One pass on the loop: starts the retries that are due and the queued notices, as many as
     * {@link Settings#maxInFlight} allows, and hands this pass's calls to the transport together (one flush per
     * connection). Ends the drain once closing and nothing is left, or the drain's time is out. Never throws: a
     * periodic task that threw would never run again.
     */
    private void pass() {
        passPending = false;
        if (drained.isDone()) {
            return;
        }
        try {
            long now = System.nanoTime();
            startWaitingLosses();
            while (inFlight.size() < settings.maxInFlight() && !retries.isEmpty()
                    && retries.peek().dueNanos - now <= 0) {
                callOrWait(retries.poll());
            }
            Notice next;
            while (inFlight.size() < settings.maxInFlight() && (next = queued.poll()) != null) {
                start(next);
            }
            if (!batch.isEmpty()) {
                try {
                    transport.startAll(batch);
                } finally {
                    // never handed over twice, even when the transport threw halfway
                    batch.clear();
                }
            }
            if (isClosing) {
                if (queued.isEmpty() && retries.isEmpty() && waitingLossCount == 0 && inFlight.isEmpty()) {
                    drainEnded();
                } else if (System.nanoTime() - drainDeadlineNanos > 0) {
                    dropAll();
                    drainEnded();
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("a pass of the DSP notifier failed; the next runs as usual", e);
        }
    }

    private void drainEnded() {
        if (passes != null) {
            passes.cancel(false);
        }
        drained.complete(null);
    }

    /** Fills in a new notice's URL and calls it, or counts it invalid. */
    private void start(Notice notice) {
        String url;
        try {
            url = notice.template.length() > MAX_URL_CHARS ? null
                    : NoticeMacros.fill(notice.template, notice, cryptos[notice.dsp]);
        } catch (RuntimeException e) {
            // the loop must outlive whatever one DSP's URL does to the macro code
            LOG.warn("cannot fill the macros of a {} notice for DSP {}: {}", notice.kind.label, notice.dsp,
                    e.toString());
            url = null;
        }
        URI uri = url == null || url.length() > MAX_URL_CHARS ? null : callable(url);
        if (uri == null) {
            counted(notice.dsp, notice.kind, Outcome.INVALID);
            recycle(notice);
            return;
        }
        notice.url = url;
        notice.uri = uri;
        callOrWait(notice);
    }

    /** The URL as a URI Merlin calls (http or https, with a host), or null. */
    static URI callable(String url) {
        try {
            URI uri = new URI(url);
            String scheme = uri.getScheme();
            if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
                    || uri.getHost() == null) {
                return null;
            }
            return uri;
        } catch (URISyntaxException e) {
            return null;
        }
    }

    /**
     * Adds the notice to this pass's calls, or, a loss while losses (or its DSP's losses) have their share of the
     * calls, lets it wait.
     */
    private void callOrWait(Notice notice) {
        if (notice.kind == Kind.LOSS && (lossesInFlight >= maxLossesInFlight
                || lossesInFlightByDsp[notice.dsp] >= maxLossesPerDsp)) {
            waitingLosses[notice.dsp].add(notice);
            waitingLossCount++;
        } else {
            call(notice);
        }
    }

    /** Starts waiting losses while there is room, one DSP's after another's, skipping DSPs at their share. */
    private void startWaitingLosses() {
        int dsps = waitingLosses.length;
        int withoutStart = 0;
        while (waitingLossCount > 0 && withoutStart < dsps && inFlight.size() < settings.maxInFlight()
                && lossesInFlight < maxLossesInFlight) {
            int dsp = nextWaitingDsp;
            nextWaitingDsp = dsp + 1 == dsps ? 0 : dsp + 1;
            ArrayDeque<Notice> waiting = waitingLosses[dsp];
            if (waiting.isEmpty() || lossesInFlightByDsp[dsp] >= maxLossesPerDsp) {
                withoutStart++;
            } else {
                waitingLossCount--;
                call(waiting.poll());
                withoutStart = 0;
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static ArrayDeque<Notice>[] newDeques(int count) {
        ArrayDeque<Notice>[] deques = (ArrayDeque<Notice>[]) new ArrayDeque<?>[count];
        for (int i = 0; i < count; i++) {
            deques[i] = new ArrayDeque<>();
        }
        return deques;
    }

    /** Adds the notice to this pass's calls. */
    private void call(Notice notice) {
        notice.attempts++;
        inFlight.add(notice);
        if (notice.kind == Kind.LOSS) {
            lossesInFlight++;
            lossesInFlightByDsp[notice.dsp]++;
        }
        batch.add(notice);
    }

    /**
     * A call ended (on the loop, from the transport): counts it, recycles its slot or schedules its retry, and when
     * notices wait for the room it left, asks for a pass right after this read (never inside it: the connection that
     * ended the call is still reading).
     */
    private void ended(Notice notice, int status, Throwable failure) {
        if (!inFlight.remove(notice)) {
            // dropped by a drain that ran out of time: already counted
            return;
        }
        if (notice.kind == Kind.LOSS) {
            lossesInFlight--;
            lossesInFlightByDsp[notice.dsp]--;
        }
        if (failure instanceof NoticeAddresses.Refused) {
            // never called, never retried: the DSP's URL names an address inside Merlin's network
            counted(notice.dsp, notice.kind, Outcome.INVALID);
            if (!refusedLogged[notice.dsp]) {
                refusedLogged[notice.dsp] = true;
                LOG.warn("{} notice for DSP {} refused (counted invalid; logged once per DSP): {}", notice.kind.label,
                        dspIds[notice.dsp], failure.getMessage());
            }
            recycle(notice);
        } else if (failure == null && status < 400) {
            counted(notice.dsp, notice.kind, Outcome.SENT);
            flows.notice(notice.dsp, notice.userRegion);
            recycle(notice);
        } else if (failure == null && status < 500) {
            counted(notice.dsp, notice.kind, Outcome.FAILED);
            recycle(notice);
        } else if (notice.attempts >= settings.maxAttempts()) {
            counted(notice.dsp, notice.kind, Outcome.FAILED);
            if (failure != null) {
                LOG.debug("{} notice to DSP {} failed: {}", notice.kind.label, notice.dsp, failure);
            }
            recycle(notice);
        } else {
            counted(notice.dsp, notice.kind, Outcome.RETRIED);
            long delayNanos = settings.firstRetryDelay().toNanos() << (notice.attempts - 1);
            notice.dueNanos = System.nanoTime() + delayNanos;
            retries.add(notice);
        }
        if (!passPending && (!queued.isEmpty() || waitingLossCount > 0)) {
            passPending = true;
            transport.loop().execute(this::pass);
        }
    }

    /**
     * Drops and counts every notice not yet called or answered (the drain ran out of time). A call whose host is still
     * being looked up loses its URL, so the lookup's late answer starts no call.
     */
    private void dropAll() {
        for (Notice notice : inFlight) {
            counted(notice.dsp, notice.kind, Outcome.DROPPED);
            notice.uri = null;
        }
        inFlight.clear();
        lossesInFlight = 0;
        Arrays.fill(lossesInFlightByDsp, 0);
        Notice notice;
        while ((notice = retries.poll()) != null) {
            counted(notice.dsp, notice.kind, Outcome.DROPPED);
        }
        for (ArrayDeque<Notice> waiting : waitingLosses) {
            while ((notice = waiting.poll()) != null) {
                counted(notice.dsp, notice.kind, Outcome.DROPPED);
            }
        }
        waitingLossCount = 0;
        while ((notice = queued.poll()) != null) {
            counted(notice.dsp, notice.kind, Outcome.DROPPED);
        }
    }

    private void recycle(Notice notice) {
        if (notice.kind == Kind.LOSS) {
            lossSlots.decrementAndGet();
        }
        free.offer(notice.clear());
    }

    /**
     * Stops accepting notices and waits, at most {@link Settings#drainTimeout} (plus a call's timeout), for every
     * accepted one to be called and answered or given up; then stops the loop. Idempotent.
     */
    @Override
    public void close() {
        if (isClosing) {
            return;
        }
        drainDeadlineNanos = System.nanoTime() + settings.drainTimeout().toNanos();
        isClosing = true;
        try {
            drained.get(settings.drainTimeout().plus(settings.callTimeout()).toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("the DSP notifier did not drain within {}", settings.drainTimeout());
        }
        // a producer that saw the notifier open just before close may have queued after the last pass looked
        Notice late;
        while (drained.isDone() && (late = queued.poll()) != null) {
            counted(late.dsp, late.kind, Outcome.DROPPED);
        }
        transport.close();
    }
}
