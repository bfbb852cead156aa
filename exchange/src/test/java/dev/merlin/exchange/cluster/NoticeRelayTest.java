package dev.merlin.exchange.cluster;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.merlin.config.ConfigLoader;
import dev.merlin.config.MerlinConfig;
import dev.merlin.config.StoresConfig;
import dev.merlin.exchange.DemoSeller;
import dev.merlin.exchange.ExchangeRuntime;
import dev.merlin.exchange.auction.NoticeRouting;
import dev.merlin.exchange.http.NoticeEndpoint;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.agrona.concurrent.AgentInvoker;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where a node's forwarded notices go in the topic, the position a relay keeps beside its ledger, and that no record
 * and no failed pass stops it. The relay reads a {@link MockConsumer} and applies to node 2's real stores; it is run
 * by Agrona's {@link AgentInvoker}, which handles what a pass throws as the node's agent runner does (an
 * {@code Error} is rethrown, and would end the runner's thread).
 */
class NoticeRelayTest {

    private static final String TOPIC = "merlin.notices";
    private static final TopicPartition PARTITION = new TopicPartition(TOPIC, 0);
    private static final String BASE = "https://merlin.test";
    private static final long NOW = Instant.parse("2026-06-15T12:00:00Z").getEpochSecond();

    @TempDir
    Path dir;
    private final AtomicLong clock = new AtomicLong(NOW);
    private final List<Throwable> handled = new ArrayList<>();
    private ExchangeRuntime runtime;
    private EmbeddedChannel channel;

    @AfterEach
    void close() {
        if (runtime != null) {
            channel.finishAndReleaseAll();
            runtime.close();
        }
    }

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

    @Test
    void aRecordThatThrowsIsRefusedAndTheRestOfItsBatchIsStillApplied() throws Exception {
        openNode();
        String bill = bill("r1");
        MockConsumer<byte[], byte[]> consumer = consumer();
        NoticeRelay relay = relay(consumer);
        AgentInvoker invoker = start(relay);
        invoker.invoke();
        assertTrue(relay.isReading());
        consumer.addRecord(record(0, "/bill?a=%")); // Netty's query decoder throws: "unterminated escape sequence"
        consumer.addRecord(record(1, bill));

        invoker.invoke();
        assertEquals(1, relay.refused(), "the record that threw");
        assertEquals(1, relay.applied(), "the bill behind it in the same poll");
        assertEquals(1, runtime.stores().spend().chargedImpressions());
        assertEquals(2, relay.storedOffset(), "stored past both: each was applied or refused");
        assertEquals(List.of(), handled, "nothing left the pass");
    }

    @Test
    void anErrorOneRecordThrowsRefusesThatRecordOnly() throws Exception {
        openNode();
        MockConsumer<byte[], byte[]> consumer = consumer();
        NoticeRelay relay = relay(consumer);
        AgentInvoker invoker = start(relay);
        invoker.invoke();
        ConsumerRecord<byte[], byte[]> deep = record(0, bill("r1"));
        deep.headers().remove("to").add(new RecordHeader("to", (byte[]) null) {
            @Override
            public byte[] value() {
                throw new StackOverflowError();
            }
        });
        consumer.addRecord(deep);
        consumer.addRecord(record(1, bill("r2")));

        assertDoesNotThrow(invoker::invoke, "an Error rethrown here would end the agent's thread");
        assertEquals(1, relay.refused());
        assertEquals(1, relay.applied());
        assertEquals(2, relay.storedOffset());
    }

    @Test
    void aPassThatThrowsAnErrorIsCountedAndTheNextPassGoesOn() throws Exception {
        openNode();
        MockConsumer<byte[], byte[]> consumer = consumer();
        NoticeRelay relay = relay(consumer);
        AgentInvoker invoker = start(relay);
        invoker.invoke();
        consumer.addRecord(record(0, bill("r1")));
        consumer.schedulePollTask(() -> {
            // as an OutOfMemoryError would (which JUnit itself rethrows, ending the test run)
            throw new StackOverflowError();
        });

        assertDoesNotThrow(invoker::invoke, "an Error rethrown here would end the agent's thread");
        assertEquals(1, relay.errors());
        assertEquals(0, relay.applied());
        invoker.invoke();
        assertEquals(1, relay.applied(), "the next pass reads on");
        assertEquals(1, relay.storedOffset());
        assertTrue(invoker.isRunning());
    }

    /** Node 2, without Kafka: its stores are those the relay applies to. */
    private void openNode() {
        String yaml = "exchange:\n"
                + "  currency: USD\n"
                + "  takeRate: 0.15\n"
                + "  nodeId: 2\n"
                + "  publicUrl: " + BASE + "\n"
                + "advertisers:\n"
                + "  - id: acme\n"
                + "    campaigns:\n"
                + "      - id: c0\n"
                + "        bid: {amount: 3.00}\n"
                + "        creatives:\n"
                + "          - {id: ad, format: banner, w: 300, h: 250, markup: '<a href=\"${CLICK_URL}\">x</a>',"
                + " landingPage: 'https://acme.example/', adomain: [acme.example]}\n";
        MerlinConfig config = ConfigLoader.parse(yaml, "test").withDataDir(dir.toString())
                .withStores(StoresConfig.small(10_000L)).withSellers(List.of(DemoSeller.SELLER)).validate();
        runtime = ExchangeRuntime.open(config, new ExchangeMetrics(), clock::get);
        channel = new EmbeddedChannel();
        runtime.newPipeline().configure(channel.pipeline());
    }

    private NoticeRelay relay(MockConsumer<byte[], byte[]> consumer) {
        NoticeEndpoint notices = new NoticeEndpoint(runtime.catalog(), runtime.noticeUrls(), runtime.currencies(),
                runtime.stores().spend(), runtime.stores().frequency(), runtime.tracking(),
                runtime.stores().sellerStats(), runtime.stores().erasures(), runtime.stores().events(),
                runtime.config().exchange().takeRate(), runtime.metrics(), runtime::nowEpochSeconds, null, null, null,
                NoticeRouting.clustered(2));
        return new NoticeRelay(consumer, null, TOPIC, 2, notices, dir);
    }

    /** A topic of one partition, read from its start. */
    private static MockConsumer<byte[], byte[]> consumer() {
        MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
        consumer.updatePartitions(TOPIC, List.of(new PartitionInfo(TOPIC, 0, null, null, null)));
        consumer.updateBeginningOffsets(Map.of(PARTITION, 0L));
        return consumer;
    }

    private AgentInvoker start(NoticeRelay relay) {
        AgentInvoker invoker = new AgentInvoker(handled::add, null, relay);
        invoker.start();
        return invoker;
    }

    /** A forwarded notice for node 2 at {@code offset}, as another node's events agent writes it. */
    private static ConsumerRecord<byte[], byte[]> record(long offset, String link) {
        ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>(TOPIC, 0, offset, "2".getBytes(
                StandardCharsets.US_ASCII), link.getBytes(StandardCharsets.UTF_8));
        record.headers().add("to", "2".getBytes(StandardCharsets.US_ASCII));
        return record;
    }

    /** The billing link of node 2's bid for request {@code requestId}, as the seller's client sends it. */
    private String bill(String requestId) throws Exception {
        String body = "{\"id\":\"" + requestId + "\",\"at\":2,\"cur\":[\"USD\"],"
                + "\"site\":{\"domain\":\"p.example\"},"
                + "\"imp\":[{\"id\":\"1\",\"bidfloor\":1.00,\"bidfloorcur\":\"USD\","
                + "\"banner\":{\"w\":300,\"h\":250}}]}";
        ByteBuf in = Unpooled.wrappedBuffer(("POST /openrtb2/auction HTTP/1.1\r\nHost: x\r\n" + DemoSeller.HEADER
                + "Content-Type: application/json\r\n"
                + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body)
                .getBytes(StandardCharsets.UTF_8));
        channel.writeInbound(in);
        channel.runPendingTasks();
        StringBuilder out = new StringBuilder();
        ByteBuf chunk;
        while ((chunk = channel.readOutbound()) != null) {
            out.append(chunk.toString(StandardCharsets.UTF_8));
            chunk.release();
        }
        String response = out.toString();
        assertTrue(response.startsWith("HTTP/1.1 200"), response);
        String url = new ObjectMapper().readTree(response.substring(response.indexOf("\r\n\r\n") + 4))
                .get("seatbid").get(0).get("bid").get(0).get("burl").asText();
        assertTrue(url.startsWith(BASE), url);
        return url.substring(BASE.length()).replace("${", "%24%7B").replace("}", "%7D");
    }
}
