package dev.merlin.exchange.cluster;

import dev.merlin.config.ClusterConfig;
import dev.merlin.exchange.events.Event;
import dev.merlin.exchange.events.EventLogTailer;
import dev.merlin.exchange.events.EventLogTailer.Position;
import dev.merlin.exchange.events.LoggedRecord;
import dev.merlin.exchange.events.EventType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.channels.FileChannel;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.agrona.concurrent.Agent;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes every record of the local event log to Kafka, on its own thread (an Agrona agent), never on an event loop.
 *
 * <p>The local log stays the source of truth. The agent reads it with an {@link EventLogTailer} from its durable
 * position ({@code <dataDir>/cluster/kafka-events.position}), sends one batch, waits for the broker to acknowledge
 * all of it, and only then moves on past the batch; it stores that position (written and forced to disk) at most
 * once a second and when it stops, as a forced write per batch cost as much as the batch. A failed batch (the broker
 * down or unreachable) is counted and sent again from the end of the last acknowledged one after a pause, so an
 * outage loses nothing and the agent catches up; after a restart it goes on from the stored position. Delivery is
 * <em>at least once</em>: a batch that failed in part is sent again whole, and after a crash what was acknowledged
 * in the second before it is sent again; consumers drop repeats by the {@code pos} header ({@code <file>:<offset>},
 * unique per node) together with the {@code node} header.
 *
 * <p>Each record's key is the event's user hash ({@code u}; none: no key), so one user's events keep their order in
 * one partition; the value is the event as one line of JSON ({@link Event#toJson()}), written straight from the
 * log's bytes ({@link LoggedRecord#json()}: no event, map or string is built per record). Send callbacks only count
 * down: they run on the producer's I/O thread and never block. A pass that ends in an {@code Error} (an
 * {@code OutOfMemoryError}) is counted and logged ({@link #errors()}), a batch it broke off fails and is sent again,
 * and the next pass goes on, where Agrona's runner would end the thread.
 *
 * <p>A {@link EventType#NOTICE_FORWARD} record (a notice for another node's auction) is also sent to the notices
 * topic, to the partition of the node it names ({@link NoticeRelay#partitionOf}), in the same batch: it is
 * acknowledged, or sent again, with the rest, so the local log makes forwarded notices as durable as events.
 */
public final class EventPublisher implements Agent {

    /** Where the position is kept, under the data dir. */
    public static final String POSITION_FILE = "cluster/kafka-events.position";

    private static final Logger LOG = LoggerFactory.getLogger(EventPublisher.class);
    private static final int MAX_BATCH = 5_000;
    /**
     * How often at most a batch is read and sent while the log is not behind: one batch carries this long's events,
     * so the producer sends a few requests a second, not one per few records (a cost per request on both ends).
     */
    private static final long SEND_EVERY_MILLIS = 50;
    private static final long RETRY_PAUSE_MILLIS = 500;
    /** The producer's batch per partition: a whole batch of the agent's in a few, so in one or two requests. */
    private static final int BATCH_BYTES = 256 * 1024;
    private static final long LAG_EVERY_MILLIS = 1_000;
    /**
     * Batches are compressed on the producer's I/O thread: a batch of one-line JSON events shrinks several times, and
     * the broker's work is mostly copying bytes into its log (at 20,000 events/s on a warm broker: 4.6-5.8 µs of its
     * CPU per event with lz4 against 6.2-9.0 without, the node's own cost unchanged).
     */
    static final String COMPRESSION = "lz4";
    /** How often at most the position is stored (forced to disk): a crash sends at most this much again. */
    private static final long STORE_EVERY_MILLIS = 1_000;

    private final EventLogTailer tailer;
    private final Producer<byte[], byte[]> producer;
    private final String topic;
    /** Where forwarded notices go; null: nowhere. */
    private final String noticesTopic;
    private final AtomicLong noticesForwarded = new AtomicLong();
    private final byte[] node;
    private final Path positionFile;
    private final AtomicInteger pending = new AtomicInteger();
    private final Callback acked;
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong failedBatches = new AtomicLong();
    private final PassErrors errors = new PassErrors(LOG, "merlin-kafka-events");
    private volatile boolean isBatchFailed;
    private volatile long lagBytes;
    private final List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>(MAX_BATCH);
    private final Consumer<LoggedRecord> collect = this::collect;
    private Position committed;
    private boolean isStored = true;
    private Position batchEnd;
    private int inFlight;
    private int forwardedInBatch;
    private boolean isNoticeUnroutable;
    private long retryAtMillis;
    private long lagAtMillis;
    private long storeAtMillis;
    private long sendAtMillis;
    private String posFile;
    private byte[] posPrefix;

    /** A publisher of the log under {@code dataDir} to {@code topic} through {@code producer}, which it closes. */
    public EventPublisher(Path dataDir, Producer<byte[], byte[]> producer, String topic, int nodeId)
            throws IOException {
        this(dataDir, producer, topic, null, nodeId);
    }

    /** As above, also sending the log's forwarded notices to {@code noticesTopic} (null: not). */
    public EventPublisher(Path dataDir, Producer<byte[], byte[]> producer, String topic, String noticesTopic,
                          int nodeId) throws IOException {
        this.noticesTopic = noticesTopic;
        this.tailer = new EventLogTailer(dataDir);
        this.producer = producer;
        this.topic = topic;
        this.node = Integer.toString(nodeId).getBytes(StandardCharsets.US_ASCII);
        this.positionFile = dataDir.resolve(POSITION_FILE);
        this.committed = readPosition(positionFile);
        this.acked = (metadata, error) -> {
            if (error != null) {
                isBatchFailed = true;
            }
            pending.decrementAndGet();
        };
    }

    /** A publisher with its own producer for the cluster's Kafka (see {@link #producerProperties}). */
    public static EventPublisher open(Path dataDir, ClusterConfig.Kafka kafka, int nodeId) throws IOException {
        return new EventPublisher(dataDir, new KafkaProducer<>(producerProperties(kafka.bootstrap(), nodeId)),
                kafka.eventsTopic(), kafka.noticesTopic(), nodeId);
    }

    /**
     * Idempotent producer, every replica acknowledging; short timeouts so that an outage is noticed in seconds and
     * the agent (not the producer's buffer) holds what is waiting: the local log is the buffer.
     */
    public static Properties producerProperties(String bootstrap, int nodeId) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.CLIENT_ID_CONFIG, "merlin-events-" + nodeId);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, COMPRESSION);
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, BATCH_BYTES);
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 2_000);
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 3_000);
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 8_000);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return props;
    }

    /** One pass; an {@link Error} that ends it is counted and logged ({@link #errors()}), and the next goes on. */
    @Override
    public int doWork() throws IOException {
        try {
            return readAndSend();
        } catch (Error error) {
            errors.caught(error);
            return 0;
        }
    }

    private int readAndSend() throws IOException {
        long now = System.currentTimeMillis();
        if (inFlight > 0 && !settle(now)) {
            return 0;
        }
        if (now >= lagAtMillis) {
            lagAtMillis = now + LAG_EVERY_MILLIS;
            lagBytes = tailer.bytesAfter(committed);
        }
        if (now < retryAtMillis || now < sendAtMillis) {
            return 0;
        }
        records.clear();
        forwardedInBatch = 0;
        isNoticeUnroutable = false;
        int read = tailer.read(committed, MAX_BATCH, collect);
        if (read == 0) {
            return 0;
        }
        if (isNoticeUnroutable) {
            // the notices topic's partitions are not known yet: the whole batch waits for the retry
            records.clear();
            failedBatches.incrementAndGet();
            retryAtMillis = System.currentTimeMillis() + RETRY_PAUSE_MILLIS;
            return read;
        }
        inFlight = read;
        sendAtMillis = read == MAX_BATCH ? now : now + SEND_EVERY_MILLIS;
        send();
        return read;
    }

    /** Whether the batch in flight is settled: acknowledged (the position goes past it) or failed (sent again). */
    private boolean settle(long now) throws IOException {
        if (pending.get() > 0) {
            return false;
        }
        if (isBatchFailed) {
            failedBatches.incrementAndGet();
            isBatchFailed = false;
            retryAtMillis = now + RETRY_PAUSE_MILLIS;
            LOG.debug("a batch of {} events did not reach Kafka; sending again from {}", inFlight, committed);
        } else {
            committed = batchEnd;
            isStored = false;
            if (now >= storeAtMillis) {
                store(now);
            }
            published.addAndGet(inFlight);
            noticesForwarded.addAndGet(forwardedInBatch);
        }
        inFlight = 0;
        return true;
    }

    private void store(long now) throws IOException {
        writePosition(positionFile, committed);
        isStored = true;
        storeAtMillis = now + STORE_EVERY_MILLIS;
    }

    /**
     * Adds one log record's record for the events topic, and for a forwarded notice the notices topic's, straight
     * from the log's bytes: key the user hash, value the event's JSON, headers {@code node} and {@code pos}.
     */
    private void collect(LoggedRecord logged) {
        if (isNoticeUnroutable) {
            return;
        }
        byte[] pos = pos(logged);
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, logged.asciiField("u"), logged.json());
        record.headers().add("node", node).add("pos", pos);
        records.add(record);
        if (noticesTopic != null && logged.type() == EventType.NOTICE_FORWARD) {
            ProducerRecord<byte[], byte[]> notice;
            try {
                notice = noticeRecord(logged.event(), pos);
            } catch (KafkaException noMetadata) {
                isNoticeUnroutable = true;
                return;
            }
            if (notice != null) {
                records.add(notice);
                forwardedInBatch++;
            }
        }
        batchEnd = logged.next();
    }

    /** The {@code pos} header, {@code <file>:<offset>}, the file's part kept from one record to the next. */
    private byte[] pos(LoggedRecord logged) {
        if (!logged.file().equals(posFile)) {
            posFile = logged.file();
            posPrefix = (posFile + ":").getBytes(StandardCharsets.US_ASCII);
        }
        long offset = logged.offset();
        int digits = 1;
        for (long rest = offset / 10; rest > 0; rest /= 10) {
            digits++;
        }
        byte[] pos = Arrays.copyOf(posPrefix, posPrefix.length + digits);
        for (int i = pos.length - 1; i >= posPrefix.length; i--) {
            pos[i] = (byte) ('0' + offset % 10);
            offset /= 10;
        }
        return pos;
    }

    private void send() {
        pending.set(records.size());
        for (int i = 0; i < records.size(); i++) {
            try {
                producer.send(records.get(i), acked);
            } catch (KafkaException notSent) {
                isBatchFailed = true;
                pending.addAndGet(-(records.size() - i));
                return;
            } catch (Error error) {
                // the batch fails as above, so that it settles and is sent again, rather than wait for ever
                isBatchFailed = true;
                pending.addAndGet(-(records.size() - i));
                throw error;
            }
            if (isBatchFailed) {
                // failed at once (no metadata within max.block.ms): the rest waits for the retry, in order
                pending.addAndGet(-(records.size() - i - 1));
                return;
            }
        }
    }

    /**
     * A forwarded notice's record for the notices topic: key and header {@code to} the owner node's id, value the
     * notice's link, header {@code from} this node and {@code pos} its place in this node's log; null when the
     * event does not name a node and a link (nothing to send).
     */
    private ProducerRecord<byte[], byte[]> noticeRecord(Event event, byte[] pos) {
        Object to = event.fields().get("to");
        String link = event.string("link");
        if (!(to instanceof Long owner) || owner < 0 || link == null) {
            return null;
        }
        // the producer's metadata, refreshed as it refreshes: the same count the owner's relay reads its partition by
        int partitions = producer.partitionsFor(noticesTopic).size();
        if (partitions == 0) {
            throw new KafkaException("no partitions of " + noticesTopic + " yet");
        }
        byte[] ownerId = Long.toString(owner).getBytes(StandardCharsets.US_ASCII);
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(noticesTopic,
                NoticeRelay.partitionOf(owner.intValue(), partitions), ownerId,
                link.getBytes(StandardCharsets.UTF_8));
        record.headers().add("to", ownerId).add("from", node).add("pos", pos);
        return record;
    }

    /** Events the broker acknowledged (a batch sent again after a failure counts again). */
    public long published() {
        return published.get();
    }

    /** Notices for other nodes' auctions Kafka acknowledged on the notices topic (a batch sent again counts again). */
    public long noticesForwarded() {
        return noticesForwarded.get();
    }

    /** Batches that failed and were (or will be) sent again from the stored position. */
    public long failedBatches() {
        return failedBatches.get();
    }

    /** Passes that ended in an {@link Error} (a batch it broke off is sent again); each went on. */
    public long errors() {
        return errors.count();
    }

    /** Bytes of the local log not yet acknowledged by Kafka, measured once a second. */
    public long lagBytes() {
        return lagBytes;
    }

    /** Where publishing will go on from: after the last acknowledged batch; null before the first. */
    public Position position() {
        return committed;
    }

    /** Waits for the batch in flight and stores the position after the last acknowledged batch; closes the producer. */
    @Override
    public void onClose() {
        producer.close(Duration.ofSeconds(5));
        try {
            if (inFlight > 0 && pending.get() == 0 && !isBatchFailed) {
                settle(System.currentTimeMillis());
            }
            if (!isStored) {
                store(System.currentTimeMillis());
            }
        } catch (IOException e) {
            LOG.warn("could not store the Kafka events position; the last batches will be sent again", e);
        }
    }

    @Override
    public String roleName() {
        return "merlin-kafka-events";
    }

    /** The stored position, or null when there is none (publishing starts at the oldest record). */
    static Position readPosition(Path file) throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII).trim();
        } catch (NoSuchFileException none) {
            return null;
        }
        int space = text.lastIndexOf(' ');
        try {
            return new Position(text.substring(0, space), Long.parseLong(text.substring(space + 1)));
        } catch (IndexOutOfBoundsException | NumberFormatException e) {
            LOG.warn("{} is unreadable ('{}'): publishing the whole event log again", file, text);
            return null;
        }
    }

    /** Replaces the stored position at once (a temporary file, forced to disk, then renamed over it). */
    static void writePosition(Path file, Position position) throws IOException {
        Files.createDirectories(file.getParent());
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        byte[] line = (position.file() + " " + position.offset() + "\n").getBytes(StandardCharsets.US_ASCII);
        try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            channel.write(ByteBuffer.wrap(line));
            channel.force(true);
        }
        Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
