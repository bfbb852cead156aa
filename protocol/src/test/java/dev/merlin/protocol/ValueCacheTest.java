package dev.merlin.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The decoder's boxed-number and string caches, and its allocation-free decimal parsing. */
class ValueCacheTest {

    private final ValueCache cache = new ValueCache();

    @Test
    void repeatedValuesShareOneInstance() {
        assertSame(cache.box(300), cache.box(300));
        assertSame(cache.box(0.5), cache.box(0.5));
        char[] usd = "xUSDx".toCharArray();
        assertSame(cache.text(usd, 1, 3), cache.text("USD".toCharArray(), 0, 3));
        assertEquals("USD", cache.text(usd, 1, 3));
    }

    @Test
    void aSlotHoldsOneValueAndAMissGivesTheRightOne() {
        // 300 and 300 + 1024 share a slot: each read gives its own value, the cache only forgets
        for (int round = 0; round < 3; round++) {
            assertEquals(300, cache.box(300).intValue());
            assertEquals(1324, cache.box(1324).intValue());
        }
        assertEquals(-0.0, cache.box(-0.0), 0.0);
        assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(cache.box(-0.0)));
        assertEquals(Double.doubleToRawLongBits(0.0), Double.doubleToRawLongBits(cache.box(0.0)));
        Random random = new Random(10);
        for (int i = 0; i < 100_000; i++) {
            String text = Integer.toString(random.nextInt(5000), 36);
            assertEquals(text, cache.text(text.toCharArray(), 0, text.length()));
            int n = random.nextInt();
            assertEquals(n, cache.box(n).intValue());
        }
    }

    @Test
    void longStringsAreNotKept() {
        String text = "x".repeat(ValueCache.MAX_STRING_LENGTH + 1);
        assertNotSame(cache.text(text.toCharArray(), 0, text.length()), cache.text(text.toCharArray(), 0,
                text.length()));
    }

    @Test
    void simpleDecimalsParseExactlyAsDoubleParseDouble() {
        Random random = new Random(10);
        for (int i = 0; i < 200_000; i++) {
            int digits = 1 + random.nextInt(15);
            StringBuilder sb = new StringBuilder();
            if (random.nextBoolean()) {
                sb.append('-');
            }
            long mantissa = (long) (random.nextDouble() * Math.pow(10, digits));
            String all = Long.toString(mantissa);
            int point = random.nextInt(all.length() + 1);
            if (point == 0) {
                sb.append('0').append('.').append(all);
            } else if (point == all.length()) {
                sb.append(all);
            } else {
                sb.append(all, 0, point).append('.').append(all, point, all.length());
            }
            assertDecimal(sb.toString());
        }
        for (String text : new String[] {"0", "-0", "0.0", "-0.0", "0.5", "1.25", "999999999999999",
            "0.00000000000001", "123456789.123456", "0.1", "0.3", "2.675", "1.005"}) {
            assertDecimal(text);
        }
    }

    @Test
    void anythingElseIsLeftToJackson() {
        for (String text : new String[] {"1e5", "1E-3", "1234567890123456", "0.1234567890123456", "", "-", "1.",
            ".5", "1.2.3"}) {
            assertTrue(Double.isNaN(StrictJsonReader.simpleDecimal(text.toCharArray(), 0, text.length())), text);
        }
    }

    private static void assertDecimal(String text) {
        char[] padded = ("[" + text + "]").toCharArray();
        double parsed = StrictJsonReader.simpleDecimal(padded, 1, text.length());
        if (text.chars().filter(Character::isDigit).count() > 15) {
            assertTrue(Double.isNaN(parsed), text + " has more digits than a long holds exactly as a double");
            return;
        }
        assertEquals(Double.doubleToRawLongBits(Double.parseDouble(text)), Double.doubleToRawLongBits(parsed), text);
    }
}
