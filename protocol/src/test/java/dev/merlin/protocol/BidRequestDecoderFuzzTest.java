package dev.merlin.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.merlin.protocol.model.BidRequest;

/**
 * Fuzzes the bid request decoder with raw bytes. Any outcome but a request or an {@link InvalidRequestException} with
 * a reason and a path is a finding; an accepted request must also survive a round trip through the encoder, and
 * decoding it into a root reused from input to input must give what the fresh decode gave.
 *
 * <p>{@code make test} replays the seed corpus and every reproducer under
 * {@code src/test/resources/dev/merlin/protocol/BidRequestDecoderFuzzTestInputs/decode}; {@code make fuzz} fuzzes.
 */
class BidRequestDecoderFuzzTest {

    private final BidRequestDecoder decoder = new BidRequestDecoder();
    private final BidRequestEncoder encoder = new BidRequestEncoder();
    private final BidRequest reused = new BidRequest();

    @FuzzTest(maxDuration = "100s")
    void decode(byte[] input) throws InvalidRequestException {
        BidRequest request;
        try {
            request = decoder.decode(input, 0, input.length);
        } catch (InvalidRequestException e) {
            assertNotNull(e.reason(), "a refusal without a reason");
            assertNotNull(e.path(), "a refusal without a path");
            return;
        }
        assertNotNull(request);
        decoder.decode(input, 0, input.length, reused);
        assertEquals(request, reused, "decoded into a reused root");
        byte[] again = encoder.encode(request);
        // an accepted request, written by our own encoder, must be accepted again
        assertNotNull(decoder.decode(again, 0, again.length));
    }
}
