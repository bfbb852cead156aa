package dev.merlin.exchange.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * A compacted topic keyed by user that every node reads whole from its start (the segments, the erasures): the
 * clients it takes, and creating and assigning it, retried by the caller while Kafka does not answer.
 */
final class CompactedTopic {

    private static final int PARTITIONS = 3;

    private CompactedTopic() {
    }

    /** A consumer of raw keys and values that commits nothing (a node always reads from the start). */
    static Consumer<byte[], byte[]> reader(String bootstrap, String clientId) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        return new KafkaConsumer<>(props);
    }

    /** An admin client with short timeouts: it only creates the topic. */
    static Admin admin(String bootstrap) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3_000));
    }

    /**
     * Creates {@code topic} compacted (3 partitions, one replica) unless it exists ({@code admin} null: do not
     * create), then assigns all its partitions to {@code consumer} from their start; false (try again later) while
     * Kafka does not answer within {@code wait}.
     */
    static boolean readFromStart(Admin admin, Consumer<byte[], byte[]> consumer, String topic, Duration wait)
            throws InterruptedException {
        try {
            if (admin != null) {
                admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1).configs(Map.of(
                        TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT))))
                        .all().get(wait.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                return false;
            }
        } catch (TimeoutException e) {
            return false;
        }
        List<PartitionInfo> infos;
        try {
            infos = consumer.partitionsFor(topic, wait);
        } catch (KafkaException e) {
            return false;
        }
        if (infos == null || infos.isEmpty()) {
            return false;
        }
        List<TopicPartition> partitions = new ArrayList<>();
        for (PartitionInfo partition : infos) {
            partitions.add(new TopicPartition(topic, partition.partition()));
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        return true;
    }
}
