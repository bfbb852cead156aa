package dev.merlin.exchange.cluster;

import dev.merlin.config.ClusterConfig;
import dev.merlin.exchange.auction.CatalogSource;
import dev.merlin.exchange.auction.FrequencyStore;
import dev.merlin.exchange.auction.SpendLedger;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import dev.merlin.exchange.privacy.ErasureRegistry;
import java.util.function.LongSupplier;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Budgets ({@link BudgetShare}) and frequency caps ({@link FrequencyShare}) shared with the other nodes through
 * Kafka, each on its own thread, their counters registered. Opened by the runtime only when
 * {@code cluster.kafka.bootstrap} is set, before any auction; closed before the stores. An {@code Error} from a pass
 * (which Agrona's runner rethrows, ending the thread) is counted and the agent goes on: the budget sharer catches its
 * own ({@link BudgetShare#errors()}), the frequency sharer's are caught here ({@link #frequencyErrors()}).
 */
public final class SharedLimits implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SharedLimits.class);
    private static final long IDLE_MILLIS = 5;

    private final BudgetShare budgets;
    private final FrequencyShare frequency;
    private final AgentRunner budgetRunner;
    private final AgentRunner frequencyRunner;
    private final PassErrors frequencyErrors = new PassErrors(LOG, "merlin-kafka-frequency");

    private SharedLimits(BudgetShare budgets, FrequencyShare frequency) {
        this.budgets = budgets;
        this.frequency = frequency;
        this.budgetRunner = start(budgets);
        this.frequencyRunner = start(frequencyErrors.guard(frequency));
    }

    /**
     * Makes the ledger spend within shared ceilings and the frequency store share its counts (none of a user
     * {@code erasures} refuses), and starts both.
     */
    public static SharedLimits open(ClusterConfig cluster, int nodeId, SpendLedger ledger, FrequencyStore store,
                                    ErasureRegistry erasures, CatalogSource catalog, LongSupplier epochSecondsClock,
                                    ExchangeMetrics metrics) {
        BudgetShare budgets = BudgetShare.open(ledger, catalog, cluster, nodeId);
        FrequencyShare frequency = FrequencyShare.open(store, erasures, catalog, cluster.kafka(), nodeId,
                epochSecondsClock);
        metrics.counter("merlin_kafka_budget_proposals", "Budget ceilings this node proposed", budgets::proposed);
        metrics.counter("merlin_kafka_budget_failed", "Budget proposals that did not reach Kafka", budgets::failed);
        metrics.counter("merlin_kafka_budget_applied", "Records of the budget log applied", budgets::applied);
        metrics.counter("merlin_kafka_budget_refused", "Records of the budget log refused (malformed or out of"
                + " bounds)", budgets::refused);
        metrics.counter("merlin_kafka_frequency_published", "Impressions Kafka acknowledged", frequency::published);
        metrics.counter("merlin_kafka_frequency_failed", "Impressions that did not reach Kafka", frequency::failed);
        metrics.counter("merlin_kafka_frequency_dropped", "Impressions dropped, the queue to Kafka full",
                frequency::dropped);
        metrics.counter("merlin_kafka_frequency_applied", "Other nodes' impressions counted here",
                frequency::applied);
        metrics.counter("merlin_kafka_frequency_refused", "Impression records refused", frequency::refused);
        metrics.counter("merlin_kafka_frequency_user_refused", "Other nodes' impressions not counted: their user"
                + " opted out or was erased at or after it was served", frequency::userRefused);
        metrics.counter("merlin_kafka_budget_writer_stamped", "Budget records the broker did not stamp (the topic is"
                + " not on LogAppendTime: the day bound trusts the writers' clocks)", budgets::writerStamped);
        metrics.counter("merlin_kafka_budget_errors", "Passes of the budget agent that ended in an Error (it went on)",
                budgets::errors);
        SharedLimits limits = new SharedLimits(budgets, frequency);
        metrics.counter("merlin_kafka_frequency_errors", "Passes of the frequency agent that ended in an Error (it"
                + " went on)", limits::frequencyErrors);
        return limits;
    }

    private static AgentRunner start(Agent agent) {
        AgentRunner runner = new AgentRunner(new SleepingMillisIdleStrategy(IDLE_MILLIS),
                error -> LOG.warn("{} failed; going on", agent.roleName(), error), null, agent);
        AgentRunner.startOnThread(runner, runnable -> {
            Thread thread = new Thread(runnable, agent.roleName());
            thread.setDaemon(true);
            return thread;
        });
        return runner;
    }

    /** The budget sharer. */
    public BudgetShare budgets() {
        return budgets;
    }

    /** Passes of the frequency sharer that ended in an {@link Error}; each went on. */
    public long frequencyErrors() {
        return frequencyErrors.count();
    }

    /** The frequency sharer. */
    public FrequencyShare frequency() {
        return frequency;
    }

    @Override
    public void close() {
        budgetRunner.close();
        frequencyRunner.close();
    }
}
