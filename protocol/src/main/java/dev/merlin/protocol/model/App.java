package dev.merlin.protocol.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Objects;

/** The non-browser application on which the impression will be shown. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public final class App {

    public String id;
    public String name;
    public String bundle;
    public String domain;
    public String storeurl;
    public Integer cattax;
    public List<String> cat;
    public List<String> sectioncat;
    public List<String> pagecat;
    public String ver;
    public Integer privacypolicy;
    public Integer paid;
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
        bundle = null;
        domain = null;
        storeurl = null;
        cattax = null;
        cat = null;
        sectioncat = null;
        pagecat = null;
        ver = null;
        privacypolicy = null;
        paid = null;
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
        if (!(o instanceof App)) {
            return false;
        }
        App that = (App) o;
        return Objects.equals(id, that.id) && Objects.equals(name, that.name) && Objects.equals(bundle, that.bundle)
                && Objects.equals(domain, that.domain) && Objects.equals(storeurl, that.storeurl)
                && Objects.equals(cattax, that.cattax) && Objects.equals(cat, that.cat)
                && Objects.equals(sectioncat, that.sectioncat) && Objects.equals(pagecat, that.pagecat)
                && Objects.equals(ver, that.ver) && Objects.equals(privacypolicy, that.privacypolicy)
                && Objects.equals(paid, that.paid) && Objects.equals(publisher, that.publisher)
                && Objects.equals(content, that.content) && Objects.equals(keywords, that.keywords)
                && Objects.equals(kwarray, that.kwarray)
                && Objects.equals(inventorypartnerdomain, that.inventorypartnerdomain) && Objects.equals(ext, that.ext);
    }

    @Override
    public int hashCode() {
        int h = Objects.hashCode(id);
        h = 31 * h + Objects.hashCode(name);
        h = 31 * h + Objects.hashCode(bundle);
        h = 31 * h + Objects.hashCode(domain);
        h = 31 * h + Objects.hashCode(storeurl);
        h = 31 * h + Objects.hashCode(cattax);
        h = 31 * h + Objects.hashCode(cat);
        h = 31 * h + Objects.hashCode(sectioncat);
        h = 31 * h + Objects.hashCode(pagecat);
        h = 31 * h + Objects.hashCode(ver);
        h = 31 * h + Objects.hashCode(privacypolicy);
        h = 31 * h + Objects.hashCode(paid);
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
        return "App{id=" + id + "}";
    }
}
