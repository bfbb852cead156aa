package dev.merlin.exchange.cluster;

import dev.merlin.config.ClusterConfig;
import dev.merlin.exchange.auction.Campaign;
import dev.merlin.exchange.auction.CatalogSource;
import dev.merlin.exchange.auction.SpendLedger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
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
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Shares campaign budgets between nodes through Kafka, without a banker: each node spends from ceilings the budget
 * log ({@code <prefix>budget}, one partition, kept for ever) granted it, and asks for more (or hands back) by
 * appending a proposal; every node applies the log in its one order with the same rule ({@link BudgetLog}), so all
 * agree on who holds what. Runs on its own thread (an Agrona agent), never an event loop; the auction only reads the
 * ceilings this agent sets in the {@link SpendLedger}.
 *
 * <p>Every {@code cluster.budgetSyncMillis}, for each campaign with a budget, the node proposes new ceilings
 * (its spend plus open commitments plus one slice, {@code cluster.budgetSlice} of the budget, at most the budget) when
 * it holds less than half a slice beyond its usage and the others leave some of the budget, or when it holds more than
 * two slices beyond it (handing the rest back). One proposal per campaign is in flight at a time; the node takes the
 * log's answer when it reads its proposal back.
 *
 * <p><b>What it guarantees.</b> Overspend: none. Spend plus commitments of all nodes together stay within each
 * daily and total budget, because each node stays within its ceiling and the log keeps the sum of the ceilings within
 * the budget ({@link BudgetLog}). (Each record states the budget as its node's catalogue has it; nodes are meant to
 * share one catalogue.) What the bound costs is underspend: when the budget is exhausted, what the nodes hold but have
 * not spent is at most nodes × 2 slices (a node hands back what it holds beyond two slices at its next sync; an idle
 * node keeps up to that). Two cases the sum of ceilings does not cover: a budget lowered while the nodes hold
 * ceilings of the old one (each spends at most its ceiling and the new budget: at most nodes × 2 slices past the new
 * budget, until the next sync hands the rest back), and two nodes given the same node id (they share one ceiling and
 * may each spend it: node ids must be unique).
 *
 * <p><b>Kafka down.</b> A node keeps bidding within the ceilings it holds and gets no new ones until Kafka is back;
 * when its slices are spent it stops bidding on the campaign, so a partition never overspends. A node that starts
 * while Kafka is down holds no ceilings and does not bid on campaigns with budgets until it has read the log.
 *
 * <p>A record whose applying throws (an {@code Error} too) is refused, counted and logged once per kind, and the
 * records behind it in the same poll are applied; a pass that ends in an {@code Error} is counted and the next goes on.
 */
public final class BudgetShare implements Agent {

    private static final Logger LOG = LoggerFactory.getLogger(BudgetShare.class);
    private static final int MAX_LOGGED_REFUSALS = 20;
    private static final Duration ASSIGN_WAIT = Duration.ofSeconds(2);
    private static final long ASSIGN_RETRY_MILLIS = 1_000;
    /**
     * How long a poll waits for records when there is nothing else to do: the wait is the thread's idle (a poll
     * returns as soon as records arrive), so an idle agent wakes a few times a second, not every few milliseconds.
     * It never waits past the next sync, so syncs keep their period.
     */
    private static final long POLL_WAIT_MILLIS = 250;
    /** A proposal not read back within this is taken as lost (Kafka was down); the node may propose again. */
    private static final long IN_FLIGHT_TIMEOUT_MILLIS = 10_000;

    private final SpendLedger ledger;
    private final CatalogSource catalog;
    private final Producer<byte[], byte[]> producer;
    private final Consumer<byte[], byte[]> consumer;
    private final TopicPartition partition;
    private final int nodeId;
    private final double sliceFraction;
    private final long syncMillis;
    private final BudgetLog log = new BudgetLog();
    /** Per campaign id: the sequence and send time of its proposal not yet read back. */
    private final Map<String, long[]> inFlight = new HashMap<>();
    private final AtomicLong proposed = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong applied = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong writerStamped = new AtomicLong();
    private final Set<String> loggedRefusals = ConcurrentHashMap.newKeySet();
    private final PassErrors errors = new PassErrors(LOG, "merlin-kafka-budget");
    private final Callback acked;
    private Admin admin;
    private boolean isAssigned;
    private volatile boolean isCaughtUp;
    private long catchUpOffset;
    private long assignAtMillis;
    private long syncAtMillis;
    private long seq;

    /** A budget sharer for {@code ledger} (which it makes share budgets) over {@code topic}; it closes the clients. */
    public BudgetShare(SpendLedger ledger, CatalogSource catalog, Producer<byte[], byte[]> producer,
                       Consumer<byte[], byte[]> consumer, String topic, int nodeId, ClusterConfig config,
                       Admin admin) {
        this.ledger = ledger;
        this.catalog = catalog;
        this.producer = producer;
        this.consumer = consumer;
        this.partition = new TopicPartition(topic, 0);
        this.nodeId = nodeId;
        this.sliceFraction = config.budgetSlice();
        this.syncMillis = config.budgetSyncMillis();
        this.admin = admin;
        this.acked = (metadata, error) -> {
            if (error != null) {
                failed.incrementAndGet();
            }
        };
        ledger.shareBudgets();
    }

    /** A budget sharer with its own Kafka clients; nothing connects until it runs. */
    public static BudgetShare open(SpendLedger ledger, CatalogSource catalog, ClusterConfig config, int nodeId) {
        ClusterConfig.Kafka kafka = config.kafka();
        Properties producerProps = EventPublisher.producerProperties(kafka.bootstrap(), nodeId);
        producerProps.put("client.id", "merlin-budget-" + nodeId);
        Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrap(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3_000));
        return new BudgetShare(ledger, catalog, new KafkaProducer<>(producerProps),
                new KafkaConsumer<>(consumerProperties(kafka.bootstrap(), "merlin-budget-reader-" + nodeId)),
                kafka.budgetTopic(), nodeId, config, admin);
    }

    /** A consumer that reads assigned partitions, no group, no commits. */
    static Properties consumerProperties(String bootstrap, String clientId) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        return props;
    }

    /**
     * Creates the log (one partition, kept for ever, each record timed by the broker that appends it: the bound of
     * {@link BudgetLog} on a record's day) unless it exists, then reads it from its start.
     */
    private boolean assign() throws InterruptedException {
        try {
            if (admin != null) {
                admin.createTopics(List.of(new NewTopic(partition.topic(), 1, (short) 1).configs(Map.of(
                        TopicConfig.RETENTION_MS_CONFIG, "-1", TopicConfig.RETENTION_BYTES_CONFIG, "-1",
                        TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, "LogAppendTime"))))
                        .all().get(ASSIGN_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                return false;
            }
        } catch (TimeoutException e) {
            return false;
        }
        try {
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            catchUpOffset = consumer.endOffsets(List.of(partition), ASSIGN_WAIT).get(partition);
        } catch (KafkaException e) {
            return false;
        }
        if (admin != null) {
            admin.close(Duration.ofSeconds(1));
            admin = null;
        }
        return true;
    }

    /** One pass; an {@link Error} that ends it is counted and logged ({@link #errors()}), and the next goes on. */
    @Override
    public int doWork() throws InterruptedException {
        try {
            return readAndSync();
        } catch (Error error) {
            errors.caught(error);
            return 0;
        }
    }

    private int readAndSync() throws InterruptedException {
        long now = System.currentTimeMillis();
        if (!isAssigned) {
            if (now >= assignAtMillis) {
                isAssigned = assign();
                assignAtMillis = now + ASSIGN_RETRY_MILLIS;
            }
            return 0;
        }
        int work = 0;
        long wait = isCaughtUp ? Math.max(0, Math.min(POLL_WAIT_MILLIS, syncAtMillis - now)) : POLL_WAIT_MILLIS;
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(wait))) {
            try {
                checkAppendTime(record);
                read(record.value(), record.timestamp());
            } catch (Throwable failure) {
                // poll() has moved past the whole batch: the records behind this one are read all the same
                refused.incrementAndGet();
                logRefusal(record, failure);
            }
            work++;
        }
        now = System.currentTimeMillis();
        if (!isCaughtUp) {
            // the node's own earlier proposals come first: it proposes only once it knows what it holds
            isCaughtUp = consumer.position(partition) >= catchUpOffset;
            return work;
        }
        if (now >= syncAtMillis) {
            syncAtMillis = now + syncMillis;
            work += sync(now);
        }
        return work;
    }

    /**
     * Counts a record the broker did not stamp (a topic created before the day bound, still on CreateTime): its time
     * is its writer's, so the bound is only as good as the writers' clocks. Warned once, with the fix.
     */
    private void checkAppendTime(ConsumerRecord<byte[], byte[]> record) {
        if (record.timestampType() != TimestampType.LOG_APPEND_TIME && writerStamped.getAndIncrement() == 0) {
            LOG.warn("the budget topic {} keeps the writers' timestamps ({}): a node with its clock far ahead can"
                    + " still end daily budgets on every node; set message.timestamp.type=LogAppendTime on it"
                    + " (kafka-configs.sh --alter --add-config)", record.topic(), record.timestampType());
        }
    }

    /** Records of the budget topic stamped by their writer, not the broker (see {@link #checkAppendTime}). */
    public long writerStamped() {
        return writerStamped.get();
    }

    /** Applies one record; when it is this node's own and none of its proposals is in flight, takes the answer. */
    private void read(byte[] value, long appendedAtMillis) {
        BudgetLog.Proposal proposal = log.apply(value, appendedAtMillis);
        if (proposal == null) {
            refused.incrementAndGet();
            return;
        }
        if (proposal.node() == nodeId) {
            answered(proposal); // another node's record moved only that node's ceilings
        }
        applied.incrementAndGet();
    }

    private void answered(BudgetLog.Proposal proposal) {
        long[] pending = inFlight.get(proposal.campaignId());
        if (pending != null && pending[0] == proposal.seq()) {
            inFlight.remove(proposal.campaignId());
            pending = null;
        }
        Campaign campaign = catalog.current().byId(proposal.campaignId());
        if (pending == null && campaign != null) {
            take(campaign);
        }
    }

    private void logRefusal(ConsumerRecord<byte[], byte[]> record, Throwable failure) {
        String kind = failure.getClass().getName();
        if (loggedRefusals.size() < MAX_LOGGED_REFUSALS && loggedRefusals.add(kind)) {
            LOG.warn("refused the budget record at {}-{}@{}: reading it threw {}; further ones of this kind are only"
                    + " counted", record.topic(), record.partition(), record.offset(), failure.toString(), failure);
        }
    }

    /** Sets the campaign's ceilings in the ledger to what the log says this node holds. */
    private void take(Campaign campaign) {
        long day = ledger.currentEpochDay();
        ledger.grant(campaign, day, log.dayCeiling(campaign.id(), nodeId, day),
                log.totalCeiling(campaign.id(), nodeId));
    }

    /** Proposes new ceilings for each campaign that needs more, or holds too much; returns how many. */
    private int sync(long now) {
        int sent = 0;
        for (Campaign campaign : catalog.current().all()) {
            if (campaign.dailyBudgetMicros() == Long.MAX_VALUE && campaign.totalBudgetMicros() == Long.MAX_VALUE) {
                continue;
            }
            long[] pending = inFlight.get(campaign.id());
            if (pending != null) {
                if (now - pending[1] < IN_FLIGHT_TIMEOUT_MILLIS) {
                    continue;
                }
                inFlight.remove(campaign.id());
            }
            if (needsProposal(campaign)) {
                propose(campaign, now);
                sent++;
            }
        }
        return sent;
    }

    private boolean needsProposal(Campaign campaign) {
        String id = campaign.id();
        long day = ledger.currentEpochDay();
        SpendLedger.Totals totals = ledger.totals(campaign);
        return needs(log.dayCeiling(id, nodeId, day), totals.spentTodayMicros() + totals.committedTodayMicros(),
                log.dayHeld(id, day), campaign.dailyBudgetMicros())
                || needs(log.totalCeiling(id, nodeId), totals.spentTotalMicros() + totals.committedTotalMicros(),
                log.totalHeld(id), campaign.totalBudgetMicros());
    }

    /**
     * Whether one scope wants a proposal: less than half a slice left of what the node holds while the others leave
     * some of the budget, or more than two slices held beyond its usage.
     */
    private boolean needs(long ceiling, long used, long heldByAll, long budget) {
        if (budget == Long.MAX_VALUE) {
            return false;
        }
        long slice = sliceMicros(budget);
        long spare = ceiling - used;
        return spare < slice / 2 && heldByAll < budget && ceiling < budget || spare > 2 * slice;
    }

    private void propose(Campaign campaign, long now) {
        SpendLedger.Proposal asked = ledger.propose(campaign, sliceMicros(campaign.dailyBudgetMicros()),
                sliceMicros(campaign.totalBudgetMicros()));
        long proposal = ++seq;
        BudgetLog.Proposal record = new BudgetLog.Proposal(nodeId, campaign.id(), asked.epochDay(),
                asked.dayCeilingMicros(), asked.totalCeilingMicros(), campaign.dailyBudgetMicros(),
                campaign.totalBudgetMicros(), proposal);
        inFlight.put(campaign.id(), new long[] {proposal, now});
        proposed.incrementAndGet();
        try {
            producer.send(new ProducerRecord<>(partition.topic(), 0,
                    (nodeId + "/" + campaign.id()).getBytes(StandardCharsets.UTF_8),
                    record.encode()), acked);
        } catch (KafkaException notSent) {
            failed.incrementAndGet();
        }
    }

    /** One slice of a budget, micros: at least 1; none (the largest value) without a budget. */
    long sliceMicros(long budgetMicros) {
        return budgetMicros == Long.MAX_VALUE ? Long.MAX_VALUE : Math.max(1, (long) Math.ceil(budgetMicros
                * sliceFraction));
    }

    /** Whether the node has read the log up to where it stood at start (it proposes only then). */
    public boolean isCaughtUp() {
        return isCaughtUp;
    }

    /** Proposals sent. */
    public long proposed() {
        return proposed.get();
    }

    /** Proposals that did not reach Kafka. */
    public long failed() {
        return failed.get();
    }

    /** Records of the log applied. */
    public long applied() {
        return applied.get();
    }

    /**
     * Records of the log refused (malformed, or amounts the rule does not take; see {@link BudgetLog}), and those
     * whose reading threw.
     */
    public long refused() {
        return refused.get();
    }

    /** Passes that ended in an {@link Error} outside any one record; each went on. */
    public long errors() {
        return errors.count();
    }

    @Override
    public void onClose() {
        producer.close(Duration.ofSeconds(5));
        consumer.close(Duration.ofSeconds(5));
        if (admin != null) {
            admin.close(Duration.ofSeconds(1));
        }
    }

    @Override
    public String roleName() {
        return "merlin-kafka-budget";
    }
}
