package dev.merlin.bench.load;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;

/**
 * CPU affinity with {@code taskset} (util-linux), for measuring Merlin on cores of its own: its forks start under
 * {@code taskset -c LIST}, and this JVM (the load generator and the simulated DSPs) moves to the other cores, as if
 * the sellers and the DSPs were other machines.
 */
final class CpuPinning {

    private CpuPinning() {
    }

    /**
     * Parses a CPU list ({@code 0}, {@code 0,2}, {@code 0-1}); throws naming {@code option} when it is malformed, names
     * a CPU this machine does not have, or leaves none of its {@code cpus} for this JVM.
     */
    static BitSet parse(String option, String list, int cpus) {
        if (!list.matches("[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*")) {
            throw new IllegalArgumentException(option + " " + list + ": a CPU list such as 0, 0,2 or 0-1");
        }
        BitSet set = new BitSet();
        for (String part : list.split(",")) {
            String[] range = part.split("-");
            int from = Integer.parseInt(range[0]);
            int to = range.length == 2 ? Integer.parseInt(range[1]) : from;
            if (from > to || to >= cpus) {
                throw new IllegalArgumentException(option + " " + list + ": this machine's CPUs are 0 to "
                        + (cpus - 1));
            }
            set.set(from, to + 1);
        }
        if (set.cardinality() >= cpus) {
            throw new IllegalArgumentException(option + " " + list + ": leaves no CPU for the load generator");
        }
        return set;
    }

    /** The CPUs of {@code 0..cpus-1} not in {@code taken}. */
    static BitSet rest(BitSet taken, int cpus) {
        BitSet rest = new BitSet();
        rest.set(0, cpus);
        rest.andNot(taken);
        return rest;
    }

    /** {@code 0,2,3} for CPUs 0, 2 and 3. */
    static String format(BitSet cpus) {
        StringJoiner list = new StringJoiner(",");
        cpus.stream().forEach(cpu -> list.add(Integer.toString(cpu)));
        return list.toString();
    }

    /** The prefix that starts a command on {@code cpus}. */
    static List<String> prefix(BitSet cpus) {
        return List.of("taskset", "-c", format(cpus));
    }

    /**
     * {@code javaCommand} (the java executable first) started on {@code cpus}, or unchanged when {@code cpus} is null.
     * A JVM that starts with one CPU picks the serial collector; G1 is asked for, so that the collector stays the one
     * {@code make run} gets on this machine.
     */
    static List<String> java(BitSet cpus, List<String> javaCommand) {
        if (cpus == null) {
            return javaCommand;
        }
        List<String> command = new ArrayList<>(prefix(cpus));
        command.add(javaCommand.get(0));
        command.add("-XX:+UseG1GC");
        command.addAll(javaCommand.subList(1, javaCommand.size()));
        return List.copyOf(command);
    }

    /**
     * Moves this JVM to every CPU not in {@code taken} ({@link #pinThisJvm}), then prints {@code message}, a format
     * given the taken CPUs and this JVM's ({@link #format}).
     */
    static void pinThisJvmAwayFrom(BitSet taken, String message, PrintStream out)
            throws IOException, InterruptedException {
        BitSet rest = rest(taken, Runtime.getRuntime().availableProcessors());
        pinThisJvm(rest);
        out.printf(Locale.ROOT, message, format(taken), format(rest));
    }

    /**
     * Moves every thread of this JVM to {@code cpus} (threads started later inherit it); throws with taskset's own
     * words when it cannot.
     */
    static void pinThisJvm(BitSet cpus) throws IOException, InterruptedException {
        Process taskset;
        try {
            taskset = new ProcessBuilder("taskset", "-a", "-p", "-c", format(cpus),
                    Long.toString(ProcessHandle.current().pid())).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException("cannot run taskset (util-linux) to pin this JVM: " + e.getMessage(), e);
        }
        String output = new String(taskset.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!taskset.waitFor(10, TimeUnit.SECONDS) || taskset.exitValue() != 0) {
            throw new IOException("taskset could not pin this JVM to CPUs " + format(cpus) + ": " + output);
        }
    }
}
