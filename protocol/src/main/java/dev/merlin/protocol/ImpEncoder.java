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

/**
 * Writes an {@code imp} object and everything under it (media objects, pmp, deals) for {@link BidRequestEncoder}.
 */
final class ImpEncoder {

    private ImpEncoder() {
    }

    /** Writes one {@code imp} object, {@code native} key included. */
    static void writeImp(JsonGenerator gen, Imp imp) throws IOException {
        gen.writeStartObject();
        writeString(gen, "id", imp.id);
        writeObjectList(gen, "metric", imp.metric, ImpEncoder::writeMetric);
        writeObject(gen, "banner", imp.banner, ImpEncoder::writeBanner);
        writeObject(gen, "video", imp.video, ImpEncoder::writeVideo);
        writeObject(gen, "audio", imp.audio, ImpEncoder::writeAudio);
        writeObject(gen, "native", imp.nativeAd, ImpEncoder::writeNative);
        writeObject(gen, "pmp", imp.pmp, ImpEncoder::writePmp);
        writeString(gen, "displaymanager", imp.displaymanager);
        writeString(gen, "displaymanagerver", imp.displaymanagerver);
        writeInt(gen, "instl", imp.instl);
        writeString(gen, "tagid", imp.tagid);
        writeDouble(gen, "bidfloor", imp.bidfloor);
        writeString(gen, "bidfloorcur", imp.bidfloorcur);
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

    private static void writeVideo(JsonGenerator gen, Video video) throws IOException {
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
        writeDouble(gen, "mincpmpersec", video.mincpmpersec);
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
        writeObjectList(gen, "durfloors", video.durfloors, ImpEncoder::writeDurFloors);
        writeExt(gen, video.ext);
        gen.writeEndObject();
    }

    private static void writeAudio(JsonGenerator gen, Audio audio) throws IOException {
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
        writeDouble(gen, "mincpmpersec", audio.mincpmpersec);
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
        writeObjectList(gen, "durfloors", audio.durfloors, ImpEncoder::writeDurFloors);
        writeExt(gen, audio.ext);
        gen.writeEndObject();
    }

    private static void writeDurFloors(JsonGenerator gen, DurFloors durFloors) throws IOException {
        gen.writeStartObject();
        writeInt(gen, "mindur", durFloors.mindur);
        writeInt(gen, "maxdur", durFloors.maxdur);
        writeDouble(gen, "bidfloor", durFloors.bidfloor);
        writeExt(gen, durFloors.ext);
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

    private static void writePmp(JsonGenerator gen, Pmp pmp) throws IOException {
        gen.writeStartObject();
        writeInt(gen, "private_auction", pmp.private_auction);
        writeObjectList(gen, "deals", pmp.deals, ImpEncoder::writeDeal);
        writeExt(gen, pmp.ext);
        gen.writeEndObject();
    }

    private static void writeDeal(JsonGenerator gen, Deal deal) throws IOException {
        gen.writeStartObject();
        writeString(gen, "id", deal.id);
        writeDouble(gen, "bidfloor", deal.bidfloor);
        writeString(gen, "bidfloorcur", deal.bidfloorcur);
        writeInt(gen, "at", deal.at);
        writeStringList(gen, "wseat", deal.wseat);
        writeStringList(gen, "wadomain", deal.wadomain);
        writeInt(gen, "guar", deal.guar);
        writeDouble(gen, "mincpmpersec", deal.mincpmpersec);
        writeObjectList(gen, "durfloors", deal.durfloors, ImpEncoder::writeDurFloors);
        writeExt(gen, deal.ext);
        gen.writeEndObject();
    }
}
