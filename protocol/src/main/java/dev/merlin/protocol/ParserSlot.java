package dev.merlin.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.sym.ByteQuadsCanonicalizer;
import java.io.IOException;

/**
 * The Jackson parser a decoder reads document after document with: one {@link ReusableJsonParser} parked between
 * documents and pointed at the next one, so a decode creates no parser. Not thread-safe: one per decoder.
 */
final class ParserSlot {

    private final JsonFactory factory;
    private final boolean reuseParsers;
    /** The field names every parser of this slot shares, so each name is decoded from bytes once. */
    private final ByteQuadsCanonicalizer names = ByteQuadsCanonicalizer.createRoot();
    /** The parser the next decode reuses; null before the first decode and after one that failed mid-document. */
    private ReusableJsonParser parked;
    /** How many names the parked parser's symbol table held when it was made; it is renewed after MAX_NAMES more. */
    private int parserNamesAtStart;

    /** With {@code reuseParsers} false, every document gets a new parser from the factory (tests compare). */
    ParserSlot(JsonFactory factory, boolean reuseParsers) {
        this.factory = factory;
        this.reuseParsers = reuseParsers;
    }

    /**
     * The parked parser pointed at the bytes, or a new one. Input is read as UTF-8 (RFC 8259 requires it): only a
     * leading UTF-8 byte order mark goes through Jackson's own bootstrapper, which skips it. UTF-16 or UTF-32 input
     * is never decoded as such (the decoders keep raw {@code ext} text by byte offsets, which only hold for UTF-8), so
     * it fails as malformed UTF-8 JSON.
     */
    JsonParser open(byte[] json, int offset, int length) throws IOException {
        boolean hasUtf8Bom = length >= 3 && json[offset] == (byte) 0xEF && json[offset + 1] == (byte) 0xBB
                && json[offset + 2] == (byte) 0xBF;
        if (hasUtf8Bom || !reuseParsers && !ReusableJsonParser.mayBeUtf16Or32(json, offset, length)) {
            return factory.createParser(json, offset, length);
        }
        ReusableJsonParser parser = parked;
        parked = null;
        if (parser == null || parser.names() > parserNamesAtStart + ReusableJsonParser.MAX_NAMES) {
            if (parser != null) {
                parser.close();
            }
            parser = ReusableJsonParser.create(factory, names);
            parserNamesAtStart = parser.names();
        }
        parser.reset(json, offset, length);
        return parser;
    }

    /** Parks a reusable parser that read its document to the end; closes any other. */
    void close(JsonParser parser, boolean readToTheEnd) {
        if (parser instanceof ReusableJsonParser && readToTheEnd) {
            ReusableJsonParser reusable = (ReusableJsonParser) parser;
            reusable.release();
            parked = reusable;
            return;
        }
        if (parser != null) {
            try {
                parser.close();
            } catch (IOException e) {
                // nothing to release for a byte array; the decode's outcome is already decided
            }
        }
    }
}
