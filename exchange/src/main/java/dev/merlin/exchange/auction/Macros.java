package dev.merlin.exchange.auction;

/**
 * Substitutes the OpenRTB 2.6 auction macros and Merlin's {@code ${CLICK_URL}} in creative markup.
 *
 * <p>The ids ({@code AUCTION_ID}, {@code AUCTION_BID_ID}, {@code AUCTION_IMP_ID}, {@code AUCTION_SEAT_ID},
 * {@code AUCTION_AD_ID}) come from the bid request and are URL-encoded: they mostly land in tracker URLs, and an
 * encoded value holds no quote, angle bracket, ampersand, bracket or {@code $} with which a request could break out
 * of an HTML attribute, a native JSON string or a VAST CDATA section, or plant a macro for a second expansion. Price
 * and currency are Merlin's own and need nothing; {@code CLICK_URL} is Merlin's signed link, already encoded.
 */
final class Macros {

    private Macros() {
    }

    static String substitute(String template, String auctionId, String bidId, String impId, String seatId,
                             String adId, String price, String currency, String clickUrl) {
        return substitute(template, auctionId, bidId, impId, seatId, adId, price, currency, clickUrl,
                Integer.MAX_VALUE);
    }

    /**
     * The markup with its macros substituted, at most {@code maxLength} characters.
     *
     * @throws MarkupTooLongException when the result would be longer; it stops as soon as it is
     */
    static String substitute(String template, String auctionId, String bidId, String impId, String seatId,
                             String adId, String price, String currency, String clickUrl, int maxLength) {
        if (template.length() > maxLength) {
            throw new MarkupTooLongException(maxLength);
        }
        if (template.indexOf("${") < 0) {
            return template;
        }
        StringBuilder sb = new StringBuilder(template.length() + 512);
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
            String value = value(template.substring(start + 2, end), auctionId, bidId, impId, seatId, adId, price,
                    currency, clickUrl);
            sb.append(template, from, start);
            sb.append(value == null ? template.substring(start, end + 1) : value);
            from = end + 1;
            if (sb.length() + template.length() - from > maxLength) {
                throw new MarkupTooLongException(maxLength);
            }
        }
        sb.append(template, from, template.length());
        return sb.toString();
    }

    private static String value(String name, String auctionId, String bidId, String impId, String seatId,
                                String adId, String price, String currency, String clickUrl) {
        switch (name) {
            case "AUCTION_ID": return NoticeUrls.encode(auctionId);
            case "AUCTION_BID_ID": return NoticeUrls.encode(bidId);
            case "AUCTION_IMP_ID": return NoticeUrls.encode(impId);
            case "AUCTION_SEAT_ID": return NoticeUrls.encode(seatId);
            case "AUCTION_AD_ID": return NoticeUrls.encode(adId);
            case "AUCTION_PRICE": return price;
            case "AUCTION_CURRENCY": return currency;
            case "CLICK_URL": return clickUrl;
            case "CLICK_URL_ENC": return NoticeUrls.encode(clickUrl);
            default: return null;
        }
    }
}
