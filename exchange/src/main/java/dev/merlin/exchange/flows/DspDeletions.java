package dev.merlin.exchange.flows;

import dev.merlin.config.DspConfig;
import dev.merlin.exchange.store.ChronicleMapFiles;
import dev.merlin.protocol.JsonText;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.function.Function;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import net.openhft.chronicle.core.values.LongValue;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.values.Values;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells DSPs that a user was erased: for each DSP that received the user's personal data and has a
 * {@code deletionEndpoint}, one {@code POST} of
 * <pre>{"request_id":"&lt;hex&gt;","user":{"id":"&lt;the user's id&gt;"},"reason":"erasure"|"optout",
 * "requested":"&lt;ISO-8601 instant&gt;"}</pre>
 * with {@code Content-Type: application/json}, off the event loops on a worker thread of its own. The user's id is
 * the id the erasure named (Merlin's uid, or the app's IFA or app-scoped id); {@code request_id} is the same on
 * every attempt, so a DSP can tell a retry from a new request.
 *
 * <p>Durable: a request is written to a persisted Chronicle Map ({@code dsp-deletions.cm3}) before
 * {@link #request} returns, and removed only once the call is done (answered, refused or given up), so a restart
 * between the erasure and the call sends it after the restart (the worker reads the map when it starts). The file
 * keeps the user's id until then, and no longer.
 *
 * <p>Bounded: at most {@link Settings#entries} requests wait at once (one more is counted {@code dropped}); a call
 * times out after {@link Settings#callTimeout}; a network error, a timeout, a 5xx, 408 or 429 is retried up to
 * {@link Settings#maxAttempts} calls in all, the wait doubling from {@link Settings#firstRetryDelay}; another 4xx
 * is not retried. Counted by outcome: {@code sent} (2xx), {@code refused} (4xx), {@code retried} (each new
 * attempt), {@code failed} (the last attempt failed), {@code dropped} (the map was full), {@code unconfigured} (the
 * DSP or its endpoint is gone from the configuration).
 */
public final class DspDeletions implements AutoCloseable {

    static final String FILE = "dsp-deletions.cm3";
    private static final Logger LOG = LoggerFactory.getLogger(DspDeletions.class);
    private static final long IDLE_MILLIS = 500;

    /** What became of one deletion call. */
    public enum Outcome {
        SENT, REFUSED, RETRIED, FAILED, DROPPED, UNCONFIGURED;

        /** The lower-case metric label. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * The bounds.
     *
     * @param entries         deletion calls waiting at once, at most
     * @param maxAttempts     calls of one request in all, the first included
     * @param firstRetryDelay the wait before the first retry; it doubles for each next one
     * @param callTimeout     the longest one call may take to connect and answer
     */
    public record Settings(long entries, int maxAttempts, Duration firstRetryDelay, Duration callTimeout) {

        /** 100,000 waiting, 6 attempts from 2 s (the last about a minute after the first), 5 s per call. */
        public static Settings defaults() {
            return new Settings(100_000L, 6, Duration.ofSeconds(2), Duration.ofSeconds(5));
        }
    }

    /** One waiting call, as stored. */
    private record Pending(String dspId, String userId, String reason, long requestedEpochSeconds, int attempts,
                           long dueEpochMillis) {
    }

    private final Settings settings;
    private final Map<String, DspConfig> dsps = new HashMap<>();
    private final ChronicleMapFiles.Opened<LongValue, byte[]> opened;
    private final LongSupplier epochMillisClock;
    /** The worker's, made at its first call: a configuration without deletion endpoints never starts one. */
    private HttpClient client;
    private final AtomicLong[] outcomes = new AtomicLong[Outcome.values().length];
    private final Semaphore wake = new Semaphore(0);
    private final Thread worker;
    private volatile boolean isClosed;

    /**
     * Opens {@code dataDir/dsp-deletions.cm3} and, when a DSP has a deletion endpoint, starts the worker, which first
     * sends what an earlier run left.
     */
    public DspDeletions(Path dataDir, List<DspConfig> dsps, Settings settings, LongSupplier epochMillisClock) {
        this.settings = settings;
        for (DspConfig dsp : dsps) {
            this.dsps.put(dsp.id(), dsp);
        }
        for (int i = 0; i < outcomes.length; i++) {
            outcomes[i] = new AtomicLong();
        }
        this.epochMillisClock = epochMillisClock;
        this.opened = ChronicleMapFiles.open(dataDir, FILE, ChronicleMap.of(LongValue.class, byte[].class)
                .name("merlin-dsp-deletions").entries(settings.entries()).averageValueSize(160));
        if (dspsWithEndpoints().isEmpty()) {
            this.worker = null;
        } else {
            this.worker = new Thread(this::work, "merlin-dsp-deletions");
            worker.setDaemon(true);
            worker.start();
        }
    }

    /**
     * Queues, durably, one deletion call per DSP of {@code dspIds} that has a deletion endpoint, for the user known
     * to that DSP as {@code idAtDsp.apply(dspId)} (the pairwise id it was sent); returns how many were queued.
     * {@code userHash} only keys the stored requests. A recipient no longer configured is counted
     * {@link Outcome#UNCONFIGURED}: nothing can be called, and the count says so.
     */
    public int request(long userHash, Function<String, String> idAtDsp, List<String> dspIds, String reason,
                       long epochSeconds) {
        int queued = 0;
        LongValue key = Values.newHeapInstance(LongValue.class);
        for (String dspId : dspIds) {
            DspConfig dsp = dsps.get(dspId);
            if (dsp == null) {
                counted(Outcome.UNCONFIGURED);
                LOG.warn("the user's data went to DSP {}, no longer configured: no deletion call can reach it", dspId);
                continue;
            }
            if (dsp.deletionEndpoint() == null) {
                continue;
            }
            key.setValue(key(userHash, dspId));
            try {
                opened.map().put(key, encode(new Pending(dspId, idAtDsp.apply(dspId), reason, epochSeconds, 0, 0)));
                queued++;
            } catch (IllegalStateException | IllegalArgumentException e) {
                if (!ChronicleMapFiles.isFull(e)) {
                    throw e;
                }
                counted(Outcome.DROPPED);
                LOG.warn("the deletion request for DSP {} was dropped: {} are waiting already", dspId,
                        opened.map().longSize());
            }
        }
        wake.release();
        return queued;
    }

    /** The DSPs with a deletion endpoint, by id: whom an erasure calls when the user's recipients are unknown. */
    public List<String> dspsWithEndpoints() {
        List<String> ids = new ArrayList<>();
        dsps.forEach((id, dsp) -> {
            if (dsp.deletionEndpoint() != null) {
                ids.add(id);
            }
        });
        return ids;
    }

    /** Calls that came to {@code outcome} so far. */
    public long count(Outcome outcome) {
        return outcomes[outcome.ordinal()].get();
    }

    /** Calls waiting (queued or for a retry). */
    public long waiting() {
        return opened.map().longSize();
    }

    private void counted(Outcome outcome) {
        outcomes[outcome.ordinal()].incrementAndGet();
    }

    private void work() {
        while (!isClosed) {
            long nextDue = Long.MAX_VALUE;
            try {
                nextDue = callDue();
            } catch (RuntimeException e) {
                LOG.warn("the deletion worker failed a round; it goes on", e);
            }
            long waitMillis = Math.max(1, Math.min(IDLE_MILLIS, nextDue - epochMillisClock.getAsLong()));
            try {
                wake.tryAcquire(waitMillis, TimeUnit.MILLISECONDS);
                wake.drainPermits();
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Calls every request that is due; returns when the soonest other one is due. */
    private long callDue() {
        long now = epochMillisClock.getAsLong();
        Map<Long, Pending> due = new HashMap<>();
        List<Long> damaged = new ArrayList<>();
        long[] nextDue = {Long.MAX_VALUE};
        opened.map().forEachEntry(entry -> {
            Pending pending = decode(entry.value().get());
            if (pending == null) {
                damaged.add(entry.key().get().getValue());
            } else if (pending.dueEpochMillis() <= now) {
                due.put(entry.key().get().getValue(), pending);
            } else {
                nextDue[0] = Math.min(nextDue[0], pending.dueEpochMillis());
            }
        });
        LongValue key = Values.newHeapInstance(LongValue.class);
        for (long damagedKey : damaged) {
            key.setValue(damagedKey);
            opened.map().remove(key);
            counted(Outcome.FAILED);
        }
        for (Map.Entry<Long, Pending> entry : due.entrySet()) {
            if (isClosed) {
                break;
            }
            key.setValue(entry.getKey());
            Called called = call(entry.getKey(), entry.getValue());
            if (called.retry() == null) {
                opened.map().remove(key);
            } else {
                opened.map().put(key, encode(called.retry()));
                nextDue[0] = Math.min(nextDue[0], called.retry().dueEpochMillis());
            }
            if (called.outcome() != null) {
                counted(called.outcome());
            }
        }
        return nextDue[0];
    }

    /** What one call came to, and the request to retry later (null when it is done). */
    private record Called(Outcome outcome, Pending retry) {
    }

    /** Calls the DSP once; counted by the caller once the stored request reflects it. */
    private Called call(long requestId, Pending pending) {
        DspConfig dsp = dsps.get(pending.dspId());
        if (dsp == null || dsp.deletionEndpoint() == null) {
            return new Called(Outcome.UNCONFIGURED, null);
        }
        int attempts = pending.attempts() + 1;
        boolean isRetryable;
        if (client == null) {
            client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(settings.callTimeout()).followRedirects(HttpClient.Redirect.NEVER).build();
        }
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create(dsp.deletionEndpoint()))
                    .timeout(settings.callTimeout()).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body(requestId, pending))).build();
            int status = client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
            if (status >= 200 && status < 300) {
                return new Called(Outcome.SENT, null);
            }
            isRetryable = status >= 500 || status == 408 || status == 429;
            if (!isRetryable) {
                LOG.warn("DSP {} refused a deletion request: HTTP {}", dsp.id(), status);
                return new Called(Outcome.REFUSED, null);
            }
        } catch (IOException e) {
            isRetryable = true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Called(null, pending);
        }
        if (attempts >= settings.maxAttempts()) {
            LOG.warn("DSP {} did not take a deletion request in {} attempts", dsp.id(), attempts);
            return new Called(Outcome.FAILED, null);
        }
        long delay = settings.firstRetryDelay().toMillis() << Math.min(20, attempts - 1);
        return new Called(Outcome.RETRIED, new Pending(pending.dspId(), pending.userId(), pending.reason(),
                pending.requestedEpochSeconds(), attempts, epochMillisClock.getAsLong() + delay));
    }

    private static String body(long requestId, Pending pending) {
        StringBuilder sb = new StringBuilder(160).append("{\"request_id\":\"").append(Long.toHexString(requestId))
                .append("\",\"user\":{\"id\":");
        JsonText.appendString(sb, pending.userId());
        sb.append("},\"reason\":");
        JsonText.appendString(sb, pending.reason());
        return sb.append(",\"requested\":\"").append(Instant.ofEpochSecond(pending.requestedEpochSeconds()))
                .append("\"}").toString();
    }

    /** One key per (user, DSP): a second erasure of the same user before the call replaces the first. */
    private static long key(long userHash, String dspId) {
        long h = (userHash ^ FlowRecipients.dspKey(dspId) * 0xC2B2AE3D27D4EB4FL) * 0x9E3779B97F4A7C15L;
        return h == 0 ? 1 : h;
    }

    private static byte[] encode(Pending pending) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(160);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeUTF(pending.dspId());
            out.writeUTF(pending.userId());
            out.writeUTF(pending.reason());
            out.writeLong(pending.requestedEpochSeconds());
            out.writeInt(pending.attempts());
            out.writeLong(pending.dueEpochMillis());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** The stored request, or null when it does not read as one (damage): it is then given up and counted. */
    private static Pending decode(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            return new Pending(in.readUTF(), in.readUTF(), in.readUTF(), in.readLong(), in.readInt(), in.readLong());
        } catch (IOException e) {
            LOG.warn("a damaged deletion request in {} is given up: {}", FILE, e.toString());
            return null;
        }
    }

    /**
     * Stops the worker (a call under way finishes, within its timeout) and closes the file; what is still waiting
     * is sent after the next start.
     */
    @Override
    public void close() {
        isClosed = true;
        wake.release();
        if (worker == null) {
            opened.close();
            return;
        }
        try {
            worker.join(settings.callTimeout().toMillis() + 1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (worker.isAlive()) {
            worker.interrupt();
            try {
                worker.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        opened.close();
    }
}
