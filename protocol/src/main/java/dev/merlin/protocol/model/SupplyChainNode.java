package dev.merlin.protocol.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Objects;

/** One entity (node) in a supply chain. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public final class SupplyChainNode {

    public String asi;
    public String sid;
    public String rid;
    public String name;
    public String domain;
    public Integer hp;
    public RawJson ext;

    /** Sets every field to null, as a new instance has them, so the object can be decoded into again. */
    public void clear() {
        asi = null;
        sid = null;
        rid = null;
        name = null;
        domain = null;
        hp = null;
        ext = null;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof SupplyChainNode)) {
            return false;
        }
        SupplyChainNode that = (SupplyChainNode) o;
        return Objects.equals(asi, that.asi) && Objects.equals(sid, that.sid) && Objects.equals(rid, that.rid)
                && Objects.equals(name, that.name) && Objects.equals(domain, that.domain)
                && Objects.equals(hp, that.hp) && Objects.equals(ext, that.ext);
    }

    @Override
    public int hashCode() {
        int h = Objects.hashCode(asi);
        h = 31 * h + Objects.hashCode(sid);
        h = 31 * h + Objects.hashCode(rid);
        h = 31 * h + Objects.hashCode(name);
        h = 31 * h + Objects.hashCode(domain);
        h = 31 * h + Objects.hashCode(hp);
        h = 31 * h + Objects.hashCode(ext);
        return h;
    }
}
