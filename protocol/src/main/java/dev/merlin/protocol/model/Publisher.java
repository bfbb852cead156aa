package dev.merlin.protocol.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Objects;

/** The publisher of the site, app or DOOH inventory. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public final class Publisher {

    public String id;
    public String name;
    public Integer cattax;
    public List<String> cat;
    public String domain;
    public RawJson ext;

    /** Sets every field to null, as a new instance has them, so the object can be decoded into again. */
    public void clear() {
        id = null;
        name = null;
        cattax = null;
        cat = null;
        domain = null;
        ext = null;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Publisher)) {
            return false;
        }
        Publisher that = (Publisher) o;
        return Objects.equals(id, that.id) && Objects.equals(name, that.name) && Objects.equals(cattax, that.cattax)
                && Objects.equals(cat, that.cat) && Objects.equals(domain, that.domain)
                && Objects.equals(ext, that.ext);
    }

    @Override
    public int hashCode() {
        int h = Objects.hashCode(id);
        h = 31 * h + Objects.hashCode(name);
        h = 31 * h + Objects.hashCode(cattax);
        h = 31 * h + Objects.hashCode(cat);
        h = 31 * h + Objects.hashCode(domain);
        h = 31 * h + Objects.hashCode(ext);
        return h;
    }

    @Override
    public String toString() {
        return "Publisher{id=" + id + "}";
    }
}
