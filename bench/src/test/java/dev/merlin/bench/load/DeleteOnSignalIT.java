package dev.merlin.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bench run stopped by a signal deletes its work directory (a killed {@code make dsp-pairs} once left gigabytes of
 * its forks' files under /tmp), and one that removed the hook keeps it for its own clean-up. Real child JVMs.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DeleteOnSignalIT {

    @TempDir
    Path dir;

    @Test
    void aRunStoppedBySigtermDeletesItsWorkDirectory() throws Exception {
        Path work = dir.resolve("work");
        Process child = start(work, "wait");
        child.destroy(); // SIGTERM
        assertTrue(child.waitFor(30, TimeUnit.SECONDS), "the child stopped");
        assertFalse(Files.exists(work), "the work directory and the files in it are gone");
    }

    @Test
    void aRunThatRemovedTheHookKeepsItsDirectoryForItsOwnCleanUp() throws Exception {
        Path work = dir.resolve("kept");
        Process child = start(work, "done");
        assertTrue(child.waitFor(30, TimeUnit.SECONDS), "the child ended");
        assertEquals(0, child.exitValue());
        assertTrue(Files.exists(work.resolve("data").resolve("store")), "kept: the hook was removed first");
    }

    /** Starts {@link Child} on {@code work} and waits for it to say it registered the hook. */
    private static Process start(Path work, String mode) throws Exception {
        Process child = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Child.class.getName(), work.toString(), mode))
                .redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        assertEquals("ready", out.readLine());
        return child;
    }

    /** A run: a work directory with a file in it, the hook, then waiting to be stopped or ending on its own. */
    static final class Child {
        public static void main(String[] args) throws Exception {
            Path work = Path.of(args[0]);
            Files.createDirectories(work.resolve("data"));
            Files.write(work.resolve("data").resolve("store"), new byte[4096]);
            Thread hook = LoadGenerator.deleteOnSignal(work);
            if (args[1].equals("done")) {
                LoadGenerator.keepUntilDone(hook);
            }
            System.out.println("ready");
            System.out.flush();
            if (args[1].equals("wait")) {
                Thread.sleep(TimeUnit.SECONDS.toMillis(50));
            }
        }
    }
}
