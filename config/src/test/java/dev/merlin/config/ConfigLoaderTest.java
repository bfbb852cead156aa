package dev.merlin.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigLoaderTest {

    /** What a node of a cluster must set besides the bootstrap: a node id and the secrets the nodes share. */
    private static final String CLUSTER_NODE = "exchange:\n  nodeId: 1\n"
            + "  noticeSecret: shared-notice-secret-0123456789abcdef\n"
            + "privacy:\n  identitySecret: shared-identity-secret-0123456789abcdef\n";

    @Test
    void embeddedDefaultLoadsWithDocumentedValues() {
        MerlinConfig config = ConfigLoader.loadDefault();
        assertEquals(8080, config.server().port());
        assertEquals(256 * 1024, config.server().maxBodyBytes());
        assertEquals(64, config.requests().maxImps());
        assertEquals("./data", config.dataDir());
        assertEquals(86_400L, config.stores().chargedWindowSeconds());
    }

    @Test
    void theChargeWindowIsAtLeastAnHourAndAtMostThirtyDays() {
        assertEquals(7_200L, ConfigLoader.parse("stores:\n  chargedWindowSeconds: 7200\n", "test").validate().stores()
                .chargedWindowSeconds());
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse("stores:\n  chargedWindowSeconds: 60\n", "test").validate());
        assertEquals("stores.chargedWindowSeconds", e.keyPath());
        assertTrue(e.getMessage().contains("3600 to 2592000"), e.getMessage());
    }

    @Test
    void missingKeysTakeDefaults() {
        MerlinConfig config = ConfigLoader.parse("server:\n  port: 9000\n", "test");
        assertEquals(9000, config.server().port());
        assertEquals(60, config.server().idleTimeoutSeconds());
        assertEquals(10_000, config.server().maxConnections());
        assertEquals(10, config.server().requestTimeoutSeconds());
        assertEquals(5, config.server().shutdownDrainSeconds());
        assertEquals(256, config.requests().maxDepth());
    }

    @Test
    void connectionCapAndRequestDeadlineAreBounded() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse("server:\n  maxConnections: 0\n", "test").validate());
        assertEquals("server.maxConnections", e.keyPath());
        e = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse("server:\n  requestTimeoutSeconds: 0\n", "test").validate());
        assertEquals("server.requestTimeoutSeconds", e.keyPath());
        e = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse("server:\n  shutdownDrainSeconds: -1\n", "test").validate());
        assertEquals("server.shutdownDrainSeconds", e.keyPath());
    }

    @Test
    void answerBoundsHaveDefaultsAndAreValidated() {
        MerlinConfig config = ConfigLoader.loadDefault();
        assertEquals(128, config.requests().maxIdLength());
        assertEquals(1024 * 1024, config.server().maxResponseBytes());
        assertEquals(64 * 1024, config.server().maxMarkupLength());
        assertEquals(256 * 1024 * 1024, config.server().maxUnwrittenBytes());
        assertEquals(config.server(), ConfigLoader.parse("server:\n  port: 8080\n", "test").server().withHost(
                config.server().host()), "the embedded file states the built-in defaults");
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse("requests:\n  maxIdLength: 8\n", "test").validate());
        assertEquals("requests.maxIdLength", e.keyPath());
        e = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse("server:\n  maxResponseBytes: 100\n", "test").validate());
        assertEquals("server.maxResponseBytes", e.keyPath());
        e = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse("server:\n  maxMarkupLength: 10\n", "test").validate());
        assertEquals("server.maxMarkupLength", e.keyPath());
        e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(
                "server:\n  maxResponseBytes: 8388608\n  maxUnwrittenBytes: 4194304\n", "test").validate());
        assertEquals("server.maxUnwrittenBytes", e.keyPath());
        assertTrue(e.getMessage().contains("8388608"), "one whole answer must fit the budget: " + e.getMessage());
    }

    @Test
    void emptyFileIsAllDefaults() {
        assertEquals(8080, ConfigLoader.parse("", "test").server().port());
    }

    @Test
    void unknownKeyNamesItsPathAndWhatIsAllowed() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse("server:\n  prot: 9000\n", "test"));
        assertEquals("server.prot", e.keyPath());
        assertTrue(e.getMessage().contains("port"), e.getMessage());
    }

    @Test
    void wrongTypeNamesThePath() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse("requests:\n  maxImps: lots\n", "test"));
        assertEquals("requests.maxImps", e.keyPath());
        assertTrue(e.getMessage().contains("integer"), e.getMessage());
    }

    @Test
    void outOfRangeNamesPathValueAndRange() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse("server:\n  port: 70000\n", "test"));
        assertEquals("server.port", e.keyPath());
        assertTrue(e.getMessage().contains("70000") && e.getMessage().contains("0 to 65535"), e.getMessage());
    }

    @Test
    void missingFileIsAClearError(@TempDir Path dir) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(dir.resolve("nope.yaml")));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }

    @Test
    void fileOnDiskLoads(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("m.yaml");
        Files.writeString(file, "dataDir: /var/lib/merlin\n");
        assertEquals("/var/lib/merlin", ConfigLoader.load(file).dataDir());
    }

    @Test
    void flagOverridesKeepTheRest() {
        MerlinConfig config = ConfigLoader.loadDefault().withPort(0).withDataDir("/tmp/x");
        assertEquals(0, config.server().port());
        assertEquals("/tmp/x", config.dataDir());
        assertEquals(64, config.requests().maxImps());
    }

    @Test
    void thePortFlagMovesALoopbackPublicUrlButNotAPublicOne() {
        MerlinConfig demo = ConfigLoader.loadDefault();
        assertEquals("http://127.0.0.1:9090", demo.withPortAndLoopbackUrl(9090).exchange().publicUrl());
        MerlinConfig hosted = ConfigLoader.parse("exchange:\n  publicUrl: https://rtb.merlin.example\n", "test");
        assertEquals("https://rtb.merlin.example", hosted.withPortAndLoopbackUrl(9090).exchange().publicUrl());
        assertEquals(9090, hosted.withPortAndLoopbackUrl(9090).server().port());
    }

    @Test
    void theNodeIdDefaultsTo0AndMustFitItsTenBits() {
        assertEquals(0, ConfigLoader.loadDefault().exchange().nodeId());
        assertEquals(1023, ConfigLoader.parse("exchange:\n  nodeId: 1023\n", "test").exchange().nodeId());
        for (String bad : new String[] {"-1", "1024"}) {
            ConfigException e = assertThrows(ConfigException.class,
                    () -> ConfigLoader.parse("exchange:\n  nodeId: " + bad + "\n", "test"));
            assertEquals("exchange.nodeId", e.keyPath(), e.getMessage());
            assertTrue(e.getMessage().contains("value " + bad) && e.getMessage().contains("0 to 1023"), e.getMessage());
        }
    }

    @Test
    void theKafkaClusterIsOffByDefaultAndItsBootstrapAndTopicPrefixAreChecked() {
        MerlinConfig alone = ConfigLoader.loadDefault();
        assertFalse(alone.cluster().hasKafka());
        assertEquals("merlin.events", alone.cluster().kafka().eventsTopic());
        assertEquals("merlin.segments", alone.cluster().kafka().segmentsTopic());
        MerlinConfig shared = ConfigLoader.parse(CLUSTER_NODE + "cluster:\n  kafka:\n"
                + "    bootstrap: k1:9092,[::1]:9093\n    topicPrefix: ex2.\n", "test");
        assertTrue(shared.cluster().hasKafka());
        assertEquals("k1:9092,[::1]:9093", shared.cluster().kafka().bootstrap());
        assertEquals("ex2.events", shared.cluster().kafka().eventsTopic());
        for (String bad : new String[] {"k1", "''", "k1:0", "k1:70000", "k1:9092,", "k 1:9092"}) {
            ConfigException e = assertThrows(ConfigException.class,
                    () -> ConfigLoader.parse("cluster:\n  kafka:\n    bootstrap: " + bad + "\n", "test"));
            assertEquals("cluster.kafka.bootstrap", e.keyPath(), bad + ": " + e.getMessage());
        }
        ConfigException prefix = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse("cluster:\n  kafka:\n    topicPrefix: a/b\n", "test"));
        assertEquals("cluster.kafka.topicPrefix", prefix.keyPath(), prefix.getMessage());
        ConfigException unknown = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse("cluster:\n  kafka:\n    brokers: k1:9092\n", "test"));
        assertTrue(unknown.keyPath().startsWith("cluster.kafka"), unknown.keyPath());
    }

    /**
     * With Kafka, a node refuses to start without the secrets every node must share and without its own node id:
     * else each node keys its notice links and uid cookies on its own (the others' 403, opt-outs ignored, users
     * hashed apart) and nodes left at id 0 take each other's segment changes for their own.
     */
    @Test
    void aNodeOfAClusterNeedsTheSharedSecretsAndANodeIdOfItsOwn() {
        String kafka = "cluster:\n  kafka:\n    bootstrap: k1:9092\n";
        String notice = "  noticeSecret: shared-notice-secret-0123456789abcdef\n";
        String identity = "privacy:\n  identitySecret: shared-identity-secret-0123456789abcdef\n";
        String[][] missing = {
            {"exchange:\n  nodeId: 1\n" + identity + kafka, "exchange.noticeSecret"},
            {"exchange:\n  nodeId: 1\n" + notice + kafka, "privacy.identitySecret"},
            {"exchange:\n" + notice + identity + kafka, "exchange.nodeId"},
        };
        for (String[] config : missing) {
            ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(config[0], "test"));
            assertEquals(config[1], e.keyPath(), e.getMessage());
            assertTrue(e.getMessage().contains("cluster.kafka.bootstrap"), e.getMessage());
        }
        assertEquals(0, ConfigLoader.parse("exchange:\n  nodeId: 0\n" + notice + identity + kafka, "test")
                .exchange().nodeId(), "node 0 given on purpose is a node id of its own");
        MerlinConfig unnamed = ConfigLoader.parse("exchange:\n" + notice + identity, "test");
        assertEquals(0, unnamed.exchange().nodeId(), "unset, the node id reads as 0");
        ConfigException flagOnly = assertThrows(ConfigException.class,
                () -> unnamed.withKafkaBootstrap("k1:9092").validate());
        assertEquals("exchange.nodeId", flagOnly.keyPath(), "--kafka alone names no node");
        assertEquals(2, unnamed.withKafkaBootstrap("k1:9092").withNodeId(2).validate().exchange().nodeId());
        ConfigException defaults = assertThrows(ConfigException.class,
                () -> ConfigLoader.loadDefault().withKafkaBootstrap("k1:9092").withNodeId(1).validate());
        assertEquals("exchange.noticeSecret", defaults.keyPath(), "the embedded default shares no secret");
        assertEquals(1, ConfigLoader.loadDefault().withKafkaBootstrap("k1:9092").withNodeId(1)
                .withSharedSecrets("s".repeat(32), "i".repeat(32)).validate().exchange().nodeId());
        assertFalse(ConfigLoader.loadDefault().validate().cluster().hasKafka(), "a node on its own needs none of it");
    }

    @Test
    void theBudgetSliceAndSyncPeriodHaveDefaultsAndAreChecked() {
        MerlinConfig alone = ConfigLoader.loadDefault();
        assertEquals(0.05, alone.cluster().budgetSlice());
        assertEquals(250, alone.cluster().budgetSyncMillis());
        MerlinConfig set = ConfigLoader.parse("cluster:\n  budgetSlice: 0.01\n  budgetSyncMillis: 100\n", "test");
        assertEquals(0.01, set.cluster().budgetSlice());
        assertEquals(100, set.cluster().budgetSyncMillis());
        assertEquals(0.01, set.withKafkaBootstrap("k1:9092").cluster().budgetSlice(), "--kafka keeps the slice");
        for (String bad : new String[] {"0", "-0.1", "0.0009", "0.6", "1", "NaN", "Infinity", "1e400"}) {
            ConfigException e = assertThrows(ConfigException.class,
                    () -> ConfigLoader.parse("cluster:\n  budgetSlice: " + bad + "\n", "test"));
            assertEquals("cluster.budgetSlice", e.keyPath(), bad + ": " + e.getMessage());
            assertTrue(e.getMessage().contains("0.001 to 0.5"), e.getMessage());
        }
        for (String bad : new String[] {"0", "9", "10001", "-250"}) {
            ConfigException e = assertThrows(ConfigException.class,
                    () -> ConfigLoader.parse("cluster:\n  budgetSyncMillis: " + bad + "\n", "test"));
            assertEquals("cluster.budgetSyncMillis", e.keyPath(), bad + ": " + e.getMessage());
        }
    }

    @Test
    void theClustersNodesAreUnlistedByDefaultAndAListNamesEachNodeIdOnce() {
        assertEquals(List.of(), ConfigLoader.loadDefault().cluster().nodes());
        MerlinConfig listed = ConfigLoader.parse("exchange:\n  nodeId: 2\ncluster:\n  nodes: [1, 2, 1023]\n", "t");
        assertEquals(List.of(1, 2, 1023), listed.cluster().nodes());
        assertEquals(List.of(1, 2, 1023), listed.withKafkaBootstrap("k1:9092").cluster().nodes(), "kept by --kafka");
        for (String bad : new String[] {"[1, 1, 2]", "[2, -1]", "[2, 1024]"}) {
            ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(
                    "exchange:\n  nodeId: 2\ncluster:\n  nodes: " + bad + "\n", "t"));
            assertTrue(e.keyPath().startsWith("cluster.nodes["), bad + ": " + e.keyPath());
        }
    }

    /** Jackson reads NaN and Infinity into a Double even with coercion off, and 1e400 overflows to Infinity. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "takeRate: NaN                 | exchange.takeRate          | NaN      | 0 to 0.9",
        "takeRate: Infinity            | exchange.takeRate          | Infinity | 0 to 0.9",
        "currencyRates: {EUR: Infinity}| exchange.currencyRates.EUR | Infinity | finite number > 0",
        "currencyRates: {EUR: 1e400}   | exchange.currencyRates.EUR | Infinity | finite number > 0",
        "currencyRates: {EUR: NaN}     | exchange.currencyRates.EUR | NaN      | finite number > 0",
    })
    void nonFiniteNumbersAreRefused(String line, String keyPath, String value, String allowed) {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse("exchange:\n  " + line + "\n", "test"));
        assertEquals(keyPath, e.keyPath(), e.getMessage());
        assertTrue(e.getMessage().contains("value " + value) && e.getMessage().contains(allowed), e.getMessage());
    }

    /** A repeated key used to replace the first silently: a second server section dropped port 9000. */
    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', value = {
        "'server:\n  port: 9000\nserver:\n  ioThreads: 2\n'       | server                     | 3",
        "'server:\n  port: 9000\n  port: 9001\n'                   | server.port                | 3",
        "'exchange:\n  currencyRates: {EUR: 1.08, EUR: 1.1}\n'     | exchange.currencyRates.EUR | 2",
        "'segments:\n  - {id: 1, name: a}\n  - {id: 2, id: 3, name: b}\n' | segments[1].id      | 3",
    })
    void aRepeatedKeyIsRefusedWithItsPathAndLine(String yaml, String keyPath, int line) {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse(yaml, "test.yaml"));
        assertEquals(keyPath, e.keyPath(), e.getMessage());
        assertTrue(e.getMessage().contains("line " + line + " of test.yaml"), e.getMessage());
    }

    /** Jackson's YAML binder turned an alias into its anchor's name: markup: *m became the markup "m". */
    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', value = {
        "'segments:\n  - {id: 1, name: &n fans, description: *n}\n'   | segments[0].description | *n | 2",
        "'segments:\n  - &s {id: 1, name: fans}\n  - *s\n'           | segments[1]             | *s | 3",
        "'server: &s {port: 9000}\nrequests: {<<: *s}\n'            | requests.<<             | *s | 2",
    })
    void anAliasIsRefusedWhereItStands(String yaml, String keyPath, String alias, int line) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(yaml, "test.yaml"));
        assertEquals(keyPath, e.keyPath(), e.getMessage());
        assertTrue(e.getMessage().contains("alias " + alias) && e.getMessage().contains("line " + line),
                e.getMessage());
    }

    @Test
    void aSecondYamlDocumentIsRefusedNotIgnored() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse("server: {port: 9000}\n---\nserver: {port: 9001}\n", "test.yaml"));
        assertTrue(e.getMessage().contains("second YAML document") && e.getMessage().contains("line 3"),
                e.getMessage());
        assertEquals(9000, ConfigLoader.parse("---\nserver: {port: 9000}\n", "test.yaml").server().port(),
                "a --- opening the only document is fine");
    }

    /** Jackson's overflow error used to reach the operator without a key path. */
    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', value = {
        "'server:\n  port: 99999999999\n'                | server.port            | 99999999999",
        "'stores:\n  segmentUsers: 99999999999999999999\n' | stores.segmentUsers    | 99999999999999999999",
        "'segments:\n  - {id: 3000000000, name: a}\n'     | segments[0].id         | 3000000000",
    })
    void anIntegerTooLargeNamesItsPathAndValue(String yaml, String keyPath, String value) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(yaml, "test"));
        assertEquals(keyPath, e.keyPath(), e.getMessage());
        assertTrue(e.getMessage().contains("value " + value) && e.getMessage().contains("an integer"),
                e.getMessage());
    }

    /** An empty map value or list item used to end as a NullPointerException from Map.copyOf or List.copyOf. */
    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', value = {
        "'exchange:\n  currencyRates:\n    EUR:\n'            | exchange.currencyRates.EUR          | a number",
        "'exchange:\n  currencyRates: {EUR: }\n'               | exchange.currencyRates.EUR          | a number",
        "'privacy:\n  personalizationCountries: [JPN, ~]\n'    | privacy.personalizationCountries[1] | a string",
        "'privacy:\n  requiredPurposes: [1, null]\n'           | privacy.requiredPurposes[1]         | an integer",
        "'segments:\n  - {id: 1, name: a}\n  -\n'              | segments[1]     | a SegmentDefinition section",
        "'tracking:\n  attribution: {conversionEvents: [~]}\n' | tracking.attribution.conversionEvents[0] | a string",
    })
    void anEmptyValueNamesItsPathAndWhatIsExpected(String yaml, String keyPath, String expected) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(yaml, "test"));
        assertEquals(keyPath, e.keyPath(), e.getMessage());
        assertTrue(e.getMessage().contains("value is empty") && e.getMessage().contains("expected " + expected),
                e.getMessage());
    }

    /** ACCEPT_FLOAT_AS_INT truncated: a width of 300.5 became 300. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "'server:\n  port: 8080.5\n'                 | server.port                 | 8080.5",
        "'stores:\n  chargedWindowSeconds: 7200.9\n' | stores.chargedWindowSeconds | 7200.9",
        "'privacy:\n  requiredPurposes: [1, 3.5]\n'  | privacy.requiredPurposes[1] | 3.5",
    })
    void aFractionWhereAnIntegerBelongsIsRefusedNotTruncated(String yaml, String keyPath, String value) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(yaml, "test"));
        assertEquals(keyPath, e.keyPath(), e.getMessage());
        assertTrue(e.getMessage().contains("value " + value + " is not allowed; expected an integer"), e.getMessage());
    }

    @Test
    void theLargestConversionValueHasADefaultAndIsBounded() {
        assertEquals(100_000d, ConfigLoader.loadDefault().tracking().maxConversionValue());
        assertEquals(100_000d, ConfigLoader.parse("server:\n  port: 9000\n", "test").tracking().maxConversionValue());
        assertEquals(2_500d, ConfigLoader.parse("tracking:\n  maxConversionValue: 2500\n", "test").validate()
                .tracking().maxConversionValue());
        for (String bad : new String[] {"0", "-1", "1e10"}) {
            ConfigException e = assertThrows(ConfigException.class,
                    () -> ConfigLoader.parse("tracking:\n  maxConversionValue: " + bad + "\n", "test").validate());
            assertEquals("tracking.maxConversionValue", e.keyPath(), bad);
            assertTrue(e.getMessage().contains("0.01 to 1000000000"), e.getMessage());
        }
    }
}
