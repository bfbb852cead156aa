package dev.merlin.exchange.auction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.util.Random;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/** JSON strings any text survives, prices as plain decimals, and the bound. */
class TextCursorTest {

    private final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(64);
    private final TextCursor out = new TextCursor();

    @Test
    void anyTextIsAJsonStringThatParsesBackToIt() throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        Random random = new Random(11);
        for (int i = 0; i < 20_000; i++) {
            char[] text = new char[random.nextInt(16)];
            for (int j = 0; j < text.length; j++) {
                int range = random.nextInt(4);
                text[j] = (char) (range == 0 ? random.nextInt(0x80) : range == 1 ? random.nextInt(0x800)
                        : range == 2 ? 0xd800 + random.nextInt(0x800) : random.nextInt(0x10000));
            }
            String value = new String(text);
            out.wrap(buffer, 3, 1 << 16, true).ascii('"').text(value).ascii('"');
            String json = buffer.getStringWithoutLengthUtf8(3, out.position() - 3);
            assertEquals(value, mapper.readValue(json, String.class), json);
        }
    }

    /** Mostly plain ASCII, the usual text (written a run at a time), with quotes, backslashes and controls among it. */
    @Test
    void asciiTextWithEscapesBetweenPlainRunsIsExactInBothModes() throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        Random random = new Random(12);
        char[] rare = {'"', '\\', '\n', '\u0001', 'é', '\u2028', '\u007f'};
        for (int i = 0; i < 20_000; i++) {
            char[] text = new char[random.nextInt(40)];
            for (int j = 0; j < text.length; j++) {
                boolean isRare = random.nextInt(8) == 0;
                text[j] = isRare ? rare[random.nextInt(rare.length)] : (char) (0x20 + random.nextInt(0x5f));
            }
            String value = new String(text);
            out.wrap(buffer, 1, 1 << 16, true).ascii('"').text(value).ascii('"');
            String json = buffer.getStringWithoutLengthUtf8(1, out.position() - 1);
            assertEquals(value, mapper.readValue(json, String.class), json);
            out.wrap(buffer, 0, 1 << 16, false).text(value);
            assertEquals(value, buffer.getStringWithoutLengthUtf8(0, out.position()), "verbatim");
        }
        out.wrap(buffer, 0, 4, true);
        assertThrows(TextCursor.Overflow.class, () -> out.text("abcde"), "a plain run past the bound");
    }

    @Test
    void microsArePlainDecimalsEqualToTheirValue() {
        long[] values = {0, 1, 10, 425, 1_000_000, 1_700_000, 253_731_343, 10_000_000_000_000L, 104_794_520_547_945L,
            999_999, 1_000_001, Long.MAX_VALUE};
        for (long micros : values) {
            out.wrap(buffer, 0, 64, false);
            int length = out.micros(micros);
            String text = buffer.getStringWithoutLengthAscii(0, length);
            assertEquals(BigDecimal.valueOf(micros, 6).stripTrailingZeros().toPlainString(), text);
        }
    }

    @Test
    void writingPastTheBoundOrTheEndOfAFixedBufferOverflows() {
        out.wrap(buffer, 10, 5, true).ascii("12345");
        assertThrows(TextCursor.Overflow.class, () -> out.ascii('6'));
        out.wrap(buffer, 0, 2, true);
        assertThrows(TextCursor.Overflow.class, () -> out.text("é\n"));
        out.wrap(new UnsafeBuffer(new byte[4]), 0, 100, true).ascii("1234");
        assertThrows(TextCursor.Overflow.class, () -> out.decimal(5));
    }
}
