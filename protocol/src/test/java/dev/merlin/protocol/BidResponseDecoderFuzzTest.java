package dev.merlin.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.merlin.protocol.model.BidResponse;

/**
 * Fuzzes the DSP answer decoder with raw bytes. Any outcome but an answer or an {@link InvalidBidResponseException}
 * with a reason and a path is a finding; an accepted answer decoded into a root reused from input to input must give
 * what the fresh decode gave.
 *
 * <p>{@code make test} replays the seed corpus (public sample answers) under
 * {@code src/test/resources/dev/merlin/protocol/BidResponseDecoderFuzzTestInputs/decode}; {@code make fuzz} fuzzes.
 */
class BidResponseDecoderFuzzTest {

    private final BidResponseDecoder decoder = new BidResponseDecoder();
    private final BidResponse reused = new BidResponse();

    @FuzzTest(maxDuration = "100s")
    void decode(byte[] input) throws InvalidBidResponseException {
        BidResponse response;
        try {
            response = decoder.decode(input, 0, input.length);
        } catch (InvalidBidResponseException e) {
            assertNotNull(e.reason(), "a refusal without a reason");
            assertNotNull(e.path(), "a refusal without a path");
            return;
        }
        assertNotNull(response);
        decoder.decode(input, 0, input.length, reused);
        assertEquals(response, reused, "decoded into a reused root");
    }
}
