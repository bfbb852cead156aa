package dev.merlin.protocol.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Objects;

/** Top-level OpenRTB 2.6 bid request: one auction offered to bidders. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public final class BidRequest {

    public String id;
    public List<Imp> imp;
    public Site site;
    public App app;
    public Dooh dooh;
    public Device device;
    public User user;
    public Integer test;
    public Integer at;
    public Integer tmax;
    public List<String> wseat;
    public List<String> bseat;
    public Integer allimps;
    public List<String> cur;
    public List<String> wlang;
    public List<String> wlangb;
    public List<String> acat;
    public List<String> bcat;
    public Integer cattax;
    public List<String> badv;
    public List<String> bapp;
    public Source source;
    public Regs regs;
    public RawJson ext;

    private ModelPool pool;

    /**
     * The objects and lists decodes into this request reuse (created on first use): a decoder that decodes into this
     * request again takes its children from here, cleared, instead of allocating them. Not part of the request's
     * value (equals, hashCode, JSON).
     */
    public ModelPool pool() {
        if (pool == null) {
            pool = new ModelPool();
        }
        return pool;
    }

    /** Sets every field to null, as a new instance has them, so the object can be decoded into again. */
    public void clear() {
        id = null;
        imp = null;
        site = null;
        app = null;
        dooh = null;
        device = null;
        user = null;
        test = null;
        at = null;
        tmax = null;
        wseat = null;
        bseat = null;
        allimps = null;
        cur = null;
        wlang = null;
        wlangb = null;
        acat = null;
        bcat = null;
        cattax = null;
        badv = null;
        bapp = null;
        source = null;
        regs = null;
        ext = null;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof BidRequest)) {
            return false;
        }
        BidRequest that = (BidRequest) o;
        return Objects.equals(id, that.id) && Objects.equals(imp, that.imp) && Objects.equals(site, that.site)
                && Objects.equals(app, that.app) && Objects.equals(dooh, that.dooh)
                && Objects.equals(device, that.device) && Objects.equals(user, that.user)
                && Objects.equals(test, that.test) && Objects.equals(at, that.at) && Objects.equals(tmax, that.tmax)
                && Objects.equals(wseat, that.wseat) && Objects.equals(bseat, that.bseat)
                && Objects.equals(allimps, that.allimps) && Objects.equals(cur, that.cur)
                && Objects.equals(wlang, that.wlang) && Objects.equals(wlangb, that.wlangb)
                && Objects.equals(acat, that.acat) && Objects.equals(bcat, that.bcat)
                && Objects.equals(cattax, that.cattax) && Objects.equals(badv, that.badv)
                && Objects.equals(bapp, that.bapp) && Objects.equals(source, that.source)
                && Objects.equals(regs, that.regs) && Objects.equals(ext, that.ext);
    }

    @Override
    public int hashCode() {
        int h = Objects.hashCode(id);
        h = 31 * h + Objects.hashCode(imp);
        h = 31 * h + Objects.hashCode(site);
        h = 31 * h + Objects.hashCode(app);
        h = 31 * h + Objects.hashCode(dooh);
        h = 31 * h + Objects.hashCode(device);
        h = 31 * h + Objects.hashCode(user);
        h = 31 * h + Objects.hashCode(test);
        h = 31 * h + Objects.hashCode(at);
        h = 31 * h + Objects.hashCode(tmax);
        h = 31 * h + Objects.hashCode(wseat);
        h = 31 * h + Objects.hashCode(bseat);
        h = 31 * h + Objects.hashCode(allimps);
        h = 31 * h + Objects.hashCode(cur);
        h = 31 * h + Objects.hashCode(wlang);
        h = 31 * h + Objects.hashCode(wlangb);
        h = 31 * h + Objects.hashCode(acat);
        h = 31 * h + Objects.hashCode(bcat);
        h = 31 * h + Objects.hashCode(cattax);
        h = 31 * h + Objects.hashCode(badv);
        h = 31 * h + Objects.hashCode(bapp);
        h = 31 * h + Objects.hashCode(source);
        h = 31 * h + Objects.hashCode(regs);
        h = 31 * h + Objects.hashCode(ext);
        return h;
    }

    @Override
    public String toString() {
        return "BidRequest{id=" + id + "}";
    }
}
