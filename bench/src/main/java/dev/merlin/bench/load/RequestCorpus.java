package dev.merlin.bench.load;

import dev.merlin.bench.SharedSamples;
import dev.merlin.protocol.BidRequestDecoder;
import dev.merlin.protocol.InvalidRequestException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The request bodies the load generator cycles through, read once at start.
 *
 * @param source  where they came from, for the summary
 * @param names   file names, in sending order
 * @param bodies  the bytes of each file
 * @param skipped files of the directory that are not sent, with the reason
 */
public record RequestCorpus(String source, List<String> names, List<byte[]> bodies, List<String> skipped) {

    /** How SOURCES.md names the corpus's intentionally invalid requests, e.g. {@code pbsgo-invalid-null.json}. */
    private static final Pattern NEGATIVE_SAMPLE = Pattern.compile("[a-z0-9]+-invalid-");

    /** Every {@code *.json} file of {@code dir}, sent as it is (invalid ones will be answered 4xx). */
    public static RequestCorpus fromDirectory(Path dir) throws IOException {
        List<String> names = new ArrayList<>();
        List<byte[]> bodies = new ArrayList<>();
        for (Path file : jsonFiles(dir)) {
            names.add(file.getFileName().toString());
            bodies.add(Files.readAllBytes(file));
        }
        return checked(new RequestCorpus(dir.toString(), names, bodies, List.of()));
    }

    /**
     * The shared samples that a server should accept: the corpus's negative samples ({@code SOURCE-invalid-*.json})
     * are left out, and so is any other file Merlin's own decoder rejects (pseudo-JSON spec examples and the like),
     * each listed with its reason.
     */
    public static RequestCorpus validSamples() throws IOException {
        Path dir = SharedSamples.requests();
        BidRequestDecoder decoder = new BidRequestDecoder();
        List<String> names = new ArrayList<>();
        List<byte[]> bodies = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (Path file : jsonFiles(dir)) {
            String name = file.getFileName().toString();
            if (NEGATIVE_SAMPLE.matcher(name).lookingAt()) {
                skipped.add(name + ": a negative sample");
                continue;
            }
            byte[] body = Files.readAllBytes(file);
            try {
                decoder.decode(body, 0, body.length);
                names.add(name);
                bodies.add(body);
            } catch (InvalidRequestException e) {
                skipped.add(name + ": " + e.getMessage());
            }
        }
        return checked(new RequestCorpus(dir + " (valid samples)", names, bodies, skipped));
    }

    private static RequestCorpus checked(RequestCorpus corpus) {
        if (corpus.bodies.isEmpty()) {
            throw new IllegalArgumentException("no request files to send in " + corpus.source);
        }
        return corpus;
    }

    private static List<Path> jsonFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".json")).sorted().toList();
        }
    }

    /** Number of request bodies. */
    public int size() {
        return bodies.size();
    }
}
