package dev.merlin.exchange.privacy;

/**
 * Whether personal data may be used for one request or event, and if not, why.
 *
 * <p>There is one shared instance per outcome ({@link #ALLOWED} and one per {@link RefusalReason}), so deciding
 * allocates nothing and decisions compare by identity.
 */
public final class PrivacyDecision {

    /** Personal data may be used. */
    public static final PrivacyDecision ALLOWED = new PrivacyDecision(null);

    private static final PrivacyDecision[] REFUSALS = refusals();

    private final RefusalReason reason;

    private PrivacyDecision(RefusalReason reason) {
        this.reason = reason;
    }

    /** The shared decision refusing personal data for the given reason. */
    public static PrivacyDecision refused(RefusalReason reason) {
        return REFUSALS[reason.ordinal()];
    }

    /** Whether personal data (segments, user ids, cookies, activity recording) may be used. */
    public boolean mayUsePersonalData() {
        return reason == null;
    }

    /** Why personal data may not be used; {@code null} when it may. */
    public RefusalReason reason() {
        return reason;
    }

    @Override
    public String toString() {
        return reason == null ? "allowed" : "refused(" + reason.label() + ")";
    }

    private static PrivacyDecision[] refusals() {
        RefusalReason[] reasons = RefusalReason.values();
        PrivacyDecision[] decisions = new PrivacyDecision[reasons.length];
        for (RefusalReason reason : reasons) {
            decisions[reason.ordinal()] = new PrivacyDecision(reason);
        }
        return decisions;
    }
}
