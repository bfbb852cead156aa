package dev.merlin.exchange.cluster;

import dev.merlin.config.ClusterConfig;
import dev.merlin.exchange.http.NoticeEndpoint;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.agrona.concurrent.Agent;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the notices other nodes forwarded to this one: win, bill and loss notices for auctions this node ran that
 * reached another node ({@link dev.merlin.exchange.auction.NoticeRouting}). Runs on its own thread (an Agrona agent),
 * never an event loop.
 *
 * <p>The topic ({@code <prefix>notices}) has one partition per node id modulo its partition count
 * ({@link #partitionOf}; created with {@link #PARTITIONS} when missing): a node reads only its own partition, so it
 * reads its own share of the cluster's forwarded notices rather than all of them, and skips the records of a node
 * whose id shares the partition (header {@code to}). Each record's value is the notice's link as it reached the other
 * node ({@code /bill?a=...&sig=...}); it is applied through {@link NoticeEndpoint#applyForwarded}, which verifies the
 * same signature a seller's request must carry and that the signed auction id is this node's. So whoever can write
 * to the topic can only repeat notices Merlin signed, as a seller could: a forged or altered record is refused and
 * counted ({@link #refused()}), and the charge-once record of this node's ledger keeps each impression charged once.
 * So is a record whose applying throws (a malformed escape, an {@code Error} too): the records behind it in the same
 * poll are applied all the same, and a pass that ends in an {@code Error} is counted ({@link #errors()}) and the
 * next one goes on, where Agrona's runner would end the thread.
 *
 * <p>The position read up to is stored under the data dir ({@code cluster/kafka-notices.position}), beside the
 * ledger it was applied to, after each batch applied; a crash between applying and storing applies a few records
 * again, which charges nothing twice ({@code duplicate}). Without a stored position (a new node) the partition is
 * read from its start.
 */
public final class NoticeRelay implements Agent {

    /** Where the position is kept, under the data dir. */
    public static final String POSITION_FILE = "cluster/kafka-notices.position";
    /** Partitions of the notices topic when a node creates it: as many nodes as this read only their own. */
    public static final int PARTITIONS = 16;

    private static final Logger LOG = LoggerFactory.getLogger(NoticeRelay.class);
    private static final Duration ASSIGN_WAIT = Duration.ofSeconds(2);
    private static final long ASSIGN_RETRY_MILLIS = 1_000;
    /**
     * How long a poll waits for records when there is nothing else to do: the wait is the thread's idle (a poll
     * returns as soon as records arrive), so an idle agent wakes a few times a second, not every few milliseconds.
     * The relay only reads, so nothing waits on it.
     */
    private static final Duration POLL_WAIT = Duration.ofMillis(250);
    private static final int MAX_LOGGED_REFUSALS = 20;

    private final Consumer<byte[], byte[]> consumer;
    private final NoticeEndpoint notices;
    private final String topic;
    private final int nodeId;
    private final byte[] node;
    private final Path positionFile;
    private final AtomicLong applied = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();
    private final Set<String> loggedRefusals = ConcurrentHashMap.newKeySet();
    private final PassErrors errors = new PassErrors(LOG, "merlin-kafka-notices");
    private Admin admin;
    private volatile TopicPartition partition;
    private long assignAtMillis;
    private long storedOffset = -1;
    private long nextOffset = -1;

    /** A relay reading {@code topic} for node {@code nodeId} into {@code notices}; it closes the consumer and admin. */
    public NoticeRelay(Consumer<byte[], byte[]> consumer, Admin admin, String topic, int nodeId,
                       NoticeEndpoint notices, Path dataDir) {
        this.consumer = consumer;
        this.admin = admin;
        this.topic = topic;
        this.nodeId = nodeId;
        this.node = Integer.toString(nodeId).getBytes(StandardCharsets.US_ASCII);
        this.notices = notices;
        this.positionFile = dataDir.resolve(POSITION_FILE);
    }

    /** A relay with its own consumer and admin client for the cluster's Kafka; nothing connects until it runs. */
    public static NoticeRelay open(ClusterConfig.Kafka kafka, int nodeId, NoticeEndpoint notices, Path dataDir) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrap());
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "merlin-notices-reader-" + nodeId);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // a stored position older than the topic's retention: read what is left rather than skip to the end
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrap(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3_000));
        return new NoticeRelay(new KafkaConsumer<>(props), admin, kafka.noticesTopic(), nodeId, notices, dataDir);
    }

    /** The partition of the notices topic that node {@code nodeId}'s notices go to, of {@code partitions}. */
    public static int partitionOf(int nodeId, int partitions) {
        if (nodeId < 0 || partitions <= 0) {
            throw new IllegalArgumentException("node " + nodeId + " of " + partitions + " partitions");
        }
        return nodeId % partitions;
    }

    /** One pass; an {@link Error} that ends it is counted and logged ({@link #errors()}), and the next goes on. */
    @Override
    public int doWork() throws IOException, InterruptedException {
        try {
            return pollAndApply();
        } catch (Error error) {
            errors.caught(error);
            return 0;
        }
    }

    private int pollAndApply() throws IOException, InterruptedException {
        if (partition == null) {
            long now = System.currentTimeMillis();
            if (now >= assignAtMillis) {
                assignAtMillis = now + ASSIGN_RETRY_MILLIS;
                assign();
            }
            return 0;
        }
        int work = 0;
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL_WAIT)) {
            nextOffset = record.offset() + 1;
            work++;
            try {
                apply(record);
            } catch (Throwable failure) {
                // poll() has moved past the whole batch: the records behind this one are applied all the same
                refused.incrementAndGet();
                logRefusal(record, failure.getClass().getSimpleName(), failure.toString(), failure);
            }
        }
        if (nextOffset > storedOffset) {
            storePosition();
        }
        return work;
    }

    private void apply(ConsumerRecord<byte[], byte[]> record) {
        Header to = record.headers().lastHeader("to");
        if (to == null || !Arrays.equals(to.value(), node)) {
            skipped.incrementAndGet(); // another node's, sharing this partition (or no owner named)
            return;
        }
        String link = record.value() == null ? null : new String(record.value(), StandardCharsets.UTF_8);
        NoticeEndpoint.Reply reply = notices.applyForwarded(link);
        if (reply.isRefused()) {
            refused.incrementAndGet();
            logRefusal(record, reply.outcome(), reply.error(), null);
        } else {
            applied.incrementAndGet();
        }
    }

    /** Creates the topic unless it exists, then reads this node's partition from the stored position. */
    private void assign() throws IOException, InterruptedException {
        try {
            if (admin != null) {
                admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1)))
                        .all().get(ASSIGN_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                return;
            }
        } catch (TimeoutException e) {
            return;
        }
        List<PartitionInfo> infos;
        try {
            infos = consumer.partitionsFor(topic, ASSIGN_WAIT);
        } catch (KafkaException e) {
            return;
        }
        if (infos == null || infos.isEmpty()) {
            return;
        }
        TopicPartition mine = new TopicPartition(topic, partitionOf(nodeId, infos.size()));
        consumer.assign(List.of(mine));
        long stored = readPosition(positionFile, mine);
        if (stored >= 0) {
            consumer.seek(mine, stored);
        } else {
            consumer.seekToBeginning(List.of(mine));
        }
        storedOffset = stored;
        partition = mine;
        if (admin != null) {
            admin.close(Duration.ofSeconds(1));
            admin = null;
        }
        LOG.info("applying notices forwarded to node {} from {} (from offset {})", nodeId, mine,
                stored >= 0 ? stored : "0, nothing stored");
    }

    /** Logs the first refusal of each {@code reason}; {@code thrown} (null: none) with its stack trace. */
    private void logRefusal(ConsumerRecord<byte[], byte[]> record, String reason, String error, Throwable thrown) {
        if (loggedRefusals.size() < MAX_LOGGED_REFUSALS && loggedRefusals.add(reason)) {
            LOG.warn("refused a forwarded notice at {}-{}@{} ({}): {}; further ones of this kind are only counted",
                    record.topic(), record.partition(), record.offset(), reason, error, thrown);
        }
    }

    private void storePosition() throws IOException {
        writePosition(positionFile, partition, nextOffset);
        storedOffset = nextOffset;
    }

    /** Forwarded notices applied here (charged, duplicate, expired, released...). */
    public long applied() {
        return applied.get();
    }

    /**
     * Forwarded records refused: not a link Merlin signed, altered, another node's auction, malformed, or one whose
     * applying threw (by the exception's class, an {@code Error} too).
     */
    public long refused() {
        return refused.get();
    }

    /** Records of other nodes whose id shares this node's partition, passed over. */
    public long skipped() {
        return skipped.get();
    }

    /** Passes that ended in an {@link Error} outside any one record (a poll, storing the position); each went on. */
    public long errors() {
        return errors.count();
    }

    /** Whether the relay reads its partition (the topic exists and Kafka answered). */
    public boolean isReading() {
        return partition != null;
    }

    /** The offset the next run reads from, as stored; -1 before anything was stored. */
    public long storedOffset() {
        return storedOffset;
    }

    @Override
    public void onClose() {
        consumer.close(Duration.ofSeconds(5));
        if (admin != null) {
            admin.close(Duration.ofSeconds(1));
        }
    }

    @Override
    public String roleName() {
        return "merlin-kafka-notices";
    }

    /** The stored offset for {@code partition}, or -1 when none is stored for it (another topic or partition). */
    static long readPosition(Path file, TopicPartition partition) throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII).trim();
        } catch (NoSuchFileException none) {
            return -1;
        }
        String[] parts = text.split(" ");
        try {
            if (parts.length == 3 && parts[0].equals(partition.topic())
                    && Integer.parseInt(parts[1]) == partition.partition()) {
                return Long.parseLong(parts[2]);
            }
        } catch (NumberFormatException e) {
            LOG.warn("{} is unreadable ('{}'): reading the notices partition from its start", file, text);
            return -1;
        }
        LOG.warn("{} ('{}') is not for {}: reading it from its start", file, text, partition);
        return -1;
    }

    /** Replaces the stored position at once (a temporary file, forced to disk, then renamed over it). */
    static void writePosition(Path file, TopicPartition partition, long offset) throws IOException {
        Files.createDirectories(file.getParent());
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        byte[] line = (partition.topic() + " " + partition.partition() + " " + offset + "\n")
                .getBytes(StandardCharsets.US_ASCII);
        try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            channel.write(ByteBuffer.wrap(line));
            channel.force(true);
        }
        Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
