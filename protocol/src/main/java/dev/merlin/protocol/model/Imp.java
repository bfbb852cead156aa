package dev.merlin.protocol.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Objects;

/** One ad placement or impression being auctioned. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public final class Imp {

    public String id;
    public List<Metric> metric;
    public Banner banner;
    public Video video;
    public Audio audio;
    /** The {@code native} object; renamed because {@code native} is a Java keyword. */
    @JsonProperty("native")
    public Native nativeAd;
    public Pmp pmp;
    public String displaymanager;
    public String displaymanagerver;
    public Integer instl;
    public String tagid;
    public Double bidfloor;
    public String bidfloorcur;
    public Integer clickbrowser;
    public Integer secure;
    public List<String> iframebuster;
    public Integer rwdd;
    public Integer ssai;
    public Integer exp;
    public Qty qty;
    public Double dt;
    public Refresh refresh;
    public RawJson ext;

    /** Sets every field to null, as a new instance has them, so the object can be decoded into again. */
    public void clear() {
        id = null;
        metric = null;
        banner = null;
        video = null;
        audio = null;
        nativeAd = null;
        pmp = null;
        displaymanager = null;
        displaymanagerver = null;
        instl = null;
        tagid = null;
        bidfloor = null;
        bidfloorcur = null;
        clickbrowser = null;
        secure = null;
        iframebuster = null;
        rwdd = null;
        ssai = null;
        exp = null;
        qty = null;
        dt = null;
        refresh = null;
        ext = null;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Imp)) {
            return false;
        }
        Imp that = (Imp) o;
        return Objects.equals(id, that.id) && Objects.equals(metric, that.metric)
                && Objects.equals(banner, that.banner) && Objects.equals(video, that.video)
                && Objects.equals(audio, that.audio) && Objects.equals(nativeAd, that.nativeAd)
                && Objects.equals(pmp, that.pmp) && Objects.equals(displaymanager, that.displaymanager)
                && Objects.equals(displaymanagerver, that.displaymanagerver) && Objects.equals(instl, that.instl)
                && Objects.equals(tagid, that.tagid) && Objects.equals(bidfloor, that.bidfloor)
                && Objects.equals(bidfloorcur, that.bidfloorcur) && Objects.equals(clickbrowser, that.clickbrowser)
                && Objects.equals(secure, that.secure) && Objects.equals(iframebuster, that.iframebuster)
                && Objects.equals(rwdd, that.rwdd) && Objects.equals(ssai, that.ssai) && Objects.equals(exp, that.exp)
                && Objects.equals(qty, that.qty) && Objects.equals(dt, that.dt)
                && Objects.equals(refresh, that.refresh) && Objects.equals(ext, that.ext);
    }

    @Override
    public int hashCode() {
        int h = Objects.hashCode(id);
        h = 31 * h + Objects.hashCode(metric);
        h = 31 * h + Objects.hashCode(banner);
        h = 31 * h + Objects.hashCode(video);
        h = 31 * h + Objects.hashCode(audio);
        h = 31 * h + Objects.hashCode(nativeAd);
        h = 31 * h + Objects.hashCode(pmp);
        h = 31 * h + Objects.hashCode(displaymanager);
        h = 31 * h + Objects.hashCode(displaymanagerver);
        h = 31 * h + Objects.hashCode(instl);
        h = 31 * h + Objects.hashCode(tagid);
        h = 31 * h + Objects.hashCode(bidfloor);
        h = 31 * h + Objects.hashCode(bidfloorcur);
        h = 31 * h + Objects.hashCode(clickbrowser);
        h = 31 * h + Objects.hashCode(secure);
        h = 31 * h + Objects.hashCode(iframebuster);
        h = 31 * h + Objects.hashCode(rwdd);
        h = 31 * h + Objects.hashCode(ssai);
        h = 31 * h + Objects.hashCode(exp);
        h = 31 * h + Objects.hashCode(qty);
        h = 31 * h + Objects.hashCode(dt);
        h = 31 * h + Objects.hashCode(refresh);
        h = 31 * h + Objects.hashCode(ext);
        return h;
    }

    @Override
    public String toString() {
        return "Imp{id=" + id + "}";
    }
}
