package dev.merlin.exchange.events;

import static dev.merlin.exchange.events.EventFormat.BODY_HEADER_LENGTH;
import static dev.merlin.exchange.events.EventFormat.BODY_LENGTH_OFFSET;
import static dev.merlin.exchange.events.EventFormat.CHECKSUM_OFFSET;
import static dev.merlin.exchange.events.EventFormat.FIELD_COUNT_OFFSET;
import static dev.merlin.exchange.events.EventFormat.FILE_HEADER_LENGTH;
import static dev.merlin.exchange.events.EventFormat.FRAME_LENGTH;
import static dev.merlin.exchange.events.EventFormat.KIND_LONG;
import static dev.merlin.exchange.events.EventFormat.KIND_NULL;
import static dev.merlin.exchange.events.EventFormat.KIND_STRING;
import static dev.merlin.exchange.events.EventFormat.MAGIC;
import static dev.merlin.exchange.events.EventFormat.MAGIC_OFFSET;
import static dev.merlin.exchange.events.EventFormat.MAX_BODY_LENGTH;
import static dev.merlin.exchange.events.EventFormat.MILLIS_OFFSET;
import static dev.merlin.exchange.events.EventFormat.ORDER;
import static dev.merlin.exchange.events.EventFormat.TYPE_OFFSET;
import static dev.merlin.exchange.events.EventFormat.VERSION;
import static dev.merlin.exchange.events.EventFormat.VERSION_OFFSET;

import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.zip.CRC32C;

/**
 * Reads the event log back, in file order: a library for tests and tools, and a command that prints one JSON line
 * per event.
 *
 * <pre>
 * java -cp exchange/target/exchange.jar dev.merlin.exchange.events.EventLogReader \
 *     [--data-dir DIR] [--type WIN[,BILL...]] [--since 2026-11-29T10:00:00Z] [--count]
 * </pre>
 *
 * <p>What it hands out is an export, and an erased user is in no export: an event whose user field {@code u}
 * names a user with an {@link EventType#ERASURE} record is left out when it was logged at or before that erasure
 * (the user may come back afterwards, and what they do then is new), and every event of a user with an
 * {@link EventType#OPT_OUT} record is left out. The erasure and opt-out records themselves stay: they hold only the
 * hash, and say that an erasure happened. Aggregates that name no user (bills, conversions, auctions) all stay.
 *
 * <p>A record that fails its length or checksum check (a tail torn by a crash, or a file being written right now)
 * ends its file: it is reported as {@link Damage}, never parsed, and reading goes on with the next file. The reader
 * uses only the JDK (no Agrona), so the command needs no {@code --add-exports} flags.
 */
public final class EventLogReader {

    /** A record, or a file header, that could not be read; {@code offset} is where it starts in the file. */
    public record Damage(Path file, long offset, String reason) {

        @Override
        public String toString() {
            return file + " at offset " + offset + ": " + reason;
        }
    }

    /** What a read found: files read, events delivered, events of erased or opted-out users left out, damage. */
    public record Summary(int files, long events, long erasedLeftOut, List<Damage> damage) {
    }

    private static final Set<EventType> ERASURES = EnumSet.of(EventType.ERASURE, EventType.OPT_OUT);
    private static final Set<EventType> ALL = EnumSet.allOf(EventType.class);

    private EventLogReader() {
    }

    /**
     * Every intact event under {@code <dataDir>/events/}, in file order, without erased users' events (see the class
     * comment); damage is skipped.
     */
    public static List<Event> readAll(Path dataDir) throws IOException {
        List<Event> events = new ArrayList<>();
        read(dataDir, events::add);
        return events;
    }

    /**
     * Hands every intact event under {@code <dataDir>/events/} to {@code sink}, in file order, leaving out erased
     * users' events (see the class comment). Reads the files twice: first for the erasures, then the events.
     */
    public static Summary read(Path dataDir, Consumer<? super Event> sink) throws IOException {
        List<Path> files = files(dataDir);
        Map<String, Long> erasedUntilMillis = erasures(files);
        List<Damage> damage = new ArrayList<>();
        long[] leftOut = new long[1];
        Consumer<Event> exported = event -> {
            if (isErased(event, erasedUntilMillis)) {
                leftOut[0]++;
            } else {
                sink.accept(event);
            }
        };
        long events = 0;
        for (Path file : files) {
            events += readFile(file, ALL, exported, damage);
        }
        return new Summary(files.size(), events - leftOut[0], leftOut[0], List.copyOf(damage));
    }

    /**
     * For every user hash ({@code u}) with an erasure record, the time of the last one (epoch millis); for a user who
     * opted out, {@link Long#MAX_VALUE}: all their events go.
     */
    private static Map<String, Long> erasures(List<Path> files) throws IOException {
        Map<String, Long> erasedUntilMillis = new HashMap<>();
        Consumer<Event> collect = event -> {
            if (event.fields().get("u") instanceof String user) {
                long until = event.type() == EventType.OPT_OUT ? Long.MAX_VALUE : event.epochMillis();
                erasedUntilMillis.merge(user, until, Math::max);
            }
        };
        List<Damage> reportedOnTheSecondPass = new ArrayList<>();
        for (Path file : files) {
            readFile(file, ERASURES, collect, reportedOnTheSecondPass);
        }
        return erasedUntilMillis;
    }

    private static boolean isErased(Event event, Map<String, Long> erasedUntilMillis) {
        if (erasedUntilMillis.isEmpty() || ERASURES.contains(event.type())
                || !(event.fields().get("u") instanceof String user)) {
            return false;
        }
        Long until = erasedUntilMillis.get(user);
        return until != null && event.epochMillis() <= until;
    }

    /** The log files under {@code <dataDir>/events/}, oldest first; empty when there is no such directory. */
    public static List<Path> files(Path dataDir) throws IOException {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(EventFormat.directory(dataDir))) {
            for (Path entry : entries) {
                if (EventFormat.isLogFileName(entry.getFileName().toString()) && Files.isRegularFile(entry)) {
                    files.add(entry);
                }
            }
        } catch (NoSuchFileException e) {
            return files;
        }
        Comparator<Path> byCreation = Comparator
                .comparingLong((Path p) -> EventFormat.parse(p.getFileName().toString())[0])
                .thenComparingLong(p -> EventFormat.parse(p.getFileName().toString())[1]);
        files.sort(byCreation);
        return files;
    }

    /**
     * Reads one file, decoding only the records of {@code types}; returns how many events it delivered and adds at
     * most one damage report.
     */
    static long readFile(Path file, Set<EventType> types, Consumer<? super Event> sink, List<Damage> damage)
            throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        if (bytes.length == 0) {
            return 0; // created, then the process died before the header reached the disk
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ORDER);
        String badHeader = headerProblem(bytes.length, buffer);
        if (badHeader != null) {
            damage.add(new Damage(file, 0, badHeader));
            return 0;
        }
        CRC32C crc = new CRC32C();
        long events = 0;
        int offset = FILE_HEADER_LENGTH;
        while (offset < bytes.length) {
            int remaining = bytes.length - offset;
            if (remaining < FRAME_LENGTH) {
                damage.add(new Damage(file, offset, "torn record: " + remaining + " bytes, less than a frame"));
                return events;
            }
            int bodyLength = buffer.getInt(offset + BODY_LENGTH_OFFSET);
            if (bodyLength < BODY_HEADER_LENGTH || bodyLength > MAX_BODY_LENGTH) {
                damage.add(new Damage(file, offset, "bad record length " + bodyLength));
                return events;
            }
            int bodyAt = offset + FRAME_LENGTH;
            if (bodyLength > bytes.length - bodyAt) {
                damage.add(new Damage(file, offset, "torn record: body of " + bodyLength + " bytes, only "
                        + (bytes.length - bodyAt) + " present"));
                return events;
            }
            crc.reset();
            crc.update(bytes, bodyAt, bodyLength);
            if ((int) crc.getValue() != buffer.getInt(offset + CHECKSUM_OFFSET)) {
                damage.add(new Damage(file, offset, "checksum mismatch"));
                return events;
            }
            EventType type = EventType.fromCode(buffer.getShort(bodyAt + TYPE_OFFSET) & 0xFFFF);
            if (type == null || types.contains(type)) {
                Event event;
                try {
                    event = decode(bytes, buffer, bodyAt, bodyLength);
                } catch (IllegalStateException e) {
                    damage.add(new Damage(file, offset, "malformed record: " + e.getMessage()));
                    return events;
                }
                sink.accept(event);
                events++;
            }
            offset = bodyAt + bodyLength;
        }
        return events;
    }

    /** What is wrong with a file's header ({@code length} bytes in all), or null when it is a log file we read. */
    private static String headerProblem(int length, ByteBuffer buffer) {
        if (length < FILE_HEADER_LENGTH) {
            return "torn file header: " + length + " of " + FILE_HEADER_LENGTH + " bytes";
        }
        if (buffer.getInt(MAGIC_OFFSET) != MAGIC) {
            return "not an event log file (bad magic)";
        }
        int version = buffer.getShort(VERSION_OFFSET) & 0xFFFF;
        if (version != VERSION) {
            return "unsupported version " + version;
        }
        return null;
    }

    /** Decodes one checksummed body; throws {@link IllegalStateException} when it does not follow the layout. */
    static Event decode(byte[] bytes, ByteBuffer buffer, int at, int length) {
        EventType type = LoggedRecord.check(buffer, at, length);
        long epochMillis = buffer.getLong(at + MILLIS_OFFSET);
        int fieldCount = buffer.get(at + FIELD_COUNT_OFFSET) & 0xFF;
        Map<String, Object> fields = new LinkedHashMap<>();
        int p = at + BODY_HEADER_LENGTH;
        for (int i = 0; i < fieldCount; i++) {
            byte kind = buffer.get(p);
            int nameLength = buffer.get(p + 1) & 0xFF;
            p += 2;
            String name = new String(bytes, p, nameLength, StandardCharsets.US_ASCII);
            p += nameLength;
            switch (kind) {
                case KIND_LONG -> {
                    fields.put(name, buffer.getLong(p));
                    p += Long.BYTES;
                }
                case KIND_STRING -> {
                    int valueLength = buffer.getShort(p) & 0xFFFF;
                    p += Short.BYTES;
                    fields.put(name, new String(bytes, p, valueLength, StandardCharsets.UTF_8));
                    p += valueLength;
                }
                case KIND_NULL -> fields.put(name, null);
                default -> throw new IllegalStateException("field " + name + " has unknown kind " + kind);
            }
        }
        return new Event(type, epochMillis, fields);
    }

    /** Prints the log as JSON lines, or counts by type with {@code --count}; see the class comment. */
    public static void main(String[] args) {
        PrintStream out = new PrintStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16),
                false, StandardCharsets.UTF_8);
        int status = run(args, out, System.err);
        out.flush();
        System.exit(status);
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        Path dataDir = Path.of("./data");
        Set<EventType> types = EnumSet.allOf(EventType.class);
        long sinceMillis = Long.MIN_VALUE;
        boolean isCount = false;
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--data-dir" -> dataDir = Path.of(value(args, ++i, "--data-dir"));
                    case "--type" -> types = parseTypes(value(args, ++i, "--type"));
                    case "--since" -> sinceMillis = parseSince(value(args, ++i, "--since"));
                    case "--count" -> isCount = true;
                    case "--help", "-h" -> {
                        out.println(USAGE);
                        return 0;
                    }
                    default -> throw new IllegalArgumentException("unknown argument '" + args[i] + "'");
                }
            }
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            err.println(USAGE);
            return 2;
        }
        Set<EventType> wanted = types;
        long since = sinceMillis;
        long[] counts = new long[EventType.values().length];
        Summary summary;
        try {
            boolean printEach = !isCount;
            summary = read(dataDir, event -> {
                if (wanted.contains(event.type()) && event.epochMillis() >= since) {
                    counts[event.type().ordinal()]++;
                    if (printEach) {
                        out.println(event.toJson());
                    }
                }
            });
        } catch (IOException e) {
            err.println("error: reading " + EventFormat.directory(dataDir) + " failed: " + e);
            return 1;
        }
        if (isCount) {
            printCounts(counts, out);
        }
        reportProblems(summary, dataDir, err);
        return 0;
    }

    /** Prints the events counted per type as one JSON object, with their total. */
    private static void printCounts(long[] counts, PrintStream out) {
        StringBuilder json = new StringBuilder("{");
        long total = 0;
        for (EventType type : EventType.values()) {
            long count = counts[type.ordinal()];
            if (count > 0) {
                json.append('"').append(type.name()).append("\":").append(count).append(',');
                total += count;
            }
        }
        out.println(json.append("\"total\":").append(total).append('}'));
    }

    /** Tells what was skipped or missing: damaged records, erased users' events, no files at all. */
    private static void reportProblems(Summary summary, Path dataDir, PrintStream err) {
        for (Damage damage : summary.damage()) {
            err.println("damaged record skipped: " + damage);
        }
        if (summary.erasedLeftOut() > 0) {
            err.println(summary.erasedLeftOut() + " events of erased or opted-out users left out");
        }
        if (summary.files() == 0) {
            err.println("no event log files under " + EventFormat.directory(dataDir));
        }
    }

    private static final String USAGE = "usage: EventLogReader [--data-dir DIR] [--type WIN[,BILL...]] "
            + "[--since ISO-8601 instant or date] [--count]";

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return args[i];
    }

    private static Set<EventType> parseTypes(String list) {
        Set<EventType> types = EnumSet.noneOf(EventType.class);
        for (String name : list.split(",")) {
            try {
                types.add(EventType.valueOf(name.trim().toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--type: unknown event type '" + name + "'; expected one of "
                        + EnumSet.allOf(EventType.class));
            }
        }
        return types;
    }

    /** Accepts an instant ({@code 2026-11-29T10:00:00Z}), an offset date-time, or a date (midnight UTC). */
    static long parseSince(String text) {
        try {
            return Instant.parse(text).toEpochMilli();
        } catch (DateTimeParseException notInstant) {
            try {
                return OffsetDateTime.parse(text).toInstant().toEpochMilli();
            } catch (DateTimeParseException notOffset) {
                try {
                    return LocalDate.parse(text).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
                } catch (DateTimeParseException notDate) {
                    throw new IllegalArgumentException("--since: '" + text
                            + "' is not an ISO-8601 instant (2026-11-29T10:00:00Z) or date (2026-11-29)");
                }
            }
        }
    }
}
