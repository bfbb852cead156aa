package dev.merlin.exchange.cluster;

import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * The Kafka tests' broker: one combined KRaft node in-process ({@code kafka-test-common-runtime} 4.3.1), started and
 * ready. Consumer groups need the offsets topic at one replica; a group join needs no initial rebalance delay.
 */
final class InProcessKafka {

    private InProcessKafka() {
    }

    /** A started broker whose {@code bootstrapServers()} answer; close it when done. */
    static KafkaClusterTestKit start() throws Exception {
        KafkaClusterTestKit kafka = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder().setCombined(true)
                .setNumBrokerNodes(1).setNumControllerNodes(1).build())
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                .build();
        kafka.format();
        kafka.startup();
        kafka.waitForReadyBrokers();
        return kafka;
    }
}
