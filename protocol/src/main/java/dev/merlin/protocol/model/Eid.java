package dev.merlin.protocol.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Objects;

/** An extended identifier source and the user IDs it supplied. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public final class Eid {

    public String inserter;
    public String source;
    public String matcher;
    public Integer mm;
    public List<Uid> uids;
    public RawJson ext;

    /** Sets every field to null, as a new instance has them, so the object can be decoded into again. */
    public void clear() {
        inserter = null;
        source = null;
        matcher = null;
        mm = null;
        uids = null;
        ext = null;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Eid)) {
            return false;
        }
        Eid that = (Eid) o;
        return Objects.equals(inserter, that.inserter) && Objects.equals(source, that.source)
                && Objects.equals(matcher, that.matcher) && Objects.equals(mm, that.mm)
                && Objects.equals(uids, that.uids) && Objects.equals(ext, that.ext);
    }

    @Override
    public int hashCode() {
        int h = Objects.hashCode(inserter);
        h = 31 * h + Objects.hashCode(source);
        h = 31 * h + Objects.hashCode(matcher);
        h = 31 * h + Objects.hashCode(mm);
        h = 31 * h + Objects.hashCode(uids);
        h = 31 * h + Objects.hashCode(ext);
        return h;
    }
}
