package dev.merlin.protocol.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Objects;

/** One refresh trigger and its minimum interval. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public final class RefSettings {

    public Integer reftype;
    public Integer minint;
    public RawJson ext;

    /** Sets every field to null, as a new instance has them, so the object can be decoded into again. */
    public void clear() {
        reftype = null;
        minint = null;
        ext = null;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof RefSettings)) {
            return false;
        }
        RefSettings that = (RefSettings) o;
        return Objects.equals(reftype, that.reftype) && Objects.equals(minint, that.minint)
                && Objects.equals(ext, that.ext);
    }

    @Override
    public int hashCode() {
        int h = Objects.hashCode(reftype);
        h = 31 * h + Objects.hashCode(minint);
        h = 31 * h + Objects.hashCode(ext);
        return h;
    }
}
