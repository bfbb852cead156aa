package dev.merlin.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import dev.merlin.protocol.model.BidRequest;
import dev.merlin.protocol.model.BrandVersion;
import dev.merlin.protocol.model.Device;
import dev.merlin.protocol.model.Eid;
import dev.merlin.protocol.model.Geo;
import dev.merlin.protocol.model.ModelPool;
import dev.merlin.protocol.model.Regs;
import dev.merlin.protocol.model.Source;
import dev.merlin.protocol.model.SupplyChain;
import dev.merlin.protocol.model.SupplyChainNode;
import dev.merlin.protocol.model.Uid;
import dev.merlin.protocol.model.User;
import dev.merlin.protocol.model.UserAgent;
import java.io.IOException;
import java.util.List;

/**
 * Decodes an OpenRTB 2.5/2.6 bid request straight from its bytes with Jackson's streaming parser (no databind, no
 * trees, no reflection), enforcing types and limits, moving 2.5 {@code ext} locations into their 2.6 fields, reading
 * {@code device.ext.atts} (iOS App Tracking Transparency) into {@link Device#atts}, and validating the result.
 *
 * <p>Duplicate keys are refused, never "last wins": an object that names a key twice, at any level (the request,
 * imp, banner, video, native, site/app, publisher, device, geo, user, regs, source, and the {@code ext} objects and
 * unknown fields that are passed through or skipped), fails with {@link ErrorReason#DUPLICATE_KEY} and its path, e.g.
 * {@code duplicate key "imp[0].id"}. The check allocates nothing for objects of up to
 * {@value StrictJsonReader#LINEAR_SCAN_NAMES} keys (see {@link StrictJsonReader}).
 *
 * <p>Allocation: {@link #decode(byte[], int, int, BidRequest)} decodes into a caller's model that is reset, not
 * reallocated (its objects and lists come back from the root's {@link ModelPool}); the decoder keeps one Jackson
 * parser for document after document ({@link ReusableJsonParser}) and hands out repeated boxed numbers and
 * vocabulary strings from a bounded cache ({@link ValueCache}). What a request then costs is mostly its own strings
 * and raw {@code ext} text.
 *
 * <p>Not thread-safe: keep one per thread and reuse it.
 */
public final class BidRequestDecoder {

    private final ParserSlot parsers;
    private final StrictJsonReader in;
    private final ImpDecoder imps;
    private final ContextDecoder context;
    private final BidRequestValidator validator;
    private final DecodeLimits limits;
    private final StrictJsonReader.ElementReader<Eid> eidReader = this::eid;
    private final StrictJsonReader.ElementReader<Uid> uidReader = this::uid;
    private final StrictJsonReader.ElementReader<SupplyChainNode> nodeReader = this::supplyChainNode;
    private final StrictJsonReader.ElementReader<BrandVersion> brandVersionReader = this::brandVersion;

    /** A decoder with {@link DecodeLimits#defaults()}. */
    public BidRequestDecoder() {
        this(DecodeLimits.defaults());
    }

    /** A decoder enforcing the given limits. */
    public BidRequestDecoder(DecodeLimits limits) {
        this(limits, true);
    }

    /** With {@code reuseParsers} false, every document gets a new parser from Jackson's factory (tests compare). */
    BidRequestDecoder(DecodeLimits limits, boolean reuseParsers) {
        this.limits = limits;
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(limits.maxDepth())
                        .maxStringLength(Math.max(limits.maxStringLength(), 1_000))
                        .build())
                .build();
        this.parsers = new ParserSlot(factory, reuseParsers);
        this.in = new StrictJsonReader(limits.maxStringLength());
        this.imps = new ImpDecoder(in);
        this.context = new ContextDecoder(in);
        this.validator = new BidRequestValidator(limits);
    }

    /** The limits this decoder enforces. */
    public DecodeLimits limits() {
        return limits;
    }

    /**
     * Decodes and validates one request into a new model.
     *
     * @throws InvalidRequestException naming the first problem and its JSON path
     */
    public BidRequest decode(byte[] json, int offset, int length) throws InvalidRequestException {
        BidRequest request = new BidRequest();
        decode(json, offset, length, request, ModelPool.ALLOCATING);
        return request;
    }

    /**
     * Decodes and validates one request into {@code into}, which is reset first: its fields are cleared and its
     * child objects and lists are taken again from its {@link BidRequest#pool()}, so a request decoded into a reused
     * root allocates little beyond its strings. Afterwards {@code into} holds exactly what {@link #decode(byte[],
     * int, int)} would return; nothing of the request decoded into it before survives. Objects reached from
     * {@code into} before this call are reused, so they must no longer be in use. After an exception the contents
     * of {@code into} are unspecified until the next successful decode.
     *
     * @throws InvalidRequestException naming the first problem and its JSON path
     */
    public void decode(byte[] json, int offset, int length, BidRequest into) throws InvalidRequestException {
        ModelPool pool = into.pool();
        pool.reset();
        decode(json, offset, length, into, pool);
    }

    private void decode(byte[] json, int offset, int length, BidRequest into, ModelPool pool)
            throws InvalidRequestException {
        into.clear();
        if (length == 0) {
            throw new InvalidRequestException(ErrorReason.MALFORMED_JSON, "", "empty body: expected a JSON object");
        }
        JsonParser parser = null;
        boolean readToTheEnd = false;
        try {
            parser = parsers.open(json, offset, length);
            in.reset(parser, json, offset, pool);
            JsonToken first = parser.nextToken();
            if (first == null) {
                throw new InvalidRequestException(ErrorReason.MALFORMED_JSON, "",
                        "body holds only whitespace: expected a JSON object");
            }
            if (first != JsonToken.START_OBJECT) {
                throw new InvalidRequestException(ErrorReason.NOT_AN_OBJECT, "",
                        "a bid request must be a JSON object, found " + describeRoot(first));
            }
            request(into);
            if (parser.nextToken() != null) {
                throw new InvalidRequestException(ErrorReason.MALFORMED_JSON, "",
                        "unexpected content after the request object");
            }
            readToTheEnd = true;
            validator.validate(into);
        } catch (StreamConstraintsException e) {
            throw constraintViolation(e);
        } catch (JsonParseException e) {
            throw malformed(e);
        } catch (IOException e) {
            throw new InvalidRequestException(ErrorReason.MALFORMED_JSON, "", "unreadable JSON: " + e.getMessage());
        } finally {
            in.reset(null, null, 0, ModelPool.ALLOCATING);
            parsers.close(parser, readToTheEnd);
        }
    }

    private static String describeRoot(JsonToken token) {
        switch (token) {
            case START_ARRAY: return "an array";
            case VALUE_STRING: return "a string";
            case VALUE_NULL: return "null";
            case VALUE_TRUE:
            case VALUE_FALSE: return "a boolean";
            default: return "a number";
        }
    }

    private InvalidRequestException constraintViolation(StreamConstraintsException e) {
        String message = e.getOriginalMessage();
        if (message != null && message.contains("nesting depth")) {
            return new InvalidRequestException(ErrorReason.TOO_DEEP, "",
                    "JSON nested deeper than " + limits.maxDepth() + " levels");
        }
        if (message != null && message.contains("String value length")) {
            return new InvalidRequestException(ErrorReason.STRING_TOO_LONG, "",
                    "string longer than " + limits.maxStringLength() + " characters");
        }
        return new InvalidRequestException(ErrorReason.MALFORMED_JSON, "", "JSON exceeds a limit: " + message);
    }

    private InvalidRequestException malformed(JsonParseException e) {
        String message = e.getOriginalMessage() == null ? "syntax error" : e.getOriginalMessage();
        String path = in.parser() == null ? "" : in.path();
        JsonLocation at = e.getLocation();
        String where = at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
        if (message.startsWith("Invalid UTF-8")) {
            return new InvalidRequestException(ErrorReason.INVALID_UTF8, path,
                    "invalid UTF-8" + where + ": " + message);
        }
        return new InvalidRequestException(ErrorReason.MALFORMED_JSON, path, "malformed JSON" + where + ": " + message);
    }

    private void request(BidRequest request) throws IOException, InvalidRequestException {
        in.beginObject(); // decode() checked the root is an object
        String field;
        while ((field = in.nextField()) != null) {
            switch (field) {
                case "id": request.id = in.readString(); break;
                case "imp": request.imp = in.readObjects(imps.impReader()); break;
                case "site": request.site = context.site(); break;
                case "app": request.app = context.app(); break;
                case "dooh": request.dooh = context.dooh(); break;
                case "device": request.device = device(); break;
                case "user": request.user = user(); break;
                case "test": request.test = in.readFlag(); break;
                case "at": request.at = in.readInt(); break;
                case "tmax": request.tmax = in.readNonNegativeInt(); break;
                case "wseat": request.wseat = in.readCommonStrings(); break;
                case "bseat": request.bseat = in.readCommonStrings(); break;
                case "allimps": request.allimps = in.readFlag(); break;
                case "cur": request.cur = in.readCommonStrings(); break;
                case "wlang": request.wlang = in.readCommonStrings(); break;
                case "wlangb": request.wlangb = in.readCommonStrings(); break;
                case "acat": request.acat = in.readCommonStrings(); break;
                case "bcat": request.bcat = in.readCommonStrings(); break;
                case "cattax": request.cattax = in.readInt(); break;
                case "badv": request.badv = in.readCommonStrings(); break;
                case "bapp": request.bapp = in.readCommonStrings(); break;
                case "source": request.source = source(); break;
                case "regs": request.regs = regs(); break;
                case "ext": request.ext = in.readExt(); break;
                default: in.skip();
            }
        }
    }

    private Source source() throws IOException, InvalidRequestException {
        if (!in.beginObject()) {
            return null;
        }
        Source source = in.pool().sources.take();
        SupplyChain extSchain = null;
        String field;
        while ((field = in.nextField()) != null) {
            switch (field) {
                case "fd": source.fd = in.readInt(); break;
                case "tid": source.tid = in.readString(); break;
                case "pchain": source.pchain = in.readString(); break;
                case "schain": source.schain = supplyChain(); break;
                case "ext":
                    if (in.beginObject()) {
                        int start = in.tokenStart();
                        String extField;
                        while ((extField = in.nextField()) != null) {
                            if ("schain".equals(extField)) {
                                extSchain = supplyChain();
                            } else {
                                in.skip();
                            }
                        }
                        source.ext = in.rawFrom(start);
                    }
                    break;
                default: in.skip();
            }
        }
        if (source.schain == null) {
            source.schain = extSchain;
        }
        return source;
    }

    private SupplyChain supplyChain() throws IOException, InvalidRequestException {
        if (!in.beginObject()) {
            return null;
        }
        SupplyChain chain = in.pool().supplyChains.take();
        String field;
        while ((field = in.nextField()) != null) {
            switch (field) {
                case "complete": chain.complete = in.readFlag(); break;
                case "nodes": chain.nodes = in.readObjects(nodeReader); break;
                case "ver": chain.ver = in.readCommonString(); break;
                case "ext": chain.ext = in.readExt(); break;
                default: in.skip();
            }
        }
        return chain;
    }

    private SupplyChainNode supplyChainNode() throws IOException, InvalidRequestException {
        if (!in.beginObject()) {
            return null;
        }
        SupplyChainNode node = in.pool().supplyChainNodes.take();
        String field;
        while ((field = in.nextField()) != null) {
            switch (field) {
                case "asi": node.asi = in.readString(); break;
                case "sid": node.sid = in.readString(); break;
                case "rid": node.rid = in.readString(); break;
                case "name": node.name = in.readString(); break;
                case "domain": node.domain = in.readString(); break;
                case "hp": node.hp = in.readFlag(); break;
                case "ext": node.ext = in.readExt(); break;
                default: in.skip();
            }
        }
        return node;
    }

    private Regs regs() throws IOException, InvalidRequestException {
        if (!in.beginObject()) {
            return null;
        }
        Regs regs = in.pool().regss.take();
        Integer extGdpr = null;
        String extUsPrivacy = null;
        String extGpp = null;
        List<Integer> extGppSid = null;
        String field;
        while ((field = in.nextField()) != null) {
            switch (field) {
                case "coppa": regs.coppa = in.readFlag(); break;
                case "gdpr": regs.gdpr = in.readFlag(); break;
                case "us_privacy": regs.us_privacy = in.readCommonString(); break;
                case "gpp": regs.gpp = in.readString(); break;
                case "gpp_sid": regs.gpp_sid = in.readInts(); break;
                case "ext":
                    if (in.beginObject()) {
                        int start = in.tokenStart();
                        String extField;
                        while ((extField = in.nextField()) != null) {
                            switch (extField) {
                                case "gdpr": extGdpr = in.readFlag(); break;
                                case "us_privacy": extUsPrivacy = in.readCommonString(); break;
                                case "gpp": extGpp = in.readString(); break;
                                case "gpp_sid": extGppSid = in.readInts(); break;
                                default: in.skip();
                            }
                        }
                        regs.ext = in.rawFrom(start);
                    }
                    break;
                default: in.skip();
            }
        }
        if (regs.gdpr == null) {
            regs.gdpr = extGdpr;
        }
        if (regs.us_privacy == null) {
            regs.us_privacy = extUsPrivacy;
        }
        if (regs.gpp == null) {
            regs.gpp = extGpp;
        }
        if (regs.gpp_sid == null) {
            regs.gpp_sid = extGppSid;
        }
        return regs;
    }

    private Device device() throws IOException, InvalidRequestException {
        if (!in.beginObject()) {
            return null;
        }
        Device device = in.pool().devices.take();
        String field;
        while ((field = in.nextField()) != null) {
            switch (field) {
                case "geo": device.geo = geo(); break;
                case "dnt": device.dnt = in.readInt(); break;
                case "lmt": device.lmt = in.readInt(); break;
                case "ua": device.ua = in.readString(); break;
                case "sua": device.sua = userAgent(); break;
                case "ip": device.ip = in.readString(); break;
                case "ipv6": device.ipv6 = in.readString(); break;
                case "devicetype": device.devicetype = in.readInt(); break;
                case "make": device.make = in.readCommonString(); break;
                case "model": device.model = in.readCommonString(); break;
                case "os": device.os = in.readCommonString(); break;
                case "osv": device.osv = in.readCommonString(); break;
                case "hwv": device.hwv = in.readCommonString(); break;
                case "h": device.h = in.readNonNegativeInt(); break;
                case "w": device.w = in.readNonNegativeInt(); break;
                case "ppi": device.ppi = in.readNonNegativeInt(); break;
                case "pxratio": device.pxratio = in.readNonNegativeDouble(); break;
                case "js": device.js = in.readInt(); break;
                case "geofetch": device.geofetch = in.readInt(); break;
                case "flashver": device.flashver = in.readString(); break;
                case "language": device.language = in.readCommonString(); break;
                case "langb": device.langb = in.readCommonString(); break;
                case "carrier": device.carrier = in.readCommonString(); break;
                case "mccmnc": device.mccmnc = in.readCommonString(); break;
                case "connectiontype": device.connectiontype = in.readInt(); break;
                case "ifa": device.ifa = in.readString(); break;
                case "didsha1": device.didsha1 = in.readString(); break;
                case "didmd5": device.didmd5 = in.readString(); break;
                case "dpidsha1": device.dpidsha1 = in.readString(); break;
                case "dpidmd5": device.dpidmd5 = in.readString(); break;
                case "macsha1": device.macsha1 = in.readString(); break;
                case "macmd5": device.macmd5 = in.readString(); break;
                case "ext": deviceExt(device); break;
                default: in.skip();
            }
        }
        return device;
    }

    /** {@code device.ext}, kept as written, with {@code atts} (iOS App Tracking Transparency status) read out. */
    private void deviceExt(Device device) throws IOException, InvalidRequestException {
        if (!in.beginObject()) {
            device.ext = null;
            device.atts = null;
            return;
        }
        int start = in.tokenStart();
        Integer atts = null;
        String extField;
        while ((extField = in.nextField()) != null) {
            if ("atts".equals(extField)) {
                atts = in.readInt();
            } else {
                in.skip();
            }
        }
        device.ext = in.rawFrom(start);
        device.atts = atts;
    }

    private Geo geo() throws IOException, InvalidRequestException {
        if (!in.beginObject()) {
            return null;
        }
        Geo geo = in.pool().geos.take();
        String field;
        while ((field = in.nextField()) != null) {
            switch (field) {
                case "lat": geo.lat = in.readDouble(); break;
                case "lon": geo.lon = in.readDouble(); break;
                case "type": geo.type = in.readInt(); break;
                case "accuracy": geo.accuracy = in.readInt(); break;
                case "lastfix": geo.lastfix = in.readInt(); break;
                case "ipservice": geo.ipservice = in.readInt(); break;
                case "country": geo.country = in.readCommonString(); break;
                case "region": geo.region = in.readCommonString(); break;
                case "regionfips104": geo.regionfips104 = in.readCommonString(); break;
                case "metro": geo.metro = in.readCommonString(); break;
                case "city": geo.city = in.readString(); break;
                case "zip": geo.zip = in.readString(); break;
                case "utcoffset": geo.utcoffset = in.readInt(); break;
                case "ext": geo.ext = in.readExt(); break;
                default: in.skip();
            }
        }
        return geo;
    }

    private UserAgent userAgent() throws IOException, InvalidRequestException {
        if (!in.beginObject()) {
            return null;
        }
        UserAgent ua = in.pool().userAgents.take();
        String field;
        while ((field = in.nextField()) != null) {
            switch (field) {
                case "browsers": ua.browsers = in.readObjects(brandVersionReader); break;
                case "platform": ua.platform = brandVersion(); break;
                case "mobile": ua.mobile = in.readInt(); break;
                case "architecture": ua.architecture = in.readCommonString(); break;
                case "bitness": ua.bitness = in.readCommonString(); break;
                case "model": ua.model = in.readString(); break;
                case "source": ua.source = in.readInt(); break;
                case "ext": ua.ext = in.readExt(); break;
                default: in.skip();
            }
        }
        return ua;
    }

    private BrandVersion brandVersion() throws IOException, InvalidRequestException {
        if (!in.beginObject()) {
            return null;
        }
        BrandVersion bv = in.pool().brandVersions.take();
        String field;
        while ((field = in.nextField()) != null) {
            switch (field) {
                case "brand": bv.brand = in.readCommonString(); break;
                case "version": bv.version = in.readCommonStrings(); break;
                case "ext": bv.ext = in.readExt(); break;
                default: in.skip();
            }
        }
        return bv;
    }

    private User user() throws IOException, InvalidRequestException {
        if (!in.beginObject()) {
            return null;
        }
        User user = in.pool().users.take();
        String extConsent = null;
        List<Eid> extEids = null;
        String field;
        while ((field = in.nextField()) != null) {
            switch (field) {
                case "id": user.id = in.readString(); break;
                case "buyeruid": user.buyeruid = in.readString(); break;
                case "yob": user.yob = in.readInt(); break;
                case "gender": user.gender = in.readCommonString(); break;
                case "keywords": user.keywords = in.readString(); break;
                case "kwarray": user.kwarray = in.readStrings(); break;
                case "customdata": user.customdata = in.readString(); break;
                case "geo": user.geo = geo(); break;
                case "data": user.data = in.readObjects(context.dataReader()); break;
                case "consent": user.consent = in.readString(); break;
                case "eids": user.eids = in.readObjects(eidReader); break;
                case "ext":
                    if (in.beginObject()) {
                        int start = in.tokenStart();
                        String extField;
                        while ((extField = in.nextField()) != null) {
                            switch (extField) {
                                case "consent": extConsent = in.readString(); break;
                                case "eids": extEids = in.readObjects(eidReader); break;
                                default: in.skip();
                            }
                        }
                        user.ext = in.rawFrom(start);
                    }
                    break;
                default: in.skip();
            }
        }
        if (user.consent == null) {
            user.consent = extConsent;
        }
        if (user.eids == null) {
            user.eids = extEids;
        }
        return user;
    }

    private Eid eid() throws IOException, InvalidRequestException {
        if (!in.beginObject()) {
            return null;
        }
        Eid eid = in.pool().eids.take();
        String field;
        while ((field = in.nextField()) != null) {
            switch (field) {
                case "inserter": eid.inserter = in.readCommonString(); break;
                case "source": eid.source = in.readCommonString(); break;
                case "matcher": eid.matcher = in.readCommonString(); break;
                case "mm": eid.mm = in.readInt(); break;
                case "uids": eid.uids = in.readObjects(uidReader); break;
                case "ext": eid.ext = in.readExt(); break;
                default: in.skip();
            }
        }
        return eid;
    }

    private Uid uid() throws IOException, InvalidRequestException {
        if (!in.beginObject()) {
            return null;
        }
        Uid uid = in.pool().uids.take();
        String field;
        while ((field = in.nextField()) != null) {
            switch (field) {
                case "id": uid.id = in.readString(); break;
                case "atype": uid.atype = in.readInt(); break;
                case "ext": uid.ext = in.readExt(); break;
                default: in.skip();
            }
        }
        return uid;
    }
}
