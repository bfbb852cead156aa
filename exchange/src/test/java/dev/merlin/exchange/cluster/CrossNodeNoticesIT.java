package dev.merlin.exchange.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.merlin.config.ClusterConfig;
import dev.merlin.config.ConfigLoader;
import dev.merlin.config.EventLogConfig;
import dev.merlin.config.ExchangeSettings;
import dev.merlin.config.MerlinConfig;
import dev.merlin.config.StoresConfig;
import dev.merlin.exchange.MerlinServer;
import dev.merlin.exchange.auction.AuctionIds;
import dev.merlin.exchange.auction.Campaign;
import dev.merlin.exchange.auction.CampaignCatalog;
import dev.merlin.exchange.auction.SpendLedger;
import dev.merlin.exchange.events.EventLog;
import dev.merlin.exchange.events.EventType;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A notice that reaches another node than its auction's: two Merlin servers (nodes 1 and 2, own data dirs, one
 * notice secret) share one in-process KRaft broker; notices go to them over loopback HTTP. Each impression is
 * charged exactly once, in the ledger of the node that ran its auction, however its notices are spread over the
 * nodes and however they race; a record written straight to the notices topic charges nothing a seller could not.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class CrossNodeNoticesIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DEMO_PUBLIC_URL = "http://127.0.0.1:8080";
    private static final String SECRET = "cross-node-notice-secret-0123456789abcdef";
    private static final String SELLER_TOKEN = "demo-ssp-token";
    /** 1.00 USD CPM cleared, grossed up by the 15 % take rate, for one impression: 1.00 / 0.85 / 1000 USD. */
    private static final long CHARGE_MICROS = 1176;
    private static final int ROUNDS = 40;

    @TempDir
    static Path dataDirs;

    private static KafkaClusterTestKit kafka;
    private static MerlinConfig config1;
    private static MerlinServer node1;
    private static MerlinServer node2;
    private static String base1;
    private static String base2;
    private static byte[] sample;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        kafka = InProcessKafka.start();
        MerlinConfig base = ConfigLoader.loadDefault().withSharedSecrets(SECRET, MerlinNodes.IDENTITY_SECRET)
                .withPort(0).withStores(StoresConfig.small(10_000L))
                .toBuilder().cluster(new ClusterConfig(new ClusterConfig.Kafka(kafka.bootstrapServers(), "x.")))
                .build();
        config1 = node(base, dataDirs.resolve("node1"), 1);
        node1 = new MerlinServer(config1).start();
        node2 = new MerlinServer(node(base, dataDirs.resolve("node2"), 2)).start();
        base1 = "http://127.0.0.1:" + node1.port();
        base2 = "http://127.0.0.1:" + node2.port();
        sample = Files.readAllBytes(samples().resolve("iab26spec-simple-banner.json"));
        await(() -> node1.runtime().noticeRelay().isReading() && node2.runtime().noticeRelay().isReading(),
                "both relays reading their partition");
        // nodes sharing Kafka share budgets too: a node bids on a campaign with a budget once it holds a slice of it
        await(() -> holdsSlices(node1) && holdsSlices(node2), "both nodes holding a slice of every budget");
    }

    @AfterAll
    static void stop() throws Exception {
        if (node1 != null) {
            node1.close();
        }
        if (node2 != null) {
            node2.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    /**
     * Forty auctions on node 1; each one's bill and win go to node 1 and to node 2 at the same time. Node 1 charges
     * each impression once at its clearing price and releases its commitment; node 2 charges nothing.
     */
    @Test
    void billsAndWinsSentToBothNodesAtOnceChargeEachImpressionOnceOnItsAuctionsNode() throws Exception {
        Totals before1 = Totals.of(node1);
        Totals before2 = Totals.of(node2);
        long appliedBefore = node1.runtime().noticeRelay().applied();
        long refusedBefore = node1.runtime().noticeRelay().refused();
        for (int round = 0; round < ROUNDS; round++) {
            JsonNode bid = auction(base1, "cross-" + round);
            String bill = bid.get("burl").asText().replace("${AUCTION_PRICE}", "1.00");
            String win = bid.get("nurl").asText().replace("${AUCTION_PRICE}", "1.00");
            assertEquals(1, AuctionIds.nodeOf(AuctionIds.parse(param(bill, "a"))), "node 1 ran the auction");
            List<CompletableFuture<HttpResponse<Void>>> sent = new ArrayList<>();
            for (String link : List.of(bill, win)) {
                for (String base : List.of(base1, base2)) {
                    sent.add(HTTP.sendAsync(HttpRequest.newBuilder(URI.create(local(base, link))).GET().build(),
                            HttpResponse.BodyHandlers.discarding()));
                }
            }
            for (CompletableFuture<HttpResponse<Void>> answer : sent) {
                assertEquals(204, answer.get(30, TimeUnit.SECONDS).statusCode(), "every notice is accepted");
            }
        }
        await(() -> node1.runtime().noticeRelay().applied() - appliedBefore == 2L * ROUNDS,
                "node 2's bill and win of each impression applied on node 1");
        Totals after1 = Totals.of(node1);
        Totals after2 = Totals.of(node2);
        assertEquals(ROUNDS, after1.chargedImpressions - before1.chargedImpressions,
                "each impression charged once on node 1");
        assertEquals(ROUNDS * CHARGE_MICROS, after1.spentMicros - before1.spentMicros,
                "node 1's spend is the sum of the clearing prices");
        assertEquals(ROUNDS, after1.charged - before1.charged);
        assertEquals(3L * ROUNDS, after1.duplicates - before1.duplicates,
                "the three other notices of each impression charged nothing");
        assertEquals(before1.openCommitments, after1.openCommitments, "every commitment the auctions made released");
        assertEquals(before2.chargedImpressions, after2.chargedImpressions, "node 2 charged nothing");
        assertEquals(before2.spentMicros, after2.spentMicros, "nothing spent on node 2");
        assertEquals(before2.charged + before2.duplicates, after2.charged + after2.duplicates);
        assertEquals(2L * ROUNDS, after2.forwarded - before2.forwarded, "node 2 forwarded its bill and win");
        assertEquals(refusedBefore, node1.runtime().noticeRelay().refused());
    }

    /** A bill for node 2's auction that only node 1 receives is charged on node 2. */
    @Test
    void aBillForNode2sAuctionSentOnlyToNode1IsChargedOnNode2() throws Exception {
        Totals before1 = Totals.of(node1);
        Totals before2 = Totals.of(node2);
        JsonNode bid = auction(base2, "only-node-1");
        assertEquals(before2.openCommitments + 1, node2.runtime().stores().spend().openCommitments(),
                "node 2 committed the bid");
        String bill = bid.get("burl").asText().replace("${AUCTION_PRICE}", "1.00");
        long sent = System.nanoTime();
        assertEquals(204, get(local(base1, bill)));
        await(() -> Totals.of(node2).spentMicros == before2.spentMicros + CHARGE_MICROS
                && Totals.of(node2).openCommitments == before2.openCommitments,
                "node 2 charged it and released its commitment");
        System.out.println("a bill sent to node 1 was charged on node 2 after "
                + (System.nanoTime() - sent) / 1_000_000L + " ms");
        await(() -> node2.metrics().notices("bill", "charged") == before2.charged + 1, "counted as charged");
        Totals after2 = Totals.of(node2);
        assertEquals(before2.chargedImpressions + 1, after2.chargedImpressions, "once");
        assertEquals(before1.chargedImpressions, Totals.of(node1).chargedImpressions, "node 1 charged nothing");
        assertEquals(before1.spentMicros, Totals.of(node1).spentMicros);
        assertEquals(before1.forwarded + 1, Totals.of(node1).forwarded);
    }

    /**
     * Records written straight to node 1's partition of the notices topic, as anyone able to write to it could: an
     * altered link, a link of node 2's auction, not a link at all. Each is refused and counted, and charges nothing;
     * the untouched link still charges, once.
     */
    @Test
    void forgedOrAlteredRecordsOnTheNoticesTopicAreRefusedAndCounted() throws Exception {
        JsonNode mine = auction(base1, "forged-1");
        JsonNode theirs = auction(base2, "forged-2");
        String bill = path(mine.get("burl").asText().replace("${AUCTION_PRICE}", "1.00"));
        String bp = param(bill, "bp");
        Totals before1 = Totals.of(node1);
        long refusedBefore = node1.runtime().noticeRelay().refused();
        long appliedBefore = node1.runtime().noticeRelay().applied();
        long notOwnerBefore = node1.metrics().notices("bill", "not_owner");
        List<String> forged = List.of(
                bill.replace("&bp=" + bp + "&", "&bp=" + bp + "0&"),                // ten times the bid's price
                bill.replace("&sig=", "&sig=0"),                                       // a signature of its own
                path(theirs.get("burl").asText().replace("${AUCTION_PRICE}", "1.00")), // node 2's auction
                "/bill?a=1&rid=x&iid=1&c=" + mine.get("cid").asText(),                 // no signature at all
                "/admin/reload",                                                       // not a notice
                "");
        assertTrue(!forged.get(0).equals(bill) && !forged.get(1).equals(bill), "the links were altered");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                EventPublisher.producerProperties(kafka.bootstrapServers(), 9))) {
            int partitions = producer.partitionsFor("x.notices").size();
            for (String link : forged) {
                producer.send(record(partitions, link)).get(10, TimeUnit.SECONDS);
            }
            await(() -> node1.runtime().noticeRelay().refused() - refusedBefore == forged.size(),
                    "every forged record refused");
            assertEquals(appliedBefore, node1.runtime().noticeRelay().applied());
            Totals after1 = Totals.of(node1);
            assertEquals(before1.chargedImpressions, after1.chargedImpressions, "nothing charged");
            assertEquals(before1.spentMicros, after1.spentMicros);
            assertEquals(notOwnerBefore + 1, node1.metrics().notices("bill", "not_owner"),
                    "node 2's auction is not node 1's to charge");

            producer.send(record(partitions, bill)).get(10, TimeUnit.SECONDS);
            producer.send(record(partitions, bill)).get(10, TimeUnit.SECONDS);
            await(() -> node1.runtime().noticeRelay().applied() - appliedBefore == 2, "the genuine link applied");
        }
        Totals after1 = Totals.of(node1);
        assertEquals(before1.chargedImpressions + 1, after1.chargedImpressions, "charged once");
        assertEquals(CHARGE_MICROS, after1.spentMicros - before1.spentMicros);
    }

    /**
     * Node 1 stops with open commitments; their bills reach node 2 meanwhile. Started again on its data dir, node 1
     * applies exactly those from its stored position (nothing read before is read again), charges each once, and a
     * bill sent to it directly afterwards is a duplicate.
     */
    @Test
    void billsForwardedWhileTheirNodeIsDownAreAppliedOnceWhenItIsBack() throws Exception {
        List<String> bills = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            bills.add(auction(base1, "restart-" + i).get("burl").asText().replace("${AUCTION_PRICE}", "1.00"));
        }
        // one bill applied through the topic before the stop: the restarted relay must not read it again
        String earlier = auction(base1, "restart-earlier").get("burl").asText().replace("${AUCTION_PRICE}", "1.00");
        long appliedBefore = node1.runtime().noticeRelay().applied();
        assertEquals(204, get(local(base2, earlier)));
        await(() -> node1.runtime().noticeRelay().applied() == appliedBefore + 1, "the earlier bill applied");
        Totals before1 = Totals.of(node1);
        node1.close();
        for (String bill : bills) {
            assertEquals(204, get(local(base2, bill)), "node 2 takes the bill while node 1 is down");
        }
        node1 = new MerlinServer(config1).start();
        base1 = "http://127.0.0.1:" + node1.port();
        NoticeRelay relay = node1.runtime().noticeRelay();
        await(() -> relay.applied() >= bills.size(), "the five bills applied after the restart");
        Totals after1 = Totals.of(node1);
        assertEquals(before1.chargedImpressions + bills.size(), after1.chargedImpressions);
        assertEquals(before1.spentMicros + bills.size() * CHARGE_MICROS, after1.spentMicros);
        assertEquals(before1.openCommitments - bills.size(), after1.openCommitments,
                "the commitments kept across the restart released");
        assertEquals(0, relay.refused());
        assertEquals(204, get(local(base1, bills.get(0))));
        assertEquals(1, node1.metrics().notices("bill", "duplicate"));
        assertEquals(bills.size(), relay.applied(), "those five only: nothing read before the stop was read again");
    }

    /**
     * The forwarding node's side alone: notices forwarded while Kafka is unreachable wait in the local event log
     * (the batches fail and are counted, nothing is stored as sent) and reach their nodes' partitions once it is back.
     */
    @Test
    void forwardedNoticesWaitInTheLocalLogWhileKafkaIsDownAndReachTheirNodesAfterwards(@TempDir Path dir)
            throws Exception {
        String topic = "down.notices";
        try (Admin admin = kafka.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 4, (short) 1))).all().get();
        }
        int[] owners = {1, 3, 5, 1, 4};
        try (EventLog log = EventLog.open(dir, EventLogConfig.defaults())) {
            for (int i = 0; i < owners.length; i++) {
                assertTrue(log.commit(log.begin(EventType.NOTICE_FORWARD, System.currentTimeMillis())
                        .put("to", owners[i]).put("link", "/bill?n=" + i)));
                assertTrue(log.commit(log.begin(EventType.AUCTION, System.currentTimeMillis()).put("n", i)));
            }
        }
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        EventPublisher down = new EventPublisher(dir, new KafkaProducer<>(EventPublisher.producerProperties(
                "127.0.0.1:" + closedPort, 2)), "down.events", topic, 2);
        AgentRunner downRunner = run(down);
        try {
            await(() -> down.failedBatches() >= 2, "batches failing while Kafka is unreachable");
        } finally {
            downRunner.close();
        }
        assertEquals(0, down.noticesForwarded());
        assertNull(down.position(), "nothing stored as sent");

        EventPublisher back = new EventPublisher(dir, new KafkaProducer<>(EventPublisher.producerProperties(
                kafka.bootstrapServers(), 2)), "down.events", topic, 2);
        AgentRunner backRunner = run(back);
        try {
            await(() -> back.noticesForwarded() == owners.length, "every waiting notice sent once Kafka is back");
            assertEquals(2L * owners.length, back.published(), "and every event");
        } finally {
            backRunner.close();
        }
        List<ConsumerRecord<byte[], byte[]>> records = readAll(topic, 4, owners.length);
        assertEquals(owners.length, records.size());
        for (ConsumerRecord<byte[], byte[]> record : records) {
            String link = new String(record.value(), StandardCharsets.UTF_8);
            int owner = owners[Integer.parseInt(link.substring("/bill?n=".length()))];
            assertEquals(NoticeRelay.partitionOf(owner, 4), record.partition(), link + " in its owner's partition");
            assertEquals(Integer.toString(owner), header(record, "to"));
            assertEquals("2", header(record, "from"));
        }
    }

    /** The records of {@code topic}'s {@code partitions}, read until {@code count} are there (30 s at most). */
    private static List<ConsumerRecord<byte[], byte[]>> readAll(String topic, int partitions, int count) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> all = new ArrayList<>();
            for (int p = 0; p < partitions; p++) {
                all.add(new TopicPartition(topic, p));
            }
            consumer.assign(all);
            consumer.seekToBeginning(all);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (records.size() < count && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.US_ASCII);
    }

    private static AgentRunner run(EventPublisher publisher) {
        AgentRunner runner = new AgentRunner(new SleepingMillisIdleStrategy(1), Throwable::printStackTrace, null,
                publisher);
        AgentRunner.startOnThread(runner);
        return runner;
    }

    private static ProducerRecord<byte[], byte[]> record(int partitions, String link) {
        byte[] to = "1".getBytes(StandardCharsets.US_ASCII);
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>("x.notices",
                NoticeRelay.partitionOf(1, partitions), to, link.getBytes(StandardCharsets.UTF_8));
        record.headers().add("to", to);
        return record;
    }

    /** What the node's ledger and counters say now, to compare with later. */
    private record Totals(long chargedImpressions, long spentMicros, long openCommitments, long charged,
                          long duplicates, long forwarded) {

        static Totals of(MerlinServer node) {
            ExchangeMetrics m = node.metrics();
            SpendLedger ledger = node.runtime().stores().spend();
            return new Totals(ledger.chargedImpressions(), spent(node), ledger.openCommitments(),
                    m.notices("bill", "charged") + m.notices("win", "charged"),
                    m.notices("bill", "duplicate") + m.notices("win", "duplicate"),
                    m.notices("bill", "forwarded") + m.notices("win", "forwarded"));
        }
    }

    /** What the node's ledger says all its campaigns spent, micros. */
    private static long spent(MerlinServer node) {
        SpendLedger ledger = node.runtime().stores().spend();
        long micros = 0;
        for (Campaign campaign : node.runtime().catalog().all()) {
            micros += ledger.spentTotalMicros(campaign);
        }
        return micros;
    }

    /** Runs an auction on the node at {@code base} for a user of its own (no frequency cap in the way). */
    private static JsonNode auction(String base, String user) throws Exception {
        String body = new String(sample, StandardCharsets.UTF_8)
                .replace("55816b39711f9b5acf3b90e313ed29e51665623f", user);
        HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/openrtb2/auction"))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + SELLER_TOKEN)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, answer.statusCode(), answer.body());
        return JSON.readTree(answer.body()).get("seatbid").get(0).get("bid").get(0);
    }

    /** Whether the node's budget ceilings leave room on every active campaign (granted by the budget log). */
    private static boolean holdsSlices(MerlinServer node) {
        SpendLedger ledger = node.runtime().stores().spend();
        CampaignCatalog catalog = node.runtime().liveCatalogue().current();
        for (int i = 0; i < catalog.size(); i++) {
            long[] ceilings = ledger.ceilings(catalog.get(i), ledger.currentEpochDay());
            if (ceilings[0] <= 0 || ceilings[1] <= 0) {
                return false;
            }
        }
        return node.runtime().sharedLimits().budgets().isCaughtUp();
    }

    private static MerlinConfig node(MerlinConfig base, Path dataDir, int nodeId) {
        ExchangeSettings e = base.exchange();
        return base.withDataDir(dataDir.toString()).withExchange(new ExchangeSettings(e.currency(), e.takeRate(),
                e.currencyRates(), e.publicUrl(), SECRET, e.securePublicUrl(), e.contactEmail(), e.contactAddress(),
                nodeId)).validate();
    }

    /** A demo link's path and query, its macros' braces escaped as a seller's HTTP client would send them. */
    private static String path(String demoUrl) {
        assertTrue(demoUrl.startsWith(DEMO_PUBLIC_URL), demoUrl);
        return demoUrl.substring(DEMO_PUBLIC_URL.length()).replace("${", "%24%7B").replace("}", "%7D");
    }

    private static String local(String base, String demoUrl) {
        return base + path(demoUrl);
    }

    private static String param(String link, String name) {
        for (String pair : link.substring(link.indexOf('?') + 1).split("&")) {
            if (pair.startsWith(name + "=")) {
                return URLDecoder.decode(pair.substring(name.length() + 1), StandardCharsets.UTF_8);
            }
        }
        return fail("no " + name + " in " + link);
    }

    private static int get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static Path samples() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            Path candidate = dir.resolve("shared/openrtb-samples/requests");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
            dir = dir.getParent();
        }
        return fail("no shared/openrtb-samples/requests above the working directory");
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out after 30 s waiting for: " + what);
            }
            Thread.sleep(5);
        }
    }
}
