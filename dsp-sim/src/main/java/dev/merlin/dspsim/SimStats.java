package dev.merlin.dspsim;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * What a simulator received and how it answered, live and thread-safe: what tests assert and {@code GET /stats}
 * shows.
 */
public final class SimStats {

    /** The request headers whose values are counted ({@link #headerValueCount}). */
    public static final List<String> COUNTED_HEADERS = List.of("content-encoding", "accept-encoding",
            "x-openrtb-version");
    /** The value counted for a counted header the request does not carry. */
    public static final String ABSENT = "(none)";

    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final int recentNotices;
    private final LongAdder requests = new LongAdder();
    private final LongAdder bidAnswers = new LongAdder();
    private final LongAdder bids = new LongAdder();
    private final LongAdder noBids = new LongAdder();
    private final LongAdder badRequests = new LongAdder();
    private final LongAdder gzipAnswers = new LongAdder();
    private final Map<Fault, LongAdder> faults = new EnumMap<>(Fault.class);
    private final Map<NoticeKind, LongAdder> notices = new EnumMap<>(NoticeKind.class);
    private final Map<NoticeKind, ArrayDeque<String>> recent = new EnumMap<>(NoticeKind.class);
    private final Map<String, Map<String, LongAdder>> headerValues = new ConcurrentHashMap<>();
    private volatile ReceivedRequest lastRequest;
    private volatile int lastTmaxMillis = -1;

    SimStats(int recentNotices) {
        this.recentNotices = recentNotices;
        for (Fault f : Fault.values()) {
            faults.put(f, new LongAdder());
        }
        for (NoticeKind k : NoticeKind.values()) {
            notices.put(k, new LongAdder());
            recent.put(k, new ArrayDeque<>(recentNotices));
        }
        for (String h : COUNTED_HEADERS) {
            headerValues.put(h, new ConcurrentHashMap<>());
        }
    }

    /** Bid requests received (POSTs), whatever became of them. */
    public long requests() {
        return requests.sum();
    }

    /** Answers that carried at least one bid (wrong-id and slow answers included). */
    public long bidAnswers() {
        return bidAnswers.sum();
    }

    /** Bid objects sent. */
    public long bids() {
        return bids.sum();
    }

    /** Requests answered {@code 204} by the bid rate. */
    public long noBids() {
        return noBids.sum();
    }

    /** Requests answered {@code 400} or {@code 413}: not a bid request, bad gzip, too large. */
    public long badRequests() {
        return badRequests.sum();
    }

    /** Requests that met this fault. */
    public long faults(Fault fault) {
        return faults.get(fault).sum();
    }

    /** Answers sent gzip-compressed. */
    public long gzipAnswers() {
        return gzipAnswers.sum();
    }

    /** Notices of this kind received. */
    public long notices(NoticeKind kind) {
        return notices.get(kind).sum();
    }

    /** The query strings of the last notices of this kind, oldest first. */
    public List<String> recentNotices(NoticeKind kind) {
        ArrayDeque<String> q = recent.get(kind);
        synchronized (q) {
            return new ArrayList<>(q);
        }
    }

    /** How many bid requests carried this value of a {@link #COUNTED_HEADERS counted header} (or {@link #ABSENT}). */
    public long headerValueCount(String header, String value) {
        Map<String, LongAdder> values = headerValues.get(header.toLowerCase(Locale.ROOT));
        if (values == null) {
            throw new IllegalArgumentException(header + " is not counted; these are: " + COUNTED_HEADERS);
        }
        LongAdder n = values.get(value);
        return n == null ? 0 : n.sum();
    }

    /** The last bid request received, or null (or when recording is off). */
    public ReceivedRequest lastRequest() {
        return lastRequest;
    }

    /** The last bid request's {@code tmax}, or -1 when it had none or none came yet. */
    public int lastTmaxMillis() {
        return lastTmaxMillis;
    }

    /** Waits until at least {@code count} bid requests arrived; false when {@code timeout} passed first. */
    public boolean awaitRequests(long count, Duration timeout) {
        return await(requests::sum, count, timeout);
    }

    /** Waits until at least {@code count} notices of this kind arrived; false when {@code timeout} passed first. */
    public boolean awaitNotices(NoticeKind kind, long count, Duration timeout) {
        LongAdder n = notices.get(kind);
        return await(n::sum, count, timeout);
    }

    /** One line for people: requests, bids, no-bids, faults, bad requests, notices (what {@code GET /summary} says). */
    public String summaryLine() {
        long faultCount = 0;
        for (Fault f : Fault.values()) {
            faultCount += faults(f);
        }
        return requests() + " requests, " + bids() + " bids, " + noBids() + " no-bids, " + faultCount + " faults, "
                + badRequests() + " bad requests; notices win " + notices(NoticeKind.WIN) + ", bill "
                + notices(NoticeKind.BILL) + ", loss " + notices(NoticeKind.LOSS);
    }

    /** The counters as one JSON object (what {@code GET /stats} answers). */
    public String toJson(JsonFactory json) {
        StringWriter out = new StringWriter(512);
        try (JsonGenerator g = json.createGenerator(out)) {
            g.writeStartObject();
            g.writeNumberField("requests", requests());
            g.writeNumberField("bidAnswers", bidAnswers());
            g.writeNumberField("bids", bids());
            g.writeNumberField("noBids", noBids());
            g.writeNumberField("badRequests", badRequests());
            g.writeNumberField("gzipAnswers", gzipAnswers());
            g.writeNumberField("lastTmaxMillis", lastTmaxMillis);
            g.writeObjectFieldStart("faults");
            for (Fault f : Fault.values()) {
                g.writeNumberField(f.cliName(), faults(f));
            }
            g.writeEndObject();
            g.writeObjectFieldStart("notices");
            for (NoticeKind k : NoticeKind.values()) {
                g.writeObjectFieldStart(k.name().toLowerCase(Locale.ROOT));
                g.writeNumberField("count", notices(k));
                g.writeArrayFieldStart("recent");
                for (String q : recentNotices(k)) {
                    g.writeString(q);
                }
                g.writeEndArray();
                g.writeEndObject();
            }
            g.writeEndObject();
            writeHeaderCounts(g);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    private void writeHeaderCounts(JsonGenerator g) throws IOException {
        g.writeObjectFieldStart("headers");
        for (String h : COUNTED_HEADERS) {
            g.writeObjectFieldStart(h);
            for (Map.Entry<String, LongAdder> e : new TreeMap<>(headerValues.get(h)).entrySet()) {
                g.writeNumberField(e.getKey(), e.getValue().sum());
            }
            g.writeEndObject();
        }
        g.writeEndObject();
    }

    void onRequest(CharSequence[] countedValues) {
        requests.increment();
        for (int i = 0; i < COUNTED_HEADERS.size(); i++) {
            String value = countedValues[i] == null ? ABSENT : countedValues[i].toString();
            headerValues.get(COUNTED_HEADERS.get(i)).computeIfAbsent(value, v -> new LongAdder()).increment();
        }
    }

    void onParsed(int tmaxMillis) {
        lastTmaxMillis = tmaxMillis;
    }

    void onLastRequest(ReceivedRequest request) {
        lastRequest = request;
    }

    void onBids(int count) {
        bidAnswers.increment();
        bids.add(count);
    }

    void onNoBid() {
        noBids.increment();
    }

    void onBadRequest() {
        badRequests.increment();
    }

    void onFault(Fault fault) {
        faults.get(fault).increment();
    }

    void onGzipAnswer() {
        gzipAnswers.increment();
    }

    void onNotice(NoticeKind kind, String query) {
        ArrayDeque<String> q = recent.get(kind);
        synchronized (q) {
            if (q.size() == recentNotices) {
                q.removeFirst();
            }
            q.addLast(query);
        }
        notices.get(kind).increment();
    }

    private static boolean await(LongSupplier value, long atLeast, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (value.getAsLong() < atLeast) {
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
        return true;
    }
}
