package dev.merlin.protocol.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Objects;

/** A display (banner, in-banner video or companion) placement. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public final class Banner {

    public List<Format> format;
    public Integer w;
    public Integer h;
    public List<Integer> btype;
    public List<Integer> battr;
    public Integer pos;
    public List<String> mimes;
    public Integer topframe;
    public List<Integer> expdir;
    public List<Integer> api;
    public String id;
    public Integer vcm;
    public RawJson ext;

    /** Sets every field to null, as a new instance has them, so the object can be decoded into again. */
    public void clear() {
        format = null;
        w = null;
        h = null;
        btype = null;
        battr = null;
        pos = null;
        mimes = null;
        topframe = null;
        expdir = null;
        api = null;
        id = null;
        vcm = null;
        ext = null;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Banner)) {
            return false;
        }
        Banner that = (Banner) o;
        return Objects.equals(format, that.format) && Objects.equals(w, that.w) && Objects.equals(h, that.h)
                && Objects.equals(btype, that.btype) && Objects.equals(battr, that.battr)
                && Objects.equals(pos, that.pos) && Objects.equals(mimes, that.mimes)
                && Objects.equals(topframe, that.topframe) && Objects.equals(expdir, that.expdir)
                && Objects.equals(api, that.api) && Objects.equals(id, that.id) && Objects.equals(vcm, that.vcm)
                && Objects.equals(ext, that.ext);
    }

    @Override
    public int hashCode() {
        int h = Objects.hashCode(format);
        h = 31 * h + Objects.hashCode(w);
        h = 31 * h + Objects.hashCode(h);
        h = 31 * h + Objects.hashCode(btype);
        h = 31 * h + Objects.hashCode(battr);
        h = 31 * h + Objects.hashCode(pos);
        h = 31 * h + Objects.hashCode(mimes);
        h = 31 * h + Objects.hashCode(topframe);
        h = 31 * h + Objects.hashCode(expdir);
        h = 31 * h + Objects.hashCode(api);
        h = 31 * h + Objects.hashCode(id);
        h = 31 * h + Objects.hashCode(vcm);
        h = 31 * h + Objects.hashCode(ext);
        return h;
    }

    @Override
    public String toString() {
        return "Banner{id=" + id + "}";
    }
}
