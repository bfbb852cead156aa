package dev.merlin.protocol.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Objects;

/** A geographic location of the device or the user. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public final class Geo {

    public Double lat;
    public Double lon;
    public Integer type;
    public Integer accuracy;
    public Integer lastfix;
    public Integer ipservice;
    public String country;
    public String region;
    public String regionfips104;
    public String metro;
    public String city;
    public String zip;
    public Integer utcoffset;
    public RawJson ext;

    /** Sets every field to null, as a new instance has them, so the object can be decoded into again. */
    public void clear() {
        lat = null;
        lon = null;
        type = null;
        accuracy = null;
        lastfix = null;
        ipservice = null;
        country = null;
        region = null;
        regionfips104 = null;
        metro = null;
        city = null;
        zip = null;
        utcoffset = null;
        ext = null;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Geo)) {
            return false;
        }
        Geo that = (Geo) o;
        return Objects.equals(lat, that.lat) && Objects.equals(lon, that.lon) && Objects.equals(type, that.type)
                && Objects.equals(accuracy, that.accuracy) && Objects.equals(lastfix, that.lastfix)
                && Objects.equals(ipservice, that.ipservice) && Objects.equals(country, that.country)
                && Objects.equals(region, that.region) && Objects.equals(regionfips104, that.regionfips104)
                && Objects.equals(metro, that.metro) && Objects.equals(city, that.city)
                && Objects.equals(zip, that.zip) && Objects.equals(utcoffset, that.utcoffset)
                && Objects.equals(ext, that.ext);
    }

    @Override
    public int hashCode() {
        int h = Objects.hashCode(lat);
        h = 31 * h + Objects.hashCode(lon);
        h = 31 * h + Objects.hashCode(type);
        h = 31 * h + Objects.hashCode(accuracy);
        h = 31 * h + Objects.hashCode(lastfix);
        h = 31 * h + Objects.hashCode(ipservice);
        h = 31 * h + Objects.hashCode(country);
        h = 31 * h + Objects.hashCode(region);
        h = 31 * h + Objects.hashCode(regionfips104);
        h = 31 * h + Objects.hashCode(metro);
        h = 31 * h + Objects.hashCode(city);
        h = 31 * h + Objects.hashCode(zip);
        h = 31 * h + Objects.hashCode(utcoffset);
        h = 31 * h + Objects.hashCode(ext);
        return h;
    }
}
