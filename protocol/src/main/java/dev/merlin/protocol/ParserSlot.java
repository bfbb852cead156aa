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

    /** The parked parser pointed at the bytes, or a new one; Jackson's own for input it would not read as UTF-8. */
    JsonParser open(byte[] json, int offset, int length) throws IOException {
        if (!reuseParsers || !ReusableJsonParser.isPlainUtf8(json, offset, length)) {
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
