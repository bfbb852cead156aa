package dev.merlin.exchange.cluster;

import dev.merlin.config.ClusterConfig;
import dev.merlin.exchange.segments.SegmentStore;
import dev.merlin.exchange.segments.SegmentStoreSettings;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Publishes a stopped node's whole segment store to the cluster's segments topic ({@code make segments-publish}): the
 * way a bulk load ({@code make segments-load}, an offline tool that writes one node's store) reaches the other nodes.
 * Every user holding a live segment is sent as the running nodes send a change — keyed by the user key, the whole
 * segment list as the value, header {@code node} — so every node applies it, and a node started later bootstraps
 * with it. Run it after the load and before the node starts: the topic keeps the last value per user, so a user whose
 * segments changed elsewhere meanwhile takes this node's list.
 *
 * <p>Usage: {@code SegmentPublish --data-dir DIR --kafka HOST:PORT [--topic-prefix P] [--node-id N]}. Exits 0 when
 * Kafka acknowledged every user, 1 when any failed, 2 on bad arguments.
 */
public final class SegmentPublish {

    private SegmentPublish() {
    }

    /** Runs the publish; see the class comment. */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        Path dataDir = null;
        String bootstrap = null;
        String prefix = null;
        int nodeId = 0;
        try {
            for (int i = 0; i < args.length; i += 2) {
                String value = i + 1 < args.length ? args[i + 1] : null;
                if (value == null) {
                    throw new IllegalArgumentException(args[i] + " needs a value");
                }
                switch (args[i]) {
                    case "--data-dir" -> dataDir = Path.of(value);
                    case "--kafka" -> bootstrap = value;
                    case "--topic-prefix" -> prefix = value;
                    case "--node-id" -> nodeId = Integer.parseInt(value);
                    default -> throw new IllegalArgumentException("unexpected argument: " + args[i]);
                }
            }
            if (dataDir == null || bootstrap == null) {
                throw new IllegalArgumentException("--data-dir and --kafka are required");
            }
            if (!Files.isRegularFile(dataDir.resolve(SegmentStore.FILE_NAME))) {
                throw new IllegalArgumentException("no segment store in " + dataDir);
            }
        } catch (IllegalArgumentException e) {
            err.println("segments-publish: " + e.getMessage());
            err.println("usage: SegmentPublish --data-dir DIR --kafka HOST:PORT [--topic-prefix P] [--node-id N]");
            return 2;
        }
        ClusterConfig.Kafka kafka = new ClusterConfig.Kafka(bootstrap, prefix);
        return publish(dataDir, kafka, nodeId, out, err);
    }

    private static int publish(Path dataDir, ClusterConfig.Kafka kafka, int nodeId, PrintStream out,
                               PrintStream err) {
        String topic = kafka.segmentsTopic();
        try {
            createCompacted(kafka.bootstrap(), topic);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("segments-publish: interrupted creating " + topic);
            return 1;
        } catch (KafkaException | ExecutionException | TimeoutException e) {
            err.println("segments-publish: cannot reach Kafka at " + kafka.bootstrap() + " to create " + topic + ": "
                    + e);
            return 1;
        }
        Properties props = EventPublisher.producerProperties(kafka.bootstrap(), nodeId);
        props.put("client.id", "merlin-segments-publish-" + nodeId);
        props.put("delivery.timeout.ms", 120_000);
        props.put("max.block.ms", 60_000);
        byte[] node = Integer.toString(nodeId).getBytes(StandardCharsets.US_ASCII);
        AtomicLong acked = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        long[] sent = new long[1];
        long started = System.nanoTime();
        long now = System.currentTimeMillis() / 1000L;
        try (SegmentStore store = SegmentStore.open(dataDir, SegmentStoreSettings.defaults());
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
            store.forEachUser(now, (userKey, ids, expiries, count) -> {
                producer.send(SegmentReplicator.record(topic, node, userKey, SegmentReplicator.value(ids, expiries,
                        count)), (metadata, error) -> (error == null ? acked : failed).incrementAndGet());
                sent[0]++;
            });
            producer.flush();
        } catch (KafkaException e) {
            err.println("segments-publish: " + e);
        }
        out.printf(Locale.ROOT, "segments-publish: %,d users sent to %s in %.1f s: %,d acknowledged, %,d failed%n",
                sent[0], topic, (System.nanoTime() - started) / 1e9, acked.get(), failed.get());
        return failed.get() == 0 && acked.get() == sent[0] ? 0 : 1;
    }

    private static void createCompacted(String bootstrap, String topic)
            throws ExecutionException, InterruptedException, TimeoutException {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000))) {
            admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1).configs(Map.of(
                    TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT))))
                    .all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
        }
    }
}
