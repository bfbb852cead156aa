package dev.merlin.protocol;

/**
 * Bounds the {@link BidResponseDecoder} enforces on every DSP answer: a DSP is untrusted, so each of its answers is
 * read within a fixed budget of bytes, nesting, objects and characters, whatever it sends.
 *
 * @param maxBodyBytes    largest answer body, in bytes (the HTTP client stops reading at its own limit too)
 * @param maxDepth        deepest JSON nesting of objects and arrays accepted (the response itself is level 1, a bid
 *                        level 5, so {@code ext} objects get the rest)
 * @param maxSeatBids     most {@code seatbid} entries in one answer
 * @param maxBidsPerSeat  most bids in one {@code seatbid}
 * @param maxStringLength longest string value other than {@code adm}, in characters
 * @param maxAdmLength    longest {@code adm} (the creative markup, which may be a whole VAST document), in characters
 * @param maxListLength   most entries in one array of a bid ({@code adomain}, {@code cat}, {@code attr},
 *                        {@code apis}): the exchange compares each against the request's block lists, so an answer
 *                        of a quarter of a million {@code adomain} entries would cost it that many times {@code badv}
 */
public record BidResponseLimits(int maxBodyBytes, int maxDepth, int maxSeatBids, int maxBidsPerSeat,
                                int maxStringLength, int maxAdmLength, int maxListLength) {

    /** Default largest body: 1 MiB, as {@code auction.maxDspResponseBytes}. */
    public static final int DEFAULT_MAX_BODY_BYTES = 1 << 20;
    /** Default longest markup: 64 KiB. */
    public static final int DEFAULT_MAX_ADM_LENGTH = 64 * 1024;

    /**
     * Defaults: 1 MiB bodies, 32 levels, 16 seats, 64 bids per seat, 8,192-character strings, 64 KiB markup, 64
     * entries per array of a bid.
     */
    public static BidResponseLimits defaults() {
        return new BidResponseLimits(DEFAULT_MAX_BODY_BYTES, 32, 16, 64, 8_192, DEFAULT_MAX_ADM_LENGTH, 64);
    }

    /** The defaults with another largest body (the configured {@code auction.maxDspResponseBytes}). */
    public static BidResponseLimits withMaxBodyBytes(int maxBodyBytes) {
        BidResponseLimits d = defaults();
        return new BidResponseLimits(maxBodyBytes, d.maxDepth, d.maxSeatBids, d.maxBidsPerSeat, d.maxStringLength,
                d.maxAdmLength, d.maxListLength);
    }

    /** Checks the limits are usable. */
    public BidResponseLimits {
        if (maxBodyBytes < 64) {
            throw new IllegalArgumentException("maxBodyBytes must be at least 64, was " + maxBodyBytes);
        }
        if (maxDepth < 6) {
            throw new IllegalArgumentException("maxDepth must be at least 6 (a bid's ext), was " + maxDepth);
        }
        if (maxSeatBids < 1) {
            throw new IllegalArgumentException("maxSeatBids must be at least 1, was " + maxSeatBids);
        }
        if (maxBidsPerSeat < 1) {
            throw new IllegalArgumentException("maxBidsPerSeat must be at least 1, was " + maxBidsPerSeat);
        }
        if (maxStringLength < 64) {
            throw new IllegalArgumentException("maxStringLength must be at least 64, was " + maxStringLength);
        }
        if (maxAdmLength < 64) {
            throw new IllegalArgumentException("maxAdmLength must be at least 64, was " + maxAdmLength);
        }
        if (maxListLength < 1) {
            throw new IllegalArgumentException("maxListLength must be at least 1, was " + maxListLength);
        }
    }
}
