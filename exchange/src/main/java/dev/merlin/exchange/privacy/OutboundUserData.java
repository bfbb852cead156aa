package dev.merlin.exchange.privacy;

import static dev.merlin.protocol.JsonFieldWriter.writeInt;
import static dev.merlin.protocol.JsonFieldWriter.writeObject;
import static dev.merlin.protocol.JsonFieldWriter.writeObjectList;
import static dev.merlin.protocol.JsonFieldWriter.writeString;
import static dev.merlin.protocol.JsonFieldWriter.writeStringList;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.merlin.config.DspConfig;
import dev.merlin.protocol.BidRequestEncoder;
import dev.merlin.protocol.ExtFields;
import dev.merlin.protocol.JsonFieldWriter;
import dev.merlin.protocol.model.Device;
import dev.merlin.protocol.model.Geo;
import dev.merlin.protocol.model.User;
import java.io.IOException;

/**
 * The one place that decides and writes what user data leaves Merlin in a bid request to a DSP: {@link #policy}
 * picks an {@link OutboundPolicy} from the consent decision Merlin already made (and, later, from the DSP), and
 * {@link #writeUser} / {@link #writeDevice} write the outbound {@code user} and {@code device} obeying it. Nothing
 * else may write them (ArchitectureTest holds the outbound writer to that).
 *
 * <p>When personal data may not be used ({@link OutboundPolicy#CONTEXTUAL}: COPPA, no consent, an opt-out, LMT,
 * outside the rollout):
 * <ul>
 *   <li>{@code user}: keeps only {@code consent} (the DSP must see the signal that refuses it) and a coarse
 *       {@code geo}; {@code id}, {@code eids} (and 2.5's {@code ext.eids}), {@code data}, {@code keywords},
 *       {@code kwarray}, {@code yob}, {@code gender}, {@code customdata} and the rest of {@code ext} are dropped;</li>
 *   <li>{@code device}: {@code ifa}, {@code didsha1}, {@code didmd5}, {@code dpidsha1}, {@code dpidmd5},
 *       {@code macsha1}, {@code macmd5} dropped; {@code ext} keeps only {@code atts} (a tracking signal, not an id:
 *       anything else under it, such as {@code ifv}, may be an id); {@code ip} truncated to its /24, {@code ipv6} to
 *       its /56, a malformed address dropped;</li>
 *   <li>{@code geo} (device and user): {@code lat}/{@code lon} rounded to 2 decimals (about 1 km); {@code zip},
 *       {@code accuracy}, {@code lastfix} and {@code ext} dropped, since a zip or postcode can be finer than a street
 *       block and the fix's accuracy and time describe the precise position; the finest place kept is the city.</li>
 * </ul>
 *
 * <p>The seller's {@code buyeruid} never leaves, whatever the policy: it is the id some DSP gave the seller in a
 * cookie sync, and it belongs to whichever buyer the seller synced with, so passing it would hand one buyer's id to
 * another. For the same reason {@code user.ext.prebid} (Prebid's per-bidder {@code buyeruids}) is dropped. What
 * goes as {@code user.id} is the user's pairwise id for this DSP, and as {@code buyeruid} only the id this DSP
 * synced with Merlin itself ({@link OutboundUser}), when identifiers may go.
 *
 * <p>One instance per thread (it keeps scratch buffers); the writers allocate nothing beyond the generator's own
 * work, except for an {@code ext} that has to be filtered (see {@link ExtFields}).
 */
public final class OutboundUserData {

    /** The {@code user.data[].id} of Merlin's own segments. */
    public static final String MERLIN_DATA_ID = "merlin";

    private static final String[] USER_EXT_MOVED = {"consent", "eids"};
    private static final String[] USER_EXT_FULL_DROPPED = {"consent", "eids", "prebid"};
    private static final String[] DEVICE_EXT_CONTEXTUAL = {"atts"};
    private static final String MERLIN_DATA_NAME = "Merlin";

    private final IpTruncation ips = new IpTruncation();
    /** Stands in for a request's missing {@code user}, so Merlin's own fields are written alone; never changed. */
    private final User noUser = new User();
    private final char[] uidScratch = new char[IdSyncStore.MAX_UID_CHARS];
    private int written;
    private final char[] scratch = new char[Math.max(IpTruncation.MAX_CHARS, JsonFieldWriter.FIXED_POINT_CHARS)];

    /**
     * What user data a request may carry to {@code dsp} from Merlin's consent decision alone: everything or nothing.
     * The bid path asks {@link OutboundRules#policy} instead, which adds residency, activity controls and the DSP's
     * TCF consent.
     */
    public static OutboundPolicy policy(PrivacyDecision decision, DspConfig dsp) {
        return decision.mayUsePersonalData() ? OutboundPolicy.FULL : OutboundPolicy.CONTEXTUAL;
    }

    /** Starts a request: {@link #categoriesWritten} counts from here. */
    public void begin() {
        written = DataCategories.NONE;
    }

    /** The {@link DataCategories} the writers actually wrote since {@link #begin}: the ledger's record of the flow. */
    public int categoriesWritten() {
        return written;
    }

    /**
     * Writes the {@code "user"} field as {@code policy} allows, or nothing when nothing of it may leave.
     * {@code extPlacement}: OpenRTB 2.5 locations ({@code ext.consent}, {@code ext.eids}) instead of 2.6's top-level
     * fields. A request without a {@code user} (a user known only by {@code device.ifa}) still gets one when Merlin
     * has something of its own the policy lets pass: the pairwise id, this DSP's synced id, shareable segments.
     */
    public void writeUser(JsonGenerator gen, User user, OutboundPolicy policy, boolean extPlacement,
                          OutboundUser merlin) throws IOException {
        if (user == null) {
            if (!hasMerlinUser(policy, merlin)) {
                return;
            }
            user = noUser;
        } else if (!hasOutboundUser(user, policy)) {
            return;
        }
        char[] pairwiseId = merlin == null ? null : merlin.pairwiseIdOrNull();
        boolean audience = policy.sharesAudienceData();
        boolean eids = policy.sharesEids() && user.eids != null && !user.eids.isEmpty();
        gen.writeFieldName("user");
        gen.writeStartObject();
        if (policy.sharesIdentifiers() && pairwiseId != null) {
            gen.writeFieldName("id");
            gen.writeString(pairwiseId, 0, PairwiseIds.CHARS);
            written |= DataCategories.IDS;
        }
        CharSequence buyerUid = merlin == null ? null : merlin.buyerUidOrNull();
        if (policy.sharesIdentifiers() && buyerUid != null) {
            // the id this DSP gave Merlin through user sync, never the seller's buyeruid
            gen.writeFieldName("buyeruid");
            int length = Math.min(buyerUid.length(), uidScratch.length);
            for (int i = 0; i < length; i++) {
                uidScratch[i] = buyerUid.charAt(i);
            }
            gen.writeString(uidScratch, 0, length);
            written |= DataCategories.IDS;
        }
        if (audience) {
            writeInt(gen, "yob", user.yob);
            writeString(gen, "gender", user.gender);
            writeString(gen, "keywords", user.keywords);
            writeStringList(gen, "kwarray", user.kwarray);
            writeString(gen, "customdata", user.customdata);
            if (hasAudienceData(user)) {
                written |= DataCategories.SEGMENTS;
            }
        }
        writeGeo(gen, "geo", user.geo, policy);
        if (audience) {
            writeData(gen, user, merlin);
        }
        if (!extPlacement) {
            writeString(gen, "consent", user.consent);
            if (eids) {
                writeObjectList(gen, "eids", user.eids, BidRequestEncoder::writeEid);
            }
        }
        if (eids) {
            written |= DataCategories.EIDS;
        }
        writeUserExt(gen, user, eids, audience, extPlacement);
        gen.writeEndObject();
    }

    /**
     * {@code user.data}: the seller's data objects, then Merlin's own segments ({@code {"id": "merlin", "segment":
     * [{"id": "<segment id>"}]}}), only those holding at least the k-anonymity floor of users.
     */
    private void writeData(JsonGenerator gen, User user, OutboundUser merlin) throws IOException {
        int shareable = merlin == null ? 0 : merlin.shareableSegments();
        if (shareable == 0) {
            writeObjectList(gen, "data", user.data, BidRequestEncoder::writeData);
            return;
        }
        gen.writeFieldName("data");
        gen.writeStartArray();
        if (user.data != null) {
            for (int i = 0, n = user.data.size(); i < n; i++) {
                if (user.data.get(i) != null) {
                    BidRequestEncoder.writeData(gen, user.data.get(i));
                }
            }
        }
        gen.writeStartObject();
        gen.writeStringField("id", MERLIN_DATA_ID);
        gen.writeStringField("name", MERLIN_DATA_NAME);
        gen.writeFieldName("segment");
        gen.writeStartArray();
        AudienceSegments segments = merlin.segments();
        for (int i = 0; i < segments.size(); i++) {
            int segmentId = segments.get(i);
            if (merlin.isShareable(segmentId)) {
                gen.writeStartObject();
                gen.writeFieldName("id");
                int length = writeDecimal(segmentId);
                gen.writeString(scratch, 0, length);
                gen.writeEndObject();
            }
        }
        gen.writeEndArray();
        gen.writeEndObject();
        gen.writeEndArray();
        written |= DataCategories.SEGMENTS;
    }

    /** {@code value} (not negative) in decimal digits at the start of the scratch array; returns their count. */
    private int writeDecimal(int value) {
        int length = 0;
        int divisor = 1;
        while (value / divisor >= 10) {
            divisor *= 10;
        }
        for (; divisor > 0; divisor /= 10) {
            scratch[length++] = (char) ('0' + value / divisor % 10);
        }
        return length;
    }

    private static boolean hasAudienceData(User user) {
        return user.yob != null || user.gender != null || user.keywords != null || user.customdata != null
                || user.kwarray != null && !user.kwarray.isEmpty() || user.data != null && !user.data.isEmpty();
    }

    /** Writes the {@code "device"} field as {@code policy} allows, or nothing when there is no device. */
    public void writeDevice(JsonGenerator gen, Device device, OutboundPolicy policy) throws IOException {
        if (device == null) {
            return;
        }
        if (policy.sharesIdentifiers() && policy.sharesPreciseLocation() && policy.sharesIp()) {
            writeObject(gen, "device", device, BidRequestEncoder::writeDevice);
            written |= deviceCategories(device);
            return;
        }
        gen.writeFieldName("device");
        gen.writeStartObject();
        writeGeo(gen, "geo", device.geo, policy);
        writeInt(gen, "dnt", device.dnt);
        writeInt(gen, "lmt", device.lmt);
        writeString(gen, "ua", device.ua);
        writeObject(gen, "sua", device.sua, BidRequestEncoder::writeUserAgent);
        if (policy.sharesIp()) {
            writeString(gen, "ip", device.ip);
            writeString(gen, "ipv6", device.ipv6);
            written |= device.ip != null || device.ipv6 != null ? DataCategories.IP : 0;
        } else {
            writeIp(gen, "ip", device.ip, false);
            writeIp(gen, "ipv6", device.ipv6, true);
        }
        writeDeviceContext(gen, device);
        if (policy.sharesIdentifiers()) {
            written |= deviceCategories(device) & DataCategories.IDS;
            writeString(gen, "ifa", device.ifa);
            writeString(gen, "didsha1", device.didsha1);
            writeString(gen, "didmd5", device.didmd5);
            writeString(gen, "dpidsha1", device.dpidsha1);
            writeString(gen, "dpidmd5", device.dpidmd5);
            writeString(gen, "macsha1", device.macsha1);
            writeString(gen, "macmd5", device.macmd5);
            JsonFieldWriter.writeExt(gen, device.ext);
        } else if (device.ext != null && ExtFields.mayContain(device.ext, DEVICE_EXT_CONTEXTUAL)) {
            gen.writeFieldName("ext");
            gen.writeStartObject();
            ExtFields.copyFieldsOnly(gen, device.ext, DEVICE_EXT_CONTEXTUAL);
            gen.writeEndObject();
        }
        gen.writeEndObject();
    }

    /**
     * What a device written verbatim carries, as the ledger counts it: its ids, the IP, a precise geo ({@code ext}
     * objects are passed through, not inspected).
     */
    private static int deviceCategories(Device device) {
        int categories = DataCategories.NONE;
        if (device.ifa != null || device.didsha1 != null || device.didmd5 != null || device.dpidsha1 != null
                || device.dpidmd5 != null || device.macsha1 != null || device.macmd5 != null) {
            categories |= DataCategories.IDS;
        }
        if (device.ip != null || device.ipv6 != null) {
            categories |= DataCategories.IP;
        }
        if (isPrecise(device.geo)) {
            categories |= DataCategories.PRECISE_GEO;
        }
        return categories;
    }

    /**
     * Whether a geo written verbatim tells more than its coarse form would: a coordinate finer than 2 decimals, a
     * zip, the fix's accuracy or time.
     */
    static boolean isPrecise(Geo geo) {
        return geo != null && (isFine(geo.lat) || isFine(geo.lon) || geo.zip != null || geo.accuracy != null
                || geo.lastfix != null);
    }

    private static boolean isFine(Double degrees) {
        if (degrees == null || !Double.isFinite(degrees)) {
            return false;
        }
        double hundredths = degrees * 100;
        return Math.abs(hundredths - Math.rint(hundredths)) > 1e-6;
    }

    /** The device's description, which is context, not identity: it passes under every policy. */
    private static void writeDeviceContext(JsonGenerator gen, Device device) throws IOException {
        writeInt(gen, "devicetype", device.devicetype);
        writeString(gen, "make", device.make);
        writeString(gen, "model", device.model);
        writeString(gen, "os", device.os);
        writeString(gen, "osv", device.osv);
        writeString(gen, "hwv", device.hwv);
        writeInt(gen, "h", device.h);
        writeInt(gen, "w", device.w);
        writeInt(gen, "ppi", device.ppi);
        JsonFieldWriter.writeDouble(gen, "pxratio", device.pxratio);
        writeInt(gen, "js", device.js);
        writeInt(gen, "geofetch", device.geofetch);
        writeString(gen, "flashver", device.flashver);
        writeString(gen, "language", device.language);
        writeString(gen, "langb", device.langb);
        writeString(gen, "carrier", device.carrier);
        writeString(gen, "mccmnc", device.mccmnc);
        writeInt(gen, "connectiontype", device.connectiontype);
    }

    /** Whether Merlin has a user field of its own to send that {@code policy} lets pass. */
    private static boolean hasMerlinUser(OutboundPolicy policy, OutboundUser merlin) {
        if (merlin == null) {
            return false;
        }
        return policy.sharesIdentifiers() && (merlin.pairwiseIdOrNull() != null || merlin.buyerUidOrNull() != null)
                || policy.sharesAudienceData() && merlin.shareableSegments() > 0;
    }

    private static boolean hasOutboundUser(User user, OutboundPolicy policy) {
        if (policy.sharesIdentifiers() || policy.sharesAudienceData() || policy.sharesEids()) {
            return true;
        }
        return user.consent != null || user.geo != null;
    }

    /**
     * {@code user.ext}: under the full policy the seller's ext without what Merlin places itself ({@code consent},
     * {@code eids}) and without {@code prebid}; otherwise nothing of it. For a 2.5 DSP, {@code consent} and (when ids
     * may pass) {@code eids} are written into it.
     */
    private void writeUserExt(JsonGenerator gen, User user, boolean eids, boolean audience, boolean extPlacement)
            throws IOException {
        boolean extConsent = extPlacement && user.consent != null;
        boolean extEids = extPlacement && eids;
        if (!extConsent && !extEids) {
            if (audience) {
                ExtFields.writeExtWithout(gen, user.ext, USER_EXT_FULL_DROPPED);
            }
            return;
        }
        gen.writeFieldName("ext");
        gen.writeStartObject();
        if (audience) {
            ExtFields.copyFieldsExcept(gen, user.ext, USER_EXT_FULL_DROPPED);
        }
        writeString(gen, "consent", user.consent);
        if (extEids) {
            writeObjectList(gen, "eids", user.eids, BidRequestEncoder::writeEid);
        }
        gen.writeEndObject();
    }

    /** A geo object: verbatim when the precise location may pass, otherwise coarse (see the class comment). */
    private void writeGeo(JsonGenerator gen, String name, Geo geo, OutboundPolicy policy) throws IOException {
        if (geo == null) {
            return;
        }
        if (policy.sharesPreciseLocation()) {
            writeObject(gen, name, geo, BidRequestEncoder::writeGeo);
            written |= isPrecise(geo) ? DataCategories.PRECISE_GEO : 0;
            return;
        }
        gen.writeFieldName(name);
        gen.writeStartObject();
        writeCoordinate(gen, "lat", geo.lat);
        writeCoordinate(gen, "lon", geo.lon);
        writeInt(gen, "type", geo.type);
        writeInt(gen, "ipservice", geo.ipservice);
        writeString(gen, "country", geo.country);
        writeString(gen, "region", geo.region);
        writeString(gen, "regionfips104", geo.regionfips104);
        writeString(gen, "metro", geo.metro);
        writeString(gen, "city", geo.city);
        writeInt(gen, "utcoffset", geo.utcoffset);
        gen.writeEndObject();
    }

    /** A latitude or longitude rounded to 2 decimals; a value that is not a finite number is dropped. */
    private void writeCoordinate(JsonGenerator gen, String name, Double degrees) throws IOException {
        if (degrees == null || !Double.isFinite(degrees) || Math.abs(degrees) > 180) {
            return;
        }
        JsonFieldWriter.writeFixedPoint(gen, name, Math.round(degrees * 100), 2, scratch);
    }

    /**
     * An IP address truncated (IPv4 /24, IPv6 /56) or, when it does not parse as the field's kind of address,
     * dropped: a malformed value may hold anything, so it never passes.
     */
    private void writeIp(JsonGenerator gen, String name, String ip, boolean isIpv6) throws IOException {
        if (ip == null) {
            return;
        }
        int length = isIpv6 ? ips.truncateIpv6(ip, scratch) : ips.truncateIpv4(ip, scratch);
        if (length > 0) {
            gen.writeFieldName(name);
            gen.writeString(scratch, 0, length);
        }
    }
}
