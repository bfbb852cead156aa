package dev.merlin.protocol;

import com.fasterxml.jackson.core.JsonToken;
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

/** Decodes {@code imp} objects and what they offer: banner, video, audio, native, deals. */
final class ImpDecoder {

    private final StrictJsonReader in;
    private final StrictJsonReader.ElementReader<Imp> impReader = this::imp;
    private final StrictJsonReader.ElementReader<Metric> metricReader = this::metric;
    private final StrictJsonReader.ElementReader<Format> formatReader = this::format;
    private final StrictJsonReader.ElementReader<Banner> bannerReader = this::banner;
    private final StrictJsonReader.ElementReader<Deal> dealReader = this::deal;
    private final StrictJsonReader.ElementReader<DurFloors> durFloorsReader = this::durFloors;
    private final StrictJsonReader.ElementReader<RefSettings> refSettingsReader = this::refSettings;

    ImpDecoder(StrictJsonReader in) {
        this.in = in;
    }

    StrictJsonReader.ElementReader<Imp> impReader() {
        return impReader;
    }

    Imp imp() throws IOException, InvalidRequestException {
        if (!in.beginObject()) {
            return null;
        }
        Imp imp = in.pool().imps.take();
        String field;
        while ((field = in.nextField()) != null) {
            switch (field) {
                case "id": imp.id = in.readCommonString(); break;
                case "metric": imp.metric = in.readObjects(metricReader); break;
                case "banner": imp.banner = banner(); break;
                case "video": imp.video = video(); break;
                case "audio": imp.audio = audio(); break;
                case "native": imp.nativeAd = nativeAd(); break;
                case "pmp": imp.pmp = pmp(); break;
                case "displaymanager": imp.displaymanager = in.readCommonString(); break;
                case "displaymanagerver": imp.displaymanagerver = in.readCommonString(); break;
                case "instl": imp.instl = in.readInt(); break;
                case "tagid": imp.tagid = in.readString(); break;
                case "bidfloor": imp.bidfloor = in.readNonNegativeDouble(); break;
                case "bidfloorcur": imp.bidfloorcur = in.readCommonString(); break;
                case "clickbrowser": imp.clickbrowser = in.readInt(); break;
                case "secure": imp.secure = in.readInt(); break;
                case "iframebuster": imp.iframebuster = in.readStrings(); break;
                case "rwdd": imp.rwdd = in.readInt(); break;
                case "ssai": imp.ssai = in.readInt(); break;
                case "exp": imp.exp = in.readInt(); break;
                case "qty": imp.qty = qty(); break;
                case "dt": imp.dt = in.readDouble(); break;
                case "refresh": imp.refresh = refresh(); break;
                case "ext": imp.ext = in.readExt(); break;
                default: in.skip();
            }
        }
        return imp;
    }

    private Metric metric() throws IOException, InvalidRequestException {
        if (!in.beginObject()) {
            return null;
        }
        Metric metric = in.pool().metrics.take();
        String field;
        while ((field = in.nextField()) != null) {
            switch (field) {
                case "type": metric.type = in.readCommonString(); break;
                case "value": metric.value = in.readDouble(); break;
                case "vendor": metric.vendor = in.readCommonString(); break;
                case "ext": metric.ext = in.readExt(); break;
                default: in.skip();
            }
        }
        return metric;
    }

    private Banner banner() throws IOException, InvalidRequestException {
        if (!in.beginObject()) {
            return null;
        }
        Banner banner = in.pool().banners.take();
        String field;
        while ((field = in.nextField()) != null) {
            switch (field) {
                case "format": banner.format = in.readObjects(formatReader); break;
                case "w": banner.w = in.readNonNegativeInt(); break;
                case "h": banner.h = in.readNonNegativeInt(); break;
                case "btype": banner.btype = in.readInts(); break;
                case "battr": banner.battr = in.readInts(); break;
                case "pos": banner.pos = in.readInt(); break;
                case "mimes": banner.mimes = in.readCommonStrings(); break;
                case "topframe": banner.topframe = in.readInt(); break;
                case "expdir": banner.expdir = in.readInts(); break;
                case "api": banner.api = in.readInts(); break;
                case "id": banner.id = in.readString(); break;
                case "vcm": banner.vcm = in.readInt(); break;
                case "ext": banner.ext = in.readExt(); break;
                default: in.skip();
            }
        }
        return banner;
    }

    private Format format() throws IOException, InvalidRequestException {
        if (!in.beginObject()) {
            return null;
        }
        Format format = in.pool().formats.take();
        String field;
        while ((field = in.nextField()) != null) {
            switch (field) {
                case "w": format.w = in.readNonNegativeInt(); break;
                case "h": format.h = in.readNonNegativeInt(); break;
                case "wratio": format.wratio = in.readNonNegativeInt(); break;
                case "hratio": format.hratio = in.readNonNegativeInt(); break;
                case "wmin": format.wmin = in.readNonNegativeInt(); break;
                case "ext": format.ext = in.readExt(); break;
                default: in.skip();
            }
        }
        return format;
    }

    private Video video() throws IOException, InvalidRequestException {
        if (!in.beginObject()) {
            return null;
        }
        Video video = in.pool().videos.take();
        String field;
        while ((field = in.nextField()) != null) {
            switch (field) {
                case "mimes": video.mimes = in.readCommonStrings(); break;
                case "minduration": video.minduration = in.readNonNegativeInt(); break;
                case "maxduration": video.maxduration = in.readNonNegativeInt(); break;
                case "startdelay": video.startdelay = in.readInt(); break;
                case "maxseq": video.maxseq = in.readInt(); break;
                case "poddur": video.poddur = in.readNonNegativeInt(); break;
                case "protocols": video.protocols = in.readInts(); break;
                case "protocol": video.protocol = in.readInt(); break;
                case "w": video.w = in.readNonNegativeInt(); break;
                case "h": video.h = in.readNonNegativeInt(); break;
                case "podid": video.podid = in.readString(); break;
                case "podseq": video.podseq = in.readInt(); break;
                case "rqddurs": video.rqddurs = in.readInts(); break;
                case "placement": video.placement = in.readInt(); break;
                case "plcmt": video.plcmt = in.readInt(); break;
                case "linearity": video.linearity = in.readInt(); break;
                case "skip": video.skip = in.readInt(); break;
                case "skipmin": video.skipmin = in.readInt(); break;
                case "skipafter": video.skipafter = in.readInt(); break;
                case "sequence": video.sequence = in.readInt(); break;
                case "slotinpod": video.slotinpod = in.readInt(); break;
                case "mincpmpersec": video.mincpmpersec = in.readNonNegativeDouble(); break;
                case "battr": video.battr = in.readInts(); break;
                case "maxextended": video.maxextended = in.readInt(); break;
                case "minbitrate": video.minbitrate = in.readInt(); break;
                case "maxbitrate": video.maxbitrate = in.readInt(); break;
                case "boxingallowed": video.boxingallowed = in.readInt(); break;
                case "playbackmethod": video.playbackmethod = in.readInts(); break;
                case "playbackend": video.playbackend = in.readInt(); break;
                case "delivery": video.delivery = in.readInts(); break;
                case "pos": video.pos = in.readInt(); break;
                case "companionad": video.companionad = in.readObjects(bannerReader); break;
                case "api": video.api = in.readInts(); break;
                case "companiontype": video.companiontype = in.readInts(); break;
                case "poddedupe": video.poddedupe = in.readInts(); break;
                case "durfloors": video.durfloors = in.readObjects(durFloorsReader); break;
                case "ext": video.ext = in.readExt(); break;
                default: in.skip();
            }
        }
        return video;
    }

    private Audio audio() throws IOException, InvalidRequestException {
        if (!in.beginObject()) {
            return null;
        }
        Audio audio = in.pool().audios.take();
        String field;
        while ((field = in.nextField()) != null) {
            switch (field) {
                case "mimes": audio.mimes = in.readCommonStrings(); break;
                case "minduration": audio.minduration = in.readNonNegativeInt(); break;
                case "maxduration": audio.maxduration = in.readNonNegativeInt(); break;
                case "poddur": audio.poddur = in.readNonNegativeInt(); break;
                case "protocols": audio.protocols = in.readInts(); break;
                case "startdelay": audio.startdelay = in.readInt(); break;
                case "rqddurs": audio.rqddurs = in.readInts(); break;
                case "podid": audio.podid = in.readString(); break;
                case "podseq": audio.podseq = in.readInt(); break;
                case "sequence": audio.sequence = in.readInt(); break;
                case "slotinpod": audio.slotinpod = in.readInt(); break;
                case "mincpmpersec": audio.mincpmpersec = in.readNonNegativeDouble(); break;
                case "battr": audio.battr = in.readInts(); break;
                case "maxextended": audio.maxextended = in.readInt(); break;
                case "minbitrate": audio.minbitrate = in.readInt(); break;
                case "maxbitrate": audio.maxbitrate = in.readInt(); break;
                case "delivery": audio.delivery = in.readInts(); break;
                case "companionad": audio.companionad = in.readObjects(bannerReader); break;
                case "api": audio.api = in.readInts(); break;
                case "companiontype": audio.companiontype = in.readInts(); break;
                case "maxseq": audio.maxseq = in.readInt(); break;
                case "feed": audio.feed = in.readInt(); break;
                case "stitched": audio.stitched = in.readInt(); break;
                case "nvol": audio.nvol = in.readInt(); break;
                case "durfloors": audio.durfloors = in.readObjects(durFloorsReader); break;
                case "ext": audio.ext = in.readExt(); break;
                default: in.skip();
            }
        }
        return audio;
    }

    private DurFloors durFloors() throws IOException, InvalidRequestException {
        if (!in.beginObject()) {
            return null;
        }
        DurFloors floors = in.pool().durFloorss.take();
        String field;
        while ((field = in.nextField()) != null) {
            switch (field) {
                case "mindur": floors.mindur = in.readNonNegativeInt(); break;
                case "maxdur": floors.maxdur = in.readNonNegativeInt(); break;
                case "bidfloor": floors.bidfloor = in.readNonNegativeDouble(); break;
                case "ext": floors.ext = in.readExt(); break;
                default: in.skip();
            }
        }
        return floors;
    }

    private Native nativeAd() throws IOException, InvalidRequestException {
        if (!in.beginObject()) {
            return null;
        }
        Native nativeAd = in.pool().natives.take();
        String field;
        while ((field = in.nextField()) != null) {
            switch (field) {
                case "request": nativeAd.request = nativeRequest(); break;
                case "ver": nativeAd.ver = in.readCommonString(); break;
                case "api": nativeAd.api = in.readInts(); break;
                case "battr": nativeAd.battr = in.readInts(); break;
                case "ext": nativeAd.ext = in.readExt(); break;
                default: in.skip();
            }
        }
        return nativeAd;
    }

    /** The spec says a string holding Native JSON; some libraries send the object itself, which we keep as text. */
    private String nativeRequest() throws IOException, InvalidRequestException {
        if (in.parser().currentToken() == JsonToken.START_OBJECT) {
            return in.readRawText();
        }
        return in.readString();
    }

    private Pmp pmp() throws IOException, InvalidRequestException {
        if (!in.beginObject()) {
            return null;
        }
        Pmp pmp = in.pool().pmps.take();
        String field;
        while ((field = in.nextField()) != null) {
            switch (field) {
                case "private_auction": pmp.private_auction = in.readFlag(); break;
                case "deals": pmp.deals = in.readObjects(dealReader); break;
                case "ext": pmp.ext = in.readExt(); break;
                default: in.skip();
            }
        }
        return pmp;
    }

    private Deal deal() throws IOException, InvalidRequestException {
        if (!in.beginObject()) {
            return null;
        }
        Deal deal = in.pool().deals.take();
        String field;
        while ((field = in.nextField()) != null) {
            switch (field) {
                case "id": deal.id = in.readCommonString(); break;
                case "bidfloor": deal.bidfloor = in.readNonNegativeDouble(); break;
                case "bidfloorcur": deal.bidfloorcur = in.readCommonString(); break;
                case "at": deal.at = in.readInt(); break;
                case "wseat": deal.wseat = in.readCommonStrings(); break;
                case "wadomain": deal.wadomain = in.readCommonStrings(); break;
                case "guar": deal.guar = in.readInt(); break;
                case "mincpmpersec": deal.mincpmpersec = in.readNonNegativeDouble(); break;
                case "durfloors": deal.durfloors = in.readObjects(durFloorsReader); break;
                case "ext": deal.ext = in.readExt(); break;
                default: in.skip();
            }
        }
        return deal;
    }

    private Qty qty() throws IOException, InvalidRequestException {
        if (!in.beginObject()) {
            return null;
        }
        Qty qty = in.pool().qtys.take();
        String field;
        while ((field = in.nextField()) != null) {
            switch (field) {
                case "multiplier": qty.multiplier = in.readNonNegativeDouble(); break;
                case "sourcetype": qty.sourcetype = in.readInt(); break;
                case "vendor": qty.vendor = in.readCommonString(); break;
                case "ext": qty.ext = in.readExt(); break;
                default: in.skip();
            }
        }
        return qty;
    }

    private Refresh refresh() throws IOException, InvalidRequestException {
        if (!in.beginObject()) {
            return null;
        }
        Refresh refresh = in.pool().refreshs.take();
        String field;
        while ((field = in.nextField()) != null) {
            switch (field) {
                case "refsettings": refresh.refsettings = in.readObjects(refSettingsReader); break;
                case "count": refresh.count = in.readNonNegativeInt(); break;
                case "ext": refresh.ext = in.readExt(); break;
                default: in.skip();
            }
        }
        return refresh;
    }

    private RefSettings refSettings() throws IOException, InvalidRequestException {
        if (!in.beginObject()) {
            return null;
        }
        RefSettings settings = in.pool().refSettingss.take();
        String field;
        while ((field = in.nextField()) != null) {
            switch (field) {
                case "reftype": settings.reftype = in.readInt(); break;
                case "minint": settings.minint = in.readNonNegativeInt(); break;
                case "ext": settings.ext = in.readExt(); break;
                default: in.skip();
            }
        }
        return settings;
    }
}
