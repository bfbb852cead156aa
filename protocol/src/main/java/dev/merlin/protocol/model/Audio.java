package dev.merlin.protocol.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Objects;

/** An audio placement. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public final class Audio {

    public List<String> mimes;
    public Integer minduration;
    public Integer maxduration;
    public Integer poddur;
    public List<Integer> protocols;
    public Integer startdelay;
    public List<Integer> rqddurs;
    public String podid;
    public Integer podseq;
    public Integer sequence;
    public Integer slotinpod;
    public Double mincpmpersec;
    public List<Integer> battr;
    public Integer maxextended;
    public Integer minbitrate;
    public Integer maxbitrate;
    public List<Integer> delivery;
    public List<Banner> companionad;
    public List<Integer> api;
    public List<Integer> companiontype;
    public Integer maxseq;
    public Integer feed;
    public Integer stitched;
    public Integer nvol;
    public List<DurFloors> durfloors;
    public RawJson ext;

    /** Sets every field to null, as a new instance has them, so the object can be decoded into again. */
    public void clear() {
        mimes = null;
        minduration = null;
        maxduration = null;
        poddur = null;
        protocols = null;
        startdelay = null;
        rqddurs = null;
        podid = null;
        podseq = null;
        sequence = null;
        slotinpod = null;
        mincpmpersec = null;
        battr = null;
        maxextended = null;
        minbitrate = null;
        maxbitrate = null;
        delivery = null;
        companionad = null;
        api = null;
        companiontype = null;
        maxseq = null;
        feed = null;
        stitched = null;
        nvol = null;
        durfloors = null;
        ext = null;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Audio)) {
            return false;
        }
        Audio that = (Audio) o;
        return Objects.equals(mimes, that.mimes) && Objects.equals(minduration, that.minduration)
                && Objects.equals(maxduration, that.maxduration) && Objects.equals(poddur, that.poddur)
                && Objects.equals(protocols, that.protocols) && Objects.equals(startdelay, that.startdelay)
                && Objects.equals(rqddurs, that.rqddurs) && Objects.equals(podid, that.podid)
                && Objects.equals(podseq, that.podseq) && Objects.equals(sequence, that.sequence)
                && Objects.equals(slotinpod, that.slotinpod) && Objects.equals(mincpmpersec, that.mincpmpersec)
                && Objects.equals(battr, that.battr) && Objects.equals(maxextended, that.maxextended)
                && Objects.equals(minbitrate, that.minbitrate) && Objects.equals(maxbitrate, that.maxbitrate)
                && Objects.equals(delivery, that.delivery) && Objects.equals(companionad, that.companionad)
                && Objects.equals(api, that.api) && Objects.equals(companiontype, that.companiontype)
                && Objects.equals(maxseq, that.maxseq) && Objects.equals(feed, that.feed)
                && Objects.equals(stitched, that.stitched) && Objects.equals(nvol, that.nvol)
                && Objects.equals(durfloors, that.durfloors) && Objects.equals(ext, that.ext);
    }

    @Override
    public int hashCode() {
        int h = Objects.hashCode(mimes);
        h = 31 * h + Objects.hashCode(minduration);
        h = 31 * h + Objects.hashCode(maxduration);
        h = 31 * h + Objects.hashCode(poddur);
        h = 31 * h + Objects.hashCode(protocols);
        h = 31 * h + Objects.hashCode(startdelay);
        h = 31 * h + Objects.hashCode(rqddurs);
        h = 31 * h + Objects.hashCode(podid);
        h = 31 * h + Objects.hashCode(podseq);
        h = 31 * h + Objects.hashCode(sequence);
        h = 31 * h + Objects.hashCode(slotinpod);
        h = 31 * h + Objects.hashCode(mincpmpersec);
        h = 31 * h + Objects.hashCode(battr);
        h = 31 * h + Objects.hashCode(maxextended);
        h = 31 * h + Objects.hashCode(minbitrate);
        h = 31 * h + Objects.hashCode(maxbitrate);
        h = 31 * h + Objects.hashCode(delivery);
        h = 31 * h + Objects.hashCode(companionad);
        h = 31 * h + Objects.hashCode(api);
        h = 31 * h + Objects.hashCode(companiontype);
        h = 31 * h + Objects.hashCode(maxseq);
        h = 31 * h + Objects.hashCode(feed);
        h = 31 * h + Objects.hashCode(stitched);
        h = 31 * h + Objects.hashCode(nvol);
        h = 31 * h + Objects.hashCode(durfloors);
        h = 31 * h + Objects.hashCode(ext);
        return h;
    }
}
