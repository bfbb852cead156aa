package dev.merlin.protocol;

import java.util.Locale;

/** Why a DSP's answer could not be read; one counter per reason and DSP in the exchange. */
public enum BidResponseError {
    /** Not JSON: a syntax error, a truncated document, trailing content or an empty body. */
    MALFORMED_JSON,
    /** Bytes that are not valid UTF-8. */
    INVALID_UTF8,
    /** The body is JSON but not an object (null, a string, an array, a number). */
    NOT_AN_OBJECT,
    /** A value of the wrong JSON type, e.g. a string where the spec has a number, or {@code adm} as an object. */
    WRONG_TYPE,
    /** A number outside what its field can hold, e.g. a price of {@code 1e400} or a width beyond an int. */
    OUT_OF_RANGE,
    /** An object names the same key twice, at any level. */
    DUPLICATE_KEY,
    /** A body larger than {@link BidResponseLimits#maxBodyBytes()}. */
    TOO_LARGE,
    /** JSON nested deeper than {@link BidResponseLimits#maxDepth()}. */
    TOO_DEEP,
    /** A string, key or number longer than {@link BidResponseLimits#maxStringLength()}. */
    STRING_TOO_LONG,
    /** An {@code adm} longer than {@link BidResponseLimits#maxAdmLength()}. */
    ADM_TOO_LONG,
    /** More {@code seatbid} entries than {@link BidResponseLimits#maxSeatBids()}. */
    TOO_MANY_SEATBIDS,
    /** More bids in one {@code seatbid} than {@link BidResponseLimits#maxBidsPerSeat()}. */
    TOO_MANY_BIDS,
    /** An array of a bid ({@code adomain}, {@code cat}, ...) longer than {@link BidResponseLimits#maxListLength()}. */
    TOO_MANY_VALUES;

    /** The reason in lower case, as used in metric labels. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
