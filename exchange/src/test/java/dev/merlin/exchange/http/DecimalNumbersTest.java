package dev.merlin.exchange.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The one number reader of {@code /px} values, {@code /events} values and notice prices: plain JSON numbers only.
 * Before it, {@code /px} read {@code 0x1p3} as 8 and {@code 5d} as 5 through {@link Double#parseDouble}.
 */
class DecimalNumbersTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "0, 0",
        "5, 5",
        "-1, -1",
        "0.85, 0.85",
        "12.5, 12.5",
        "1e3, 1000",
        "1E3, 1000",
        "1.2E-3, 0.0012",
        "2e+2, 200",
        "1e308, 1e308",
        "0.000001, 0.000001",
    })
    void plainDecimalsAreNumbers(String text, double expected) {
        assertEquals(expected, DecimalNumbers.parse(text));
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {
        "0x1p3", "0x10", "5d", "5D", "1f", "1F", "NaN", "Infinity", "-Infinity", "+1", ".5", "5.", "1..2", "01",
        "-", "e", "1e", "1e+", "1.5 ", " 1.5", "1,5", "١", "1e400", "-1e400", "",
        "123456789012345678901234567890123",
    })
    void everythingElseIsNot(String text) {
        assertTrue(Double.isNaN(DecimalNumbers.parse(text)), text);
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"0x1p3", "5d", "NaN", "1e400"})
    void noticePricesAreReadTheSameWay(String text) {
        assertTrue(Double.isNaN(NoticeEndpoint.parsePrice(text)), text);
    }
}
