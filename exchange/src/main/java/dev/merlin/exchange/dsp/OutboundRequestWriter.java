package dev.merlin.exchange.dsp;

import static dev.merlin.protocol.JsonFieldWriter.writeExt;
import static dev.merlin.protocol.JsonFieldWriter.writeInt;
import static dev.merlin.protocol.JsonFieldWriter.writeIntList;
import static dev.merlin.protocol.JsonFieldWriter.writeObject;
import static dev.merlin.protocol.JsonFieldWriter.writeString;
import static dev.merlin.protocol.JsonFieldWriter.writeStringList;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.merlin.config.AuctionConfig;
import dev.merlin.config.DspConfig;
import dev.merlin.config.SellerConfig;
import dev.merlin.exchange.auction.Currencies;
import dev.merlin.exchange.privacy.OutboundPolicy;
import dev.merlin.exchange.privacy.OutboundUser;
import dev.merlin.exchange.privacy.OutboundUserData;
import dev.merlin.exchange.privacy.PrivacyDecision;
import dev.merlin.protocol.BidRequestEncoder;
import dev.merlin.protocol.ExtFields;
import dev.merlin.protocol.ImpEncoder;
import dev.merlin.protocol.JsonFieldWriter;
import dev.merlin.protocol.model.BidRequest;
import dev.merlin.protocol.model.Imp;
import dev.merlin.protocol.model.Regs;
import dev.merlin.protocol.model.Source;
import dev.merlin.protocol.model.SupplyChain;
import dev.merlin.protocol.model.SupplyChainNode;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Encodes the decoded bid request for one DSP, straight into a Netty buffer, on Jackson's streaming generator:
 * <ul>
 *   <li>{@code imp}: only the imps offering a media type the DSP takes ({@code traffic.mediaTypes}), each with only
 *       those media objects; every floor ({@code bidfloor}, {@code mincpmpersec}, {@code durfloors}, of the imp and
 *       of its deals) in the DSP's floor currency, rounded up ({@link DspFloors}), {@code bidfloorcur} set. An imp
 *       whose floor currency Merlin cannot convert is not sent (the auction refuses it too), nor one with an
 *       absurd floor (a billion units or more). No imp left: nothing is written and the DSP is not called
 *       ({@link Outcome#NO_IMPS}).</li>
 *   <li>{@code cur}: the DSP's currencies; {@code tmax}: what the caller says the DSP has; {@code id} and
 *       {@code test} kept (the DSP's answer must echo the id).</li>
 *   <li>{@code source.schain}: the seller's chain with Merlin's node appended ({@code asi} = the configured schain
 *       domain, {@code sid} = the seller's id, {@code hp} 1, {@code rid} = the request id). Without an incoming
 *       chain Merlin starts one, {@code complete} 1 only for a {@code PUBLISHER} seller (it owns the inventory, so
 *       Merlin's node is the whole chain); for an intermediary Merlin cannot vouch for the nodes upstream: 0. An
 *       incoming chain keeps its {@code complete} and {@code ver}.</li>
 *   <li>OpenRTB 2.6 DSPs get {@code regs.gdpr}, {@code regs.us_privacy}, {@code regs.gpp}, {@code regs.gpp_sid},
 *       {@code user.consent}, {@code user.eids}, {@code source.schain} at the top level; 2.5 DSPs under the
 *       {@code ext} of the same object (gpp as Prebid moves it). Whichever location the seller used, the values
 *       are moved, not duplicated. Other 2.6-only fields pass as they are (a 2.5 reader ignores unknown fields).</li>
 *   <li>{@code user} and {@code device} only through {@link OutboundUserData}, under the policy it picks.</li>
 *   <li>Everything else, {@code ext} objects included, verbatim.</li>
 * </ul>
 *
 * <p>One per event loop (not thread-safe): it keeps one generator, its scratch and its buffers for every request.
 * Steady state it allocates only where an {@code ext} has to be filtered or merged (a parser per such object).
 */
public final class OutboundRequestWriter {

    /** What {@link #write} did. */
    public enum Outcome {
        /** The request was written. */
        WRITTEN,
        /** No imp is for this DSP: nothing was written, the DSP is not called. */
        NO_IMPS
    }

    private static final String[] REGS_MOVED = {"gdpr", "us_privacy", "gpp", "gpp_sid"};
    private static final String[] SOURCE_MOVED = {"schain"};
    private static final String SCHAIN_VERSION = "1.0";

    private final String schainDomain;
    private final DspFloors floors;
    private final ImpEncoder imps;
    private final OutboundUserData userData = new OutboundUserData();
    private final ByteBufSink sink = new ByteBufSink();
    private JsonGenerator gen;

    /** A writer converting floors with {@code currencies}, appending Merlin's node as {@code auction} names it. */
    public OutboundRequestWriter(Currencies currencies, AuctionConfig auction) {
        this.schainDomain = auction.schainDomain();
        this.floors = new DspFloors(currencies);
        this.imps = new ImpEncoder(floors);
    }

    /**
     * As {@link #write(BidRequest, SellerConfig, OutboundPolicy, OutboundUser, DspConfig, int, ByteBuf)} under the
     * policy Merlin's consent decision alone gives ({@link OutboundUserData#policy}), with no {@code user.id} and none
     * of Merlin's segments (tests, tools).
     */
    public Outcome write(BidRequest request, SellerConfig seller, PrivacyDecision privacy, DspConfig dsp,
                         int tmaxMs, ByteBuf out) {
        return write(request, seller, OutboundUserData.policy(privacy, dsp), null, dsp, tmaxMs, out);
    }

    /**
     * Appends {@code request} as encoded for {@code dsp} to {@code out} and returns {@link Outcome#WRITTEN}, or
     * writes nothing and returns {@link Outcome#NO_IMPS} when no imp is for it. On an exception {@code out} is left
     * as it was. {@link #categoriesWritten} then tells what personal data the request carries.
     *
     * @param seller the seller the request came from (its id in the schain node, its type for {@code complete})
     * @param policy what of the user's personal data may go to this DSP ({@code privacy.OutboundRules})
     * @param merlin what Merlin adds about the user for this DSP (its pairwise id, Merlin's shareable segments), as
     *               far as the policy lets them go; null: nothing
     * @param tmaxMs the time the DSP has to answer, in milliseconds
     */
    public Outcome write(BidRequest request, SellerConfig seller, OutboundPolicy policy, OutboundUser merlin,
                         DspConfig dsp, int tmaxMs, ByteBuf out) {
        floors.target(floorCurrency(dsp));
        userData.begin();
        int mediaMask = mediaMask(dsp.traffic().mediaTypes());
        if (countImps(request.imp, mediaMask) == 0) {
            return Outcome.NO_IMPS;
        }
        boolean extPlacement = "2.5".equals(dsp.openrtb());
        int start = out.writerIndex();
        sink.target(out);
        try {
            JsonGenerator g = generator();
            writeRequest(g, request, seller, policy, merlin, dsp, tmaxMs, mediaMask, extPlacement);
            g.flush();
            return Outcome.WRITTEN;
        } catch (IOException | RuntimeException e) {
            gen = null;
            out.writerIndex(start);
            userData.begin();
            if (e instanceof IOException io) {
                throw new UncheckedIOException("encoding the request for DSP " + dsp.id() + " failed", io);
            }
            throw (RuntimeException) e;
        } finally {
            sink.target(null);
        }
    }

    /** The {@link dev.merlin.exchange.privacy.DataCategories} the last {@link #write} put in its request. */
    public int categoriesWritten() {
        return userData.categoriesWritten();
    }

    /**
     * Whether a request written for {@code dsp} carries {@code imp} (a media type it takes, floors it can be told):
     * a DSP's bid for an imp it was not sent is not a valid bid. Allocation-free.
     */
    public boolean sendsImp(Imp imp, DspConfig dsp) {
        floors.target(floorCurrency(dsp));
        return isForDsp(imp, mediaMask(dsp.traffic().mediaTypes()));
    }

    private static String floorCurrency(DspConfig dsp) {
        return dsp.currencies().isEmpty() ? DspFloors.DEFAULT_CURRENCY : dsp.floorCurrency();
    }

    private JsonGenerator generator() throws IOException {
        if (gen == null) {
            gen = JsonFieldWriter.FACTORY.createGenerator(sink);
            gen.setRootValueSeparator(null);
        }
        return gen;
    }

    private void writeRequest(JsonGenerator g, BidRequest request, SellerConfig seller, OutboundPolicy policy,
                              OutboundUser merlin, DspConfig dsp, int tmaxMs, int mediaMask, boolean extPlacement)
            throws IOException {
        g.writeStartObject();
        writeString(g, "id", request.id);
        writeImps(g, request.imp, mediaMask);
        writeObject(g, "site", request.site, BidRequestEncoder::writeSite);
        writeObject(g, "app", request.app, BidRequestEncoder::writeApp);
        writeObject(g, "dooh", request.dooh, BidRequestEncoder::writeDooh);
        userData.writeDevice(g, request.device, policy);
        userData.writeUser(g, request.user, policy, extPlacement, merlin);
        writeInt(g, "test", request.test);
        writeInt(g, "at", request.at);
        g.writeFieldName("tmax");
        g.writeNumber(tmaxMs);
        writeStringList(g, "wseat", request.wseat);
        writeStringList(g, "bseat", request.bseat);
        writeInt(g, "allimps", request.allimps);
        writeStringList(g, "cur", dsp.currencies().isEmpty() ? null : dsp.currencies());
        writeStringList(g, "wlang", request.wlang);
        writeStringList(g, "wlangb", request.wlangb);
        writeStringList(g, "acat", request.acat);
        writeStringList(g, "bcat", request.bcat);
        writeInt(g, "cattax", request.cattax);
        writeStringList(g, "badv", request.badv);
        writeStringList(g, "bapp", request.bapp);
        writeSource(g, request, seller, extPlacement);
        writeRegs(g, request.regs, extPlacement);
        writeExt(g, request.ext);
        g.writeEndObject();
    }

    private void writeImps(JsonGenerator g, List<Imp> list, int mediaMask) throws IOException {
        g.writeFieldName("imp");
        g.writeStartArray();
        for (int i = 0, n = list.size(); i < n; i++) {
            Imp imp = list.get(i);
            if (isForDsp(imp, mediaMask)) {
                imps.writeImp(g, imp, mediaMask);
            }
        }
        g.writeEndArray();
    }

    private int countImps(List<Imp> list, int mediaMask) {
        int count = 0;
        for (int i = 0, n = list == null ? 0 : list.size(); i < n; i++) {
            if (isForDsp(list.get(i), mediaMask)) {
                count++;
            }
        }
        return count;
    }

    /** Whether the imp offers a media type the DSP takes and every floor of it can be written in its currency. */
    private boolean isForDsp(Imp imp, int mediaMask) {
        return imp != null && (ImpEncoder.mediaOf(imp) & mediaMask) != 0 && floors.canWriteFloorsOf(imp);
    }

    /** The media types a DSP takes as an {@link ImpEncoder} mask; none listed means all. */
    static int mediaMask(List<String> mediaTypes) {
        if (mediaTypes.isEmpty()) {
            return ImpEncoder.ALL_MEDIA;
        }
        int mask = 0;
        for (int i = 0, n = mediaTypes.size(); i < n; i++) {
            switch (mediaTypes.get(i)) {
                case "banner": mask |= ImpEncoder.BANNER; break;
                case "video": mask |= ImpEncoder.VIDEO; break;
                case "audio": mask |= ImpEncoder.AUDIO; break;
                case "native": mask |= ImpEncoder.NATIVE; break;
                default: break;
            }
        }
        return mask;
    }

    private void writeSource(JsonGenerator g, BidRequest request, SellerConfig seller, boolean extPlacement)
            throws IOException {
        Source source = request.source;
        g.writeFieldName("source");
        g.writeStartObject();
        if (source != null) {
            writeInt(g, "fd", source.fd);
            writeString(g, "tid", source.tid);
            writeString(g, "pchain", source.pchain);
        }
        SupplyChain incoming = source == null ? null : source.schain;
        if (extPlacement) {
            g.writeFieldName("ext");
            g.writeStartObject();
            ExtFields.copyFieldsExcept(g, source == null ? null : source.ext, SOURCE_MOVED);
            g.writeFieldName("schain");
            writeSupplyChain(g, incoming, request.id, seller);
            g.writeEndObject();
        } else {
            g.writeFieldName("schain");
            writeSupplyChain(g, incoming, request.id, seller);
            if (source != null) {
                ExtFields.writeExtWithout(g, source.ext, SOURCE_MOVED);
            }
        }
        g.writeEndObject();
    }

    private void writeSupplyChain(JsonGenerator g, SupplyChain incoming, String requestId, SellerConfig seller)
            throws IOException {
        g.writeStartObject();
        int complete;
        if (incoming == null) {
            complete = "PUBLISHER".equals(seller.type()) ? 1 : 0;
        } else {
            complete = incoming.complete == null ? 0 : incoming.complete;
        }
        g.writeFieldName("complete");
        g.writeNumber(complete);
        g.writeFieldName("nodes");
        g.writeStartArray();
        List<SupplyChainNode> nodes = incoming == null ? null : incoming.nodes;
        for (int i = 0, n = nodes == null ? 0 : nodes.size(); i < n; i++) {
            SupplyChainNode node = nodes.get(i);
            if (node != null) {
                BidRequestEncoder.writeSupplyChainNode(g, node);
            }
        }
        g.writeStartObject();
        g.writeStringField("asi", schainDomain);
        g.writeStringField("sid", seller.id());
        writeString(g, "rid", requestId);
        g.writeFieldName("hp");
        g.writeNumber(1);
        g.writeEndObject();
        g.writeEndArray();
        g.writeStringField("ver", incoming == null || incoming.ver == null ? SCHAIN_VERSION : incoming.ver);
        if (incoming != null) {
            writeExt(g, incoming.ext);
        }
        g.writeEndObject();
    }

    private static void writeRegs(JsonGenerator g, Regs regs, boolean extPlacement) throws IOException {
        if (regs == null) {
            return;
        }
        g.writeFieldName("regs");
        g.writeStartObject();
        writeInt(g, "coppa", regs.coppa);
        boolean anyMoved = regs.gdpr != null || regs.us_privacy != null || regs.gpp != null || regs.gpp_sid != null;
        if (!extPlacement) {
            writeMovedRegs(g, regs);
            ExtFields.writeExtWithout(g, regs.ext, REGS_MOVED);
        } else if (anyMoved) {
            g.writeFieldName("ext");
            g.writeStartObject();
            ExtFields.copyFieldsExcept(g, regs.ext, REGS_MOVED);
            writeMovedRegs(g, regs);
            g.writeEndObject();
        } else {
            ExtFields.writeExtWithout(g, regs.ext, REGS_MOVED);
        }
        g.writeEndObject();
    }

    private static void writeMovedRegs(JsonGenerator g, Regs regs) throws IOException {
        writeInt(g, "gdpr", regs.gdpr);
        writeString(g, "us_privacy", regs.us_privacy);
        writeString(g, "gpp", regs.gpp);
        writeIntList(g, "gpp_sid", regs.gpp_sid);
    }
}
