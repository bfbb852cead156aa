package dev.merlin.exchange.dsp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The macro values' percent-encoding against the JDK's {@link URLEncoder} (a space as %20 rather than +). */
class NoticeMacrosTest {

    private static String jdk(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String ours(String value) {
        StringBuilder out = new StringBuilder();
        NoticeMacros.appendEncoded(out, value);
        return out.toString();
    }

    @Test
    void everyAsciiCharacterIsEncodedAsTheJdkEncodesIt() {
        for (char c = 0; c < 0x80; c++) {
            String value = "a" + c + "b";
            assertEquals(jdk(value), ours(value), "character " + (int) c);
        }
    }

    @Test
    void nonAsciiTextAndBrokenSurrogatesAreEncodedAsTheJdkEncodesThem() {
        for (String value : List.of("", "caf\u00e9", "\u6771\u4eac imp/1", "seat&9=\u00fc", "\ud83d\ude00 smile",
                "lone \ud83d high", "lone \ude00 low", "r\r\nX-Injected: 2", "ad=7%20", "~!*'();:@&=+$,/?#[]")) {
            assertEquals(jdk(value), ours(value), value);
        }
    }
}
