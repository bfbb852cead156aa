package dev.merlin.exchange.dsp;

import dev.merlin.exchange.auction.PriceCrypto;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;

/**
 * Fills the OpenRTB macros of a DSP's {@code nurl}, {@code burl} or {@code lurl} before Merlin calls it: each value
 * URL-encoded (UTF-8, a space as {@code %20}); a macro whose value is unknown becomes empty, as OpenRTB asks; any
 * other {@code ${…}} is left as it is. {@code ${AUCTION_PRICE}} and {@code ${AUCTION_PRICE:ENC}} are the clearing
 * price in the DSP's currency, a plain decimal ({@code 1.5}), or — when the DSP has price keys — Google's encrypted
 * form ({@link PriceCrypto}, 38 web-safe base64 characters).
 *
 * <p>Runs on the notifier's own loop, never on a request's event loop: it builds strings.
 */
final class NoticeMacros {

    private NoticeMacros() {
    }

    /**
     * {@code template} with the macros {@code notice} has values for filled in, and any character a URI may not
     * carry (a space, a brace of a macro left as it is, non-ASCII) percent-encoded as a browser would.
     */
    static String fill(String template, Notice notice, PriceCrypto crypto) {
        return escapeIllegal(substitute(template, notice, crypto));
    }

    private static String substitute(String template, Notice notice, PriceCrypto crypto) {
        int macro = template.indexOf("${");
        if (macro < 0) {
            return template;
        }
        StringBuilder out = new StringBuilder(template.length() + 64);
        int copied = 0;
        while (macro >= 0) {
            int end = template.indexOf('}', macro + 2);
            if (end < 0) {
                break;
            }
            String value = value(template.substring(macro + 2, end), notice, crypto);
            if (value == null) {
                // not a macro Merlin fills: keep it and look further on
                out.append(template, copied, end + 1);
            } else {
                out.append(template, copied, macro);
                appendEncoded(out, value);
            }
            copied = end + 1;
            macro = template.indexOf("${", copied);
        }
        return out.append(template, copied, template.length()).toString();
    }

    /** The value of the macro {@code name} (unencoded); "" when it has none here, null when it is not Merlin's. */
    private static String value(String name, Notice notice, PriceCrypto crypto) {
        return switch (name) {
            case "AUCTION_PRICE", "AUCTION_PRICE:ENC" -> price(notice, crypto);
            case "AUCTION_ID" -> orEmpty(notice.requestId);
            case "AUCTION_BID_ID" -> orEmpty(notice.bidId);
            case "AUCTION_IMP_ID" -> orEmpty(notice.impId);
            case "AUCTION_SEAT_ID" -> orEmpty(notice.seat);
            case "AUCTION_AD_ID" -> orEmpty(notice.adId);
            case "AUCTION_CURRENCY" -> orEmpty(notice.currency);
            case "AUCTION_LOSS" -> notice.lossCode < 0 ? "" : Integer.toString(notice.lossCode);
            case "AUCTION_MIN_TO_WIN" -> notice.minToWinMicros < 0 ? "" : decimal(notice.minToWinMicros);
            default -> null;
        };
    }

    private static String price(Notice notice, PriceCrypto crypto) {
        if (notice.priceMicros < 0) {
            return "";
        }
        if (crypto == null) {
            return decimal(notice.priceMicros);
        }
        // the IV: the auction's second and the imp (high), Merlin's auction id (low): unique per impression
        long ivHigh = notice.auctionEpochSeconds << 32 | (notice.impId == null ? 0 : notice.impId.hashCode())
                & 0xFFFF_FFFFL;
        return crypto.encrypt(notice.priceMicros, ivHigh, notice.auctionId);
    }

    /** Micros as a plain decimal number: {@code 1500000} is {@code 1.5}, {@code 2000000} is {@code 2}. */
    static String decimal(long micros) {
        return BigDecimal.valueOf(micros, 6).stripTrailingZeros().toPlainString();
    }

    /** {@code url} with every character outside RFC 3986's unreserved, reserved and {@code %} percent-encoded. */
    static String escapeIllegal(String url) {
        int i = 0;
        while (i < url.length() && isUriChar(url.charAt(i))) {
            i++;
        }
        if (i == url.length()) {
            return url;
        }
        StringBuilder out = new StringBuilder(url.length() + 16).append(url, 0, i);
        for (byte b : url.substring(i).getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xFF);
            if (c < 0x80 && isUriChar(c)) {
                out.append(c);
            } else {
                appendPercent(out, c);
            }
        }
        return out.toString();
    }

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private static boolean isUriChar(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                || c < 0x80 && "-._~:/?#[]@!$&'()*+,;=%".indexOf(c) >= 0;
    }

    private static String orEmpty(String value) {
        return value == null ? "" : value;
    }

    /**
     * Appends {@code value} percent-encoded as {@link java.net.URLEncoder} does in UTF-8 (letters, digits and
     * {@code .-*_} as they are, every other byte {@code %XX}), but a space as {@code %20}, and without building the
     * intermediate strings.
     */
    static void appendEncoded(StringBuilder out, String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c >= 0x80) {
                // rare here (ids and currencies are ASCII): the rest of the value as UTF-8 bytes
                for (byte b : value.substring(i).getBytes(StandardCharsets.UTF_8)) {
                    appendByte(out, b & 0xFF);
                }
                return;
            }
            appendByte(out, c);
        }
    }

    /** One byte of a value: as it is when {@link java.net.URLEncoder} keeps it, else {@code %XX}. */
    private static void appendByte(StringBuilder out, int b) {
        if (b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '.' || b == '-' || b == '*'
                || b == '_') {
            out.append((char) b);
        } else {
            appendPercent(out, b);
        }
    }

    private static void appendPercent(StringBuilder out, int b) {
        out.append('%').append(HEX[b >> 4]).append(HEX[b & 0xF]);
    }
}
