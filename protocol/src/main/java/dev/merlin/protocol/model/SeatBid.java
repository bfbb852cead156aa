package dev.merlin.protocol.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Objects;

/** The bids of one seat (buyer) in a bid response. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public final class SeatBid {

    public List<Bid> bid;
    public String seat;
    public Integer group;
    public RawJson ext;

    /** Sets every field to null, as a new instance has them, so the object can be decoded into again. */
    public void clear() {
        bid = null;
        seat = null;
        group = null;
        ext = null;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof SeatBid)) {
            return false;
        }
        SeatBid that = (SeatBid) o;
        return Objects.equals(bid, that.bid) && Objects.equals(seat, that.seat) && Objects.equals(group, that.group)
                && Objects.equals(ext, that.ext);
    }

    @Override
    public int hashCode() {
        int h = Objects.hashCode(bid);
        h = 31 * h + Objects.hashCode(seat);
        h = 31 * h + Objects.hashCode(group);
        h = 31 * h + Objects.hashCode(ext);
        return h;
    }
}
