package dev.merlin.exchange.segments;

import dev.merlin.exchange.auction.UserHash;
import dev.merlin.exchange.privacy.IdentityKeys;
import dev.merlin.exchange.privacy.ErasureRegistry;
import dev.merlin.exchange.privacy.OptOutRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * Bulk-loads a segment file into the store, or generates a synthetic one.
 *
 * <pre>
 * java $JVM_FLAGS -cp exchange.jar dev.merlin.exchange.segments.SegmentLoader --data-dir DIR [--entries N] FILE
 * java $JVM_FLAGS -cp exchange.jar dev.merlin.exchange.segments.SegmentLoader --generate USERS --segments K FILE
 * </pre>
 * ({@code JVM_FLAGS} as in the Makefile: with {@code -cp} the jar manifest's Add-Opens do not apply.)
 * A segment file has one {@code user-key,segment,ttlSeconds} per line; {@code #} starts a comment line.
 * Bad lines are counted and the first ten reported with their line number; the rest still load. The
 * loader must be the only process with the store open (the exchange refuses to open it meanwhile).
 * Exit status: 0 loaded, 1 failed, 2 usage error, 3 loaded but the store filled up and dropped rows.
 */
public final class SegmentLoader {

    /** Bad lines reported individually; the rest are only counted. */
    static final int REPORTED_BAD_LINES = 10;

    private static final int READ_BUFFER_BYTES = 1 << 20;
    private static final int MAX_BATCH = 256;

    /** The environment variable that carries {@code privacy.identitySecret} when the exchange's config sets it. */
    static final String IDENTITY_SECRET_ENV = "MERLIN_IDENTITY_SECRET";

    private SegmentLoader() {
    }

    /** Runs the loader and exits with its status. */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err, ProgressBar.isTerminal()));
    }

    /**
     * What a load did.
     *
     * @param rows          record lines read (including rows a full store dropped)
     * @param skippedLines  blank and comment lines
     * @param badLines      malformed lines
     * @param firstBadLines the first {@value #REPORTED_BAD_LINES} malformed lines, as "line N: reason"
     * @param fullRejections writes the store dropped because it was full
     * @param bytes         bytes read
     * @param elapsedNanos  time spent loading
     * @param refusedRows   record lines left out because their user opted out or was erased since the file
     */
    record LoadReport(long rows, long skippedLines, long badLines, List<String> firstBadLines,
                      long fullRejections, long bytes, long elapsedNanos, long refusedRows) {

        LoadReport(long rows, long skippedLines, long badLines, List<String> firstBadLines, long fullRejections,
                   long bytes, long elapsedNanos) {
            this(rows, skippedLines, badLines, firstBadLines, fullRejections, bytes, elapsedNanos, 0);
        }

        long rowsPerSecond() {
            return elapsedNanos <= 0 ? 0 : (long) (rows * 1e9 / elapsedNanos);
        }
    }

    static int run(String[] args, PrintStream out, PrintStream err, boolean terminal) {
        Path dataDir = null;
        Path file = null;
        long entries = SegmentStoreSettings.DEFAULT_ENTRIES;
        long generateUsers = -1;
        int segmentsPerUser = SegmentStoreSettings.DEFAULT_AVERAGE_SEGMENTS_PER_USER;
        try {
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                switch (arg) {
                    case "--data-dir" -> dataDir = Path.of(value(args, ++i, arg));
                    case "--entries" -> entries = parsePositive(value(args, ++i, arg), arg);
                    case "--generate" -> generateUsers = parsePositive(value(args, ++i, arg), arg);
                    case "--segments" -> segmentsPerUser = (int) Math.min(parsePositive(value(args, ++i, arg), arg),
                            SyntheticSegments.SEGMENT_ID_RANGE);
                    case "-h", "--help" -> {
                        out.println(usage());
                        return 0;
                    }
                    default -> {
                        if (arg.startsWith("-") || file != null) {
                            throw new IllegalArgumentException("unexpected argument: " + arg);
                        }
                        file = Path.of(arg);
                    }
                }
            }
            if (file == null) {
                throw new IllegalArgumentException("missing FILE");
            }
            if (generateUsers < 0 && dataDir == null) {
                throw new IllegalArgumentException("--data-dir is required to load (or --generate N to write a file)");
            }
        } catch (IllegalArgumentException e) {
            err.println("segment-loader: " + e.getMessage());
            err.println(usage());
            return 2;
        }
        try {
            if (generateUsers >= 0) {
                return generate(file, generateUsers, segmentsPerUser, out, err, terminal);
            }
            return load(dataDir, entries, file, out, err, terminal);
        } catch (IOException | UncheckedIOException | IllegalStateException e) {
            err.println("segment-loader: " + e.getMessage());
            return 1;
        } catch (ExceptionInInitializerError | NoClassDefFoundError e) {
            // Chronicle Map cannot start without its --add-opens/--add-exports flags
            err.println("segment-loader: Chronicle Map failed to initialise (" + e + "); run java with the flags "
                    + "in the Makefile's JVM_FLAGS (../shared/STACK.md section 2)");
            return 1;
        }
    }

    private static int generate(Path file, long users, int segmentsPerUser, PrintStream out, PrintStream err,
                                boolean terminal) throws IOException {
        long start = System.nanoTime();
        ProgressBar bar = new ProgressBar(err, terminal, "generate", users, start);
        long bytes = SyntheticSegments.writeFile(file, users, segmentsPerUser,
                (done, total) -> bar.update(done, done * segmentsPerUser, System.nanoTime()));
        bar.finish(users, users * segmentsPerUser, System.nanoTime());
        double seconds = (System.nanoTime() - start) / 1e9;
        out.printf(Locale.ROOT, "wrote %s: %,d users x %d segments = %,d rows, %,d MB in %.1f s%n",
                file, users, segmentsPerUser, users * segmentsPerUser, bytes >> 20, seconds);
        return 0;
    }

    private static int load(Path dataDir, long entries, Path file, PrintStream out, PrintStream err,
                            boolean terminal) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("no such file: " + file);
        }
        long openStart = System.nanoTime();
        SegmentStoreSettings settings = SegmentStoreSettings.defaults().withEntries(entries);
        try (SegmentStore store = SegmentStore.open(dataDir, settings)) {
            long usersBefore = store.size();
            out.printf(Locale.ROOT, "opened %s in %.1f s: %,d users%s%n", store.file(),
                    (System.nanoTime() - openStart) / 1e9, usersBefore,
                    store.recoveredOnOpen() ? " (recovered after an unclean stop)" : "");
            long now = System.currentTimeMillis() / 1000L;
            ProgressBar bar = new ProgressBar(err, terminal, "load", Files.size(file), System.nanoTime());
            LoadReport report;
            // the file's data is as old as the file: a user erased since it was written, or opted out, stays out
            long asOfEpochSeconds = Files.getLastModifiedTime(file).toMillis() / 1000L;
            try (ErasureRegistry erasures = Files.exists(dataDir.resolve(ErasureRegistry.FILE))
                    ? new ErasureRegistry(dataDir, entries) : null;
                 OptOutRegistry optOuts = Files.exists(dataDir.resolve(OptOutRegistry.FILE))
                    ? new OptOutRegistry(dataDir, entries) : null) {
                // opt-outs by key as well: a data dir the exchange has not opened since erasures.cm3 came along
                // holds them only in optouts.cm3
                // erasures are keyed by the exchange's keyed user hash: its secret from the environment when the
                // config sets privacy.identitySecret, else dataDir/identity.key
                UserHash userHash = erasures == null ? null
                        : IdentityKeys.load(System.getenv(IDENTITY_SECRET_ENV), dataDir).userHash();
                Predicate<CharSequence> refused = key -> (optOuts != null && optOuts.contains(key))
                        || (erasures != null && erasures.refusal(userHash.hash(key), asOfEpochSeconds) != null);
                report = load(store, file, now, bar, refused);
            }
            out.printf(Locale.ROOT, "loaded %,d rows (%,d MB) in %.1f s: %,d rows/s; store holds %,d users "
                            + "(%,d new); %,d bad lines, %,d comment/blank lines; %,d rows of erased or opted-out "
                            + "users left out%n",
                    report.rows(), report.bytes() >> 20, report.elapsedNanos() / 1e9, report.rowsPerSecond(),
                    store.size(), store.size() - usersBefore, report.badLines(), report.skippedLines(),
                    report.refusedRows());
            for (String bad : report.firstBadLines()) {
                out.println("  bad " + bad);
            }
            if (report.badLines() > report.firstBadLines().size()) {
                out.printf(Locale.ROOT, "  ... and %,d more bad lines%n",
                        report.badLines() - report.firstBadLines().size());
            }
            if (report.fullRejections() > 0) {
                out.printf(Locale.ROOT, "store full: %,d rows dropped; sized for %,d users (--entries)%n",
                        report.fullRejections(), store.settings().entries());
                return 3;
            }
            return 0;
        }
    }

    /**
     * Loads {@code file} into {@code store}, expiring each row {@code ttlSeconds} after {@code nowEpochSeconds}.
     * Consecutive rows for one user are written under one entry lock.
     */
    static LoadReport load(SegmentStore store, Path file, long nowEpochSeconds, ProgressBar progress)
            throws IOException {
        return load(store, file, nowEpochSeconds, progress, key -> false);
    }

    /**
     * As {@link #load(SegmentStore, Path, long, ProgressBar)}, leaving out every row whose user {@code refused}
     * names (erased since the file was written, or opted out): a bulk import never brings such a user back.
     */
    static LoadReport load(SegmentStore store, Path file, long nowEpochSeconds, ProgressBar progress,
                           Predicate<CharSequence> refused) throws IOException {
        long start = System.nanoTime();
        long rejectionsBefore = store.fullRejections();
        SegmentLineParser parser = new SegmentLineParser(store.settings().maxKeyChars());
        Batch batch = new Batch(store, nowEpochSeconds);
        List<String> firstBadLines = new ArrayList<>(REPORTED_BAD_LINES);
        Tally tally = new Tally(parser, batch, refused, nowEpochSeconds, firstBadLines);
        long bytesRead = 0;
        byte[] buf = new byte[READ_BUFFER_BYTES];
        int filled = 0;
        try (InputStream in = Files.newInputStream(file)) {
            while (true) {
                int n = in.read(buf, filled, buf.length - filled);
                boolean eof = n < 0;
                if (!eof) {
                    filled += n;
                    bytesRead += n;
                }
                int lineStart = tally.wholeLines(buf, filled);
                if (eof) {
                    tally.lastLine(buf, lineStart, filled);
                    break;
                }
                if (lineStart == 0 && filled == buf.length) {
                    // one line fills the whole buffer: report it now, skip to its end
                    tally.longLine(buf.length);
                    filled = 0;
                } else {
                    System.arraycopy(buf, lineStart, buf, 0, filled - lineStart);
                    filled -= lineStart;
                }
                if (progress != null) {
                    progress.update(bytesRead, tally.rows, System.nanoTime());
                }
            }
        }
        batch.flush();
        long elapsed = System.nanoTime() - start;
        if (progress != null) {
            progress.finish(bytesRead, tally.rows, System.nanoTime());
        }
        return new LoadReport(tally.rows, tally.skipped, tally.bad, List.copyOf(firstBadLines),
                store.fullRejections() - rejectionsBefore, bytesRead, elapsed, tally.refused);
    }

    /** What became of the lines read so far. */
    /** Splits the buffered bytes into lines, parses each and counts what became of it. */
    private static final class Tally {
        private final SegmentLineParser parser;
        private final Batch batch;
        private final Predicate<CharSequence> refusedUser;
        private final long nowEpochSeconds;
        private final List<String> firstBadLines;
        long rows;
        long refused;
        long skipped;
        long bad;
        private long lineNumber;
        private boolean isSkippingLongLine;

        Tally(SegmentLineParser parser, Batch batch, Predicate<CharSequence> refusedUser, long nowEpochSeconds,
              List<String> firstBadLines) {
            this.parser = parser;
            this.batch = batch;
            this.refusedUser = refusedUser;
            this.nowEpochSeconds = nowEpochSeconds;
            this.firstBadLines = firstBadLines;
        }

        /** Counts every whole line in {@code buf[0, filled)}; returns where the unfinished last one starts. */
        int wholeLines(byte[] buf, int filled) {
            int lineStart = 0;
            for (int i = 0; i < filled; i++) {
                if (buf[i] != '\n') {
                    continue;
                }
                lineNumber++;
                if (isSkippingLongLine) {
                    isSkippingLongLine = false;
                } else {
                    line(parser.parse(buf, lineStart, i));
                }
                lineStart = i + 1;
            }
            return lineStart;
        }

        /** Counts the file's last line when it has no newline. */
        void lastLine(byte[] buf, int lineStart, int filled) {
            if (lineStart < filled && !isSkippingLongLine) {
                lineNumber++;
                line(parser.parse(buf, lineStart, filled));
            }
        }

        /** Reports the line that fills the whole buffer once, and skips the rest of it. */
        void longLine(int bufferBytes) {
            if (!isSkippingLongLine) {
                bad++;
                report(firstBadLines, lineNumber + 1, "line longer than " + bufferBytes + " bytes");
                isSkippingLongLine = true;
            }
        }

        /** Counts one parsed line and hands a record of a user who may be profiled to the batch. */
        private void line(int result) {
            if (result == SegmentLineParser.RECORD) {
                if (refusedUser.test(parser.userKey)) {
                    refused++;
                } else {
                    rows++;
                    batch.accept(parser.userKey, parser.segmentId, nowEpochSeconds + parser.ttlSeconds);
                }
            } else if (result == SegmentLineParser.SKIP) {
                skipped++;
            } else {
                bad++;
                report(firstBadLines, lineNumber, parser.error);
            }
        }
    }

    private static void report(List<String> firstBadLines, long lineNumber, String reason) {
        if (firstBadLines.size() < REPORTED_BAD_LINES) {
            firstBadLines.add("line " + lineNumber + ": " + reason);
        }
    }

    /** Collects consecutive rows of one user and writes them with one {@link SegmentStore#addAll} call. */
    private static final class Batch {
        private final SegmentStore store;
        private final long nowEpochSeconds;
        private final StringBuilder userKey = new StringBuilder(64);
        private final int[] segmentIds = new int[MAX_BATCH];
        private final long[] expiresAt = new long[MAX_BATCH];
        private int count;

        Batch(SegmentStore store, long nowEpochSeconds) {
            this.store = store;
            this.nowEpochSeconds = nowEpochSeconds;
        }

        void accept(CharSequence key, int segmentId, long expiresAtEpochSeconds) {
            if (count == MAX_BATCH || (count > 0 && !contentEquals(userKey, key))) {
                flush();
            }
            if (count == 0) {
                userKey.setLength(0);
                userKey.append(key);
            }
            segmentIds[count] = segmentId;
            expiresAt[count] = expiresAtEpochSeconds;
            count++;
        }

        void flush() {
            if (count > 0) {
                store.addAll(userKey, segmentIds, expiresAt, count, nowEpochSeconds);
                count = 0;
            }
        }

        private static boolean contentEquals(CharSequence a, CharSequence b) {
            int n = a.length();
            if (n != b.length()) {
                return false;
            }
            for (int i = 0; i < n; i++) {
                if (a.charAt(i) != b.charAt(i)) {
                    return false;
                }
            }
            return true;
        }
    }

    private static String value(String[] args, int index, String flag) {
        if (index >= args.length) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return args[index];
    }

    private static long parsePositive(String text, String flag) {
        try {
            long value = Long.parseLong(text.replace("_", ""));
            if (value < 1) {
                throw new IllegalArgumentException(flag + ": " + text + " (allowed: >= 1)");
            }
            return value;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + ": " + text + " is not a number");
        }
    }

    static String usage() {
        return """
                usage: SegmentLoader --data-dir DIR [--entries N] FILE
                       SegmentLoader --generate USERS [--segments K] FILE
                  FILE lines: user-key,segment,ttlSeconds   (# starts a comment)
                  --entries N      store size in users when the store file is created (default 1000000)
                  --generate USERS write a synthetic FILE with USERS users of K segments each (default K=8)""";
    }
}
