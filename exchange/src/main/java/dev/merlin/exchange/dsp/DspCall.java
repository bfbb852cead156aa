package dev.merlin.exchange.dsp;

import io.netty.buffer.ByteBuf;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One call to a DSP, from send to its one ending; pooled per loop and reused. Its deadline timer is the object
 * itself ({@link #run}); its delivery, when the call ends inside {@link DspHttpClient#send} (a connect refused at
 * once), is deferred to the loop's next turn so no callback runs inside {@code send}.
 */
final class DspCall implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(DspCall.class);

    private final DspConnections connections;
    private final Runnable deferredDelivery = this::deliver;

    private ByteBuf body;
    /** The request id the answer must echo; calls sharing a pipelined connection have different ones. */
    private String answerId;
    private DspCallback callback;
    private Object attachment;
    private long startNanos;
    private ScheduledFuture<?> timer;
    /** The connection carrying the call (or connecting for it), null once it ended or between connections. */
    private DspConnection connection;
    private boolean isSending;
    private boolean isEnded;
    private boolean hasRetried;

    private int status;
    private ByteBuf answer;
    private DspOutcome outcome;
    private long latencyNanos;

    DspCall(DspConnections connections) {
        this.connections = connections;
    }

    /**
     * Starts the call; false when its deadline has already passed, so that nothing is sent (on a transport that
     * completes a loopback exchange within one turn of its loop, such as io_uring, a request sent then could be
     * answered before a timer that is already due runs).
     */
    boolean begin(ByteBuf payload, String requestId, long deadlineNanos, DspCallback onAnswer,
                  Object callerAttachment) {
        body = payload;
        answerId = requestId;
        callback = onAnswer;
        attachment = callerAttachment;
        startNanos = System.nanoTime();
        isSending = true;
        isEnded = false;
        hasRetried = false;
        long waitNanos = Math.min(deadlineNanos - startNanos, connections.client.timeoutNanos);
        if (waitNanos <= 0) {
            timer = null;
            return false;
        }
        timer = connections.loop.schedule(this, waitNanos, TimeUnit.NANOSECONDS);
        return true;
    }

    /** {@link DspHttpClient#send} returned: an ending that came before it is delivered on the loop's next turn. */
    void sendReturned() {
        isSending = false;
        if (isEnded) {
            connections.loop.execute(deferredDelivery);
        }
    }

    /** The request id its answer must echo, or null when the caller named none. */
    String answerId() {
        return answerId;
    }

    void connection(DspConnection carrier) {
        connection = carrier;
    }

    /** The request body for one write (the call keeps its own reference for a retry). */
    ByteBuf bodyForWrite() {
        return body.retainedDuplicate();
    }

    /**
     * Whether the call may go again on a new connection: a reused keep-alive connection closed before any answer,
     * most likely closed by the DSP while idle; once per call.
     */
    boolean mayRetry() {
        return !hasRetried && !isEnded;
    }

    void retry() {
        hasRetried = true;
        connection = null;
        connections.place(this);
    }

    /** The deadline passed: the call ends with {@link DspOutcome#TIMEOUT}; its connection forgets it. */
    @Override
    public void run() {
        timer = null;
        if (isEnded) {
            return;
        }
        DspConnection carrier = connection;
        connection = null;
        if (carrier != null) {
            carrier.abandon(this);
        }
        end(DspOutcome.TIMEOUT, 0, null);
    }

    /**
     * Ends the call (once; a later ending only releases its body). The carrying connection detached itself. Returns
     * what the callback found of the answer's id when it ran now ({@link DspCallback.Echo#UNREAD} when it did not).
     */
    DspCallback.Echo end(DspOutcome how, int httpStatus, ByteBuf answerBody) {
        if (isEnded) {
            if (answerBody != null) {
                answerBody.release();
            }
            return DspCallback.Echo.UNREAD;
        }
        isEnded = true;
        connection = null;
        latencyNanos = System.nanoTime() - startNanos;
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        body.release();
        body = null;
        outcome = how;
        status = httpStatus;
        answer = answerBody;
        connections.ended();
        connections.client.metrics.ended(how, latencyNanos);
        connections.client.health.record(how, latencyNanos);
        return isSending ? DspCallback.Echo.UNREAD : deliver();
    }

    private DspCallback.Echo deliver() {
        DspCallback to = callback;
        Object with = attachment;
        ByteBuf delivered = answer;
        callback = null;
        attachment = null;
        answer = null;
        answerId = null;
        connections.recycle(this);
        try {
            DspCallback.Echo echo = to.onAnswer(with, status, delivered, outcome, latencyNanos);
            return echo == null ? DspCallback.Echo.UNREAD : echo;
        } catch (RuntimeException e) {
            // the caller's bug must not end up in the connection's handler and close it, or stop the timer wheel
            LOG.warn("DSP {}: the callback for a call that ended {} failed", connections.client.dspId, outcome, e);
            return DspCallback.Echo.UNREAD;
        }
    }
}
