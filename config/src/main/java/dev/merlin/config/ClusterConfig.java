package dev.merlin.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * How this node shares its state with other Merlin nodes. Unset (the default): a single node, nothing of the
 * cluster starts.
 *
 * @param kafka            the Apache Kafka cluster the nodes share; its {@code bootstrap} unset means no Kafka at all;
 *                         set, the node refuses to start without {@code exchange.noticeSecret},
 *                         {@code privacy.identitySecret} and {@code exchange.nodeId}
 * @param budgetSlice      the most of a campaign's daily (and of its total) budget one node may hold ungranted to the
 *                         others at a time, as a fraction of that budget (default 0.05, from 0.001 to 0.5): the
 *                         budget the nodes leave unspent at exhaustion is at most nodes × slice
 * @param budgetSyncMillis how often a node looks at its slices and asks the others (through Kafka) for a new one
 *                         or hands back what it holds beyond one slice (default 250, from 10 to 10000)
 * @param nodes            the ids ({@code exchange.nodeId}) of the cluster's nodes; empty (the default): not listed,
 *                         every node id is taken for a node of the cluster. A notice for an auction of a node not
 *                         listed (a node retired, a typo) is still forwarded to it, and counted
 *                         ({@code forwarded_unknown_node}) and logged
 */
public record ClusterConfig(Kafka kafka, Double budgetSlice, Integer budgetSyncMillis, List<Integer> nodes) {

    /** Fills unset values with defaults. */
    public ClusterConfig {
        kafka = kafka == null ? Kafka.defaults() : kafka;
        budgetSlice = budgetSlice == null ? 0.05 : budgetSlice;
        budgetSyncMillis = budgetSyncMillis == null ? 250 : budgetSyncMillis;
        // a null entry is kept for validate() to name
        nodes = nodes == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(nodes));
    }

    /** The Kafka cluster {@code kafka}, the budget settings defaulted, the nodes not listed. */
    public ClusterConfig(Kafka kafka) {
        this(kafka, null, null, null);
    }

    /** The Kafka cluster {@code kafka} with these budget settings, the nodes not listed. */
    public ClusterConfig(Kafka kafka, Double budgetSlice, Integer budgetSyncMillis) {
        this(kafka, budgetSlice, budgetSyncMillis, null);
    }

    /** The nodes sharing {@code kafka}, listed, the budget settings defaulted. */
    public ClusterConfig(Kafka kafka, List<Integer> nodes) {
        this(kafka, null, null, nodes);
    }

    /** No cluster: one node on its own. */
    public static ClusterConfig defaults() {
        return new ClusterConfig(null, null, null);
    }

    /** Whether a Kafka bootstrap is configured, that is whether anything Kafka-related starts. */
    public boolean hasKafka() {
        return kafka.bootstrap() != null;
    }

    /** A copy using the Kafka cluster at {@code bootstrap} ({@code HOST:PORT[,HOST:PORT...]}; the --kafka flag). */
    public ClusterConfig withKafkaBootstrap(String bootstrap) {
        return new ClusterConfig(new Kafka(bootstrap, kafka.topicPrefix()), budgetSlice, budgetSyncMillis, nodes);
    }

    void validate(String at) {
        kafka.validate(at + ".kafka");
        ConfigChecks.range(at + ".budgetSlice", budgetSlice, 0.001, 0.5);
        ConfigChecks.range(at + ".budgetSyncMillis", budgetSyncMillis, 10, 10_000);
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < nodes.size(); i++) {
            Integer node = nodes.get(i);
            if (node == null || node < 0 || node > ExchangeSettings.MAX_NODE_ID || !seen.add(node)) {
                throw new ConfigException(at + ".nodes[" + i + "]", "value " + node + " is not allowed; expected"
                        + " a node id, 0 to " + ExchangeSettings.MAX_NODE_ID + ", each listed once");
            }
        }
    }

    /**
     * With Kafka configured, refuses a node that cannot work with the others: each node with its own random notice
     * key would answer 403 to the others' links, each with its own identity key would ignore the others' uid cookies
     * and hash users apart (opt-outs, frequency caps), and two nodes left at node id 0 would take each other's
     * changes for their own and share one budget ceiling.
     */
    void validateShared(ExchangeSettings exchange, PrivacyConfig privacy) {
        if (!hasKafka()) {
            return;
        }
        if (exchange.noticeSecret() == null) {
            throw new ConfigException("exchange.noticeSecret", "value is unset, but cluster.kafka.bootstrap is set:"
                    + " every node of a cluster must check the others' notice links, so set the same secret (32+"
                    + " characters) on every node");
        }
        if (privacy.identitySecret() == null) {
            throw new ConfigException("privacy.identitySecret", "value is unset, but cluster.kafka.bootstrap is set:"
                    + " every node of a cluster must read the others' uid cookies and hash users alike, so set the"
                    + " same secret (32+ characters) on every node");
        }
        if (!exchange.isNodeIdSet()) {
            throw new ConfigException("exchange.nodeId", "value is unset, but cluster.kafka.bootstrap is set: give"
                    + " each node of a cluster its own id, 0 to " + ExchangeSettings.MAX_NODE_ID + " (or --node-id)");
        }
    }

    /**
     * The Kafka cluster the nodes share.
     *
     * @param bootstrap   {@code HOST:PORT[,HOST:PORT...]} of one or more brokers; unset: no Kafka
     * @param topicPrefix put before every topic name Merlin uses ({@code <prefix>events}); default {@code merlin.},
     *                    so that several exchanges (or tests) can share one Kafka cluster
     */
    public record Kafka(String bootstrap, String topicPrefix) {

        private static final Pattern HOST_PORT = Pattern.compile("[A-Za-z0-9.\\-]+:[0-9]{1,5}|\\[[0-9A-Fa-f:.]+\\]"
                + ":[0-9]{1,5}");
        private static final Pattern TOPIC_PREFIX = Pattern.compile("[A-Za-z0-9._-]{0,200}");

        /** Fills unset values with defaults. */
        public Kafka {
            topicPrefix = topicPrefix == null ? "merlin." : topicPrefix;
        }

        /** No Kafka. */
        public static Kafka defaults() {
            return new Kafka(null, null);
        }

        /** The topic every node's event-log records are published to: {@code <prefix>events}. */
        public String eventsTopic() {
            return topicPrefix + "events";
        }

        /** The one-partition log of the nodes' budget ceilings, read by all in one order: {@code <prefix>budget}. */
        public String budgetTopic() {
            return topicPrefix + "budget";
        }

        /** The topic of the impressions each node counts against frequency caps: {@code <prefix>frequency}. */
        public String frequencyTopic() {
            return topicPrefix + "frequency";
        }

        /** The compacted topic of every user's erasure and opt-out, keyed by the user: {@code <prefix>privacy}. */
        public String privacyTopic() {
            return topicPrefix + "privacy";
        }

        /** The compacted topic of every user's segments: {@code <prefix>segments}. */
        public String segmentsTopic() {
            return topicPrefix + "segments";
        }

        /**
         * The topic of notices that reached a node other than their auction's, forwarded to that node:
         * {@code <prefix>notices}, one partition per node id modulo its partition count.
         */
        public String noticesTopic() {
            return topicPrefix + "notices";
        }

        void validate(String at) {
            if (bootstrap != null) {
                if (bootstrap.isBlank()) {
                    throw new ConfigException(at + ".bootstrap", "value is blank; give HOST:PORT[,HOST:PORT...]"
                            + " or leave the key out for no Kafka");
                }
                for (String broker : bootstrap.split(",", -1)) {
                    checkBroker(at + ".bootstrap", broker.trim());
                }
            }
            if (!TOPIC_PREFIX.matcher(topicPrefix).matches()) {
                throw new ConfigException(at + ".topicPrefix", "value " + topicPrefix + " is not allowed; expected"
                        + " up to 200 of A-Z a-z 0-9 . _ -");
            }
        }

        private static void checkBroker(String at, String broker) {
            if (!HOST_PORT.matcher(broker).matches()) {
                throw new ConfigException(at, "value " + broker + " is not allowed; expected HOST:PORT");
            }
            int port = Integer.parseInt(broker.substring(broker.lastIndexOf(':') + 1));
            if (port < 1 || port > 65_535) {
                throw new ConfigException(at, "port " + port + " of " + broker + " is not allowed; expected 1 to"
                        + " 65535");
            }
        }
    }
}
