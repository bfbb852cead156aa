package dev.merlin.exchange.auction;

import dev.merlin.protocol.model.Bid;

/**
 * A DSP's bid that passed validation and competes in Merlin's auction for one impression, with what the auction
 * decided about it. A mutable flyweight from an {@link ExternalBids} pool, refilled per request; whoever fills it
 * owns it until the request is answered.
 *
 * <p>Prices are micros. {@link #bidMicros} is the DSP's own price in its currency {@link #currency};
 * {@link #priceMicros} is what competes: the bid times the DSP's bid adjustment, in the exchange currency. The
 * auction sets {@link #lossCode} (OpenRTB loss reason, 0 for a win) and, for a win, {@link #clearingMicros} (the
 * price the DSP pays, in its currency: {@code ${AUCTION_PRICE}}), for a loss {@link #minToWinMicros} when known.
 */
public final class ExternalBid {

    /** {@link #lossCode}: the bid won. */
    public static final int WON = 0;
    /** {@link #lossCode}: below the auction floor. */
    public static final int LOSS_BELOW_FLOOR = 100;
    /** {@link #lossCode}: below the deal's floor. */
    public static final int LOSS_BELOW_DEAL_FLOOR = 101;
    /** {@link #lossCode}: lost to a higher bid. */
    public static final int LOSS_HIGHER_BID = 102;
    /** {@link #lossCode}: lost to a bid for a deal. */
    public static final int LOSS_TO_DEAL = 103;
    /** {@link #lossCode}: not decided (the auction did not see it). */
    public static final int UNDECIDED = -1;

    /** Index of the DSP in the runtime's DSP list. */
    public int dsp;
    /** The DSP's configured id. */
    public String dspId;
    /** The buyer seat it bid for, or null. */
    public String seat;
    /** The decoded bid (markup, notice URLs, creative id, advertiser domains, size, deal id). */
    public Bid bid;
    /** The currency the DSP bid in. */
    public String currency;
    /** Index in {@code request.imp} of the impression it bids on. */
    public int impIndex;
    /** Index in that imp's {@code pmp.deals} it bids through, or -1 for the open auction. */
    public int dealIndex;
    /** The DSP's price, its currency, micros. */
    public long bidMicros;
    /** The price that competes: adjusted and converted to the exchange currency, micros. */
    public long priceMicros;
    /** What the auction decided: {@link #WON}, a loss code, or {@link #UNDECIDED}. */
    public int lossCode;
    /** When won: the clearing price the DSP pays, its currency, micros. */
    public long clearingMicros;
    /** When lost: the price that would have won, the DSP's currency, micros; -1 when not known. */
    public long minToWinMicros;
    /**
     * The region of the user the DSP was asked about, as the data-flow ledger counts it (an ISO-3166-1 alpha-3 code,
     * {@code privacy.OutboundRules.userCountry}); null when unknown. Its notices are counted under it.
     */
    public String userRegion;

    /** Empties it for reuse. */
    public ExternalBid clear() {
        dsp = -1;
        dspId = null;
        seat = null;
        bid = null;
        currency = null;
        impIndex = -1;
        dealIndex = -1;
        bidMicros = 0;
        priceMicros = 0;
        lossCode = UNDECIDED;
        clearingMicros = 0;
        minToWinMicros = -1;
        userRegion = null;
        return this;
    }
}
