package dev.merlin.protocol.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Objects;

/** The supply chain (schain) of entities that took part in selling the impression. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public final class SupplyChain {

    public Integer complete;
    public List<SupplyChainNode> nodes;
    public String ver;
    public RawJson ext;

    /** Sets every field to null, as a new instance has them, so the object can be decoded into again. */
    public void clear() {
        complete = null;
        nodes = null;
        ver = null;
        ext = null;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof SupplyChain)) {
            return false;
        }
        SupplyChain that = (SupplyChain) o;
        return Objects.equals(complete, that.complete) && Objects.equals(nodes, that.nodes)
                && Objects.equals(ver, that.ver) && Objects.equals(ext, that.ext);
    }

    @Override
    public int hashCode() {
        int h = Objects.hashCode(complete);
        h = 31 * h + Objects.hashCode(nodes);
        h = 31 * h + Objects.hashCode(ver);
        h = 31 * h + Objects.hashCode(ext);
        return h;
    }
}
