package dev.merlin.protocol.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Objects;

/** A native placement; the native markup request travels as an opaque string. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public final class Native {

    public String request;
    public String ver;
    public List<Integer> api;
    public List<Integer> battr;
    public RawJson ext;

    /** Sets every field to null, as a new instance has them, so the object can be decoded into again. */
    public void clear() {
        request = null;
        ver = null;
        api = null;
        battr = null;
        ext = null;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Native)) {
            return false;
        }
        Native that = (Native) o;
        return Objects.equals(request, that.request) && Objects.equals(ver, that.ver) && Objects.equals(api, that.api)
                && Objects.equals(battr, that.battr) && Objects.equals(ext, that.ext);
    }

    @Override
    public int hashCode() {
        int h = Objects.hashCode(request);
        h = 31 * h + Objects.hashCode(ver);
        h = 31 * h + Objects.hashCode(api);
        h = 31 * h + Objects.hashCode(battr);
        h = 31 * h + Objects.hashCode(ext);
        return h;
    }
}
