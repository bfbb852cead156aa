package dev.merlin.protocol;

import static dev.merlin.protocol.JsonFieldWriter.writeDouble;
import static dev.merlin.protocol.JsonFieldWriter.writeExt;
import static dev.merlin.protocol.JsonFieldWriter.writeInt;
import static dev.merlin.protocol.JsonFieldWriter.writeIntList;
import static dev.merlin.protocol.JsonFieldWriter.writeObject;
import static dev.merlin.protocol.JsonFieldWriter.writeObjectList;
import static dev.merlin.protocol.JsonFieldWriter.writeString;
import static dev.merlin.protocol.JsonFieldWriter.writeStringList;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.merlin.protocol.model.App;
import dev.merlin.protocol.model.BidRequest;
import dev.merlin.protocol.model.BrandVersion;
import dev.merlin.protocol.model.Channel;
import dev.merlin.protocol.model.Content;
import dev.merlin.protocol.model.Data;
import dev.merlin.protocol.model.Device;
import dev.merlin.protocol.model.Dooh;
import dev.merlin.protocol.model.Eid;
import dev.merlin.protocol.model.Geo;
import dev.merlin.protocol.model.Network;
import dev.merlin.protocol.model.Producer;
import dev.merlin.protocol.model.Publisher;
import dev.merlin.protocol.model.Regs;
import dev.merlin.protocol.model.Segment;
import dev.merlin.protocol.model.Site;
import dev.merlin.protocol.model.Source;
import dev.merlin.protocol.model.SupplyChain;
import dev.merlin.protocol.model.SupplyChainNode;
import dev.merlin.protocol.model.Uid;
import dev.merlin.protocol.model.User;
import dev.merlin.protocol.model.UserAgent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Objects;

/**
 * Encodes a {@link BidRequest} to OpenRTB 2.6 JSON on Jackson's streaming generator, without databind or reflection.
 *
 * <p>Only non-null fields are written, in the spec's order; an empty list stays {@code []}, {@code ext} is written
 * verbatim, and {@code Imp.nativeAd} goes out under the key {@code native}. Stateless and thread-safe.
 */
public final class BidRequestEncoder {

    private static final int INITIAL_BUFFER_BYTES = 2048;

    /** Encodes {@code request} as UTF-8 JSON bytes. */
    public byte[] encode(BidRequest request) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(INITIAL_BUFFER_BYTES);
        try {
            encode(request, out);
        } catch (IOException e) {
            throw new UncheckedIOException("in-memory encoding failed", e);
        }
        return out.toByteArray();
    }

    /** Writes {@code request} as UTF-8 JSON to {@code out}, flushing but not closing it. */
    public void encode(BidRequest request, OutputStream out) throws IOException {
        Objects.requireNonNull(request, "request");
        try (JsonGenerator gen = JsonFieldWriter.FACTORY.createGenerator(out, JsonEncoding.UTF8)) {
            writeBidRequest(gen, request);
        }
    }

    private static void writeBidRequest(JsonGenerator gen, BidRequest request) throws IOException {
        gen.writeStartObject();
        writeString(gen, "id", request.id);
        writeObjectList(gen, "imp", request.imp, ImpEncoder::writeImp);
        writeObject(gen, "site", request.site, BidRequestEncoder::writeSite);
        writeObject(gen, "app", request.app, BidRequestEncoder::writeApp);
        writeObject(gen, "dooh", request.dooh, BidRequestEncoder::writeDooh);
        writeObject(gen, "device", request.device, BidRequestEncoder::writeDevice);
        writeObject(gen, "user", request.user, BidRequestEncoder::writeUser);
        writeInt(gen, "test", request.test);
        writeInt(gen, "at", request.at);
        writeInt(gen, "tmax", request.tmax);
        writeStringList(gen, "wseat", request.wseat);
        writeStringList(gen, "bseat", request.bseat);
        writeInt(gen, "allimps", request.allimps);
        writeStringList(gen, "cur", request.cur);
        writeStringList(gen, "wlang", request.wlang);
        writeStringList(gen, "wlangb", request.wlangb);
        writeStringList(gen, "acat", request.acat);
        writeStringList(gen, "bcat", request.bcat);
        writeInt(gen, "cattax", request.cattax);
        writeStringList(gen, "badv", request.badv);
        writeStringList(gen, "bapp", request.bapp);
        writeObject(gen, "source", request.source, BidRequestEncoder::writeSource);
        writeObject(gen, "regs", request.regs, BidRequestEncoder::writeRegs);
        writeExt(gen, request.ext);
        gen.writeEndObject();
    }

    private static void writeSource(JsonGenerator gen, Source source) throws IOException {
        gen.writeStartObject();
        writeInt(gen, "fd", source.fd);
        writeString(gen, "tid", source.tid);
        writeString(gen, "pchain", source.pchain);
        writeObject(gen, "schain", source.schain, BidRequestEncoder::writeSupplyChain);
        writeExt(gen, source.ext);
        gen.writeEndObject();
    }

    private static void writeSupplyChain(JsonGenerator gen, SupplyChain supplyChain) throws IOException {
        gen.writeStartObject();
        writeInt(gen, "complete", supplyChain.complete);
        writeObjectList(gen, "nodes", supplyChain.nodes, BidRequestEncoder::writeSupplyChainNode);
        writeString(gen, "ver", supplyChain.ver);
        writeExt(gen, supplyChain.ext);
        gen.writeEndObject();
    }

    /** Writes one {@code schain} node verbatim. */
    public static void writeSupplyChainNode(JsonGenerator gen, SupplyChainNode supplyChainNode) throws IOException {
        gen.writeStartObject();
        writeString(gen, "asi", supplyChainNode.asi);
        writeString(gen, "sid", supplyChainNode.sid);
        writeString(gen, "rid", supplyChainNode.rid);
        writeString(gen, "name", supplyChainNode.name);
        writeString(gen, "domain", supplyChainNode.domain);
        writeInt(gen, "hp", supplyChainNode.hp);
        writeExt(gen, supplyChainNode.ext);
        gen.writeEndObject();
    }

    private static void writeRegs(JsonGenerator gen, Regs regs) throws IOException {
        gen.writeStartObject();
        writeInt(gen, "coppa", regs.coppa);
        writeInt(gen, "gdpr", regs.gdpr);
        writeString(gen, "us_privacy", regs.us_privacy);
        writeString(gen, "gpp", regs.gpp);
        writeIntList(gen, "gpp_sid", regs.gpp_sid);
        writeExt(gen, regs.ext);
        gen.writeEndObject();
    }

    /** Writes a {@code site} object verbatim. */
    public static void writeSite(JsonGenerator gen, Site site) throws IOException {
        gen.writeStartObject();
        writeString(gen, "id", site.id);
        writeString(gen, "name", site.name);
        writeString(gen, "domain", site.domain);
        writeInt(gen, "cattax", site.cattax);
        writeStringList(gen, "cat", site.cat);
        writeStringList(gen, "sectioncat", site.sectioncat);
        writeStringList(gen, "pagecat", site.pagecat);
        writeString(gen, "page", site.page);
        writeString(gen, "ref", site.ref);
        writeString(gen, "search", site.search);
        writeInt(gen, "mobile", site.mobile);
        writeInt(gen, "privacypolicy", site.privacypolicy);
        writeObject(gen, "publisher", site.publisher, BidRequestEncoder::writePublisher);
        writeObject(gen, "content", site.content, BidRequestEncoder::writeContent);
        writeString(gen, "keywords", site.keywords);
        writeStringList(gen, "kwarray", site.kwarray);
        writeString(gen, "inventorypartnerdomain", site.inventorypartnerdomain);
        writeExt(gen, site.ext);
        gen.writeEndObject();
    }

    /** Writes an {@code app} object verbatim. */
    public static void writeApp(JsonGenerator gen, App app) throws IOException {
        gen.writeStartObject();
        writeString(gen, "id", app.id);
        writeString(gen, "name", app.name);
        writeString(gen, "bundle", app.bundle);
        writeString(gen, "domain", app.domain);
        writeString(gen, "storeurl", app.storeurl);
        writeInt(gen, "cattax", app.cattax);
        writeStringList(gen, "cat", app.cat);
        writeStringList(gen, "sectioncat", app.sectioncat);
        writeStringList(gen, "pagecat", app.pagecat);
        writeString(gen, "ver", app.ver);
        writeInt(gen, "privacypolicy", app.privacypolicy);
        writeInt(gen, "paid", app.paid);
        writeObject(gen, "publisher", app.publisher, BidRequestEncoder::writePublisher);
        writeObject(gen, "content", app.content, BidRequestEncoder::writeContent);
        writeString(gen, "keywords", app.keywords);
        writeStringList(gen, "kwarray", app.kwarray);
        writeString(gen, "inventorypartnerdomain", app.inventorypartnerdomain);
        writeExt(gen, app.ext);
        gen.writeEndObject();
    }

    /** Writes a {@code dooh} object verbatim. */
    public static void writeDooh(JsonGenerator gen, Dooh dooh) throws IOException {
        gen.writeStartObject();
        writeString(gen, "id", dooh.id);
        writeString(gen, "name", dooh.name);
        writeStringList(gen, "venuetype", dooh.venuetype);
        writeInt(gen, "venuetypetax", dooh.venuetypetax);
        writeObject(gen, "publisher", dooh.publisher, BidRequestEncoder::writePublisher);
        writeString(gen, "domain", dooh.domain);
        writeString(gen, "keywords", dooh.keywords);
        writeObject(gen, "content", dooh.content, BidRequestEncoder::writeContent);
        writeExt(gen, dooh.ext);
        gen.writeEndObject();
    }

    private static void writePublisher(JsonGenerator gen, Publisher publisher) throws IOException {
        gen.writeStartObject();
        writeString(gen, "id", publisher.id);
        writeString(gen, "name", publisher.name);
        writeInt(gen, "cattax", publisher.cattax);
        writeStringList(gen, "cat", publisher.cat);
        writeString(gen, "domain", publisher.domain);
        writeExt(gen, publisher.ext);
        gen.writeEndObject();
    }

    private static void writeProducer(JsonGenerator gen, Producer producer) throws IOException {
        gen.writeStartObject();
        writeString(gen, "id", producer.id);
        writeString(gen, "name", producer.name);
        writeInt(gen, "cattax", producer.cattax);
        writeStringList(gen, "cat", producer.cat);
        writeString(gen, "domain", producer.domain);
        writeExt(gen, producer.ext);
        gen.writeEndObject();
    }

    private static void writeContent(JsonGenerator gen, Content content) throws IOException {
        gen.writeStartObject();
        writeString(gen, "id", content.id);
        writeInt(gen, "episode", content.episode);
        writeString(gen, "title", content.title);
        writeString(gen, "series", content.series);
        writeString(gen, "season", content.season);
        writeString(gen, "artist", content.artist);
        writeString(gen, "genre", content.genre);
        writeInt(gen, "gtax", content.gtax);
        writeIntList(gen, "genres", content.genres);
        writeString(gen, "album", content.album);
        writeString(gen, "isrc", content.isrc);
        writeObject(gen, "producer", content.producer, BidRequestEncoder::writeProducer);
        writeString(gen, "url", content.url);
        writeInt(gen, "cattax", content.cattax);
        writeStringList(gen, "cat", content.cat);
        writeInt(gen, "prodq", content.prodq);
        writeInt(gen, "context", content.context);
        writeString(gen, "contentrating", content.contentrating);
        writeString(gen, "userrating", content.userrating);
        writeInt(gen, "qagmediarating", content.qagmediarating);
        writeString(gen, "keywords", content.keywords);
        writeStringList(gen, "kwarray", content.kwarray);
        writeInt(gen, "livestream", content.livestream);
        writeInt(gen, "sourcerelationship", content.sourcerelationship);
        writeInt(gen, "len", content.len);
        writeString(gen, "language", content.language);
        writeString(gen, "langb", content.langb);
        writeInt(gen, "embeddable", content.embeddable);
        writeObjectList(gen, "data", content.data, BidRequestEncoder::writeData);
        writeObject(gen, "network", content.network, BidRequestEncoder::writeNetwork);
        writeObject(gen, "channel", content.channel, BidRequestEncoder::writeChannel);
        writeExt(gen, content.ext);
        gen.writeEndObject();
    }

    private static void writeNetwork(JsonGenerator gen, Network network) throws IOException {
        gen.writeStartObject();
        writeString(gen, "id", network.id);
        writeString(gen, "name", network.name);
        writeString(gen, "domain", network.domain);
        writeExt(gen, network.ext);
        gen.writeEndObject();
    }

    private static void writeChannel(JsonGenerator gen, Channel channel) throws IOException {
        gen.writeStartObject();
        writeString(gen, "id", channel.id);
        writeString(gen, "name", channel.name);
        writeString(gen, "domain", channel.domain);
        writeExt(gen, channel.ext);
        gen.writeEndObject();
    }

    /** Writes a {@code device} object verbatim; outbound, only {@code OutboundUserData} may call it. */
    public static void writeDevice(JsonGenerator gen, Device device) throws IOException {
        gen.writeStartObject();
        writeObject(gen, "geo", device.geo, BidRequestEncoder::writeGeo);
        writeInt(gen, "dnt", device.dnt);
        writeInt(gen, "lmt", device.lmt);
        writeString(gen, "ua", device.ua);
        writeObject(gen, "sua", device.sua, BidRequestEncoder::writeUserAgent);
        writeString(gen, "ip", device.ip);
        writeString(gen, "ipv6", device.ipv6);
        writeInt(gen, "devicetype", device.devicetype);
        writeString(gen, "make", device.make);
        writeString(gen, "model", device.model);
        writeString(gen, "os", device.os);
        writeString(gen, "osv", device.osv);
        writeString(gen, "hwv", device.hwv);
        writeInt(gen, "h", device.h);
        writeInt(gen, "w", device.w);
        writeInt(gen, "ppi", device.ppi);
        writeDouble(gen, "pxratio", device.pxratio);
        writeInt(gen, "js", device.js);
        writeInt(gen, "geofetch", device.geofetch);
        writeString(gen, "flashver", device.flashver);
        writeString(gen, "language", device.language);
        writeString(gen, "langb", device.langb);
        writeString(gen, "carrier", device.carrier);
        writeString(gen, "mccmnc", device.mccmnc);
        writeInt(gen, "connectiontype", device.connectiontype);
        writeString(gen, "ifa", device.ifa);
        writeString(gen, "didsha1", device.didsha1);
        writeString(gen, "didmd5", device.didmd5);
        writeString(gen, "dpidsha1", device.dpidsha1);
        writeString(gen, "dpidmd5", device.dpidmd5);
        writeString(gen, "macsha1", device.macsha1);
        writeString(gen, "macmd5", device.macmd5);
        writeExt(gen, device.ext);
        gen.writeEndObject();
    }

    /** Writes a {@code geo} object verbatim; outbound, only {@code OutboundUserData} may call it. */
    public static void writeGeo(JsonGenerator gen, Geo geo) throws IOException {
        gen.writeStartObject();
        writeDouble(gen, "lat", geo.lat);
        writeDouble(gen, "lon", geo.lon);
        writeInt(gen, "type", geo.type);
        writeInt(gen, "accuracy", geo.accuracy);
        writeInt(gen, "lastfix", geo.lastfix);
        writeInt(gen, "ipservice", geo.ipservice);
        writeString(gen, "country", geo.country);
        writeString(gen, "region", geo.region);
        writeString(gen, "regionfips104", geo.regionfips104);
        writeString(gen, "metro", geo.metro);
        writeString(gen, "city", geo.city);
        writeString(gen, "zip", geo.zip);
        writeInt(gen, "utcoffset", geo.utcoffset);
        writeExt(gen, geo.ext);
        gen.writeEndObject();
    }

    /** Writes a structured user agent ({@code sua}) verbatim. */
    public static void writeUserAgent(JsonGenerator gen, UserAgent userAgent) throws IOException {
        gen.writeStartObject();
        writeObjectList(gen, "browsers", userAgent.browsers, BidRequestEncoder::writeBrandVersion);
        writeObject(gen, "platform", userAgent.platform, BidRequestEncoder::writeBrandVersion);
        writeInt(gen, "mobile", userAgent.mobile);
        writeString(gen, "architecture", userAgent.architecture);
        writeString(gen, "bitness", userAgent.bitness);
        writeString(gen, "model", userAgent.model);
        writeInt(gen, "source", userAgent.source);
        writeExt(gen, userAgent.ext);
        gen.writeEndObject();
    }

    private static void writeBrandVersion(JsonGenerator gen, BrandVersion brandVersion) throws IOException {
        gen.writeStartObject();
        writeString(gen, "brand", brandVersion.brand);
        writeStringList(gen, "version", brandVersion.version);
        writeExt(gen, brandVersion.ext);
        gen.writeEndObject();
    }

    /** Writes a {@code user} object verbatim; outbound, only {@code OutboundUserData} may call it. */
    public static void writeUser(JsonGenerator gen, User user) throws IOException {
        gen.writeStartObject();
        writeString(gen, "id", user.id);
        writeString(gen, "buyeruid", user.buyeruid);
        writeInt(gen, "yob", user.yob);
        writeString(gen, "gender", user.gender);
        writeString(gen, "keywords", user.keywords);
        writeStringList(gen, "kwarray", user.kwarray);
        writeString(gen, "customdata", user.customdata);
        writeObject(gen, "geo", user.geo, BidRequestEncoder::writeGeo);
        writeObjectList(gen, "data", user.data, BidRequestEncoder::writeData);
        writeString(gen, "consent", user.consent);
        writeObjectList(gen, "eids", user.eids, BidRequestEncoder::writeEid);
        writeExt(gen, user.ext);
        gen.writeEndObject();
    }

    /** Writes one extended id ({@code eids[]}) verbatim; outbound, only {@code OutboundUserData} may call it. */
    public static void writeEid(JsonGenerator gen, Eid eid) throws IOException {
        gen.writeStartObject();
        writeString(gen, "inserter", eid.inserter);
        writeString(gen, "source", eid.source);
        writeString(gen, "matcher", eid.matcher);
        writeInt(gen, "mm", eid.mm);
        writeObjectList(gen, "uids", eid.uids, BidRequestEncoder::writeUid);
        writeExt(gen, eid.ext);
        gen.writeEndObject();
    }

    private static void writeUid(JsonGenerator gen, Uid uid) throws IOException {
        gen.writeStartObject();
        writeString(gen, "id", uid.id);
        writeInt(gen, "atype", uid.atype);
        writeExt(gen, uid.ext);
        gen.writeEndObject();
    }

    /** Writes one {@code data} object verbatim; outbound, only {@code OutboundUserData} may call it. */
    public static void writeData(JsonGenerator gen, Data data) throws IOException {
        gen.writeStartObject();
        writeString(gen, "id", data.id);
        writeString(gen, "name", data.name);
        writeObjectList(gen, "segment", data.segment, BidRequestEncoder::writeSegment);
        writeExt(gen, data.ext);
        gen.writeEndObject();
    }

    private static void writeSegment(JsonGenerator gen, Segment segment) throws IOException {
        gen.writeStartObject();
        writeString(gen, "id", segment.id);
        writeString(gen, "name", segment.name);
        writeString(gen, "value", segment.value);
        writeExt(gen, segment.ext);
        gen.writeEndObject();
    }
}
