package dev.merlin.protocol;

import com.fasterxml.jackson.core.ErrorReportConfiguration;
import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamWriteConstraints;
import com.fasterxml.jackson.core.io.ContentReference;
import com.fasterxml.jackson.core.io.IOContext;
import com.fasterxml.jackson.core.json.JsonReadContext;
import com.fasterxml.jackson.core.json.UTF8StreamJsonParser;
import com.fasterxml.jackson.core.sym.ByteQuadsCanonicalizer;
import com.fasterxml.jackson.core.util.BufferRecycler;

/**
 * Jackson's UTF-8 byte parser, pointed at the next document instead of being created per document: creating one costs
 * about 600 bytes (the parser, its I/O context, text buffer, symbol table child, quad buffer and root context), and
 * its nested read contexts are created again on the first use of each depth. This one keeps all of them.
 *
 * <p>{@link #reset} restores what Jackson's constructor sets for a byte array that starts at {@code offset}, so the
 * parser reads the next document exactly as a new one would (tokens, errors, locations). The decoder only reuses it
 * after a document that was read to its end without error. It reads every input as UTF-8, as RFC 8259 requires of
 * JSON exchanged between systems: only input that starts with a UTF-8 byte order mark goes through
 * {@link JsonFactory#createParser(byte[], int, int)} (whose bootstrapper skips the mark), see {@code ParserSlot}.
 *
 * <p>Also gives the byte offsets of the current token and position without building a {@code JsonLocation}.
 */
final class ReusableJsonParser extends UTF8StreamJsonParser {

    /** Field names this parser's symbol table may hold before the decoder starts a new parser (bounds memory). */
    static final int MAX_NAMES = 2_000;

    private static final byte[] NO_INPUT = new byte[0];

    private final JsonReadContext root;

    private ReusableJsonParser(IOContext context, int features, ByteQuadsCanonicalizer names) {
        super(context, features, null, null, names, NO_INPUT, 0, 0, 0, false);
        this.root = _parsingContext;
    }

    /** A parser with the factory's parser features and constraints, its symbol table a child of {@code names}. */
    static ReusableJsonParser create(JsonFactory factory, ByteQuadsCanonicalizer names) {
        IOContext context = new IOContext(factory.streamReadConstraints(), StreamWriteConstraints.defaults(),
                ErrorReportConfiguration.defaults(), new BufferRecycler(), ContentReference.unknown(), false);
        context.setEncoding(JsonEncoding.UTF8);
        return new ReusableJsonParser(context, factory.getParserFeatures(),
                names.makeChild(JsonFactory.Feature.collectDefaults()));
    }

    /**
     * True when Jackson's bootstrapper might read these bytes as UTF-16 or UTF-32: a zero in one of the first two
     * bytes, or a UTF-16 byte order mark.
     */
    static boolean mayBeUtf16Or32(byte[] json, int offset, int length) {
        if (length < 2) {
            return false;
        }
        int b0 = json[offset] & 0xFF;
        int b1 = json[offset + 1] & 0xFF;
        return b0 == 0 || b1 == 0 || b0 == 0xFE && b1 == 0xFF || b0 == 0xFF && b1 == 0xFE;
    }

    /** How many field names the symbol table holds. */
    int names() {
        return _symbols.size();
    }

    /** Points the parser at {@code length} bytes of {@code json} from {@code offset}, as a new parser would start. */
    void reset(byte[] json, int offset, int length) {
        _currToken = null;
        _lastClearedToken = null;
        _tokenCount = 0;
        _closed = false;
        _inputBuffer = json;
        _inputPtr = offset;
        _inputEnd = offset + length;
        _currInputProcessed = -offset;
        _currInputRow = 1;
        _currInputRowStart = offset;
        _tokenInputTotal = 0;
        _tokenInputRow = 1;
        _tokenInputCol = 0;
        root.reset(JsonStreamContext.TYPE_ROOT, 1, 0);
        _parsingContext = root;
        _nextToken = null;
        _textBuffer.resetWithEmpty();
        _nameCopied = false;
        _binaryValue = null;
        _numTypesValid = NR_UNKNOWN;
        _numberString = null;
        _numberBigInt = null;
        _numberBigDecimal = null;
        _numberDoubleDeferred = false;
        _numberIsNaN = false;
        _tokenIncomplete = false;
    }

    /** Drops the input array, so a parked parser does not keep the last request's bytes reachable. */
    void release() {
        _inputBuffer = NO_INPUT;
        _inputPtr = 0;
        _inputEnd = 0;
    }

    /** Offset from the document's start of the current token's first byte (as {@code currentTokenLocation()}). */
    long tokenStartOffset() {
        if (_currToken == JsonToken.FIELD_NAME) {
            return _currInputProcessed + (_nameStartOffset - 1);
        }
        return _tokenInputTotal - 1;
    }

    /** Offset from the document's start of the next byte to read (as {@code currentLocation()}). */
    long currentOffset() {
        return _currInputProcessed + _inputPtr;
    }
}
