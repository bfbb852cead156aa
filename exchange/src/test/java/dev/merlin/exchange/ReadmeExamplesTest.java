package dev.merlin.exchange;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The README's code blocks as a new user runs them from a fresh clone: every file they send or read is in the
 * project (shell variables such as {@code S=examples/requests} expanded), none lies outside it, and each example
 * request has its source noted in {@code examples/requests/SOURCES.md}.
 */
class ReadmeExamplesTest {

    /** Maven runs the module's tests in the module's directory; the README is one level up. */
    private static final Path PROJECT = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern ASSIGNMENT = Pattern.compile("(?m)^\\s*([A-Z_][A-Z0-9_]*)=([^\\s$'\"`]+)\\s");
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{?([A-Z_][A-Z0-9_]*)}?");
    /** A file curl sends ({@code @file}), or one handed to a flag or variable that names a file to read. */
    private static final Pattern INPUT = Pattern.compile("(?:@|--config[ =]|\\bFILE=|<\\s*)([^\\s'\"\\\\;|)]+)");
    /** Any relative path with a file name extension (outputs under target/, data/, bench-results/ are left out). */
    private static final Pattern FILE = Pattern.compile(
            "(?<![\\w./:$-])((?:\\.\\./)*(?:[\\w.-]+/)+[\\w.-]+\\.(?:json|ya?ml|csv|sh|md|txt|tsv))(?![\\w/])");
    private static final List<String> OUTPUT_DIRS = List.of("target/", "data/", "bench-results/");

    @Test
    void everyFileTheReadmesCodeBlocksReferenceIsInTheProject() throws IOException {
        List<String> blocks = codeBlocks(Files.readString(PROJECT.resolve("README.md"), StandardCharsets.UTF_8));
        assertFalse(blocks.isEmpty(), "the README has code blocks");
        Set<String> inputs = new LinkedHashSet<>();
        Set<String> files = new LinkedHashSet<>();
        for (String block : blocks) {
            String expanded = expand(block);
            for (Matcher m = INPUT.matcher(expanded); m.find(); ) {
                inputs.add(m.group(1));
            }
            for (Matcher m = FILE.matcher(expanded); m.find(); ) {
                if (OUTPUT_DIRS.stream().noneMatch(m.group(1)::contains)) {
                    files.add(m.group(1));
                }
            }
        }
        assertFalse(inputs.isEmpty(), "the parser finds the files the README's curl examples send");
        List<String> problems = new ArrayList<>();
        Set<String> all = new LinkedHashSet<>(inputs);
        all.addAll(files);
        for (String path : all) {
            Path resolved = PROJECT.resolve(path).normalize();
            if (path.startsWith("/") || !resolved.startsWith(PROJECT)) {
                problems.add(path + ": outside the project, missing from a fresh clone");
            } else if (!Files.isRegularFile(resolved)) {
                problems.add(path + ": no such file in the project");
            }
        }
        assertEquals(List.of(), problems, "files the README's code blocks reference");
    }

    @Test
    void everyExampleRequestHasItsSourceNoted() throws IOException {
        Path examples = PROJECT.resolve("examples/requests");
        String sources = Files.readString(examples.resolve("SOURCES.md"), StandardCharsets.UTF_8);
        List<String> requests;
        try (var files = Files.list(examples)) {
            requests = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json")).sorted().toList();
        }
        assertFalse(requests.isEmpty());
        for (String request : requests) {
            assertTrue(sources.contains("| `" + request + "` |"),
                    request + " has a row in examples/requests/SOURCES.md");
        }
    }

    @Test
    void theParserFindsWhatTheOldReadmeGotWrong() {
        String old = "S=../shared/openrtb-samples/requests\n"
                + "curl -s --data-binary @$S/iab26spec-simple-banner.json \\\n";
        String expanded = expand(old);
        Matcher m = INPUT.matcher(expanded);
        assertTrue(m.find(), expanded);
        assertEquals("../shared/openrtb-samples/requests/iab26spec-simple-banner.json", m.group(1));
        assertFalse(PROJECT.resolve(m.group(1)).normalize().startsWith(PROJECT), "outside the project");
    }

    /** The text of each fenced code block. */
    static List<String> codeBlocks(String markdown) {
        List<String> blocks = new ArrayList<>();
        StringBuilder block = null;
        for (String line : markdown.split("\n", -1)) {
            if (line.startsWith("```")) {
                if (block == null) {
                    block = new StringBuilder();
                } else {
                    blocks.add(block.toString());
                    block = null;
                }
            } else if (block != null) {
                block.append(line).append('\n');
            }
        }
        return blocks;
    }

    /** The block with its simple shell assignments ({@code S=examples/requests}) substituted where used. */
    static String expand(String block) {
        Map<String, String> variables = new LinkedHashMap<>();
        for (Matcher m = ASSIGNMENT.matcher(block); m.find(); ) {
            variables.put(m.group(1), m.group(2));
        }
        Matcher m = VARIABLE.matcher(block);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String value = variables.get(m.group(1));
            m.appendReplacement(sb, Matcher.quoteReplacement(value == null ? m.group() : value));
        }
        return m.appendTail(sb).toString();
    }
}
