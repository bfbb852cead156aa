package dev.merlin.protocol.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.merlin.protocol.RawJson;
import java.util.Objects;

/** Impression multiplier for DOOH or other multi-viewer placements. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public final class Qty {

    public Double multiplier;
    public Integer sourcetype;
    public String vendor;
    public RawJson ext;

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
