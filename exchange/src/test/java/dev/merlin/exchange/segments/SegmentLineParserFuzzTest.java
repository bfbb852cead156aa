package dev.merlin.exchange.segments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;

/** Fuzzes one segment file line: a record, a skip or an error with a reason, never an exception. */
class SegmentLineParserFuzzTest {

    private static final int MAX_KEY_CHARS = 128;
    private final SegmentLineParser parser = new SegmentLineParser(MAX_KEY_CHARS);

    @FuzzTest(maxDuration = "100s")
    void parse(byte[] line) {
        int outcome = parser.parse(line, 0, line.length);
        if (outcome == SegmentLineParser.ERROR) {
            assertNotNull(parser.error, "an error without a reason");
        } else if (outcome == SegmentLineParser.RECORD) {
            assertFalse(parser.userKey.length() == 0, "a record without a user key");
            assertTrue(parser.userKey.length() <= MAX_KEY_CHARS, "a user key over the limit");
            assertTrue(parser.ttlSeconds > 0, "a record with a ttl that is not positive");
        } else {
            assertEquals(SegmentLineParser.SKIP, outcome);
        }
    }
}
