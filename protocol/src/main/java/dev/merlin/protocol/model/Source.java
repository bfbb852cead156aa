package dev.merlin.protocol.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Objects;

/** Upstream entity responsible for the final impression sale decision, with its supply chain. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public final class Source {

    public Integer fd;
    public String tid;
    public String pchain;
    public SupplyChain schain;
    public RawJson ext;

    /** Sets every field to null, as a new instance has them, so the object can be decoded into again. */
    public void clear() {
        fd = null;
        tid = null;
        pchain = null;
        schain = null;
        ext = null;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Source)) {
            return false;
        }
        Source that = (Source) o;
        return Objects.equals(fd, that.fd) && Objects.equals(tid, that.tid) && Objects.equals(pchain, that.pchain)
                && Objects.equals(schain, that.schain) && Objects.equals(ext, that.ext);
    }

    @Override
    public int hashCode() {
        int h = Objects.hashCode(fd);
        h = 31 * h + Objects.hashCode(tid);
        h = 31 * h + Objects.hashCode(pchain);
        h = 31 * h + Objects.hashCode(schain);
        h = 31 * h + Objects.hashCode(ext);
        return h;
    }
}
