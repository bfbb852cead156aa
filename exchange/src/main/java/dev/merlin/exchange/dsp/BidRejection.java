package dev.merlin.exchange.dsp;

/**
 * Why a DSP's bid was dropped before the auction: each reason is a counter label
 * ({@code merlin_dsp_bids_rejected_total{dsp,reason}}) and the OpenRTB loss reason code a loss notice would carry
 * ({@code ${AUCTION_LOSS}}, OpenRTB 2.6 / 3.0 list).
 */
public enum BidRejection {
    /** The answer's {@code id} is not the id of the request Merlin sent: every bid of it is dropped. */
    RESPONSE_ID_MISMATCH("response_id_mismatch", 5),
    /** The answer's currency is not one the request, the DSP's configuration and Merlin's rates all accept. */
    CURRENCY_NOT_ACCEPTED("currency_not_accepted", 3),
    /** The bid has no {@code id}. */
    MISSING_BID_ID("missing_bid_id", 3),
    /** Another bid of the same answer already used this {@code id}. */
    DUPLICATE_BID_ID("duplicate_bid_id", 3),
    /** The bid's {@code impid} names no impression Merlin sent this DSP. */
    UNKNOWN_IMP("unknown_imp", 3),
    /** The bid's {@code mtype} names a media type its impression does not offer. */
    WRONG_MEDIA_TYPE("wrong_media_type", 204),
    /** The bid has no {@code price}. */
    MISSING_PRICE("missing_price", 9),
    /** The price is not finite, is negative, or is 0 without a deal. */
    INVALID_PRICE("invalid_price", 3),
    /** The price, adjusted and converted, is above the most Merlin lets any bid be worth. */
    PRICE_TOO_HIGH("price_too_high", 3),
    /** The bid has no {@code crid}. */
    MISSING_CREATIVE_ID("missing_creative_id", 8),
    /** The bid has no {@code adomain} (no advertiser to check against the seller's blocks). */
    MISSING_ADOMAIN("missing_adomain", 6),
    /** The bid has neither {@code adm} nor {@code nurl}: nothing to show. */
    MISSING_MARKUP("missing_markup", 7),
    /** The bid's seat is not one the DSP's configuration lists, or the request's {@code wseat}/{@code bseat} bar. */
    SEAT_NOT_ALLOWED("seat_not_allowed", 104),
    /** The bid names a deal the impression did not offer, or one its seat may not use. */
    INVALID_DEAL("invalid_deal", 4),
    /** The impression is a private auction ({@code pmp.private_auction=1}) and the bid names no deal. */
    NOT_A_DEAL("not_a_deal", 4),
    /** The bid's {@code w}/{@code h} fit none of the impression's banner sizes. */
    SIZE_NOT_ALLOWED("size_not_allowed", 203),
    /** The impression is secure ({@code imp.secure=1}) and the markup loads something over {@code http:}. */
    NOT_SECURE("not_secure", 207),
    /** An advertiser domain the request blocks ({@code badv}). */
    BLOCKED_ADVERTISER("blocked_advertiser", 205),
    /** A category the request blocks ({@code bcat}), or categories in a taxonomy the block list is not in. */
    BLOCKED_CATEGORY("blocked_category", 209),
    /** A creative attribute the impression blocks ({@code battr}). */
    BLOCKED_ATTRIBUTE("blocked_attribute", 210),
    /** An app bundle the request blocks ({@code bapp}). */
    BLOCKED_APP("blocked_app", 215),
    /**
     * An {@code id}, {@code crid}, {@code adid}, {@code cid} or seat longer than {@link DspBidValidator#MAX_ID_CHARS}:
     * the {@code crid} goes into the signed query of Merlin's own notice links, which must fit a request line.
     */
    ID_TOO_LONG("id_too_long", 3),
    /** A {@code nurl}, {@code burl} or {@code lurl} longer than {@link DspWinLedger#MAX_URL_CHARS}. */
    URL_TOO_LONG("url_too_long", 3),
    /**
     * The creative's fields Merlin passes on to the seller ({@code adid}, {@code adomain}, {@code bundle},
     * {@code cid}, {@code crid}, {@code cat}) longer than {@link DspBidValidator#MAX_CREATIVE_FIELDS_CHARS} together.
     */
    CREATIVE_FIELDS_TOO_LONG("creative_fields_too_long", 3);

    private final String label;
    private final int lossCode;

    BidRejection(String label, int lossCode) {
        this.label = label;
        this.lossCode = lossCode;
    }

    /** The metric label. */
    public String label() {
        return label;
    }

    /** The OpenRTB loss reason code ({@code ${AUCTION_LOSS}}) for this rejection. */
    public int lossCode() {
        return lossCode;
    }
}
