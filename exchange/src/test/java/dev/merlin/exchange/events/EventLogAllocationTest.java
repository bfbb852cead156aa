package dev.merlin.exchange.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.ThreadMXBean;
import dev.merlin.config.EventLogConfig;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The producer path (begin, put, commit) allocates nothing once warm. */
@Timeout(60)
class EventLogAllocationTest {

    private static final int WARM_UP = 50_000;
    private static final int MEASURED = 10_000;

    @TempDir
    Path dataDir;

    @Test
    void tenThousandCommitsAllocateUnderOneKilobyteOnTheProducerThread() throws Exception {
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        assertTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());
        String[] requestIds = new String[64];
        StringBuilder reused = new StringBuilder();
        for (int i = 0; i < requestIds.length; i++) {
            requestIds[i] = "req-" + Integer.toHexString(i * 7919) + "-ab12cd34";
        }
        try (EventLog log = EventLog.open(dataDir, EventLogConfig.defaults())) {
            long threadId = Thread.currentThread().getId();
            int refused = produce(log, requestIds, reused, WARM_UP);
            Await.until(() -> log.queuedBytes() == 0, Duration.ofSeconds(20), "the ring to drain");

            threads.getThreadAllocatedBytes(threadId); // the first call may set something up
            long before = threads.getThreadAllocatedBytes(threadId);
            refused += produce(log, requestIds, reused, MEASURED);
            long allocated = threads.getThreadAllocatedBytes(threadId) - before;

            assertEquals(0, refused, "refused commits");
            assertTrue(allocated < 1_024, "allocated " + allocated + " bytes for " + MEASURED + " events");
        }
    }

    private static int produce(EventLog log, String[] requestIds, StringBuilder reused, int count) {
        int refused = 0;
        long nowMillis = 1_795_946_400_000L;
        for (int i = 0; i < count; i++) {
            reused.setLength(0);
            reused.append("imp-").append(i & 1023);
            EventWriter w = log.begin(EventType.WIN, nowMillis + i);
            w.put("rid", requestIds[i & 63]).put("imp", reused).put("price", 1_250_000L + i).put("cmp", i & 15);
            if (!log.commit(w)) {
                refused++;
            }
        }
        return refused;
    }
}
