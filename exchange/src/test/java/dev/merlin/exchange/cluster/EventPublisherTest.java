package dev.merlin.exchange.cluster;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.merlin.config.EventLogConfig;
import dev.merlin.exchange.events.EventLog;
import dev.merlin.exchange.events.EventType;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import org.agrona.concurrent.AgentInvoker;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The events agent outlives an {@code Error} in one pass. It is run by Agrona's {@link AgentInvoker}, which handles
 * what a pass throws as the node's agent runner does (an {@code Error} is rethrown, and would end the runner's
 * thread); the producer is a {@link MockProducer} that acknowledges at once.
 */
class EventPublisherTest {

    private static final long BASE_MILLIS = 1_795_946_400_000L;

    @TempDir
    Path dataDir;

    @Test
    void anErrorMidBatchIsCountedAndTheBatchIsSentAgainWhole() throws IOException {
        try (EventLog log = EventLog.open(dataDir, EventLogConfig.defaults())) {
            for (int i = 0; i < 10; i++) {
                assertTrue(log.commit(log.begin(EventType.CLICK, BASE_MILLIS + i).put("u", "user-" + i)
                        .put("seq", i)));
            }
        }
        OverflowingProducer producer = new OverflowingProducer(2);
        EventPublisher publisher = new EventPublisher(dataDir, producer, "t.events", 1);
        List<Throwable> handled = new ArrayList<>();
        AgentInvoker invoker = new AgentInvoker(handled::add, null, publisher);
        invoker.start();
        try {
            assertDoesNotThrow(invoker::invoke, "an Error rethrown here would end the agent's thread");
            assertEquals(1, publisher.errors());
            invoker.invoke();
            assertEquals(1, publisher.failedBatches(), "the broken-off batch settled as failed, not waited on");
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (publisher.published() < 10) {
                if (System.nanoTime() > deadline) {
                    fail("the batch not sent again within 5 s (its retry pause is 500 ms)");
                }
                invoker.invoke();
            }
            assertEquals(10, publisher.published());
            assertEquals(2 + 10, producer.history().size(), "the two sent before the Error, then the whole batch");
            assertEquals(List.of(), handled);
        } finally {
            invoker.close();
        }
    }

    /** Acknowledges each record at once, but throws a {@link StackOverflowError} from one send, after {@code n}. */
    private static final class OverflowingProducer extends MockProducer<byte[], byte[]> {

        private int sendsBeforeError;

        OverflowingProducer(int sendsBeforeError) {
            super(true, null, new ByteArraySerializer(), new ByteArraySerializer());
            this.sendsBeforeError = sendsBeforeError;
        }

        @Override
        public synchronized Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> record, Callback callback) {
            if (sendsBeforeError-- == 0) {
                // as an OutOfMemoryError would (which JUnit itself rethrows, ending the test run)
                throw new StackOverflowError();
            }
            return super.send(record, callback);
        }
    }
}
