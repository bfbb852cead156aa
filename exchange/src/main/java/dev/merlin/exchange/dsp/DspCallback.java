package dev.merlin.exchange.dsp;

import io.netty.buffer.ByteBuf;

/** Receives the end of one call to a DSP, on the event loop the call was sent from, exactly once per call. */
@FunctionalInterface
public interface DspCallback {

    /** What the callee found of the answer's {@code id}, which must echo the request id its call sent. */
    enum Echo {
        /** The answer carries the id its call sent. */
        MATCHED,
        /** Not read: no body, an answer that came too late to be used, or one that could not be decoded. */
        UNREAD,
        /**
         * Another id: the answer is another request's. On a connection whose answers echoed their calls' ids
         * before, the answers are out of step with the requests (the DSP, or a proxy on the way, answered one
         * request twice or skipped one), so the client closes it and sends the calls queued behind once more on
         * another connection rather than hand them the answers meant for others.
         */
        MISMATCHED
    }

    /**
     * One call ended.
     *
     * @param attachment   what the caller passed to {@link DspHttpClient#send}, unchanged
     * @param status       the HTTP status, or 0 when there was no complete answer
     * @param body         the answer's body (decompressed) when {@code outcome} is {@link DspOutcome#OK} and it is
     *                     not empty, else null; the callee releases it
     * @param outcome      how the call ended
     * @param latencyNanos from the send to the end of the call
     * @return whether the answer echoed the call's request id ({@link Echo#UNREAD} when it was not read)
     */
    Echo onAnswer(Object attachment, int status, ByteBuf body, DspOutcome outcome, long latencyNanos);
}
