package dev.merlin.protocol.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Objects;

/** Top-level OpenRTB 2.6 bid response: a bidder's answer to one bid request. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public final class BidResponse {

    public String id;
    public List<SeatBid> seatbid;
    public String bidid;
    public String cur;
    public String customdata;
    public Integer nbr;
    public RawJson ext;

    private ModelPool pool;

    /**
     * The objects and lists decodes into this response reuse (created on first use): a decoder that decodes into
     * this response again takes its seat bids, bids and lists from here, cleared, instead of allocating them. Not part
     * of the response's value (equals, hashCode, JSON).
     */
    public ModelPool pool() {
        if (pool == null) {
            pool = new ModelPool();
        }
        return pool;
    }

    /** Sets every field to null, as a new instance has them, so the object can be decoded into again. */
    public void clear() {
        id = null;
        seatbid = null;
        bidid = null;
        cur = null;
        customdata = null;
        nbr = null;
        ext = null;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof BidResponse)) {
            return false;
        }
        BidResponse that = (BidResponse) o;
        return Objects.equals(id, that.id) && Objects.equals(seatbid, that.seatbid)
                && Objects.equals(bidid, that.bidid) && Objects.equals(cur, that.cur)
                && Objects.equals(customdata, that.customdata) && Objects.equals(nbr, that.nbr)
                && Objects.equals(ext, that.ext);
    }

    @Override
    public int hashCode() {
        int h = Objects.hashCode(id);
        h = 31 * h + Objects.hashCode(seatbid);
        h = 31 * h + Objects.hashCode(bidid);
        h = 31 * h + Objects.hashCode(cur);
        h = 31 * h + Objects.hashCode(customdata);
        h = 31 * h + Objects.hashCode(nbr);
        h = 31 * h + Objects.hashCode(ext);
        return h;
    }

    @Override
    public String toString() {
        return "BidResponse{id=" + id + "}";
    }
}
