package dev.merlin.exchange.auction;

/** Substitutes the OpenRTB 2.6 auction macros and Merlin's {@code ${CLICK_URL}} in creative markup. */
final class Macros {

    private Macros() {
    }

    static String substitute(String template, String auctionId, String bidId, String impId, String seatId,
                             String adId, String price, String currency, String clickUrl) {
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
        }
        sb.append(template, from, template.length());
        return sb.toString();
    }

    private static String value(String name, String auctionId, String bidId, String impId, String seatId,
                                String adId, String price, String currency, String clickUrl) {
        switch (name) {
            case "AUCTION_ID": return auctionId;
            case "AUCTION_BID_ID": return bidId;
            case "AUCTION_IMP_ID": return impId;
            case "AUCTION_SEAT_ID": return seatId;
            case "AUCTION_AD_ID": return adId;
            case "AUCTION_PRICE": return price;
            case "AUCTION_CURRENCY": return currency;
            case "CLICK_URL": return clickUrl;
            case "CLICK_URL_ENC": return NoticeUrls.encode(clickUrl);
            default: return null;
        }
    }
}
