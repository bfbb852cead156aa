package dev.merlin.protocol.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Objects;

/** The human user of the device: the advertising audience. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public final class User {

    public String id;
    public String buyeruid;
    public Integer yob;
    public String gender;
    public String keywords;
    public List<String> kwarray;
    public String customdata;
    public Geo geo;
    public List<Data> data;
    public String consent;
    public List<Eid> eids;
    public RawJson ext;

    /** Sets every field to null, as a new instance has them, so the object can be decoded into again. */
    public void clear() {
        id = null;
        buyeruid = null;
        yob = null;
        gender = null;
        keywords = null;
        kwarray = null;
        customdata = null;
        geo = null;
        data = null;
        consent = null;
        eids = null;
        ext = null;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof User)) {
            return false;
        }
        User that = (User) o;
        return Objects.equals(id, that.id) && Objects.equals(buyeruid, that.buyeruid) && Objects.equals(yob, that.yob)
                && Objects.equals(gender, that.gender) && Objects.equals(keywords, that.keywords)
                && Objects.equals(kwarray, that.kwarray) && Objects.equals(customdata, that.customdata)
                && Objects.equals(geo, that.geo) && Objects.equals(data, that.data)
                && Objects.equals(consent, that.consent) && Objects.equals(eids, that.eids)
                && Objects.equals(ext, that.ext);
    }

    @Override
    public int hashCode() {
        int h = Objects.hashCode(id);
        h = 31 * h + Objects.hashCode(buyeruid);
        h = 31 * h + Objects.hashCode(yob);
        h = 31 * h + Objects.hashCode(gender);
        h = 31 * h + Objects.hashCode(keywords);
        h = 31 * h + Objects.hashCode(kwarray);
        h = 31 * h + Objects.hashCode(customdata);
        h = 31 * h + Objects.hashCode(geo);
        h = 31 * h + Objects.hashCode(data);
        h = 31 * h + Objects.hashCode(consent);
        h = 31 * h + Objects.hashCode(eids);
        h = 31 * h + Objects.hashCode(ext);
        return h;
    }

    @Override
    public String toString() {
        return "User{id=" + id + "}";
    }
}
