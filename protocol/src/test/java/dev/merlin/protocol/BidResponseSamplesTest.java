package dev.merlin.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import dev.merlin.protocol.model.BidResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The response corpus as databind reads it (a DSP's answers): the typed samples decode and round-trip through
 * databind with their {@code ext} values intact; the samples that are not JSON, or not OpenRTB's types, fail.
 */
class BidResponseSamplesTest {

    /** Response samples that are not JSON at all (the sources have them that way). */
    private static final Set<String> NOT_JSON = Set.of("iab26impl-resp-dooh-video.json", "iabext-pla-resp.json");

    /** Valid JSON whose values do not fit the spec types: {@code adm} is an object, not a string. */
    private static final Set<String> TYPE_MISMATCH = Set.of("iabproto-resp-full.json");

    /** Plain, lenient-free JSON reader used to check syntax and to compare trees. */
    static final ObjectMapper TREES = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    static Stream<Path> typedResponses() {
        return samples("responses").filter(p -> !NOT_JSON.contains(name(p)) && !TYPE_MISMATCH.contains(name(p)));
    }

    @Test
    void corpusHasTheExpectedFiles() {
        List<String> names = samples("responses").map(BidResponseSamplesTest::name).toList();
        assertEquals(13, names.size(), () -> "responses: " + names);
        assertTrue(names.containsAll(NOT_JSON), () -> "responses: " + names);
        assertTrue(names.containsAll(TYPE_MISMATCH), () -> "responses: " + names);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("typedResponses")
    void sampleRoundTripsThroughDatabind(Path file) throws IOException {
        byte[] original = Files.readAllBytes(file);
        BidResponse first = OpenRtbDatabind.mapper().readValue(original, BidResponse.class);

        byte[] encoded = OpenRtbDatabind.mapper().writeValueAsBytes(first);

        JsonNode encodedTree = TREES.readTree(encoded);
        assertTrue(encodedTree.isObject(), "encoded response is a JSON object");
        BidResponse second = OpenRtbDatabind.mapper().readValue(encoded, BidResponse.class);
        assertEquals(first, second, () -> "round trip changed the model; encoded: " + utf8(encoded));
        assertEquals(extValues(TREES.readTree(original)), extValues(encodedTree), "ext values by path");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"iab26impl-resp-dooh-video.json", "iabext-pla-resp.json"})
    void nonJsonSampleFailsDatabind(String fileName) {
        Path file = samplesDir().resolve("responses").resolve(fileName);
        assertTrue(Files.isRegularFile(file), () -> "missing sample " + file);
        assertThrows(JsonProcessingException.class, () -> TREES.readTree(file.toFile()));
        assertThrows(JsonProcessingException.class,
                () -> OpenRtbDatabind.mapper().readValue(file.toFile(), BidResponse.class));
    }

    @Test
    void admAsObjectIsATypeError() throws IOException {
        Path file = samplesDir().resolve("responses").resolve("iabproto-resp-full.json");
        assertTrue(TREES.readTree(file.toFile()).isObject(), "the sample itself is valid JSON");
        MismatchedInputException e = assertThrows(MismatchedInputException.class,
                () -> OpenRtbDatabind.mapper().readValue(file.toFile(), BidResponse.class));
        assertTrue(e.getPathReference().contains("adm"), e::getPathReference);
    }

    /** Every top-most {@code ext} value by JSON path; nulls are dropped because they mean "absent". */
    static Map<String, JsonNode> extValues(JsonNode root) {
        Map<String, JsonNode> found = new TreeMap<>();
        collectExt(root, "$", found);
        return found;
    }

    private static void collectExt(JsonNode node, String path, Map<String, JsonNode> found) {
        if (node.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                String childPath = path + "." + field.getKey();
                if (field.getKey().equals("ext")) {
                    if (!field.getValue().isNull()) {
                        found.put(childPath, field.getValue());
                    }
                } else {
                    collectExt(field.getValue(), childPath, found);
                }
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                collectExt(node.get(i), path + "[" + i + "]", found);
            }
        }
    }

    static String utf8(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    static String name(Path p) {
        return p.getFileName().toString();
    }

    /** The sample files of one kind ("requests" or "responses"), sorted by name. */
    static Stream<Path> samples(String kind) {
        try (Stream<Path> files = Files.list(samplesDir().resolve(kind))) {
            return files.filter(p -> name(p).endsWith(".json")).sorted().toList().stream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Finds {@code shared/openrtb-samples} above the working directory, or aborts the test when it is absent. */
    static Path samplesDir() {
        for (Path dir = Paths.get("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("shared").resolve("openrtb-samples");
            if (Files.isDirectory(candidate.resolve("requests")) && Files.isDirectory(candidate.resolve("responses"))) {
                return candidate;
            }
        }
        Assumptions.abort("shared/openrtb-samples not found above " + Paths.get("").toAbsolutePath());
        throw new AssertionError("unreachable");
    }
}
