package dev.merlin.protocol.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Objects;

/** The digital-out-of-home inventory (screens) on which the impression will be shown. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public final class Dooh {

    public String id;
    public String name;
    public List<String> venuetype;
    public Integer venuetypetax;
    public Publisher publisher;
    public String domain;
    public String keywords;
    public Content content;
    public RawJson ext;

    /** Sets every field to null, as a new instance has them, so the object can be decoded into again. */
    public void clear() {
        id = null;
        name = null;
        venuetype = null;
        venuetypetax = null;
        publisher = null;
        domain = null;
        keywords = null;
        content = null;
        ext = null;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Dooh)) {
            return false;
        }
        Dooh that = (Dooh) o;
        return Objects.equals(id, that.id) && Objects.equals(name, that.name)
                && Objects.equals(venuetype, that.venuetype) && Objects.equals(venuetypetax, that.venuetypetax)
                && Objects.equals(publisher, that.publisher) && Objects.equals(domain, that.domain)
                && Objects.equals(keywords, that.keywords) && Objects.equals(content, that.content)
                && Objects.equals(ext, that.ext);
    }

    @Override
    public int hashCode() {
        int h = Objects.hashCode(id);
        h = 31 * h + Objects.hashCode(name);
        h = 31 * h + Objects.hashCode(venuetype);
        h = 31 * h + Objects.hashCode(venuetypetax);
        h = 31 * h + Objects.hashCode(publisher);
        h = 31 * h + Objects.hashCode(domain);
        h = 31 * h + Objects.hashCode(keywords);
        h = 31 * h + Objects.hashCode(content);
        h = 31 * h + Objects.hashCode(ext);
        return h;
    }

    @Override
    public String toString() {
        return "Dooh{id=" + id + "}";
    }
}
