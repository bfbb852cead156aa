package dev.merlin.exchange.auction;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The reference {@link NoticeUrls} and {@link Macros} are checked against: the links and the substituted markup
 * built as strings, signed with {@link Mac}, encoded with {@link URLEncoder}.
 */
final class ReferenceLinks {

    private final String base;
    private final String secureBase;
    private final SecretKeySpec key;
    private final ThreadLocal<Mac> macs;

    /** Links under {@code publicUrl} (secure ones too when it is https), signed with {@code secret}. */
    ReferenceLinks(String publicUrl, byte[] secret) {
        this(publicUrl, publicUrl.regionMatches(true, 0, "https://", 0, 8) ? publicUrl : null, secret);
    }

    /**
     * Links under {@code publicUrl}, those of secure imps under {@code secureUrl} (an https URL, or null when there
     * is none), signed with {@code secret}.
     */
    ReferenceLinks(String publicUrl, String secureUrl, byte[] secret) {
        this.base = withoutSlash(publicUrl);
        this.secureBase = secureUrl == null ? null : withoutSlash(secureUrl);
        this.key = new SecretKeySpec(secret.clone(), "HmacSHA256");
        this.macs = ThreadLocal.withInitial(() -> {
            try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(key);
                return mac;
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
            }
        });
    }

    private static String withoutSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    /** Whether links for secure imps can be made: an https base URL is configured. */
    public boolean canLinkSecurely() {
        return secureBase != null;
    }

    /** The four links of one bid, signed once. */
    public record Links(String win, String bill, String loss, String click) {
    }

    /**
     * The links of one bid: {@code nurl} (win), {@code burl} (billing, what spends budget), {@code lurl} (loss,
     * with the loss reason and the winning price) and the click link {@code ${CLICK_URL}} becomes. They share one
     * signed query: {@code u}, the user's hash for frequency caps and attribution, when user data may be used, else
     * {@code np=1} (the click is counted but not tied to the user); {@code t=1} for test requests, which spend
     * nothing. {@code auctionId} is Merlin's id of the auction ({@link AuctionIds}), {@code auctionEpochSeconds}
     * when it ran, {@code bidPriceMicros} the bid's price (exchange-currency micros, what the seller is offered) and
     * {@code currency} the response's: they are signed in, so that a notice never guesses them.
     */
    public Links links(long auctionId, String requestId, String impId, Campaign campaign, Creative creative,
                       long auctionEpochSeconds, long bidPriceMicros, String currency, long userHash, boolean isTest) {
        return links(auctionId, requestId, impId, campaign, creative, auctionEpochSeconds, bidPriceMicros, currency,
                null, userHash, isTest, false);
    }

    /**
     * The links of one bid sold by {@code sellerId} (signed in as {@code s}; null: none), under the secure base URL
     * when {@code isSecure} (the imp's {@code secure=1}).
     *
     * @throws IllegalStateException when {@code isSecure} and {@link #canLinkSecurely} is false
     */
    public Links links(long auctionId, String requestId, String impId, Campaign campaign, Creative creative,
                       long auctionEpochSeconds, long bidPriceMicros, String currency, String sellerId, long userHash,
                       boolean isTest, boolean isSecure) {
        if (isSecure && secureBase == null) {
            throw new IllegalStateException("no https URL for the links of a secure imp (exchange.securePublicUrl)");
        }
        String base = isSecure ? secureBase : this.base;
        String query = query(AuctionIds.format(auctionId), requestId, impId, campaign.id(), creative.id(),
                priced(auctionEpochSeconds, bidPriceMicros, currency) + seller(sellerId) + tracking(userHash, isTest));
        String signed = query + "&sig=" + signature(query);
        return new Links(
                base + "/win?" + signed
                        + "&auction=${AUCTION_ID}&bid=${AUCTION_BID_ID}&price=${AUCTION_PRICE}&cur=${AUCTION_CURRENCY}",
                base + "/bill?" + signed
                        + "&auction=${AUCTION_ID}&bid=${AUCTION_BID_ID}&price=${AUCTION_PRICE}&cur=${AUCTION_CURRENCY}",
                base + "/loss?" + signed + "&auction=${AUCTION_ID}&loss=${AUCTION_LOSS}&price=${AUCTION_PRICE}"
                        + "&cur=${AUCTION_CURRENCY}&mintowin=${AUCTION_MIN_TO_WIN}",
                base + "/click?" + signed);
    }

    /** The signed price parameters, as {@link #verify} expects them first in {@code extra}: bt, bp, then bc. */
    static String priced(long auctionEpochSeconds, long bidPriceMicros, String currency) {
        return "&bt=" + auctionEpochSeconds + "&bp=" + bidPriceMicros + "&bc=" + encode(currency);
    }

    /** The signed seller parameter, as {@link #verify} expects it after bc: {@code &s=} when there is a seller. */
    static String seller(String sellerId) {
        return sellerId == null ? "" : "&s=" + encode(sellerId);
    }

    /** The signed optional parameters, in the order {@link #verify} expects them: u or np, then t. */
    static String tracking(long userHash, boolean isTest) {
        String user = userHash == 0 ? "&np=1" : "&u=" + Long.toHexString(userHash);
        return isTest ? user + "&t=1" : user;
    }

    private static String query(String auctionId, String requestId, String impId, String campaignId,
                                String creativeId, String extra) {
        return (auctionId == null ? "" : "a=" + encode(auctionId) + "&") + "rid=" + encode(requestId) + "&iid="
                + encode(impId) + "&c=" + encode(campaignId) + "&cr=" + encode(creativeId) + extra;
    }

    private String signature(String query) {
        byte[] mac = macs.get().doFinal(query.getBytes(StandardCharsets.UTF_8));
        char[] hex = new char[32];
        for (int i = 0; i < 16; i++) {
            hex[2 * i] = Character.forDigit((mac[i] >> 4) & 0xf, 16);
            hex[2 * i + 1] = Character.forDigit(mac[i] & 0xf, 16);
        }
        return new String(hex);
    }

    /** A query parameter's value as links carry it and signatures cover it (form-encoded UTF-8). */
    public static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
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
            case "AUCTION_ID": return encode(auctionId);
            case "AUCTION_BID_ID": return encode(bidId);
            case "AUCTION_IMP_ID": return encode(impId);
            case "AUCTION_SEAT_ID": return encode(seatId);
            case "AUCTION_AD_ID": return encode(adId);
            case "AUCTION_PRICE": return price;
            case "AUCTION_CURRENCY": return currency;
            case "CLICK_URL": return clickUrl;
            case "CLICK_URL_ENC": return encode(clickUrl);
            default: return null;
        }
    }
}
