package dev.merlin.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import dev.merlin.protocol.model.Bid;
import dev.merlin.protocol.model.BidResponse;
import dev.merlin.protocol.model.ModelPool;
import dev.merlin.protocol.model.SeatBid;
import java.io.IOException;
import java.util.List;

/**
 * Decodes a DSP's OpenRTB 2.5/2.6 bid response straight from its bytes with Jackson's streaming parser (no databind,
 * no trees), enforcing types and the {@link BidResponseLimits}: a DSP is untrusted, so its answer is read within a
 * fixed budget whatever it sends, and anything that does not fit fails with one typed
 * {@link InvalidBidResponseException} naming the {@link BidResponseError reason} and the JSON path.
 *
 * <p>What it checks is the document's shape: JSON syntax, UTF-8, every field's JSON type (a string where the spec has a
 * number is an error, never a coercion), duplicate keys at any level, the body size, nesting depth, seat and bid
 * counts, string and {@code adm} lengths. Unknown fields are skipped; {@code ext} objects are kept as their raw text.
 * Whether the bids make sense for the request they answer (ids, prices, sizes, blocks) is the exchange's validator's
 * job, bid by bid, so one bad bid does not cost a DSP its other bids.
 *
 * <p>Allocation: {@link #decode(byte[], int, int, BidResponse)} decodes into a caller's model that is reset, not
 * reallocated (its seat bids, bids and lists come back from the root's {@link ModelPool}), with one Jackson parser
 * kept for answer after answer and repeated short strings (impression ids, currencies, creative ids, advertiser
 * domains) and boxed numbers handed out from a bounded cache; what an answer then costs is mostly its bid ids,
 * URLs and markup.
 *
 * <p>Not thread-safe: keep one per thread (event loop) and reuse it.
 */
public final class BidResponseDecoder {

    private final BidResponseLimits limits;
    private final ParserSlot parsers;
    private final StrictJsonReader in;
    /** True while an {@code adm} value is read, so that Jackson's length limit tripping there is told apart. */
    private boolean readingAdm;

    /** A decoder with {@link BidResponseLimits#defaults()}. */
    public BidResponseDecoder() {
        this(BidResponseLimits.defaults());
    }

    /** A decoder enforcing the given limits. */
    public BidResponseDecoder(BidResponseLimits limits) {
        this(limits, true);
    }

    /** With {@code reuseParsers} false, every document gets a new parser from Jackson's factory (tests compare). */
    BidResponseDecoder(BidResponseLimits limits, boolean reuseParsers) {
        this.limits = limits;
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(limits.maxDepth())
                        .maxStringLength(Math.max(limits.maxStringLength(), limits.maxAdmLength()))
                        .maxNameLength(limits.maxStringLength())
                        .build())
                .build();
        this.parsers = new ParserSlot(factory, reuseParsers);
        this.in = new StrictJsonReader(limits.maxStringLength());
    }

    /** The limits this decoder enforces. */
    public BidResponseLimits limits() {
        return limits;
    }

    /**
     * Decodes one answer into a new model.
     *
     * @throws InvalidBidResponseException naming the first problem and its JSON path
     */
    public BidResponse decode(byte[] json, int offset, int length) throws InvalidBidResponseException {
        BidResponse response = new BidResponse();
        decode(json, offset, length, response, ModelPool.ALLOCATING);
        return response;
    }

    /**
     * Decodes one answer into {@code into}, which is reset first: its fields are cleared and its seat bids, bids and
     * lists are taken again from its {@link BidResponse#pool()}, so an answer decoded into a reused root allocates
     * little beyond its strings. Afterwards {@code into} holds exactly what {@link #decode(byte[], int, int)} would
     * return; nothing of the answer decoded into it before survives, so objects reached from it before this call
     * must no longer be in use. After an exception the contents of {@code into} are unspecified until the next
     * successful decode.
     *
     * @throws InvalidBidResponseException naming the first problem and its JSON path
     */
    public void decode(byte[] json, int offset, int length, BidResponse into) throws InvalidBidResponseException {
        ModelPool pool = into.pool();
        pool.reset();
        decode(json, offset, length, into, pool);
    }

    private void decode(byte[] json, int offset, int length, BidResponse into, ModelPool pool)
            throws InvalidBidResponseException {
        into.clear();
        if (length > limits.maxBodyBytes()) {
            throw new InvalidBidResponseException(BidResponseError.TOO_LARGE, "",
                    "body of " + length + " bytes, more than " + limits.maxBodyBytes());
        }
        if (length == 0) {
            throw new InvalidBidResponseException(BidResponseError.MALFORMED_JSON, "",
                    "empty body: expected a JSON object");
        }
        JsonParser parser = null;
        boolean readToTheEnd = false;
        readingAdm = false;
        try {
            parser = parsers.open(json, offset, length);
            in.reset(parser, json, offset, pool);
            JsonToken first = parser.nextToken();
            if (first != JsonToken.START_OBJECT) {
                throw notAnObject(first);
            }
            response(into);
            if (parser.nextToken() != null) {
                throw new InvalidBidResponseException(BidResponseError.MALFORMED_JSON, "",
                        "unexpected content after the response object");
            }
            readToTheEnd = true;
        } catch (InvalidRequestException e) {
            throw translate(e);
        } catch (StreamConstraintsException e) {
            throw constraintViolation(parser);
        } catch (JsonParseException e) {
            throw malformed(e);
        } catch (IOException e) {
            throw new InvalidBidResponseException(BidResponseError.MALFORMED_JSON, in.path(),
                    "unreadable JSON: " + e.getMessage());
        } finally {
            in.reset(null, null, 0, ModelPool.ALLOCATING);
            parsers.close(parser, readToTheEnd);
        }
    }

    private static InvalidBidResponseException notAnObject(JsonToken first) {
        if (first == null) {
            return new InvalidBidResponseException(BidResponseError.MALFORMED_JSON, "",
                    "body holds only whitespace: expected a JSON object");
        }
        return new InvalidBidResponseException(BidResponseError.NOT_AN_OBJECT, "",
                "a bid response must be a JSON object, found " + first.name());
    }

    /** The reader's typed errors in the response's vocabulary. */
    private static InvalidBidResponseException translate(InvalidRequestException e) {
        BidResponseError reason;
        switch (e.reason()) {
            case INVALID_UTF8: reason = BidResponseError.INVALID_UTF8; break;
            case NOT_AN_OBJECT: reason = BidResponseError.NOT_AN_OBJECT; break;
            case WRONG_TYPE: reason = BidResponseError.WRONG_TYPE; break;
            case OUT_OF_RANGE: reason = BidResponseError.OUT_OF_RANGE; break;
            case TOO_DEEP: reason = BidResponseError.TOO_DEEP; break;
            case STRING_TOO_LONG: reason = BidResponseError.STRING_TOO_LONG; break;
            case DUPLICATE_KEY: reason = BidResponseError.DUPLICATE_KEY; break;
            default: reason = BidResponseError.MALFORMED_JSON;
        }
        return new InvalidBidResponseException(reason, e.path(), e.getMessage());
    }

    /**
     * Jackson stopped at one of the limits it enforces while reading: told apart by the parser's state, not by the
     * message (a nesting deeper than the limit is visible in the context it opened; an {@code adm} is read with
     * {@link #readingAdm} set; anything else is a string, key or number too long).
     */
    private InvalidBidResponseException constraintViolation(JsonParser parser) {
        String path = in.path();
        if (parser != null && parser.getParsingContext().getNestingDepth() > limits.maxDepth()) {
            return new InvalidBidResponseException(BidResponseError.TOO_DEEP, path,
                    "JSON nested deeper than " + limits.maxDepth() + " levels");
        }
        if (readingAdm) {
            return new InvalidBidResponseException(BidResponseError.ADM_TOO_LONG, path,
                    "adm longer than " + limits.maxAdmLength() + " characters");
        }
        return new InvalidBidResponseException(BidResponseError.STRING_TOO_LONG, path,
                "string, key or number longer than " + limits.maxStringLength() + " characters");
    }

    private InvalidBidResponseException malformed(JsonParseException e) {
        String message = e.getOriginalMessage() == null ? "syntax error" : e.getOriginalMessage();
        JsonLocation at = e.getLocation();
        String where = at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
        // Jackson reports bad UTF-8 with the same exception type as other syntax errors
        BidResponseError reason = message.startsWith("Invalid UTF-8")
                ? BidResponseError.INVALID_UTF8 : BidResponseError.MALFORMED_JSON;
        return new InvalidBidResponseException(reason, in.path(), "malformed JSON" + where + ": " + message);
    }

    private void response(BidResponse response)
            throws IOException, InvalidRequestException, InvalidBidResponseException {
        in.beginObject(); // decode() checked the root is an object
        String field;
        while ((field = in.nextField()) != null) {
            switch (field) {
                case "id": response.id = in.readString(); break;
                case "seatbid": response.seatbid = seatBids(); break;
                case "bidid": response.bidid = in.readString(); break;
                case "cur": response.cur = in.readCommonString(); break;
                case "customdata": response.customdata = in.readString(); break;
                case "nbr": response.nbr = in.readInt(); break;
                case "ext": response.ext = in.readExt(); break;
                default: in.skip();
            }
        }
    }

    private List<SeatBid> seatBids() throws IOException, InvalidRequestException, InvalidBidResponseException {
        if (!in.beginArray()) {
            return null;
        }
        JsonParser parser = in.parser();
        List<SeatBid> seats = in.pool().list();
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            if (seats.size() == limits.maxSeatBids()) {
                throw new InvalidBidResponseException(BidResponseError.TOO_MANY_SEATBIDS, "seatbid",
                        "more than " + limits.maxSeatBids() + " seatbid entries");
            }
            if (!in.beginObject()) {
                throw in.wrongType("an object");
            }
            seats.add(seatBid());
        }
        return seats;
    }

    private SeatBid seatBid() throws IOException, InvalidRequestException, InvalidBidResponseException {
        SeatBid seat = in.pool().seatBids.take();
        String field;
        while ((field = in.nextField()) != null) {
            switch (field) {
                case "bid": seat.bid = bids(); break;
                case "seat": seat.seat = in.readCommonString(); break;
                case "group": seat.group = in.readInt(); break;
                case "ext": seat.ext = in.readExt(); break;
                default: in.skip();
            }
        }
        return seat;
    }

    private List<Bid> bids() throws IOException, InvalidRequestException, InvalidBidResponseException {
        if (!in.beginArray()) {
            return null;
        }
        JsonParser parser = in.parser();
        List<Bid> bids = in.pool().list();
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            if (bids.size() == limits.maxBidsPerSeat()) {
                String path = in.path();
                throw new InvalidBidResponseException(BidResponseError.TOO_MANY_BIDS, path,
                        "more than " + limits.maxBidsPerSeat() + " bids in " + path);
            }
            if (!in.beginObject()) {
                throw in.wrongType("an object");
            }
            bids.add(bid());
        }
        return bids;
    }

    /** {@code values}, or the error when they are more than {@link BidResponseLimits#maxListLength()}. */
    private <T> List<T> bounded(List<T> values) throws InvalidBidResponseException {
        if (values != null && values.size() > limits.maxListLength()) {
            String path = in.path();
            throw new InvalidBidResponseException(BidResponseError.TOO_MANY_VALUES, path,
                    path + " has " + values.size() + " entries, more than " + limits.maxListLength());
        }
        return values;
    }

    private Bid bid() throws IOException, InvalidRequestException, InvalidBidResponseException {
        Bid bid = in.pool().bids.take();
        String field;
        while ((field = in.nextField()) != null) {
            switch (field) {
                case "id": bid.id = in.readString(); break;
                case "impid": bid.impid = in.readCommonString(); break;
                case "price": bid.price = in.readDouble(); break;
                case "nurl": bid.nurl = in.readString(); break;
                case "burl": bid.burl = in.readString(); break;
                case "lurl": bid.lurl = in.readString(); break;
                case "adm": bid.adm = adm(); break;
                case "adid": bid.adid = in.readCommonString(); break;
                case "adomain": bid.adomain = bounded(in.readCommonStrings()); break;
                case "bundle": bid.bundle = in.readCommonString(); break;
                case "iurl": bid.iurl = in.readString(); break;
                case "cid": bid.cid = in.readCommonString(); break;
                case "crid": bid.crid = in.readCommonString(); break;
                case "tactic": bid.tactic = in.readCommonString(); break;
                case "cattax": bid.cattax = in.readInt(); break;
                case "cat": bid.cat = bounded(in.readCommonStrings()); break;
                case "attr": bid.attr = bounded(in.readInts()); break;
                case "apis": bid.apis = bounded(in.readInts()); break;
                case "api": bid.api = in.readInt(); break;
                case "protocol": bid.protocol = in.readInt(); break;
                case "qagmediarating": bid.qagmediarating = in.readInt(); break;
                case "language": bid.language = in.readCommonString(); break;
                case "langb": bid.langb = in.readCommonString(); break;
                case "dealid": bid.dealid = in.readCommonString(); break;
                case "w": bid.w = in.readInt(); break;
                case "h": bid.h = in.readInt(); break;
                case "wratio": bid.wratio = in.readInt(); break;
                case "hratio": bid.hratio = in.readInt(); break;
                case "exp": bid.exp = in.readInt(); break;
                case "dur": bid.dur = in.readInt(); break;
                case "mtype": bid.mtype = in.readInt(); break;
                case "slotinpod": bid.slotinpod = in.readInt(); break;
                case "ext": bid.ext = in.readExt(); break;
                default: in.skip();
            }
        }
        return bid;
    }

    /** The markup, with its own length limit: Jackson stops reading at the larger of the two string limits. */
    private String adm() throws IOException, InvalidRequestException, InvalidBidResponseException {
        JsonParser parser = in.parser();
        JsonToken token = parser.currentToken();
        if (token == JsonToken.VALUE_NULL) {
            return null;
        }
        if (token != JsonToken.VALUE_STRING) {
            throw in.wrongType("a string");
        }
        readingAdm = true;
        int length = parser.getTextLength();
        readingAdm = false;
        if (length > limits.maxAdmLength()) {
            throw new InvalidBidResponseException(BidResponseError.ADM_TOO_LONG, in.path(),
                    "adm longer than " + limits.maxAdmLength() + " characters");
        }
        return parser.getText();
    }
}
