package dev.merlin.exchange.segments;

import dev.merlin.exchange.auction.UserHash;
import dev.merlin.exchange.privacy.ErasureRegistry;
import dev.merlin.exchange.privacy.IdentityKeys;
import dev.merlin.exchange.privacy.OptOutRegistry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SegmentLoaderTest {

    private static final long NOW = 1_800_000_000L;

    @TempDir
    Path dir;

    @Test
    void parsesARecordWithSpacesAndCrLf() {
        SegmentLineParser parser = new SegmentLineParser(128);
        assertEquals(SegmentLineParser.RECORD, parser.parse("  user-1 , 42 ,\t3600 \r"));
        assertEquals("user-1", parser.userKey.toString());
        assertEquals(42, parser.segmentId);
        assertEquals(3600, parser.ttlSeconds);
        assertEquals(SegmentLineParser.RECORD, parser.parse("ü-user,-7,+1"));
        assertEquals("ü-user", parser.userKey.toString());
        assertEquals(-7, parser.segmentId);
        assertEquals(1, parser.ttlSeconds);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "''|",
        "'   '|",
        "'# a comment, with commas'|",
        "'  # indented comment'|"})
    void skipsBlankAndCommentLines(String line) {
        assertEquals(SegmentLineParser.SKIP, new SegmentLineParser(128).parse(line));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "user-1,42|expected 3 fields: user-key,segment,ttlSeconds",
        "user-1,42,60,9|expected 3 fields: user-key,segment,ttlSeconds",
        " ,42,60|empty user key",
        "user-1,x42,60|segment is not an int",
        "user-1,,60|segment is not an int",
        "user-1,2147483648,60|segment is not an int",
        "user-1,42,0|ttlSeconds is not a positive integer",
        "user-1,42,-60|ttlSeconds is not a positive integer",
        "user-1,42,6 0|ttlSeconds is not a positive integer",
        "user-1,42,99999999999999999999|ttlSeconds is not a positive integer",
        "aaaaaaaaaaa,42,60|user key longer than 10 chars"})
    void reportsWhyALineIsBad(String line, String reason) {
        SegmentLineParser parser = new SegmentLineParser(10);
        assertEquals(SegmentLineParser.ERROR, parser.parse(line));
        assertEquals(reason, parser.error);
    }

    @Test
    void loadsGoodLinesAndReportsTheFirstTenBadOnes() throws Exception {
        StringBuilder file = new StringBuilder("# header\n\n");
        file.append("alice,1,60\nalice,2,120\nbob,1,30\n");
        for (int i = 0; i < 12; i++) {
            file.append("broken line ").append(i).append('\n');
        }
        file.append("carol,9,10\nalice,3,5"); // no final newline
        Path input = dir.resolve("segments.csv");
        Files.writeString(input, file, StandardCharsets.UTF_8);

        try (SegmentStore store = SegmentStore.open(dir.resolve("data"),
                SegmentStoreSettings.defaults().withEntries(1000), () -> NOW)) {
            SegmentLoader.LoadReport report = SegmentLoader.load(store, input, NOW, null);
            assertEquals(5, report.rows());
            assertEquals(2, report.skippedLines());
            assertEquals(12, report.badLines());
            assertEquals(10, report.firstBadLines().size());
            assertEquals("line 6: expected 3 fields: user-key,segment,ttlSeconds", report.firstBadLines().get(0));
            assertEquals("line 15: expected 3 fields: user-key,segment,ttlSeconds", report.firstBadLines().get(9));
            assertEquals(0, report.fullRejections());
            assertEquals(Files.size(input), report.bytes());

            assertEquals(3, store.size());
            assertEquals(List.of(new SegmentEntry(1, NOW + 60), new SegmentEntry(2, NOW + 120),
                    new SegmentEntry(3, NOW + 5)), store.describe("alice", NOW));
            assertEquals(List.of(new SegmentEntry(1, NOW + 30)), store.describe("bob", NOW));
            assertEquals(List.of(new SegmentEntry(9, NOW + 10)), store.describe("carol", NOW));
        }
    }

    @Test
    void aLineLongerThanTheReadBufferIsOneBadLine() throws Exception {
        Path input = dir.resolve("long.csv");
        String huge = "x".repeat((1 << 20) + 10);
        Files.writeString(input, "a,1,60\n" + huge + ",1,60\nb,2,60\n", StandardCharsets.US_ASCII);
        try (SegmentStore store = SegmentStore.open(dir.resolve("data"),
                SegmentStoreSettings.defaults().withEntries(1000), () -> NOW)) {
            SegmentLoader.LoadReport report = SegmentLoader.load(store, input, NOW, null);
            assertEquals(2, report.rows());
            assertEquals(1, report.badLines());
            assertEquals("line 2: line longer than 1048576 bytes", report.firstBadLines().get(0));
            assertEquals(2, store.size());
        }
    }

    @Test
    void generatesThenLoadsFromTheCommandLine() throws Exception {
        Path input = dir.resolve("synthetic.csv");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);

        assertEquals(0, SegmentLoader.run(new String[] {"--generate", "2000", "--segments", "3", input.toString()},
                o, e, false));
        assertEquals(2 + 2000 * 3, Files.readAllLines(input).size());

        Path dataDir = dir.resolve("data");
        assertEquals(0, SegmentLoader.run(new String[] {"--data-dir", dataDir.toString(), "--entries", "5000",
                input.toString()}, o, e, false), err::toString);
        String report = out.toString(StandardCharsets.UTF_8);
        assertTrue(report.contains("loaded 6,000 rows"), report);
        assertTrue(report.contains("store holds 2,000 users"), report);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("100.0%"), "the progress line reaches 100%");

        try (SegmentStore store = SegmentStore.open(dataDir, SegmentStoreSettings.defaults())) {
            assertEquals(2000, store.size());
            int[] ids = new int[3];
            long[] ttls = new long[3];
            SyntheticSegments.segmentsOf(1234, 3, ids, ttls);
            SegmentSet into = new SegmentSet();
            long now = System.currentTimeMillis() / 1000L;
            assertTrue(store.read(SyntheticSegments.userKey(1234), now, into));
            assertEquals(3, into.size());
            for (int id : ids) {
                assertTrue(into.contains(id));
            }
        }
    }

    @Test
    void usageErrorsExitWithTwo() {
        PrintStream sink = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        assertEquals(2, SegmentLoader.run(new String[] {}, sink, sink, false));
        assertEquals(2, SegmentLoader.run(new String[] {"file.csv"}, sink, sink, false));
        assertEquals(2, SegmentLoader.run(new String[] {"--data-dir"}, sink, sink, false));
        assertEquals(2, SegmentLoader.run(new String[] {"--data-dir", "d", "--entries", "0", "f"}, sink, sink, false));
        assertEquals(2, SegmentLoader.run(new String[] {"--bogus", "f"}, sink, sink, false));
        assertEquals(1, SegmentLoader.run(
                new String[] {"--data-dir", dir.toString(), dir.resolve("missing").toString()}, sink, sink, false));
    }

    @Test
    void aFullStoreExitsWithThree() throws Exception {
        Path input = dir.resolve("many.csv");
        SyntheticSegments.writeFile(input, 5000, 1, (done, total) -> { });
        PrintStream sink = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        assertEquals(3, SegmentLoader.run(new String[] {"--data-dir", dir.resolve("data").toString(), "--entries",
                "100", input.toString()}, sink, sink, false));
    }

    @Test
    void progressLineShowsPercentRateAndEta() {
        assertEquals("load [###############...............]  50.0%  1,000 rows  500 rows/s  ETA 0:02",
                ProgressBar.render("load", 50, 100, 1000, 2_000_000_000L));
        assertEquals("load [..............................]   0.0%  0 rows  0 rows/s  ETA --:--",
                ProgressBar.render("load", 0, 100, 0, 0));
        assertEquals("1:01:01", ProgressBar.formatDuration(3661));
    }

    @Test
    void redrawsInPlaceOnATerminalAndPrintsLinesOtherwise() {
        ByteArrayOutputStream tty = new ByteArrayOutputStream();
        ProgressBar bar = new ProgressBar(new PrintStream(tty, true, StandardCharsets.UTF_8), true, "load", 100, 0);
        bar.update(10, 1, 100_000_000L);      // within the throttle: nothing
        bar.update(20, 2, 300_000_000L);
        bar.finish(100, 10, 400_000_000L);
        String shown = tty.toString(StandardCharsets.UTF_8);
        assertEquals(2, shown.chars().filter(c -> c == '\r').count(), shown);
        assertTrue(shown.endsWith(System.lineSeparator()));

        ByteArrayOutputStream log = new ByteArrayOutputStream();
        ProgressBar lines = new ProgressBar(new PrintStream(log, true, StandardCharsets.UTF_8), false, "load", 100, 0);
        lines.update(20, 2, 300_000_000L);    // a log gets a line every 5 s only
        lines.update(50, 5, 6_000_000_000L);
        lines.finish(100, 10, 7_000_000_000L);
        String logged = log.toString(StandardCharsets.UTF_8);
        assertFalse(logged.contains("\r"));
        assertEquals(2, logged.lines().count(), logged);
    }

    @Test
    void syntheticUsersAreDeterministicUuidShapedAndDistinct() {
        assertEquals(SyntheticSegments.userKey(42), SyntheticSegments.userKey(42));
        assertTrue(SyntheticSegments.userKey(0).matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"),
                SyntheticSegments.userKey(0));
        Set<String> keys = new HashSet<>();
        for (int u = 0; u < 100_000; u++) {
            keys.add(SyntheticSegments.userKey(u));
        }
        assertEquals(100_000, keys.size());
        int[] ids = new int[8];
        long[] ttls = new long[8];
        SyntheticSegments.segmentsOf(7, 8, ids, ttls);
        assertEquals(8, Arrays.stream(ids).distinct().count());
        for (int i = 0; i < 8; i++) {
            assertTrue(ids[i] >= 1 && ids[i] <= SyntheticSegments.SEGMENT_ID_RANGE);
            assertTrue(ttls[i] >= SyntheticSegments.MIN_TTL_SECONDS && ttls[i] <= SyntheticSegments.MAX_TTL_SECONDS);
        }
    }

    /**
     * A bulk file never brings back a user who was erased after it was written, or who opted out at any time; a user
     * erased before the file was written (whose data in it is new) is loaded.
     */
    @Test
    void aBulkLoadLeavesOutErasedAndOptedOutUsers() throws Exception {
        Path input = dir.resolve("crm.csv");
        Files.writeString(input, "erased-after,1,3600\nerased-after,2,3600\nopted-out,1,3600\n"
                + "erased-before,3,3600\nkept,4,3600\n", StandardCharsets.UTF_8);
        long written = 1_780_000_000L;
        Files.setLastModifiedTime(input, FileTime.from(written, TimeUnit.SECONDS));
        Path dataDir = dir.resolve("data");
        Files.createDirectories(dataDir);
        // the exchange's keyed user hash, from the key file it keeps in the data dir
        UserHash userHash = IdentityKeys.load((String) null, dataDir).userHash();
        try (ErasureRegistry erasures = new ErasureRegistry(dataDir, 1000)) {
            erasures.erased(userHash.hash("erased-after"), written + 60);
            erasures.erased(userHash.hash("erased-before"), written - 60);
            erasures.optedOut(userHash.hash("opted-out"), written - 86_400);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        assertEquals(0, SegmentLoader.run(new String[] {"--data-dir", dataDir.toString(), "--entries", "1000",
                input.toString()}, o, o, false), () -> out.toString(StandardCharsets.UTF_8));
        String report = out.toString(StandardCharsets.UTF_8);
        assertTrue(report.contains("loaded 2 rows"), report);
        assertTrue(report.contains("3 rows of erased or opted-out users left out"), report);
        try (SegmentStore store = SegmentStore.open(dataDir, SegmentStoreSettings.defaults().withEntries(1000))) {
            long now = System.currentTimeMillis() / 1000L;
            SegmentSet into = new SegmentSet();
            assertFalse(store.read("erased-after", now, into), "erased after the file was written");
            assertFalse(store.read("opted-out", now, into), "opted out");
            assertTrue(store.read("erased-before", now, into), "erased before the file: its data there is new");
            assertTrue(store.read("kept", now, into));
            assertEquals(2, store.size());
        }
    }

    /** A data dir from before the erasure registry existed holds opt-outs only in optouts.cm3: still left out. */
    @Test
    void anOptedOutUserIsLeftOutWithoutAnErasureRegistry() throws Exception {
        Path dataDir = dir.resolve("data");
        Files.createDirectories(dataDir);
        try (OptOutRegistry optOuts = new OptOutRegistry(dataDir, 1000)) {
            optOuts.add("opted-out", 1_780_000_000L);
        }
        Path input = dir.resolve("crm.csv");
        Files.writeString(input, "opted-out,1,3600\nkept,4,3600\n", StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        assertEquals(0, SegmentLoader.run(new String[] {"--data-dir", dataDir.toString(), "--entries", "1000",
                input.toString()}, o, o, false), () -> out.toString(StandardCharsets.UTF_8));
        assertFalse(Files.exists(dataDir.resolve(ErasureRegistry.FILE)), "the loader creates no registry");
        try (SegmentStore store = SegmentStore.open(dataDir, SegmentStoreSettings.defaults().withEntries(1000))) {
            long now = System.currentTimeMillis() / 1000L;
            assertFalse(store.read("opted-out", now, new SegmentSet()));
            assertTrue(store.read("kept", now, new SegmentSet()));
        }
    }
}
