package dev.merlin.protocol.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Objects;

/** Structured user agent (from User-Agent Client Hints) of the device's browser. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public final class UserAgent {

    public List<BrandVersion> browsers;
    public BrandVersion platform;
    public Integer mobile;
    public String architecture;
    public String bitness;
    public String model;
    public Integer source;
    public RawJson ext;

    /** Sets every field to null, as a new instance has them, so the object can be decoded into again. */
    public void clear() {
        browsers = null;
        platform = null;
        mobile = null;
        architecture = null;
        bitness = null;
        model = null;
        source = null;
        ext = null;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof UserAgent)) {
            return false;
        }
        UserAgent that = (UserAgent) o;
        return Objects.equals(browsers, that.browsers) && Objects.equals(platform, that.platform)
                && Objects.equals(mobile, that.mobile) && Objects.equals(architecture, that.architecture)
                && Objects.equals(bitness, that.bitness) && Objects.equals(model, that.model)
                && Objects.equals(source, that.source) && Objects.equals(ext, that.ext);
    }

    @Override
    public int hashCode() {
        int h = Objects.hashCode(browsers);
        h = 31 * h + Objects.hashCode(platform);
        h = 31 * h + Objects.hashCode(mobile);
        h = 31 * h + Objects.hashCode(architecture);
        h = 31 * h + Objects.hashCode(bitness);
        h = 31 * h + Objects.hashCode(model);
        h = 31 * h + Objects.hashCode(source);
        h = 31 * h + Objects.hashCode(ext);
        return h;
    }
}
