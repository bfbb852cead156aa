package dev.merlin.exchange.privacy;

/**
 * What Merlin itself adds about the user to one DSP's request, when the policy lets it go: the user's pairwise id
 * for that DSP ({@link PairwiseIds}) and Merlin's audience segments that hold at least {@code minSegmentUsers}
 * distinct users (a k-anonymity floor). One per event loop, refilled for each DSP; the writer reads it.
 */
public final class OutboundUser {

    private final char[] pairwiseId = new char[PairwiseIds.CHARS];
    private boolean hasPairwiseId;
    private CharSequence buyerUid;
    private AudienceSegments segments;
    private SegmentSizes sizes = SegmentSizes.NONE;
    private long minSegmentUsers = Long.MAX_VALUE;

    /** Forgets the previous DSP's: no id, no segments. */
    public OutboundUser clear() {
        hasPairwiseId = false;
        buyerUid = null;
        segments = null;
        return this;
    }

    /** Sets the pairwise id of {@code userKey} at {@code dspId}. */
    public OutboundUser pairwiseId(PairwiseIds ids, String dspId, CharSequence userKey) {
        ids.write(dspId, userKey, pairwiseId);
        hasPairwiseId = true;
        return this;
    }

    /** Sets the id this DSP synced for the user ({@code user.buyeruid}), or null for none. */
    public OutboundUser buyerUid(CharSequence uid) {
        this.buyerUid = uid;
        return this;
    }

    /** Sets the user's segments, of which those with at least {@code minUsers} users in {@code census} may go. */
    public OutboundUser segments(AudienceSegments userSegments, SegmentSizes census, long minUsers) {
        this.segments = userSegments;
        this.sizes = census;
        this.minSegmentUsers = minUsers;
        return this;
    }

    /** The DSP's synced id for the user, or null. */
    CharSequence buyerUidOrNull() {
        return buyerUid;
    }

    /** The pairwise id, or null when none is set. */
    char[] pairwiseIdOrNull() {
        return hasPairwiseId ? pairwiseId : null;
    }

    /** How many of the user's segments may go (at least the floor of distinct users). */
    int shareableSegments() {
        if (segments == null) {
            return 0;
        }
        int shareable = 0;
        for (int i = 0; i < segments.size(); i++) {
            if (isShareable(segments.get(i))) {
                shareable++;
            }
        }
        return shareable;
    }

    boolean isShareable(int segmentId) {
        return sizes.users(segmentId) >= minSegmentUsers;
    }

    AudienceSegments segments() {
        return segments;
    }
}
