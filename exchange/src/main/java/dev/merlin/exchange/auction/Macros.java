package dev.merlin.exchange.auction;

import org.agrona.ExpandableArrayBuffer;

/**
 * Substitutes the OpenRTB 2.6 auction macros and Merlin's {@code ${CLICK_URL}} in creative markup, writing the
 * result straight into a buffer ({@link #write}); {@link #substitute} is the same substitution as a string.
 *
 * <p>The ids ({@code AUCTION_ID}, {@code AUCTION_BID_ID}, {@code AUCTION_IMP_ID}, {@code AUCTION_SEAT_ID},
 * {@code AUCTION_AD_ID}) come from the bid request and are URL-encoded: they mostly land in tracker URLs, and an
 * encoded value holds no quote, angle bracket, ampersand, bracket or {@code $} with which a request could break out
 * of an HTML attribute, a native JSON string or a VAST CDATA section, or plant a macro for a second expansion. Price
 * and currency are Merlin's own and need nothing; {@code CLICK_URL} is Merlin's signed link, already encoded.
 * {@code AUCTION_PRICE:ENC} is the price encrypted for a DSP that has price keys ({@link PriceCrypto}).
 */
final class Macros {

    static final int AUCTION_ID = 0;
    static final int AUCTION_BID_ID = 1;
    static final int AUCTION_IMP_ID = 2;
    static final int AUCTION_SEAT_ID = 3;
    static final int AUCTION_AD_ID = 4;
    static final int AUCTION_PRICE = 5;
    static final int AUCTION_CURRENCY = 6;
    static final int CLICK_URL = 7;
    static final int CLICK_URL_ENC = 8;
    static final int AUCTION_PRICE_ENC = 9;

    private static final String[] NAMES = {
        "AUCTION_ID", "AUCTION_BID_ID", "AUCTION_IMP_ID", "AUCTION_SEAT_ID", "AUCTION_AD_ID", "AUCTION_PRICE",
        "AUCTION_CURRENCY", "CLICK_URL", "CLICK_URL_ENC", "AUCTION_PRICE:ENC"};
    private static final String[] TOKENS = new String[NAMES.length];

    static {
        for (int i = 0; i < NAMES.length; i++) {
            TOKENS[i] = "${" + NAMES[i] + "}";
        }
    }

    /** The value of each macro for one bid, written where the macro stood. */
    interface Values {
        /**
         * Writes the value of {@code macro} (one of this class's constants) to {@code out}; returns its length in
         * characters (what the markup bound counts).
         */
        int write(int macro, TextCursor out);
    }

    private Macros() {
    }

    /**
     * Writes {@code template} to {@code out} with its macros substituted by {@code values}, as long as the result
     * stays within {@code maxLength} characters. Returns false, having written part of it, as soon as it would not:
     * the caller discards what was written.
     */
    static boolean write(TextCursor out, String template, Values values, int maxLength) {
        if (template.length() > maxLength) {
            return false;
        }
        int length = 0;
        int from = 0;
        while (true) {
            int start = template.indexOf("${", from);
            if (start < 0) {
                break;
            }
            int end = template.indexOf('}', start);
            if (end < 0) {
                break;
            }
            out.text(template, from, start);
            length += start - from;
            int macro = macro(template, start + 2, end);
            if (macro < 0) {
                out.text(template, start, end + 1);
                length += end + 1 - start;
            } else {
                length += values.write(macro, out);
            }
            from = end + 1;
            if (length + template.length() - from > maxLength) {
                return false;
            }
        }
        out.text(template, from, template.length());
        return true;
    }

    /** The macro as it stands in markup, {@code ${NAME}}: what a value that leaves the macro unfilled writes. */
    static String token(int macro) {
        return TOKENS[macro];
    }

    /** The macro named by {@code template} from {@code from} to {@code to}, or -1 when Merlin does not fill it. */
    private static int macro(String template, int from, int to) {
        for (int i = 0; i < NAMES.length; i++) {
            if (NAMES[i].length() == to - from && template.regionMatches(from, NAMES[i], 0, to - from)) {
                return i;
            }
        }
        return -1;
    }

    static String substitute(String template, String auctionId, String bidId, String impId, String seatId,
                             String adId, String price, String currency, String clickUrl) {
        return substitute(template, auctionId, bidId, impId, seatId, adId, price, currency, clickUrl,
                Integer.MAX_VALUE);
    }

    /**
     * The markup with its macros substituted, at most {@code maxLength} characters: {@link #write} into a scratch
     * buffer, for tests and reports.
     *
     * @throws MarkupTooLongException when the result would be longer; it stops as soon as it is
     */
    static String substitute(String template, String auctionId, String bidId, String impId, String seatId,
                             String adId, String price, String currency, String clickUrl, int maxLength) {
        ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(template.length() + 512);
        TextCursor out = new TextCursor().wrap(buffer, 0, Integer.MAX_VALUE, false);
        String[] values = {auctionId, bidId, impId, seatId, adId, price, currency, clickUrl, clickUrl, price};
        if (!write(out, template, (macro, cursor) -> writeText(macro, values[macro], cursor), maxLength)) {
            throw new MarkupTooLongException(maxLength);
        }
        return buffer.getStringWithoutLengthUtf8(0, out.position());
    }

    private static int writeText(int macro, String value, TextCursor out) {
        switch (macro) {
            case AUCTION_PRICE:
            case AUCTION_PRICE_ENC:
            case AUCTION_CURRENCY:
            case CLICK_URL:
                out.text(value);
                return value.length();
            default:
                return out.urlEncoded(value);
        }
    }
}
