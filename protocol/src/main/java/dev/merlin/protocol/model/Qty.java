package dev.merlin.protocol.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Objects;

/** Impression multiplier for DOOH or other multi-viewer placements. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public final class Qty {

    public Double multiplier;
    public Integer sourcetype;
    public String vendor;
    public RawJson ext;

    /** Sets every field to null, as a new instance has them, so the object can be decoded into again. */
    public void clear() {
        multiplier = null;
        sourcetype = null;
        vendor = null;
        ext = null;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Qty)) {
            return false;
        }
        Qty that = (Qty) o;
        return Objects.equals(multiplier, that.multiplier) && Objects.equals(sourcetype, that.sourcetype)
                && Objects.equals(vendor, that.vendor) && Objects.equals(ext, that.ext);
    }

    @Override
    public int hashCode() {
        int h = Objects.hashCode(multiplier);
        h = 31 * h + Objects.hashCode(sourcetype);
        h = 31 * h + Objects.hashCode(vendor);
        h = 31 * h + Objects.hashCode(ext);
        return h;
    }
}
