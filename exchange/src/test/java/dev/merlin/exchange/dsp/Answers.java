package dev.merlin.exchange.dsp;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A callback for the client's tests: it copies each ending (the body as text), releases the body and notes its
 * reference count after that, and whether it ran on the loop and outside {@code send}. A body for an {@code Integer}
 * attachment {@code i} echoes its call when it is {@code {"id":"i"}}, as the tests' stubs answer.
 */
final class Answers implements DspCallback {

    /** One call's ending as the callback saw it. */
    record Answer(Object attachment, int status, String body, DspOutcome outcome, long latencyNanos,
                  boolean isOnLoop, boolean isInsideSend, int refCntAfterRelease) {
    }

    private final EventLoop loop;
    private final LinkedBlockingQueue<Answer> queue = new LinkedBlockingQueue<>();
    /** Set by the test around {@code send}, on the loop. */
    boolean isInsideSend;

    Answers(EventLoop loop) {
        this.loop = loop;
    }

    @Override
    public Echo onAnswer(Object attachment, int status, ByteBuf body, DspOutcome outcome, long latencyNanos) {
        String text = null;
        int refCnt = -1;
        if (body != null) {
            text = body.toString(StandardCharsets.UTF_8);
            body.release();
            refCnt = body.refCnt();
        }
        queue.add(new Answer(attachment, status, text, outcome, latencyNanos, loop.inEventLoop(), isInsideSend,
                refCnt));
        if (text == null || !(attachment instanceof Integer)) {
            return Echo.UNREAD;
        }
        return text.equals("{\"id\":\"" + attachment + "\"}") ? Echo.MATCHED : Echo.MISMATCHED;
    }

    /** The next ending, waiting at most 10 s. */
    Answer next() throws InterruptedException {
        Answer answer = queue.poll(10, TimeUnit.SECONDS);
        assertNotNull(answer, "no answer within 10 s");
        return answer;
    }

    /** Endings not yet taken. */
    int pending() {
        return queue.size();
    }
}
