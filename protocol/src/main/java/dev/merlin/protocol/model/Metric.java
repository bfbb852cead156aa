package dev.merlin.protocol.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Objects;

/** A metric about the impression (for example viewability) and the vendor that measured it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public final class Metric {

    public String type;
    public Double value;
    public String vendor;
    public RawJson ext;

    /** Sets every field to null, as a new instance has them, so the object can be decoded into again. */
    public void clear() {
        type = null;
        value = null;
        vendor = null;
        ext = null;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Metric)) {
            return false;
        }
        Metric that = (Metric) o;
        return Objects.equals(type, that.type) && Objects.equals(value, that.value)
                && Objects.equals(vendor, that.vendor) && Objects.equals(ext, that.ext);
    }

    @Override
    public int hashCode() {
        int h = Objects.hashCode(type);
        h = 31 * h + Objects.hashCode(value);
        h = 31 * h + Objects.hashCode(vendor);
        h = 31 * h + Objects.hashCode(ext);
        return h;
    }
}
