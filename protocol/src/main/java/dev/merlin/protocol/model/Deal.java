package dev.merlin.protocol.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Objects;

/** One direct deal between a buyer and a seller. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public final class Deal {

    public String id;
    public Double bidfloor;
    public String bidfloorcur;
    public Integer at;
    public List<String> wseat;
    public List<String> wadomain;
    public Integer guar;
    public Double mincpmpersec;
    public List<DurFloors> durfloors;
    public RawJson ext;

    /** Sets every field to null, as a new instance has them, so the object can be decoded into again. */
    public void clear() {
        id = null;
        bidfloor = null;
        bidfloorcur = null;
        at = null;
        wseat = null;
        wadomain = null;
        guar = null;
        mincpmpersec = null;
        durfloors = null;
        ext = null;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Deal)) {
            return false;
        }
        Deal that = (Deal) o;
        return Objects.equals(id, that.id) && Objects.equals(bidfloor, that.bidfloor)
                && Objects.equals(bidfloorcur, that.bidfloorcur) && Objects.equals(at, that.at)
                && Objects.equals(wseat, that.wseat) && Objects.equals(wadomain, that.wadomain)
                && Objects.equals(guar, that.guar) && Objects.equals(mincpmpersec, that.mincpmpersec)
                && Objects.equals(durfloors, that.durfloors) && Objects.equals(ext, that.ext);
    }

    @Override
    public int hashCode() {
        int h = Objects.hashCode(id);
        h = 31 * h + Objects.hashCode(bidfloor);
        h = 31 * h + Objects.hashCode(bidfloorcur);
        h = 31 * h + Objects.hashCode(at);
        h = 31 * h + Objects.hashCode(wseat);
        h = 31 * h + Objects.hashCode(wadomain);
        h = 31 * h + Objects.hashCode(guar);
        h = 31 * h + Objects.hashCode(mincpmpersec);
        h = 31 * h + Objects.hashCode(durfloors);
        h = 31 * h + Objects.hashCode(ext);
        return h;
    }

    @Override
    public String toString() {
        return "Deal{id=" + id + "}";
    }
}
