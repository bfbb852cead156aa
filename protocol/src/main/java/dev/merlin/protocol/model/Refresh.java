package dev.merlin.protocol.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Objects;

/** Ad refresh behaviour of the placement. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public final class Refresh {

    public List<RefSettings> refsettings;
    public Integer count;
    public RawJson ext;

    /** Sets every field to null, as a new instance has them, so the object can be decoded into again. */
    public void clear() {
        refsettings = null;
        count = null;
        ext = null;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Refresh)) {
            return false;
        }
        Refresh that = (Refresh) o;
        return Objects.equals(refsettings, that.refsettings) && Objects.equals(count, that.count)
                && Objects.equals(ext, that.ext);
    }

    @Override
    public int hashCode() {
        int h = Objects.hashCode(refsettings);
        h = 31 * h + Objects.hashCode(count);
        h = 31 * h + Objects.hashCode(ext);
        return h;
    }
}
