package dev.merlin.protocol.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Objects;

/** The website on which the impression will be shown. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public final class Site {

    public String id;
    public String name;
    public String domain;
    public Integer cattax;
    public List<String> cat;
    public List<String> sectioncat;
    public List<String> pagecat;
    public String page;
    public String ref;
    public String search;
    public Integer mobile;
    public Integer privacypolicy;
    public Publisher publisher;
    public Content content;
    public String keywords;
    public List<String> kwarray;
    public String inventorypartnerdomain;
    public RawJson ext;

    /** Sets every field to null, as a new instance has them, so the object can be decoded into again. */
    public void clear() {
        id = null;
        name = null;
        domain = null;
        cattax = null;
        cat = null;
        sectioncat = null;
        pagecat = null;
        page = null;
        ref = null;
        search = null;
        mobile = null;
        privacypolicy = null;
        publisher = null;
        content = null;
        keywords = null;
        kwarray = null;
        inventorypartnerdomain = null;
        ext = null;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Site)) {
            return false;
        }
        Site that = (Site) o;
        return Objects.equals(id, that.id) && Objects.equals(name, that.name) && Objects.equals(domain, that.domain)
                && Objects.equals(cattax, that.cattax) && Objects.equals(cat, that.cat)
                && Objects.equals(sectioncat, that.sectioncat) && Objects.equals(pagecat, that.pagecat)
                && Objects.equals(page, that.page) && Objects.equals(ref, that.ref)
                && Objects.equals(search, that.search) && Objects.equals(mobile, that.mobile)
                && Objects.equals(privacypolicy, that.privacypolicy) && Objects.equals(publisher, that.publisher)
                && Objects.equals(content, that.content) && Objects.equals(keywords, that.keywords)
                && Objects.equals(kwarray, that.kwarray)
                && Objects.equals(inventorypartnerdomain, that.inventorypartnerdomain) && Objects.equals(ext, that.ext);
    }

    @Override
    public int hashCode() {
        int h = Objects.hashCode(id);
        h = 31 * h + Objects.hashCode(name);
        h = 31 * h + Objects.hashCode(domain);
        h = 31 * h + Objects.hashCode(cattax);
        h = 31 * h + Objects.hashCode(cat);
        h = 31 * h + Objects.hashCode(sectioncat);
        h = 31 * h + Objects.hashCode(pagecat);
        h = 31 * h + Objects.hashCode(page);
        h = 31 * h + Objects.hashCode(ref);
        h = 31 * h + Objects.hashCode(search);
        h = 31 * h + Objects.hashCode(mobile);
        h = 31 * h + Objects.hashCode(privacypolicy);
        h = 31 * h + Objects.hashCode(publisher);
        h = 31 * h + Objects.hashCode(content);
        h = 31 * h + Objects.hashCode(keywords);
        h = 31 * h + Objects.hashCode(kwarray);
        h = 31 * h + Objects.hashCode(inventorypartnerdomain);
        h = 31 * h + Objects.hashCode(ext);
        return h;
    }

    @Override
    public String toString() {
        return "Site{id=" + id + "}";
    }
}
