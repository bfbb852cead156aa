package dev.merlin.exchange.auction;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * Builds the win, billing, loss and click links a bid carries. Merlin's own parameters ({@code rid}, {@code iid},
 * {@code c}, {@code cr}) identify the impression for charging once; the standard OpenRTB macros
 * ({@code ${AUCTION_PRICE}}, {@code ${AUCTION_CURRENCY}}, {@code ${AUCTION_LOSS}} …) are left for the seller to fill.
 */
public final class NoticeUrls {

    private final String base;

    /** Links under {@code publicUrl} (no trailing slash needed). */
    public NoticeUrls(String publicUrl) {
        this.base = publicUrl.endsWith("/") ? publicUrl.substring(0, publicUrl.length() - 1) : publicUrl;
    }

    /** {@code nurl}: the win notice. */
    public String win(String requestId, String impId, Campaign campaign, Creative creative, String tracking) {
        return notice("/win", requestId, impId, campaign, creative) + tracking
                + "&auction=${AUCTION_ID}&bid=${AUCTION_BID_ID}&price=${AUCTION_PRICE}&cur=${AUCTION_CURRENCY}";
    }

    /** {@code burl}: the billing notice, fired when the ad renders; this is what spends budget. */
    public String bill(String requestId, String impId, Campaign campaign, Creative creative, String tracking) {
        return notice("/bill", requestId, impId, campaign, creative) + tracking
                + "&auction=${AUCTION_ID}&bid=${AUCTION_BID_ID}&price=${AUCTION_PRICE}&cur=${AUCTION_CURRENCY}";
    }

    /** {@code lurl}: the loss notice. */
    public String loss(String requestId, String impId, Campaign campaign, Creative creative) {
        return notice("/loss", requestId, impId, campaign, creative)
                + "&auction=${AUCTION_ID}&loss=${AUCTION_LOSS}&price=${AUCTION_MIN_TO_WIN}";
    }

    /**
     * The extra parameters of win and billing notices: {@code u}, the user's hash for frequency caps (only when
     * user data may be used), and {@code t=1} for test requests, which spend no budget.
     */
    public static String tracking(long userHash, boolean isTest) {
        String user = userHash == 0 ? "" : "&u=" + Long.toHexString(userHash);
        return isTest ? user + "&t=1" : user;
    }

    /**
     * The click link the markup's {@code ${CLICK_URL}} becomes; {@code /click} redirects to the landing page.
     * {@code np=1} marks an auction where user data could not be used, so the click is counted but not tied to
     * the user.
     */
    public String click(String requestId, String impId, Campaign campaign, Creative creative,
                        boolean mayUsePersonalData) {
        String url = notice("/click", requestId, impId, campaign, creative);
        return mayUsePersonalData ? url : url + "&np=1";
    }

    private String notice(String path, String requestId, String impId, Campaign campaign, Creative creative) {
        return base + path + "?rid=" + encode(requestId) + "&iid=" + encode(impId) + "&c=" + encode(campaign.id())
                + "&cr=" + encode(creative.id());
    }

    static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
