package dev.merlin.exchange.flows;

/**
 * Where the outbound paths report what left Merlin: each bid request and notice sent to a DSP, and the user whose
 * personal data a request carried. Called on event loops and the notice loop: allocation-free, never waiting for
 * long, never throwing. {@link DataFlowLedger} is the real one; {@link #NONE} records nothing (tests and tools
 * without a ledger).
 */
public interface FlowRecorder {

    /** Records nothing. */
    FlowRecorder NONE = new FlowRecorder() {
        @Override
        public void bidRequest(int dspIndex, CharSequence userRegion, int categories, long epochSeconds) {
        }

        @Override
        public void recipients(long userHash, long epochSeconds, int[] categoriesByDsp) {
        }

        @Override
        public void notice(int dspIndex, CharSequence userRegion) {
        }
    };

    /**
     * One bid request went to the DSP at {@code dspIndex} (its index in the configured DSPs), for a user in
     * {@code userRegion}, carrying {@code categories} ({@link dev.merlin.exchange.privacy.DataCategories}).
     */
    void bidRequest(int dspIndex, CharSequence userRegion, int categories, long epochSeconds);

    /**
     * One request's personal data went to the DSPs whose entries in {@code categoriesByDsp} (by DSP index) are not
     * zero: remembered for the user, for {@code /privacy/users/{uid}} and erasure. A user hash of 0 (no user) is
     * not recorded.
     */
    void recipients(long userHash, long epochSeconds, int[] categoriesByDsp);

    /**
     * One win, billing or loss notice was called on the DSP at {@code dspIndex} and answered, just now, about an
     * auction for a user in {@code userRegion} (null: unknown).
     */
    void notice(int dspIndex, CharSequence userRegion);
}
