package dev.merlin.protocol.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Objects;

/** A data provider and the segments it reports for the user or content. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public final class Data {

    public String id;
    public String name;
    public List<Segment> segment;
    public RawJson ext;

    /** Sets every field to null, as a new instance has them, so the object can be decoded into again. */
    public void clear() {
        id = null;
        name = null;
        segment = null;
        ext = null;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Data)) {
            return false;
        }
        Data that = (Data) o;
        return Objects.equals(id, that.id) && Objects.equals(name, that.name) && Objects.equals(segment, that.segment)
                && Objects.equals(ext, that.ext);
    }

    @Override
    public int hashCode() {
        int h = Objects.hashCode(id);
        h = 31 * h + Objects.hashCode(name);
        h = 31 * h + Objects.hashCode(segment);
        h = 31 * h + Objects.hashCode(ext);
        return h;
    }

    @Override
    public String toString() {
        return "Data{id=" + id + "}";
    }
}
