package dev.merlin.protocol.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.merlin.protocol.RawJson;
import java.util.Objects;

/** One refresh trigger and its minimum interval. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public final class RefSettings {

    public Integer reftype;
    public Integer minint;
    public RawJson ext;

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
