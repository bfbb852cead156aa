package dev.merlin.exchange.auction;

/**
 * The winners of one auction, one per impression at most, in reusable primitive arrays (reset per request).
 *
 * <p>Prices are exchange-currency micros: {@code priceMicros} is what the publisher is paid (the clearing price
 * net of the take rate), {@code chargeMicros} what the advertiser pays.
 *
 * <p>A winner is either one of Merlin's campaigns ({@link #campaign} and {@link #creative} set, {@link #external}
 * null) or a DSP's bid ({@link #external} set, {@link #campaign} and {@link #creative} null); for a DSP,
 * {@code chargeMicros} is what the DSP pays and {@code priceMicros} the publisher's payout, as for a campaign.
 */
public final class AuctionResult {

    /** No bid: no campaign was a candidate for any impression. */
    public static final int NO_CANDIDATES = 0;
    /** No bid: candidates existed but none cleared floors, budgets, pacing or caps. */
    public static final int NO_ELIGIBLE = 1;
    /** No bid: a floor or response currency the exchange cannot convert. */
    public static final int UNKNOWN_CURRENCY = 2;
    /** No bid: a secure imp ({@code imp.secure=1}) and no https URL for Merlin's links in its markup and notices. */
    public static final int NO_SECURE_URL = 3;

    private final int[] impIndex;
    private final Campaign[] campaign;
    private final Creative[] creative;
    private final ExternalBid[] external;
    private final long[] priceMicros;
    private final long[] chargeMicros;
    private final int[] dealIndex;
    private int count;
    private int noBidReason;
    private int candidatesSeen;

    /** Room for {@code maxImps} winners. */
    public AuctionResult(int maxImps) {
        impIndex = new int[maxImps];
        campaign = new Campaign[maxImps];
        creative = new Creative[maxImps];
        external = new ExternalBid[maxImps];
        priceMicros = new long[maxImps];
        chargeMicros = new long[maxImps];
        dealIndex = new int[maxImps];
    }

    void reset() {
        for (int i = 0; i < count; i++) {
            campaign[i] = null;
            creative[i] = null;
            external[i] = null;
        }
        count = 0;
        noBidReason = NO_CANDIDATES;
        candidatesSeen = 0;
    }

    void add(int imp, Campaign winner, Creative ad, long price, long charge, int deal) {
        impIndex[count] = imp;
        campaign[count] = winner;
        creative[count] = ad;
        external[count] = null;
        priceMicros[count] = price;
        chargeMicros[count] = charge;
        dealIndex[count] = deal;
        count++;
    }

    void add(int imp, ExternalBid winner, long price, long charge) {
        impIndex[count] = imp;
        campaign[count] = null;
        creative[count] = null;
        external[count] = winner;
        priceMicros[count] = price;
        chargeMicros[count] = charge;
        dealIndex[count] = winner.dealIndex;
        count++;
    }

    void noBid(int reason) {
        if (reason > noBidReason) {
            noBidReason = reason;
        }
    }

    void sawCandidates(int n) {
        candidatesSeen += n;
    }

    /** Number of winning bids. */
    public int count() {
        return count;
    }

    /** Index in {@code request.imp} of winner {@code i}. */
    public int impIndex(int i) {
        return impIndex[i];
    }

    /** The winning campaign, or null when a DSP won. */
    public Campaign campaign(int i) {
        return campaign[i];
    }

    /** The creative it serves, or null when a DSP won. */
    public Creative creative(int i) {
        return creative[i];
    }

    /** The DSP's bid that won, or null when one of Merlin's campaigns won. */
    public ExternalBid external(int i) {
        return external[i];
    }

    /** The seat winner {@code i} bids for: its campaign's seat, or the DSP's seat (its id when it named none). */
    public String seat(int i) {
        ExternalBid bid = external[i];
        if (bid == null) {
            return campaign[i].seat();
        }
        return bid.seat != null ? bid.seat : bid.dspId;
    }

    /** Clearing price paid to the publisher, exchange-currency micros. */
    public long priceMicros(int i) {
        return priceMicros[i];
    }

    /** What the advertiser (or the winning DSP) is charged, exchange-currency micros. */
    public long chargeMicros(int i) {
        return chargeMicros[i];
    }

    /** Index in {@code imp.pmp.deals} the bid goes through, or -1 for the open auction. */
    public int dealIndex(int i) {
        return dealIndex[i];
    }

    /** Why there is no bid when {@link #count()} is 0. */
    public int noBidReason() {
        return noBidReason;
    }

    /**
     * Candidates of the targeting index the auction looked at, over all impressions (it stops once none left can
     * change the outcome, so not all of them); 0 for an impression only when it had none.
     */
    public int candidatesSeen() {
        return candidatesSeen;
    }
}
