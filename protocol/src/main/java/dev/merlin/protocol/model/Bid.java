package dev.merlin.protocol.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Objects;

/** One offer to buy one impression at a price. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public final class Bid {

    public String id;
    public String impid;
    public Double price;
    public String nurl;
    public String burl;
    public String lurl;
    public String adm;
    public String adid;
    public List<String> adomain;
    public String bundle;
    public String iurl;
    public String cid;
    public String crid;
    public String tactic;
    public Integer cattax;
    public List<String> cat;
    public List<Integer> attr;
    public List<Integer> apis;
    public Integer api;
    public Integer protocol;
    public Integer qagmediarating;
    public String language;
    public String langb;
    public String dealid;
    public Integer w;
    public Integer h;
    public Integer wratio;
    public Integer hratio;
    public Integer exp;
    public Integer dur;
    public Integer mtype;
    public Integer slotinpod;
    public RawJson ext;

    /** Sets every field to null, as a new instance has them, so the object can be decoded into again. */
    public void clear() {
        id = null;
        impid = null;
        price = null;
        nurl = null;
        burl = null;
        lurl = null;
        adm = null;
        adid = null;
        adomain = null;
        bundle = null;
        iurl = null;
        cid = null;
        crid = null;
        tactic = null;
        cattax = null;
        cat = null;
        attr = null;
        apis = null;
        api = null;
        protocol = null;
        qagmediarating = null;
        language = null;
        langb = null;
        dealid = null;
        w = null;
        h = null;
        wratio = null;
        hratio = null;
        exp = null;
        dur = null;
        mtype = null;
        slotinpod = null;
        ext = null;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Bid)) {
            return false;
        }
        Bid that = (Bid) o;
        return Objects.equals(id, that.id) && Objects.equals(impid, that.impid) && Objects.equals(price, that.price)
                && Objects.equals(nurl, that.nurl) && Objects.equals(burl, that.burl)
                && Objects.equals(lurl, that.lurl) && Objects.equals(adm, that.adm) && Objects.equals(adid, that.adid)
                && Objects.equals(adomain, that.adomain) && Objects.equals(bundle, that.bundle)
                && Objects.equals(iurl, that.iurl) && Objects.equals(cid, that.cid) && Objects.equals(crid, that.crid)
                && Objects.equals(tactic, that.tactic) && Objects.equals(cattax, that.cattax)
                && Objects.equals(cat, that.cat) && Objects.equals(attr, that.attr) && Objects.equals(apis, that.apis)
                && Objects.equals(api, that.api) && Objects.equals(protocol, that.protocol)
                && Objects.equals(qagmediarating, that.qagmediarating) && Objects.equals(language, that.language)
                && Objects.equals(langb, that.langb) && Objects.equals(dealid, that.dealid)
                && Objects.equals(w, that.w) && Objects.equals(h, that.h) && Objects.equals(wratio, that.wratio)
                && Objects.equals(hratio, that.hratio) && Objects.equals(exp, that.exp)
                && Objects.equals(dur, that.dur) && Objects.equals(mtype, that.mtype)
                && Objects.equals(slotinpod, that.slotinpod) && Objects.equals(ext, that.ext);
    }

    @Override
    public int hashCode() {
        int h = Objects.hashCode(id);
        h = 31 * h + Objects.hashCode(impid);
        h = 31 * h + Objects.hashCode(price);
        h = 31 * h + Objects.hashCode(nurl);
        h = 31 * h + Objects.hashCode(burl);
        h = 31 * h + Objects.hashCode(lurl);
        h = 31 * h + Objects.hashCode(adm);
        h = 31 * h + Objects.hashCode(adid);
        h = 31 * h + Objects.hashCode(adomain);
        h = 31 * h + Objects.hashCode(bundle);
        h = 31 * h + Objects.hashCode(iurl);
        h = 31 * h + Objects.hashCode(cid);
        h = 31 * h + Objects.hashCode(crid);
        h = 31 * h + Objects.hashCode(tactic);
        h = 31 * h + Objects.hashCode(cattax);
        h = 31 * h + Objects.hashCode(cat);
        h = 31 * h + Objects.hashCode(attr);
        h = 31 * h + Objects.hashCode(apis);
        h = 31 * h + Objects.hashCode(api);
        h = 31 * h + Objects.hashCode(protocol);
        h = 31 * h + Objects.hashCode(qagmediarating);
        h = 31 * h + Objects.hashCode(language);
        h = 31 * h + Objects.hashCode(langb);
        h = 31 * h + Objects.hashCode(dealid);
        h = 31 * h + Objects.hashCode(w);
        h = 31 * h + Objects.hashCode(h);
        h = 31 * h + Objects.hashCode(wratio);
        h = 31 * h + Objects.hashCode(hratio);
        h = 31 * h + Objects.hashCode(exp);
        h = 31 * h + Objects.hashCode(dur);
        h = 31 * h + Objects.hashCode(mtype);
        h = 31 * h + Objects.hashCode(slotinpod);
        h = 31 * h + Objects.hashCode(ext);
        return h;
    }

    @Override
    public String toString() {
        return "Bid{id=" + id + "}";
    }
}
