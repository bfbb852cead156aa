package dev.merlin.protocol.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Objects;

/** Private marketplace terms: the deals that apply to the impression. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public final class Pmp {

    public Integer private_auction;
    public List<Deal> deals;
    public RawJson ext;

    /** Sets every field to null, as a new instance has them, so the object can be decoded into again. */
    public void clear() {
        private_auction = null;
        deals = null;
        ext = null;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Pmp)) {
            return false;
        }
        Pmp that = (Pmp) o;
        return Objects.equals(private_auction, that.private_auction) && Objects.equals(deals, that.deals)
                && Objects.equals(ext, that.ext);
    }

    @Override
    public int hashCode() {
        int h = Objects.hashCode(private_auction);
        h = 31 * h + Objects.hashCode(deals);
        h = 31 * h + Objects.hashCode(ext);
        return h;
    }
}
