package dev.merlin.protocol.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Objects;

/** A brand (browser or platform) and its version components. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public final class BrandVersion {

    public String brand;
    public List<String> version;
    public RawJson ext;

    /** Sets every field to null, as a new instance has them, so the object can be decoded into again. */
    public void clear() {
        brand = null;
        version = null;
        ext = null;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof BrandVersion)) {
            return false;
        }
        BrandVersion that = (BrandVersion) o;
        return Objects.equals(brand, that.brand) && Objects.equals(version, that.version)
                && Objects.equals(ext, that.ext);
    }

    @Override
    public int hashCode() {
        int h = Objects.hashCode(brand);
        h = 31 * h + Objects.hashCode(version);
        h = 31 * h + Objects.hashCode(ext);
        return h;
    }
}
