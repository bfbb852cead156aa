package dev.merlin.dspsim;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;

/**
 * Writes the simulator's answers: a bid response for a request (one bid per imp, up to the configured number),
 * the same with a broken id, a huge one, gzip.
 */
final class AnswerWriter {

    /** Which id a wrong-id answer breaks. */
    enum Breakage { NONE, RESPONSE_ID, IMP_ID }

    private static final byte[] HUGE_TAIL = "\"}]}]}".getBytes(StandardCharsets.US_ASCII);

    private final JsonFactory json;
    private final SimOptions options;
    private final String winUrl;
    private final String billUrl;
    private final String lossUrl;
    private final ByteBuf hugePadding;

    AnswerWriter(JsonFactory json, SimOptions options, String noticeBaseUrl) {
        this.json = json;
        this.options = options;
        winUrl = noticeBaseUrl + NoticeKind.WIN.path() + "?price=${AUCTION_PRICE}&bid=";
        billUrl = noticeBaseUrl + NoticeKind.BILL.path() + "?price=${AUCTION_PRICE}&bid=";
        lossUrl = noticeBaseUrl + NoticeKind.LOSS.path() + "?code=${AUCTION_LOSS}&min=${AUCTION_MIN_TO_WIN}&bid=";
        if (options.faultRate(Fault.HUGE_BODY) > 0) {
            byte[] pad = new byte[options.hugeBodyBytes()];
            Arrays.fill(pad, (byte) 'x');
            hugePadding = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(pad));
        } else {
            hugePadding = null;
        }
    }

    /**
     * The bid response for {@code request}: one bid per imp (the first {@code maxBidsPerRequest}), priced from the
     * draws of request {@code number}; {@code breakage} names a wrong id to put in. It holds
     * {@link #bidCount} bids.
     */
    ByteBuf bidResponse(ByteBufAllocator alloc, SimRequest request, long number, Breakage breakage) {
        ByteBuf out = alloc.buffer(512);
        try (JsonGenerator g = json.createGenerator((OutputStream) new ByteBufOutputStream(out))) {
            g.writeStartObject();
            String id = breakage == Breakage.RESPONSE_ID ? request.id() + "-not-the-request" : request.id();
            g.writeStringField("id", id);
            g.writeStringField("cur", options.currency());
            g.writeArrayFieldStart("seatbid");
            g.writeStartObject();
            if (options.seat() != null) {
                g.writeStringField("seat", options.seat());
            }
            g.writeArrayFieldStart("bid");
            List<SimRequest.Imp> imps = request.imps();
            int count = bidCount(request);
            for (int i = 0; i < count; i++) {
                String impId = breakage == Breakage.IMP_ID && i == 0 ? "no-such-imp-" + number : imps.get(i).id();
                writeBid(g, request.id(), imps.get(i), impId, number, i);
            }
            g.writeEndArray();
            g.writeEndObject();
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException | RuntimeException e) {
            out.release();
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
        return out;
    }

    /** How many bids {@link #bidResponse} puts in for this request. */
    int bidCount(SimRequest request) {
        int max = options.maxBidsPerRequest();
        return max == 0 ? request.imps().size() : Math.min(max, request.imps().size());
    }

    private void writeBid(JsonGenerator g, String requestId, SimRequest.Imp imp, String impId, long number,
                          int index) throws IOException {
        String bidId = "r" + number + "-" + index;
        SimRequest.Deal deal = options.isDealBidding() && !imp.deals().isEmpty() ? imp.deals().get(0) : null;
        double floor = deal != null && deal.bidFloor() > 0 ? deal.bidFloor() : imp.bidFloor();
        double price = options.price().cpm(floor, Draws.unit(options.seed(), number, Draws.PRICE + index));
        g.writeStartObject();
        g.writeStringField("id", bidId);
        g.writeStringField("impid", impId);
        g.writeNumberField("price", price);
        if (deal != null) {
            g.writeStringField("dealid", deal.id());
        }
        g.writeStringField("adid", options.crid());
        g.writeStringField("crid", options.crid());
        g.writeArrayFieldStart("adomain");
        g.writeString(options.advertiserDomain());
        g.writeEndArray();
        if (imp.width() > 0 && imp.height() > 0) {
            g.writeNumberField("w", imp.width());
            g.writeNumberField("h", imp.height());
        }
        SimRequest.Media media = imp.media() == null ? SimRequest.Media.BANNER : imp.media();
        g.writeNumberField("mtype", media.mtype());
        g.writeStringField("nurl", winUrl + bidId);
        g.writeStringField("burl", billUrl + bidId);
        g.writeStringField("lurl", lossUrl + bidId);
        g.writeStringField("adm", markup(media, imp, bidId, requestId));
        g.writeEndObject();
    }

    /**
     * A small creative for the media type; every URL in it is https when the imp is secure. Its impression pixel
     * names the bid and the request it answered ({@code req}), so a test can tell which request a shown ad was for.
     */
    private String markup(SimRequest.Media media, SimRequest.Imp imp, String bidId, String requestId) {
        String scheme = imp.isSecure() ? "https://" : "http://";
        String domain = options.advertiserDomain();
        String pixel = scheme + domain + "/px?price=${AUCTION_PRICE}&bid=" + bidId + "&req="
                + URLEncoder.encode(requestId, StandardCharsets.UTF_8);
        switch (media) {
            case VIDEO:
            case AUDIO:
                boolean isVideo = media == SimRequest.Media.VIDEO;
                String size = isVideo && imp.width() > 0 && imp.height() > 0
                        ? " width=\"" + imp.width() + "\" height=\"" + imp.height() + "\"" : "";
                return "<VAST version=\"4.0\"><Ad id=\"" + bidId + "\"><InLine><AdSystem>dsp-sim</AdSystem>"
                        + "<AdTitle>dsp-sim</AdTitle><Impression><![CDATA[" + pixel + "]]></Impression><Creatives>"
                        + "<Creative><Linear><Duration>00:00:15</Duration><MediaFiles><MediaFile delivery="
                        + "\"progressive\" type=\"" + (isVideo ? "video/mp4" : "audio/mpeg") + "\"" + size
                        + "><![CDATA[" + scheme + "cdn." + domain + (isVideo ? "/ad.mp4" : "/ad.mp3")
                        + "]]></MediaFile></MediaFiles></Linear></Creative></Creatives></InLine></Ad></VAST>";
            case NATIVE:
                return "{\"native\":{\"ver\":\"1.2\",\"assets\":[{\"id\":1,\"title\":{\"text\":\"dsp-sim\"}}],"
                        + "\"link\":{\"url\":\"" + scheme + domain + "/landing\"},\"imptrackers\":[\"" + pixel
                        + "\"]}}";
            default:
                return "<a href=\"" + scheme + domain + "/landing\"><img src=\"" + scheme + "cdn." + domain
                        + "/" + imp.width() + "x" + imp.height() + ".png\" width=\"" + imp.width() + "\" height=\""
                        + imp.height() + "\" alt=\"dsp-sim\"></a><img src=\"" + pixel
                        + "\" width=\"1\" height=\"1\" alt=\"\">";
        }
    }

    /** A syntactically valid bid response of about {@code hugeBodyBytes}: one bid whose adm is padding. */
    ByteBuf hugeResponse(ByteBufAllocator alloc, SimRequest request) {
        String head = "{\"id\":" + quoted(request.id()) + ",\"cur\":\"" + options.currency()
                + "\",\"seatbid\":[{\"bid\":[{\"id\":\"huge\",\"impid\":" + quoted(request.imps().get(0).id())
                + ",\"price\":1.0,\"crid\":\"huge\",\"adomain\":[\"huge.example\"],\"adm\":\"";
        byte[] headBytes = head.getBytes(StandardCharsets.UTF_8);
        int padding = Math.max(0, options.hugeBodyBytes() - headBytes.length - HUGE_TAIL.length);
        CompositeByteBuf body = alloc.compositeBuffer(3);
        body.addComponent(true, Unpooled.wrappedBuffer(headBytes));
        body.addComponent(true, hugePadding.retainedSlice(0, padding));
        body.addComponent(true, Unpooled.wrappedBuffer(HUGE_TAIL));
        return body;
    }

    /** {@code body} gzip-compressed into a new buffer; {@code body} is released. */
    static ByteBuf gzip(ByteBufAllocator alloc, ByteBuf body) {
        ByteBuf out = alloc.buffer(body.readableBytes() / 2 + 64);
        try (GZIPOutputStream gz = new GZIPOutputStream(new ByteBufOutputStream(out))) {
            body.readBytes(gz, body.readableBytes());
        } catch (IOException e) {
            out.release();
            throw new UncheckedIOException(e);
        } finally {
            body.release();
        }
        return out;
    }

    private String quoted(String text) {
        StringWriter out = new StringWriter(text.length() + 2);
        try (JsonGenerator g = json.createGenerator(out)) {
            g.writeString(text);
            g.flush();
            return out.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
