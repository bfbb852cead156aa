package dev.merlin.exchange.auction;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Campaigns by site domain, matched the way allow and block lists are meant: a listed {@code example.com} covers
 * {@code example.com}, {@code www.example.com} and every other subdomain such as {@code news.example.com}. A listed
 * {@code www.example.com} means {@code example.com}.
 *
 * <p>An open-addressing table over the listed domains, probed once per label of the request's domain (at most a
 * handful) with the hash computed over that suffix in place: no substring, no lower-cased copy, nothing allocated.
 */
final class DomainIndex {

    private static final DomainIndex EMPTY = new DomainIndex(new String[1], new long[1][]);

    private final String[] keys;
    private final long[][] bits;
    private final int mask;

    private DomainIndex(String[] keys, long[][] bits) {
        this.keys = keys;
        this.bits = bits;
        this.mask = keys.length - 1;
    }

    /** The table of {@code byDomain} (keys in any case, with or without {@code www.}); bit sets for one key OR. */
    static DomainIndex of(Map<String, long[]> byDomain) {
        Map<String, long[]> normalized = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> entry : byDomain.entrySet()) {
            String key = normalize(entry.getKey());
            if (key.isEmpty()) {
                continue;
            }
            long[] merged = normalized.computeIfAbsent(key, k -> new long[entry.getValue().length]);
            CampaignBits.or(merged, entry.getValue());
        }
        if (normalized.isEmpty()) {
            return EMPTY;
        }
        int capacity = Integer.highestOneBit(Math.max(2, normalized.size() * 2 - 1)) << 1;
        String[] keys = new String[capacity];
        long[][] bits = new long[capacity][];
        for (Map.Entry<String, long[]> entry : normalized.entrySet()) {
            String key = entry.getKey();
            int slot = hash(key, 0, key.length()) & (capacity - 1);
            while (keys[slot] != null) {
                slot = (slot + 1) & (capacity - 1);
            }
            keys[slot] = key;
            bits[slot] = entry.getValue();
        }
        return new DomainIndex(keys, bits);
    }

    /** Lower case, without a leading {@code www.} or a trailing dot. */
    static String normalize(String domain) {
        String key = domain.trim().toLowerCase(Locale.ROOT);
        if (key.endsWith(".")) {
            key = key.substring(0, key.length() - 1);
        }
        return key.startsWith("www.") ? key.substring(4) : key;
    }

    boolean isEmpty() {
        return this == EMPTY;
    }

    /**
     * ORs into {@code target} the campaigns listed under {@code domain} or any domain it is a subdomain of.
     *
     * @return whether any listed domain matched
     */
    boolean orMatches(String domain, long[] target) {
        return orMatches(domain, target, 0, target.length);
    }

    /**
     * ORs into the words {@code [fromWord, toWord)} of {@code target} the campaigns listed under {@code domain} or
     * any domain it is a subdomain of.
     *
     * @return whether any listed domain matched
     */
    boolean orMatches(String domain, long[] target, int fromWord, int toWord) {
        if (domain == null || this == EMPTY) {
            return false;
        }
        int end = domain.length();
        if (end > 0 && domain.charAt(end - 1) == '.') {
            end--;
        }
        boolean matched = false;
        int start = 0;
        while (start < end) {
            int length = end - start;
            for (int slot = hash(domain, start, end) & mask; keys[slot] != null; slot = (slot + 1) & mask) {
                String key = keys[slot];
                if (key.length() == length && key.regionMatches(true, 0, domain, start, length)) {
                    CampaignBits.or(target, bits[slot], fromWord, toWord);
                    matched = true;
                    break;
                }
            }
            int dot = domain.indexOf('.', start);
            if (dot < 0 || dot >= end) {
                break;
            }
            start = dot + 1;
        }
        return matched;
    }

    /** A hash of {@code s[from, to)} as lower case ASCII, the same for a key and for a request's suffix. */
    private static int hash(String s, int from, int to) {
        int h = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                c += 'a' - 'A';
            }
            h = 31 * h + c;
        }
        return h ^ (h >>> 16);
    }
}
