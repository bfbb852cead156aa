package dev.merlin.exchange.auction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The markup bound: substitution stops as soon as the markup would pass {@code server.maxMarkupLength}. */
class MacrosTest {

    private static final String TEMPLATE = "<img src=\"https://t.example/?a=${AUCTION_ID}&b=${AUCTION_BID_ID}\">";

    @Test
    void markupWithinTheBoundIsSubstituted() {
        String id = "r".repeat(100);
        String markup = Macros.substitute(TEMPLATE, id, id + "-1", "1", "seat", "ad", "1.5", "USD", "c", 300);
        assertEquals("<img src=\"https://t.example/?a=" + id + "&b=" + id + "-1\">", markup);
    }

    @Test
    void markupThatWouldPassTheBoundIsRefused() {
        String id = "r".repeat(100);
        String expected = "<img src=\"https://t.example/?a=" + id + "&b=" + id + "-1\">";
        assertEquals(expected, Macros.substitute(TEMPLATE, id, id + "-1", "1", "seat", "ad", "1.5", "USD", "c",
                expected.length()));
        assertThrows(MarkupTooLongException.class, () -> Macros.substitute(TEMPLATE, id, id + "-1", "1", "seat",
                "ad", "1.5", "USD", "c", expected.length() - 1));
        // the ids are URL-encoded: each of these characters triples
        String hostile = "\"".repeat(60);
        assertThrows(MarkupTooLongException.class,
                () -> Macros.substitute(TEMPLATE, hostile, "b", "1", "seat", "ad", "1.5", "USD", "c", 200));
    }

    @Test
    void aTemplateLongerThanTheBoundIsRefusedEvenWithoutMacros() {
        assertThrows(MarkupTooLongException.class,
                () -> Macros.substitute("x".repeat(2000), "a", "b", "1", "seat", "ad", "1.5", "USD", "c", 1024));
    }
}
