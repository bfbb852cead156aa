package dev.merlin.protocol;

import static dev.merlin.protocol.JsonFieldWriter.writeDouble;
import static dev.merlin.protocol.JsonFieldWriter.writeExt;
import static dev.merlin.protocol.JsonFieldWriter.writeInt;
import static dev.merlin.protocol.JsonFieldWriter.writeIntList;
import static dev.merlin.protocol.JsonFieldWriter.writeObjectList;
import static dev.merlin.protocol.JsonFieldWriter.writeString;
import static dev.merlin.protocol.JsonFieldWriter.writeStringList;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.merlin.protocol.model.Bid;
import dev.merlin.protocol.model.BidResponse;
import dev.merlin.protocol.model.SeatBid;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Objects;

/**
 * Encodes a {@link BidResponse} to OpenRTB 2.6 JSON on Jackson's streaming generator, without databind or reflection.
 *
 * <p>Only non-null fields are written, in the spec's order; an empty list stays {@code []} and {@code ext} is
 * written verbatim. Stateless and thread-safe.
 */
public final class BidResponseEncoder {

    private static final int INITIAL_BUFFER_BYTES = 1024;

    /** Encodes {@code response} as UTF-8 JSON bytes. */
    public byte[] encode(BidResponse response) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(INITIAL_BUFFER_BYTES);
        try {
            encode(response, out);
        } catch (IOException e) {
            throw new UncheckedIOException("in-memory encoding failed", e);
        }
        return out.toByteArray();
    }

    /** Writes {@code response} as UTF-8 JSON to {@code out}, flushing but not closing it. */
    public void encode(BidResponse response, OutputStream out) throws IOException {
        Objects.requireNonNull(response, "response");
        try (JsonGenerator gen = JsonFieldWriter.FACTORY.createGenerator(out, JsonEncoding.UTF8)) {
            writeBidResponse(gen, response);
        }
    }

    private static void writeBidResponse(JsonGenerator gen, BidResponse response) throws IOException {
        gen.writeStartObject();
        writeString(gen, "id", response.id);
        writeObjectList(gen, "seatbid", response.seatbid, BidResponseEncoder::writeSeatBid);
        writeString(gen, "bidid", response.bidid);
        writeString(gen, "cur", response.cur);
        writeString(gen, "customdata", response.customdata);
        writeInt(gen, "nbr", response.nbr);
        writeExt(gen, response.ext);
        gen.writeEndObject();
    }

    private static void writeSeatBid(JsonGenerator gen, SeatBid seatBid) throws IOException {
        gen.writeStartObject();
        writeObjectList(gen, "bid", seatBid.bid, BidResponseEncoder::writeBid);
        writeString(gen, "seat", seatBid.seat);
        writeInt(gen, "group", seatBid.group);
        writeExt(gen, seatBid.ext);
        gen.writeEndObject();
    }

    private static void writeBid(JsonGenerator gen, Bid bid) throws IOException {
        gen.writeStartObject();
        writeString(gen, "id", bid.id);
        writeString(gen, "impid", bid.impid);
        writeDouble(gen, "price", bid.price);
        writeString(gen, "nurl", bid.nurl);
        writeString(gen, "burl", bid.burl);
        writeString(gen, "lurl", bid.lurl);
        writeString(gen, "adm", bid.adm);
        writeString(gen, "adid", bid.adid);
        writeStringList(gen, "adomain", bid.adomain);
        writeString(gen, "bundle", bid.bundle);
        writeString(gen, "iurl", bid.iurl);
        writeString(gen, "cid", bid.cid);
        writeString(gen, "crid", bid.crid);
        writeString(gen, "tactic", bid.tactic);
        writeInt(gen, "cattax", bid.cattax);
        writeStringList(gen, "cat", bid.cat);
        writeIntList(gen, "attr", bid.attr);
        writeIntList(gen, "apis", bid.apis);
        writeInt(gen, "api", bid.api);
        writeInt(gen, "protocol", bid.protocol);
        writeInt(gen, "qagmediarating", bid.qagmediarating);
        writeString(gen, "language", bid.language);
        writeString(gen, "langb", bid.langb);
        writeString(gen, "dealid", bid.dealid);
        writeInt(gen, "w", bid.w);
        writeInt(gen, "h", bid.h);
        writeInt(gen, "wratio", bid.wratio);
        writeInt(gen, "hratio", bid.hratio);
        writeInt(gen, "exp", bid.exp);
        writeInt(gen, "dur", bid.dur);
        writeInt(gen, "mtype", bid.mtype);
        writeInt(gen, "slotinpod", bid.slotinpod);
        writeExt(gen, bid.ext);
        gen.writeEndObject();
    }
}
