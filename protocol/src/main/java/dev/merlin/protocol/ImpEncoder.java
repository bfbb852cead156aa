package dev.merlin.protocol;

import static dev.merlin.protocol.JsonFieldWriter.writeDouble;
import static dev.merlin.protocol.JsonFieldWriter.writeExt;
import static dev.merlin.protocol.JsonFieldWriter.writeInt;
import static dev.merlin.protocol.JsonFieldWriter.writeIntList;
import static dev.merlin.protocol.JsonFieldWriter.writeObject;
import static dev.merlin.protocol.JsonFieldWriter.writeObjectList;
import static dev.merlin.protocol.JsonFieldWriter.writeString;
import static dev.merlin.protocol.JsonFieldWriter.writeStringList;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.merlin.protocol.model.Audio;
import dev.merlin.protocol.model.Banner;
import dev.merlin.protocol.model.Deal;
import dev.merlin.protocol.model.DurFloors;
import dev.merlin.protocol.model.Format;
import dev.merlin.protocol.model.Imp;
import dev.merlin.protocol.model.Metric;
import dev.merlin.protocol.model.Native;
import dev.merlin.protocol.model.Pmp;
import dev.merlin.protocol.model.Qty;
import dev.merlin.protocol.model.RefSettings;
import dev.merlin.protocol.model.Refresh;
import dev.merlin.protocol.model.Video;
import java.io.IOException;
import java.util.List;
import java.util.Objects;

/**
 * Writes an {@code imp} object and everything under it (media objects, pmp, deals): verbatim for
 * {@link BidRequestEncoder}, or as an outbound copy for one buyer with a media filter and its floors rewritten by a
 * {@link FloorWriter} (every floor field: {@code bidfloor}, {@code mincpmpersec}, {@code durfloors[].bidfloor} of the
 * imp's media and of its deals, each with the currency it was given in).
 *
 * <p>Holds no state besides its floor writer: the verbatim instance is shared; an outbound one is as thread-safe as
 * the floor writer it was given.
 */
public final class ImpEncoder {

    /** The imp's {@code banner} object, as a bit of a media mask. */
    public static final int BANNER = 1;
    /** The imp's {@code video} object, as a bit of a media mask. */
    public static final int VIDEO = 2;
    /** The imp's {@code audio} object, as a bit of a media mask. */
    public static final int AUDIO = 4;
    /** The imp's {@code native} object, as a bit of a media mask. */
    public static final int NATIVE = 8;
    /** Every media object. */
    public static final int ALL_MEDIA = BANNER | VIDEO | AUDIO | NATIVE;

    /** Writes the floors of an outbound imp, e.g. converted to the buyer's currency. */
    public interface FloorWriter {

        /**
         * Writes the floor field {@code name} for {@code amount}, which was given in {@code currency} (null: the
         * OpenRTB default, USD).
         */
        void writeFloor(JsonGenerator gen, String name, double amount, String currency) throws IOException;

        /** The {@code bidfloorcur} to write for floors given in {@code currency} (null: USD); null writes none. */
        String floorCurrency(String currency);
    }

    private static final ImpEncoder VERBATIM = new ImpEncoder();

    private final FloorWriter floors;

    private ImpEncoder() {
        this.floors = null;
    }

    /** An encoder writing outbound imps whose floors go through {@code floors}. */
    public ImpEncoder(FloorWriter floors) {
        this.floors = Objects.requireNonNull(floors, "floors");
    }

    /**
     * The media objects {@code imp} has, as a mask of {@link #BANNER}, {@link #VIDEO}, {@link #AUDIO} and
     * {@link #NATIVE}.
     */
    public static int mediaOf(Imp imp) {
        return (imp.banner != null ? BANNER : 0) | (imp.video != null ? VIDEO : 0) | (imp.audio != null ? AUDIO : 0)
                | (imp.nativeAd != null ? NATIVE : 0);
    }

    /** Writes one {@code imp} object verbatim, {@code native} key included. */
    static void writeImp(JsonGenerator gen, Imp imp) throws IOException {
        VERBATIM.writeImp(gen, imp, ALL_MEDIA);
    }

    /**
     * Writes one {@code imp} object with only the media objects in {@code mediaMask} ({@code native} key included)
     * and, for an outbound encoder, its floors through the floor writer; everything else verbatim.
     */
    public void writeImp(JsonGenerator gen, Imp imp, int mediaMask) throws IOException {
        String currency = imp.bidfloorcur;
        gen.writeStartObject();
        writeString(gen, "id", imp.id);
        writeObjectList(gen, "metric", imp.metric, ImpEncoder::writeMetric);
        if ((mediaMask & BANNER) != 0) {
            writeObject(gen, "banner", imp.banner, ImpEncoder::writeBanner);
        }
        if ((mediaMask & VIDEO) != 0 && imp.video != null) {
            gen.writeFieldName("video");
            writeVideo(gen, imp.video, currency);
        }
        if ((mediaMask & AUDIO) != 0 && imp.audio != null) {
            gen.writeFieldName("audio");
            writeAudio(gen, imp.audio, currency);
        }
        if ((mediaMask & NATIVE) != 0) {
            writeObject(gen, "native", imp.nativeAd, ImpEncoder::writeNative);
        }
        if (imp.pmp != null) {
            gen.writeFieldName("pmp");
            writePmp(gen, imp.pmp);
        }
        writeString(gen, "displaymanager", imp.displaymanager);
        writeString(gen, "displaymanagerver", imp.displaymanagerver);
        writeInt(gen, "instl", imp.instl);
        writeString(gen, "tagid", imp.tagid);
        writeFloor(gen, "bidfloor", imp.bidfloor, currency);
        writeFloorCurrency(gen, currency, true);
        writeInt(gen, "clickbrowser", imp.clickbrowser);
        writeInt(gen, "secure", imp.secure);
        writeStringList(gen, "iframebuster", imp.iframebuster);
        writeInt(gen, "rwdd", imp.rwdd);
        writeInt(gen, "ssai", imp.ssai);
        writeInt(gen, "exp", imp.exp);
        writeObject(gen, "qty", imp.qty, ImpEncoder::writeQty);
        writeDouble(gen, "dt", imp.dt);
        writeObject(gen, "refresh", imp.refresh, ImpEncoder::writeRefresh);
        writeExt(gen, imp.ext);
        gen.writeEndObject();
    }

    private void writeFloor(JsonGenerator gen, String name, Double amount, String currency) throws IOException {
        if (amount == null) {
            return;
        }
        if (floors == null) {
            writeDouble(gen, name, amount);
        } else {
            floors.writeFloor(gen, name, amount, currency);
        }
    }

    /** {@code bidfloorcur}: as given when verbatim; for an outbound copy whenever it names floors. */
    private void writeFloorCurrency(JsonGenerator gen, String currency, boolean hasFloors) throws IOException {
        if (floors == null) {
            writeString(gen, "bidfloorcur", currency);
        } else if (hasFloors || currency != null) {
            writeString(gen, "bidfloorcur", floors.floorCurrency(currency));
        }
    }

    private void writeDurFloorsList(JsonGenerator gen, List<DurFloors> list, String currency) throws IOException {
        if (list == null) {
            return;
        }
        gen.writeFieldName("durfloors");
        gen.writeStartArray();
        for (int i = 0, n = list.size(); i < n; i++) {
            DurFloors durFloors = list.get(i);
            if (durFloors == null) {
                gen.writeNull();
                continue;
            }
            gen.writeStartObject();
            writeInt(gen, "mindur", durFloors.mindur);
            writeInt(gen, "maxdur", durFloors.maxdur);
            writeFloor(gen, "bidfloor", durFloors.bidfloor, currency);
            writeExt(gen, durFloors.ext);
            gen.writeEndObject();
        }
        gen.writeEndArray();
    }

    private static void writeMetric(JsonGenerator gen, Metric metric) throws IOException {
        gen.writeStartObject();
        writeString(gen, "type", metric.type);
        writeDouble(gen, "value", metric.value);
        writeString(gen, "vendor", metric.vendor);
        writeExt(gen, metric.ext);
        gen.writeEndObject();
    }

    private static void writeQty(JsonGenerator gen, Qty qty) throws IOException {
        gen.writeStartObject();
        writeDouble(gen, "multiplier", qty.multiplier);
        writeInt(gen, "sourcetype", qty.sourcetype);
        writeString(gen, "vendor", qty.vendor);
        writeExt(gen, qty.ext);
        gen.writeEndObject();
    }

    private static void writeRefresh(JsonGenerator gen, Refresh refresh) throws IOException {
        gen.writeStartObject();
        writeObjectList(gen, "refsettings", refresh.refsettings, ImpEncoder::writeRefSettings);
        writeInt(gen, "count", refresh.count);
        writeExt(gen, refresh.ext);
        gen.writeEndObject();
    }

    private static void writeRefSettings(JsonGenerator gen, RefSettings refSettings) throws IOException {
        gen.writeStartObject();
        writeInt(gen, "reftype", refSettings.reftype);
        writeInt(gen, "minint", refSettings.minint);
        writeExt(gen, refSettings.ext);
        gen.writeEndObject();
    }

    private static void writeBanner(JsonGenerator gen, Banner banner) throws IOException {
        gen.writeStartObject();
        writeObjectList(gen, "format", banner.format, ImpEncoder::writeFormat);
        writeInt(gen, "w", banner.w);
        writeInt(gen, "h", banner.h);
        writeIntList(gen, "btype", banner.btype);
        writeIntList(gen, "battr", banner.battr);
        writeInt(gen, "pos", banner.pos);
        writeStringList(gen, "mimes", banner.mimes);
        writeInt(gen, "topframe", banner.topframe);
        writeIntList(gen, "expdir", banner.expdir);
        writeIntList(gen, "api", banner.api);
        writeString(gen, "id", banner.id);
        writeInt(gen, "vcm", banner.vcm);
        writeExt(gen, banner.ext);
        gen.writeEndObject();
    }

    private static void writeFormat(JsonGenerator gen, Format format) throws IOException {
        gen.writeStartObject();
        writeInt(gen, "w", format.w);
        writeInt(gen, "h", format.h);
        writeInt(gen, "wratio", format.wratio);
        writeInt(gen, "hratio", format.hratio);
        writeInt(gen, "wmin", format.wmin);
        writeExt(gen, format.ext);
        gen.writeEndObject();
    }

    private void writeVideo(JsonGenerator gen, Video video, String currency) throws IOException {
        gen.writeStartObject();
        writeStringList(gen, "mimes", video.mimes);
        writeInt(gen, "minduration", video.minduration);
        writeInt(gen, "maxduration", video.maxduration);
        writeInt(gen, "startdelay", video.startdelay);
        writeInt(gen, "maxseq", video.maxseq);
        writeInt(gen, "poddur", video.poddur);
        writeIntList(gen, "protocols", video.protocols);
        writeInt(gen, "protocol", video.protocol);
        writeInt(gen, "w", video.w);
        writeInt(gen, "h", video.h);
        writeString(gen, "podid", video.podid);
        writeInt(gen, "podseq", video.podseq);
        writeIntList(gen, "rqddurs", video.rqddurs);
        writeInt(gen, "placement", video.placement);
        writeInt(gen, "plcmt", video.plcmt);
        writeInt(gen, "linearity", video.linearity);
        writeInt(gen, "skip", video.skip);
        writeInt(gen, "skipmin", video.skipmin);
        writeInt(gen, "skipafter", video.skipafter);
        writeInt(gen, "sequence", video.sequence);
        writeInt(gen, "slotinpod", video.slotinpod);
        writeFloor(gen, "mincpmpersec", video.mincpmpersec, currency);
        writeIntList(gen, "battr", video.battr);
        writeInt(gen, "maxextended", video.maxextended);
        writeInt(gen, "minbitrate", video.minbitrate);
        writeInt(gen, "maxbitrate", video.maxbitrate);
        writeInt(gen, "boxingallowed", video.boxingallowed);
        writeIntList(gen, "playbackmethod", video.playbackmethod);
        writeInt(gen, "playbackend", video.playbackend);
        writeIntList(gen, "delivery", video.delivery);
        writeInt(gen, "pos", video.pos);
        writeObjectList(gen, "companionad", video.companionad, ImpEncoder::writeBanner);
        writeIntList(gen, "api", video.api);
        writeIntList(gen, "companiontype", video.companiontype);
        writeIntList(gen, "poddedupe", video.poddedupe);
        writeDurFloorsList(gen, video.durfloors, currency);
        writeExt(gen, video.ext);
        gen.writeEndObject();
    }

    private void writeAudio(JsonGenerator gen, Audio audio, String currency) throws IOException {
        gen.writeStartObject();
        writeStringList(gen, "mimes", audio.mimes);
        writeInt(gen, "minduration", audio.minduration);
        writeInt(gen, "maxduration", audio.maxduration);
        writeInt(gen, "poddur", audio.poddur);
        writeIntList(gen, "protocols", audio.protocols);
        writeInt(gen, "startdelay", audio.startdelay);
        writeIntList(gen, "rqddurs", audio.rqddurs);
        writeString(gen, "podid", audio.podid);
        writeInt(gen, "podseq", audio.podseq);
        writeInt(gen, "sequence", audio.sequence);
        writeInt(gen, "slotinpod", audio.slotinpod);
        writeFloor(gen, "mincpmpersec", audio.mincpmpersec, currency);
        writeIntList(gen, "battr", audio.battr);
        writeInt(gen, "maxextended", audio.maxextended);
        writeInt(gen, "minbitrate", audio.minbitrate);
        writeInt(gen, "maxbitrate", audio.maxbitrate);
        writeIntList(gen, "delivery", audio.delivery);
        writeObjectList(gen, "companionad", audio.companionad, ImpEncoder::writeBanner);
        writeIntList(gen, "api", audio.api);
        writeIntList(gen, "companiontype", audio.companiontype);
        writeInt(gen, "maxseq", audio.maxseq);
        writeInt(gen, "feed", audio.feed);
        writeInt(gen, "stitched", audio.stitched);
        writeInt(gen, "nvol", audio.nvol);
        writeDurFloorsList(gen, audio.durfloors, currency);
        writeExt(gen, audio.ext);
        gen.writeEndObject();
    }

    private static void writeNative(JsonGenerator gen, Native nativeObject) throws IOException {
        gen.writeStartObject();
        writeString(gen, "request", nativeObject.request);
        writeString(gen, "ver", nativeObject.ver);
        writeIntList(gen, "api", nativeObject.api);
        writeIntList(gen, "battr", nativeObject.battr);
        writeExt(gen, nativeObject.ext);
        gen.writeEndObject();
    }

    private void writePmp(JsonGenerator gen, Pmp pmp) throws IOException {
        gen.writeStartObject();
        writeInt(gen, "private_auction", pmp.private_auction);
        List<Deal> deals = pmp.deals;
        if (deals != null) {
            gen.writeFieldName("deals");
            gen.writeStartArray();
            for (int i = 0, n = deals.size(); i < n; i++) {
                Deal deal = deals.get(i);
                if (deal == null) {
                    gen.writeNull();
                } else {
                    writeDeal(gen, deal);
                }
            }
            gen.writeEndArray();
        }
        writeExt(gen, pmp.ext);
        gen.writeEndObject();
    }

    private void writeDeal(JsonGenerator gen, Deal deal) throws IOException {
        String currency = deal.bidfloorcur;
        gen.writeStartObject();
        writeString(gen, "id", deal.id);
        writeFloor(gen, "bidfloor", deal.bidfloor, currency);
        writeFloorCurrency(gen, currency,
                deal.bidfloor != null || deal.mincpmpersec != null || deal.durfloors != null);
        writeInt(gen, "at", deal.at);
        writeStringList(gen, "wseat", deal.wseat);
        writeStringList(gen, "wadomain", deal.wadomain);
        writeInt(gen, "guar", deal.guar);
        writeFloor(gen, "mincpmpersec", deal.mincpmpersec, currency);
        writeDurFloorsList(gen, deal.durfloors, currency);
        writeExt(gen, deal.ext);
        gen.writeEndObject();
    }
}
