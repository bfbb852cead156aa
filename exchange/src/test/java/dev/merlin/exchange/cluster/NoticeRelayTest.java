package dev.merlin.exchange.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where a node's forwarded notices go in the topic, and the position a relay keeps beside its ledger. */
class NoticeRelayTest {

    @TempDir
    Path dir;

    @Test
    void eachNodeHasItsPartitionAndNodesBeyondThePartitionCountShareOne() {
        assertEquals(1, NoticeRelay.partitionOf(1, NoticeRelay.PARTITIONS));
        assertEquals(2, NoticeRelay.partitionOf(2, NoticeRelay.PARTITIONS));
        assertEquals(0, NoticeRelay.partitionOf(0, NoticeRelay.PARTITIONS));
        assertEquals(1, NoticeRelay.partitionOf(NoticeRelay.PARTITIONS + 1, NoticeRelay.PARTITIONS),
                "node 17 shares node 1's partition: each skips the other's records by their 'to' header");
        assertEquals(0, NoticeRelay.partitionOf(1023, 1), "a topic of one partition holds every node's");
        assertThrows(IllegalArgumentException.class, () -> NoticeRelay.partitionOf(1, 0));
        assertThrows(IllegalArgumentException.class, () -> NoticeRelay.partitionOf(-1, 16));
    }

    @Test
    void aStoredPositionIsReadBackOnlyForItsOwnTopicAndPartition() throws IOException {
        Path file = dir.resolve(NoticeRelay.POSITION_FILE);
        TopicPartition mine = new TopicPartition("merlin.notices", 1);
        assertEquals(-1, NoticeRelay.readPosition(file, mine), "nothing stored: read from the start");
        NoticeRelay.writePosition(file, mine, 42);
        assertEquals(42, NoticeRelay.readPosition(file, mine));
        NoticeRelay.writePosition(file, mine, 43);
        assertEquals(43, NoticeRelay.readPosition(file, mine), "replaced, not appended");
        assertEquals(-1, NoticeRelay.readPosition(file, new TopicPartition("merlin.notices", 2)),
                "the partition count changed: another partition is read from its start");
        assertEquals(-1, NoticeRelay.readPosition(file, new TopicPartition("other.notices", 1)));
        Files.writeString(file, "merlin.notices 1 forty-two\n");
        assertEquals(-1, NoticeRelay.readPosition(file, mine), "unreadable: read from the start (reapplying is safe)");
    }
}
