package dev.merlin.exchange.auction;

/**
 * Which bid a notice link is for, as {@link NoticeUrls} signs it: Merlin's auction id, the seller's request and
 * imp ids, the seller, the campaign and creative (for a DSP's win: the DSP's id and the bid's {@code crid}, with the
 * DSP's id, null for Merlin's own campaigns), the auction's time, the bid's price (exchange-currency micros) and
 * the response currency, the user's hash (0: none may be used) and whether the request was a test and the imp
 * secure.
 *
 * <p>A mutable flyweight: the bid path ({@link BidResponseWriter}, one per thread) refills its one instance for each
 * bid it writes, so writing links allocates nothing; a notice endpoint fills one per notice from the decoded query
 * parameters (that path decodes its query into strings anyway). {@link #clear} empties it. Not thread-safe: whoever
 * fills it owns it until the links are written or verified.
 */
public final class NoticeIdentity {

    private long auctionId;
    private long auctionEpochSeconds;
    private String requestId;
    private String impId;
    private String sellerId;
    private String campaignId;
    private String creativeId;
    private String dspId;
    private long bidPriceMicros;
    private String currency;
    private long userHash;
    private boolean isTest;
    private boolean isSecure;

    /** Empties every field: ids null, numbers 0, flags false. */
    public NoticeIdentity clear() {
        auctionId = 0;
        auctionEpochSeconds = 0;
        requestId = null;
        impId = null;
        sellerId = null;
        campaignId = null;
        creativeId = null;
        dspId = null;
        bidPriceMicros = 0;
        currency = null;
        userHash = 0;
        isTest = false;
        isSecure = false;
        return this;
    }

    /** Merlin's id of the auction ({@link AuctionIds}) and when it ran, epoch seconds. */
    public NoticeIdentity auction(long auctionId, long auctionEpochSeconds) {
        this.auctionId = auctionId;
        this.auctionEpochSeconds = auctionEpochSeconds;
        return this;
    }

    /** The impression as the seller named it: its request id and imp id, and the seller (null: none). */
    public NoticeIdentity impression(String requestId, String impId, String sellerId) {
        this.requestId = requestId;
        this.impId = impId;
        this.sellerId = sellerId;
        return this;
    }

    /**
     * The bid: campaign and creative ids, its price (exchange-currency micros, what the seller was offered) and the
     * currency the response priced it in.
     */
    public NoticeIdentity bid(String campaignId, String creativeId, long bidPriceMicros, String currency) {
        this.campaignId = campaignId;
        this.creativeId = creativeId;
        this.bidPriceMicros = bidPriceMicros;
        this.currency = currency;
        return this;
    }

    /** The DSP whose bid won ({@code d}), or null for one of Merlin's own campaigns. */
    public NoticeIdentity dsp(String dspId) {
        this.dspId = dspId;
        return this;
    }

    /** The user's hash for frequency caps and attribution; 0 when user data may not be used. */
    public NoticeIdentity user(long userHash) {
        this.userHash = userHash;
        return this;
    }

    /** Whether the request was a test (its notices spend nothing) and the imp secure (its links are https). */
    public NoticeIdentity flags(boolean isTest, boolean isSecure) {
        this.isTest = isTest;
        this.isSecure = isSecure;
        return this;
    }

    /** Merlin's auction id ({@code a}). */
    public long auctionId() {
        return auctionId;
    }

    /** When the auction ran, epoch seconds ({@code bt}). */
    public long auctionEpochSeconds() {
        return auctionEpochSeconds;
    }

    /** The seller's request id ({@code rid}). */
    public String requestId() {
        return requestId;
    }

    /** The seller's imp id ({@code iid}). */
    public String impId() {
        return impId;
    }

    /** The seller's id ({@code s}), or null. */
    public String sellerId() {
        return sellerId;
    }

    /** The campaign's id ({@code c}). */
    public String campaignId() {
        return campaignId;
    }

    /** The creative's id ({@code cr}). */
    public String creativeId() {
        return creativeId;
    }

    /** The winning DSP's id ({@code d}), or null for Merlin's own campaigns. */
    public String dspId() {
        return dspId;
    }

    /** The bid's price, exchange-currency micros ({@code bp}). */
    public long bidPriceMicros() {
        return bidPriceMicros;
    }

    /** The response currency ({@code bc}). */
    public String currency() {
        return currency;
    }

    /** The user's hash ({@code u}), 0 when none may be used ({@code np=1}). */
    public long userHash() {
        return userHash;
    }

    /** Whether the request was a test ({@code t=1}). */
    public boolean isTest() {
        return isTest;
    }

    /** Whether the imp was secure: its links are under the https base URL. */
    public boolean isSecure() {
        return isSecure;
    }
}
