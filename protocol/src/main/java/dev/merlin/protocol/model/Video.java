package dev.merlin.protocol.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Objects;

/** An in-stream or out-stream video placement. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public final class Video {

    public List<String> mimes;
    public Integer minduration;
    public Integer maxduration;
    public Integer startdelay;
    public Integer maxseq;
    public Integer poddur;
    public List<Integer> protocols;
    public Integer protocol;
    public Integer w;
    public Integer h;
    public String podid;
    public Integer podseq;
    public List<Integer> rqddurs;
    public Integer placement;
    public Integer plcmt;
    public Integer linearity;
    public Integer skip;
    public Integer skipmin;
    public Integer skipafter;
    public Integer sequence;
    public Integer slotinpod;
    public Double mincpmpersec;
    public List<Integer> battr;
    public Integer maxextended;
    public Integer minbitrate;
    public Integer maxbitrate;
    public Integer boxingallowed;
    public List<Integer> playbackmethod;
    public Integer playbackend;
    public List<Integer> delivery;
    public Integer pos;
    public List<Banner> companionad;
    public List<Integer> api;
    public List<Integer> companiontype;
    public List<Integer> poddedupe;
    public List<DurFloors> durfloors;
    public RawJson ext;

    /** Sets every field to null, as a new instance has them, so the object can be decoded into again. */
    public void clear() {
        mimes = null;
        minduration = null;
        maxduration = null;
        startdelay = null;
        maxseq = null;
        poddur = null;
        protocols = null;
        protocol = null;
        w = null;
        h = null;
        podid = null;
        podseq = null;
        rqddurs = null;
        placement = null;
        plcmt = null;
        linearity = null;
        skip = null;
        skipmin = null;
        skipafter = null;
        sequence = null;
        slotinpod = null;
        mincpmpersec = null;
        battr = null;
        maxextended = null;
        minbitrate = null;
        maxbitrate = null;
        boxingallowed = null;
        playbackmethod = null;
        playbackend = null;
        delivery = null;
        pos = null;
        companionad = null;
        api = null;
        companiontype = null;
        poddedupe = null;
        durfloors = null;
        ext = null;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Video)) {
            return false;
        }
        Video that = (Video) o;
        return Objects.equals(mimes, that.mimes) && Objects.equals(minduration, that.minduration)
                && Objects.equals(maxduration, that.maxduration) && Objects.equals(startdelay, that.startdelay)
                && Objects.equals(maxseq, that.maxseq) && Objects.equals(poddur, that.poddur)
                && Objects.equals(protocols, that.protocols) && Objects.equals(protocol, that.protocol)
                && Objects.equals(w, that.w) && Objects.equals(h, that.h) && Objects.equals(podid, that.podid)
                && Objects.equals(podseq, that.podseq) && Objects.equals(rqddurs, that.rqddurs)
                && Objects.equals(placement, that.placement) && Objects.equals(plcmt, that.plcmt)
                && Objects.equals(linearity, that.linearity) && Objects.equals(skip, that.skip)
                && Objects.equals(skipmin, that.skipmin) && Objects.equals(skipafter, that.skipafter)
                && Objects.equals(sequence, that.sequence) && Objects.equals(slotinpod, that.slotinpod)
                && Objects.equals(mincpmpersec, that.mincpmpersec) && Objects.equals(battr, that.battr)
                && Objects.equals(maxextended, that.maxextended) && Objects.equals(minbitrate, that.minbitrate)
                && Objects.equals(maxbitrate, that.maxbitrate) && Objects.equals(boxingallowed, that.boxingallowed)
                && Objects.equals(playbackmethod, that.playbackmethod) && Objects.equals(playbackend, that.playbackend)
                && Objects.equals(delivery, that.delivery) && Objects.equals(pos, that.pos)
                && Objects.equals(companionad, that.companionad) && Objects.equals(api, that.api)
                && Objects.equals(companiontype, that.companiontype) && Objects.equals(poddedupe, that.poddedupe)
                && Objects.equals(durfloors, that.durfloors) && Objects.equals(ext, that.ext);
    }

    @Override
    public int hashCode() {
        int h = Objects.hashCode(mimes);
        h = 31 * h + Objects.hashCode(minduration);
        h = 31 * h + Objects.hashCode(maxduration);
        h = 31 * h + Objects.hashCode(startdelay);
        h = 31 * h + Objects.hashCode(maxseq);
        h = 31 * h + Objects.hashCode(poddur);
        h = 31 * h + Objects.hashCode(protocols);
        h = 31 * h + Objects.hashCode(protocol);
        h = 31 * h + Objects.hashCode(w);
        h = 31 * h + Objects.hashCode(h);
        h = 31 * h + Objects.hashCode(podid);
        h = 31 * h + Objects.hashCode(podseq);
        h = 31 * h + Objects.hashCode(rqddurs);
        h = 31 * h + Objects.hashCode(placement);
        h = 31 * h + Objects.hashCode(plcmt);
        h = 31 * h + Objects.hashCode(linearity);
        h = 31 * h + Objects.hashCode(skip);
        h = 31 * h + Objects.hashCode(skipmin);
        h = 31 * h + Objects.hashCode(skipafter);
        h = 31 * h + Objects.hashCode(sequence);
        h = 31 * h + Objects.hashCode(slotinpod);
        h = 31 * h + Objects.hashCode(mincpmpersec);
        h = 31 * h + Objects.hashCode(battr);
        h = 31 * h + Objects.hashCode(maxextended);
        h = 31 * h + Objects.hashCode(minbitrate);
        h = 31 * h + Objects.hashCode(maxbitrate);
        h = 31 * h + Objects.hashCode(boxingallowed);
        h = 31 * h + Objects.hashCode(playbackmethod);
        h = 31 * h + Objects.hashCode(playbackend);
        h = 31 * h + Objects.hashCode(delivery);
        h = 31 * h + Objects.hashCode(pos);
        h = 31 * h + Objects.hashCode(companionad);
        h = 31 * h + Objects.hashCode(api);
        h = 31 * h + Objects.hashCode(companiontype);
        h = 31 * h + Objects.hashCode(poddedupe);
        h = 31 * h + Objects.hashCode(durfloors);
        h = 31 * h + Objects.hashCode(ext);
        return h;
    }
}
