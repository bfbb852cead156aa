package dev.merlin.bench.load;

import dev.merlin.config.ConfigLoader;
import dev.merlin.config.MerlinConfig;
import dev.merlin.exchange.MerlinServer;
import dev.merlin.exchange.cluster.EventPublisher;
import dev.merlin.exchange.events.EventLogReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Kafka down for a while under load, and back ({@code make kafka-outage}): a real single-node KRaft broker in a process
 * of its own (the classpath {@code make kafka} uses), Merlin in-process publishing its event log to it, the valid
 * samples sent open loop at a fixed rate. {@code --down-at} seconds into the measured time the broker is killed
 * ({@code SIGKILL}), {@code --down-for} seconds later it is started again on the same data. Afterwards the events topic
 * is read whole and its distinct records (by the {@code node} and {@code pos} headers: delivery is at least once)
 * counted against the records of the local event log. Prints the answers per second around the outage, failed
 * requests, the publisher's failed batches and both counts; exits 0 only when no request failed and the counts match.
 *
 * <p>Bounded: the load lasts {@code --duration} seconds (default 40, at most 600); the catch-up wait gives up after
 * 120 s. Options: {@code --kafka-cp FILE} (required: a file holding the broker's classpath), {@code --rate R} (default
 * 1000), {@code --connections N} (default 4), {@code --duration S}, {@code --down-at S} (default 10),
 * {@code --down-for S} (default 10).
 */
public final class KafkaOutage {

    private static final long CATCH_UP_NANOS = TimeUnit.SECONDS.toNanos(120);
    /** Sent before the measured time: start-up (the producers' first metadata, JIT) is not the outage. */
    private static final double WARMUP_SECONDS = 5;

    private KafkaOutage() {
    }

    /** Runs the outage and exits 0 when nothing failed and nothing was lost, else 1. */
    public static void main(String[] args) throws Exception {
        Path classpathFile = null;
        double rate = 1_000;
        int connections = 4;
        double duration = 40;
        double downAt = 10;
        double downFor = 10;
        for (int i = 0; i < args.length; i += 2) {
            String value = i + 1 < args.length ? args[i + 1] : "";
            switch (args[i]) {
                case "--kafka-cp" -> classpathFile = Path.of(value);
                case "--rate" -> rate = Double.parseDouble(value);
                case "--connections" -> connections = Integer.parseInt(value);
                case "--duration" -> duration = Double.parseDouble(value);
                case "--down-at" -> downAt = Double.parseDouble(value);
                case "--down-for" -> downFor = Double.parseDouble(value);
                default -> throw new IllegalArgumentException("unknown argument: " + args[i]);
            }
        }
        if (classpathFile == null || !Files.isRegularFile(classpathFile)) {
            throw new IllegalArgumentException("--kafka-cp FILE is required (make kafka-outage writes it): "
                    + classpathFile);
        }
        if (duration <= 0 || duration > LoadOptions.MAX_DURATION_SECONDS || downAt + downFor >= duration) {
            throw new IllegalArgumentException("--duration must be in (0, 600] and the outage end inside it");
        }
        String classpath = Files.readString(classpathFile).trim();
        System.exit(run(classpath, rate, connections, duration, downAt, downFor, System.out) ? 0 : 1);
    }

    private static boolean run(String classpath, double rate, int connections, double duration, double downAt,
                               double downFor, PrintStream out) throws Exception {
        Path work = Files.createTempDirectory("merlin-kafka-outage-");
        Thread deleteWorkOnSignal = LoadGenerator.deleteOnSignal(work);
        LocalKafka broker = new LocalKafka(classpath, work.resolve("kafka"));
        try {
            broker.format();
            broker.start();
            MerlinConfig config = ConfigLoader.loadDefault().withSharedSecrets(KafkaCost.NOTICE_SECRET,
                    KafkaCost.IDENTITY_SECRET).withPort(0).withDataDir(work.resolve("node").toString())
                    .withNodeId(1).withKafkaBootstrap(broker.bootstrap()).validate();
            out.printf(Locale.ROOT, "kafka outage: %s; broker on %s%n", LoadGenerator.machine(), broker.bootstrap());
            try (MerlinServer merlin = new MerlinServer(config).start()) {
                EventPublisher publisher = merlin.runtime().eventPublisher();
                HttpLoadClient client = new HttpLoadClient(merlin.port(), "/openrtb2/auction");
                StepResult step;
                double killedAt;
                double backAt;
                ExecutorService load = Executors.newSingleThreadExecutor();
                try {
                    HttpLoadClient.Plan plan = new HttpLoadClient.Plan("merlin-kafka-outage", rate, connections,
                            WARMUP_SECONDS, duration, 5, (int) Math.max(1024, rate * 2 / connections), 1, 5);
                    Future<StepResult> running = load.submit(() -> client.run(RequestCorpus.validSamples(), plan,
                            out));
                    long measureStart = System.nanoTime() + seconds(WARMUP_SECONDS);
                    sleepUntil(measureStart + seconds(downAt));
                    broker.kill();
                    killedAt = (System.nanoTime() - measureStart) / 1e9;
                    out.printf(Locale.ROOT, "-- broker killed at %.1f s%n", killedAt);
                    sleepUntil(measureStart + seconds(downAt + downFor));
                    broker.start();
                    backAt = (System.nanoTime() - measureStart) / 1e9;
                    out.printf(Locale.ROOT, "-- broker listening again at %.1f s (started at %.1f s)%n", backAt,
                            downAt + downFor);
                    step = running.get((long) duration + 60, TimeUnit.SECONDS);
                } finally {
                    load.shutdownNow();
                    client.close();
                }
                return report(step, publisher, config, broker, killedAt, backAt, out);
            }
        } finally {
            broker.kill();
            LoadGenerator.keepUntilDone(deleteWorkOnSignal);
            LoadGenerator.deleteTree(work);
        }
    }

    private static boolean report(StepResult step, EventPublisher publisher, MerlinConfig config, LocalKafka broker,
                                  double killedAt, double backAt, PrintStream out) throws Exception {
        out.println();
        out.println(step.line());
        List<Histogram> windows = step.windows();
        StringBuilder perSecond = new StringBuilder("answers per second:");
        for (int s = 0; s < windows.size(); s++) {
            boolean isDown = s + 1 > killedAt && s < backAt;
            perSecond.append(s % 10 == 0 ? "\n  " : " ").append(isDown ? "[" : "")
                    .append(windows.get(s).getTotalCount()).append(isDown ? "]" : "");
        }
        out.println(perSecond.append("   ([..]: the broker down)"));
        Path dataDir = Path.of(config.dataDir());
        long deadline = System.nanoTime() + CATCH_UP_NANOS;
        long local = -1;
        long distinct = -1;
        while (System.nanoTime() < deadline) {
            if (publisher.lagBytes() == 0) {
                local = EventLogReader.read(dataDir, event -> { }).events();
                distinct = distinctRecords(broker.bootstrap(), config.cluster().kafka().eventsTopic());
                if (local == distinct) {
                    break;
                }
            }
            Thread.sleep(200); // polling the publisher's catch-up, bounded by the deadline
        }
        out.printf(Locale.ROOT, "failed requests: %d; publisher: %,d records sent, %d failed batches (retried)%n",
                step.errors(), publisher.published(), publisher.failedBatches());
        out.printf(Locale.ROOT, "event log records: %,d local, %,d distinct in the topic: %s%n", local, distinct,
                local == distinct ? "all there" : "MISMATCH");
        return step.errors() == 0 && local == distinct && local > 0;
    }

    /** The records of {@code topic}, counted once per node and log position. */
    private static long distinctRecords(String bootstrap, String topic) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(10))) {
                partitions.add(new TopicPartition(topic, info.partition()));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, Duration.ofSeconds(10));
            Set<String> seen = new HashSet<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!isAtEnd(consumer, ends) && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    seen.add(header(record, "node") + "@" + header(record, "pos"));
                }
            }
            return seen.size();
        }
    }

    private static boolean isAtEnd(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> ends) {
        for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
            if (consumer.position(end.getKey()) < end.getValue()) {
                return false;
            }
        }
        return true;
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? "" : new String(header.value(), StandardCharsets.US_ASCII);
    }

    private static long seconds(double seconds) {
        return (long) (seconds * 1e9);
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        long left = nanoTime - System.nanoTime();
        if (left > 0) {
            TimeUnit.NANOSECONDS.sleep(left); // the outage's schedule, not a wait for anything to settle
        }
    }
}
