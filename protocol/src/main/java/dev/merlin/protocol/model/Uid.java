package dev.merlin.protocol.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.merlin.protocol.RawJson;
import java.util.Objects;

/** One user ID from an extended identifier source. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public final class Uid {

    public String id;
    public Integer atype;
    public RawJson ext;

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Uid)) {
            return false;
        }
        Uid that = (Uid) o;
        return Objects.equals(id, that.id) && Objects.equals(atype, that.atype) && Objects.equals(ext, that.ext);
    }

    @Override
    public int hashCode() {
        int h = Objects.hashCode(id);
        h = 31 * h + Objects.hashCode(atype);
        h = 31 * h + Objects.hashCode(ext);
        return h;
    }

    @Override
    public String toString() {
        return "Uid{id=" + id + "}";
    }
}
