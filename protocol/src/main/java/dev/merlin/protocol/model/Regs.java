package dev.merlin.protocol.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Objects;

/** Regulatory conditions in force for the request (COPPA, GDPR, CCPA, GPP). */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public final class Regs {

    public Integer coppa;
    public Integer gdpr;
    public String us_privacy;
    public String gpp;
    public List<Integer> gpp_sid;
    public RawJson ext;

    /** Sets every field to null, as a new instance has them, so the object can be decoded into again. */
    public void clear() {
        coppa = null;
        gdpr = null;
        us_privacy = null;
        gpp = null;
        gpp_sid = null;
        ext = null;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Regs)) {
            return false;
        }
        Regs that = (Regs) o;
        return Objects.equals(coppa, that.coppa) && Objects.equals(gdpr, that.gdpr)
                && Objects.equals(us_privacy, that.us_privacy) && Objects.equals(gpp, that.gpp)
                && Objects.equals(gpp_sid, that.gpp_sid) && Objects.equals(ext, that.ext);
    }

    @Override
    public int hashCode() {
        int h = Objects.hashCode(coppa);
        h = 31 * h + Objects.hashCode(gdpr);
        h = 31 * h + Objects.hashCode(us_privacy);
        h = 31 * h + Objects.hashCode(gpp);
        h = 31 * h + Objects.hashCode(gpp_sid);
        h = 31 * h + Objects.hashCode(ext);
        return h;
    }
}
