package dev.merlin.archfixture.exchange.dsp;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.merlin.protocol.BidRequestEncoder;
import dev.merlin.protocol.JsonFieldWriter;
import dev.merlin.protocol.model.BidRequest;
import java.io.IOException;

/**
 * What the outbound rules forbid, in a package named like the DSP package: building outbound user data by hand
 * (reading identifiers) and writing it with the encoder's user writers. Proves ArchitectureTest's rules can fail.
 */
public final class HandMadeUserWriter {

    /** Writes the user's identifiers itself. */
    public void write(JsonGenerator gen, BidRequest request) throws IOException {
        gen.writeStringField("ifa", request.device.ifa);
        JsonFieldWriter.writeObjectList(gen, "eids", request.user.eids, BidRequestEncoder::writeEid);
        BidRequestEncoder.writeUser(gen, request.user);
    }
}
