package dev.merlin.protocol.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Objects;

/** A bid floor that applies to creatives within one duration range. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public final class DurFloors {

    public Integer mindur;
    public Integer maxdur;
    public Double bidfloor;
    public RawJson ext;

    /** Sets every field to null, as a new instance has them, so the object can be decoded into again. */
    public void clear() {
        mindur = null;
        maxdur = null;
        bidfloor = null;
        ext = null;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof DurFloors)) {
            return false;
        }
        DurFloors that = (DurFloors) o;
        return Objects.equals(mindur, that.mindur) && Objects.equals(maxdur, that.maxdur)
                && Objects.equals(bidfloor, that.bidfloor) && Objects.equals(ext, that.ext);
    }

    @Override
    public int hashCode() {
        int h = Objects.hashCode(mindur);
        h = 31 * h + Objects.hashCode(maxdur);
        h = 31 * h + Objects.hashCode(bidfloor);
        h = 31 * h + Objects.hashCode(ext);
        return h;
    }
}
