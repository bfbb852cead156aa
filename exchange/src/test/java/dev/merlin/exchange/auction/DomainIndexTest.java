package dev.merlin.exchange.auction;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DomainIndexTest {

    /** Campaign 0 lists example.com, 1 lists news.example.com, 2 lists www.shop.example (which means shop.example). */
    private static DomainIndex index() {
        Map<String, long[]> byDomain = new LinkedHashMap<>();
        byDomain.put("example.com", new long[] {0b001});
        byDomain.put("www.example.com", new long[] {0b001});
        byDomain.put("News.Example.com", new long[] {0b010});
        byDomain.put("www.shop.example", new long[] {0b100});
        return DomainIndex.of(byDomain);
    }

    private static long matches(DomainIndex index, String domain) {
        long[] target = new long[1];
        boolean matched = index.orMatches(domain, target);
        assertEquals(matched, target[0] != 0, "the return value says whether anything matched: " + domain);
        return target[0];
    }

    @Test
    void aDomainMatchesItselfAndEveryParentThatIsListed() {
        DomainIndex index = index();
        assertEquals(0b001, matches(index, "example.com"));
        assertEquals(0b001, matches(index, "www.example.com"));
        assertEquals(0b011, matches(index, "news.example.com"), "listed itself, and a subdomain of example.com");
        assertEquals(0b011, matches(index, "m.NEWS.example.COM"));
        assertEquals(0b100, matches(index, "shop.example"));
        assertEquals(0b100, matches(index, "cdn.www.shop.example"));
        assertEquals(0b001, matches(index, "example.com."));
    }

    @Test
    void nothingElseMatches() {
        DomainIndex index = index();
        assertEquals(0, matches(index, "com"));
        assertEquals(0, matches(index, "notexample.com"));
        assertEquals(0, matches(index, "example.com.evil"));
        assertEquals(0, matches(index, "example"));
        assertEquals(0, matches(index, ""));
        assertEquals(0, matches(index, "."));
        assertEquals(0, matches(index, null));
    }

    @Test
    void anEmptyIndexMatchesNothing() {
        DomainIndex empty = DomainIndex.of(Map.of());
        assertTrue(empty.isEmpty());
        assertFalse(index().isEmpty());
        long[] target = {0};
        assertFalse(empty.orMatches("example.com", target));
        assertArrayEquals(new long[] {0}, target);
    }

    @Test
    void manyDomainsAllFindTheirBits() {
        Map<String, long[]> byDomain = new LinkedHashMap<>();
        for (int i = 0; i < 1_000; i++) {
            byDomain.put("site" + i + ".example", new long[] {i});
        }
        DomainIndex index = DomainIndex.of(byDomain);
        for (int i = 1; i < 1_000; i++) {
            assertEquals(i, matches(index, "www.site" + i + ".example"));
        }
        assertEquals(0, matches(index, "site1000.example"));
    }
}
