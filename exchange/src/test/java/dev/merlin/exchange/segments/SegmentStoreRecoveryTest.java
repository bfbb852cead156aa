package dev.merlin.exchange.segments;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.ref.Reference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A writer JVM killed with SIGKILL leaves a store that the next open recovers with every write in it. */
class SegmentStoreRecoveryTest {

    private static final long NOW = 1_800_000_000L;
    private static final int USERS = 20_000;

    /** The JVM flags Chronicle Map needs (../shared/STACK.md §2). */
    private static List<String> chronicleFlags() {
        List<String> flags = new ArrayList<>(List.of(
                "--add-opens=java.base/java.lang=ALL-UNNAMED",
                "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
                "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
                "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
                "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED",
                "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED",
                "--enable-native-access=ALL-UNNAMED",
                "-Dchronicle.analytics.disable=true",
                "-Dchronicle.announcer.disable=true"));
        if (Runtime.version().feature() >= 24) {
            flags.add("--sun-misc-unsafe-memory-access=allow");
        }
        return flags;
    }

    @Test
    @Timeout(120)
    void writesSurviveKillMinus9AndTheNextOpenRecovers(@TempDir Path dir) throws Exception {
        Path dataDir = dir.resolve("data");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(chronicleFlags());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(KilledWriter.class.getName());
        command.add(dataDir.toString());
        command.add(Integer.toString(USERS));
        Path childLog = dir.resolve("child-stderr.log");
        Process child = new ProcessBuilder(command).redirectError(childLog.toFile()).start();
        try {
            String line;
            try (BufferedReader out = new BufferedReader(
                    new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                line = out.readLine();
                assertEquals("written", line, () -> "child said " + line + "; stderr: " + readQuietly(childLog));
                child.destroyForcibly();
            }
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
            assertEquals(137, child.exitValue(), "killed by SIGKILL, not a clean exit");
        } finally {
            child.destroyForcibly();
        }
        assertTrue(Files.exists(dataDir.resolve(SegmentStore.OPEN_MARKER_NAME)), "the killed writer left its marker");

        try (SegmentStore store = SegmentStore.open(dataDir, SegmentStoreSettings.defaults().withEntries(50_000))) {
            assertTrue(store.recoveredOnOpen());
            assertEquals(USERS, store.size());
            SegmentSet into = new SegmentSet();
            for (int u = 0; u < USERS; u++) {
                assertTrue(store.read(SyntheticSegments.userKey(u), NOW, into), "user " + u);
                assertEquals(2, into.size());
                assertTrue(into.contains(u % 1000) && into.contains(5000));
            }
            store.add("after-recovery", 1, NOW + 10, NOW);
            assertEquals(USERS + 1, store.size());
        }
        try (SegmentStore store = SegmentStore.open(dataDir, SegmentStoreSettings.defaults())) {
            assertFalse(store.recoveredOnOpen(), "the recovered store was then closed cleanly");
            assertEquals(USERS + 1, store.size());
        }
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file);
        } catch (Exception e) {
            return "(unreadable: " + e + ")";
        }
    }

    /** The child: writes, says "written", then waits to be killed without ever closing the store. */
    public static final class KilledWriter {
        public static void main(String[] args) throws Exception {
            Path dataDir = Path.of(args[0]);
            int users = Integer.parseInt(args[1]);
            SegmentStore store = SegmentStore.open(dataDir, SegmentStoreSettings.defaults().withEntries(50_000),
                    () -> NOW);
            for (int u = 0; u < users; u++) {
                String key = SyntheticSegments.userKey(u);
                store.add(key, u % 1000, NOW + 3600);
                store.add(key, 5000, NOW + 7200);
            }
            System.out.println("written");
            System.out.flush();
            // keep the store open until killed; halt if the parent vanished without killing us
            Thread.sleep(TimeUnit.MINUTES.toMillis(2));
            Reference.reachabilityFence(store);
            Runtime.getRuntime().halt(1);
        }
    }
}
