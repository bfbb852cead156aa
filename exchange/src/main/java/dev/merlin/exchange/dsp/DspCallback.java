package dev.merlin.exchange.dsp;

import io.netty.buffer.ByteBuf;

/** Receives the end of one call to a DSP, on the event loop the call was sent from, exactly once per call. */
@FunctionalInterface
public interface DspCallback {

    /**
     * One call ended.
     *
     * @param attachment   what the caller passed to {@link DspHttpClient#send}, unchanged
     * @param status       the HTTP status, or 0 when there was no complete answer
     * @param body         the answer's body (decompressed) when {@code outcome} is {@link DspOutcome#OK} and it is
     *                     not empty, else null; the callee releases it
     * @param outcome      how the call ended
     * @param latencyNanos from the send to the end of the call
     */
    void onAnswer(Object attachment, int status, ByteBuf body, DspOutcome outcome, long latencyNanos);
}
