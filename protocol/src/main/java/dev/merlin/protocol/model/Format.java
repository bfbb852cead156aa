package dev.merlin.protocol.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Objects;

/** One allowed banner size, given as fixed pixels or as a flexible ratio. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public final class Format {

    public Integer w;
    public Integer h;
    public Integer wratio;
    public Integer hratio;
    public Integer wmin;
    public RawJson ext;

    /** Sets every field to null, as a new instance has them, so the object can be decoded into again. */
    public void clear() {
        w = null;
        h = null;
        wratio = null;
        hratio = null;
        wmin = null;
        ext = null;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Format)) {
            return false;
        }
        Format that = (Format) o;
        return Objects.equals(w, that.w) && Objects.equals(h, that.h) && Objects.equals(wratio, that.wratio)
                && Objects.equals(hratio, that.hratio) && Objects.equals(wmin, that.wmin)
                && Objects.equals(ext, that.ext);
    }

    @Override
    public int hashCode() {
        int h = Objects.hashCode(w);
        h = 31 * h + Objects.hashCode(h);
        h = 31 * h + Objects.hashCode(wratio);
        h = 31 * h + Objects.hashCode(hratio);
        h = 31 * h + Objects.hashCode(wmin);
        h = 31 * h + Objects.hashCode(ext);
        return h;
    }
}
