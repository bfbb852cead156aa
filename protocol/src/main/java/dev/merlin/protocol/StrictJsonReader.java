package dev.merlin.protocol;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import dev.merlin.protocol.model.ModelPool;
import dev.merlin.protocol.model.RawJson;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;

/**
 * Typed reads over a Jackson streaming parser positioned on a value: a string where the spec has a number is an
 * error, never a coercion, and every error names the JSON path of the offending value.
 *
 * <p>Duplicate keys are refused at every object level, including objects that are skipped or kept as raw text
 * ({@code ext}): {@link ErrorReason#DUPLICATE_KEY} naming the path, e.g. {@code duplicate key "imp[0].id"}. The names
 * of the open objects sit on one reused stack and are compared linearly, so an ordinary request allocates nothing for
 * the check; an object with more than {@value #LINEAR_SCAN_NAMES} keys switches to a hash set for that level (the
 * only allocation, and it keeps a hostile object with thousands of keys linear, not quadratic).
 *
 * <p>One instance per decoder (so per thread); {@link #reset} points it at the next document.
 */
final class StrictJsonReader {

    /** Reads one element of an object array; instances are created once per decoder, never per call. */
    @FunctionalInterface
    interface ElementReader<T> {
        T read() throws IOException, InvalidRequestException;
    }

    /** Keys per object checked by a linear scan of the stack; above this, a hash set for that level. */
    static final int LINEAR_SCAN_NAMES = 16;
    private static final RawJson EMPTY_OBJECT = RawJson.of("{}");
    /** 10^0 to 10^15, each an exact double. */
    private static final double[] POWERS_OF_TEN = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12,
        1e13, 1e14, 1e15};
    /** A hash set that grew past this many keys is dropped rather than cleared (clearing costs its capacity). */
    private static final int MAX_RETAINED_SET = 1024;

    private final int maxStringLength;
    private JsonParser parser;
    private byte[] source;
    private int sourceOffset;
    private ModelPool pool = ModelPool.ALLOCATING;
    private final ValueCache values = new ValueCache();

    /** The keys of every open object, innermost last; {@code levelStart[d]} is where level {@code d} begins. */
    private String[] names = new String[64];
    /** {@code hashes[i]} is {@code names[i].hashCode()}, compared first so that most keys need no {@code equals}. */
    private int[] hashes = new int[64];
    private int nameCount;
    private int[] levelStart = new int[16];
    private int depth;
    /** Per level, the keys of an object too large for the linear scan; reused, created on first need. */
    private HashSet<String>[] largeLevels = newSets(16);

    StrictJsonReader(int maxStringLength) {
        this.maxStringLength = maxStringLength;
    }

    void reset(JsonParser parser, byte[] source, int sourceOffset, ModelPool pool) {
        this.parser = parser;
        this.source = source;
        this.sourceOffset = sourceOffset;
        this.pool = pool;
        while (depth > 0) {
            leaveObject();
        }
        nameCount = 0;
    }

    JsonParser parser() {
        return parser;
    }

    /** Where the model objects and lists of the document being read come from. */
    ModelPool pool() {
        return pool;
    }

    /**
     * Moves to the next field of the current object (opened by {@link #beginObject}) and its value; null at the end
     * of the object.
     *
     * @throws InvalidRequestException {@link ErrorReason#DUPLICATE_KEY} when the object already had this key
     */
    String nextField() throws IOException, InvalidRequestException {
        String name = parser.nextFieldName();
        if (name == null) {
            leaveObject();
            return null;
        }
        checkNewKey(name);
        parser.nextToken();
        return name;
    }

    /** Skips the current value, whatever it is (an unknown field), still refusing duplicate keys inside it. */
    void skip() throws IOException, InvalidRequestException {
        JsonToken token = parser.currentToken();
        if (token != JsonToken.START_OBJECT && token != JsonToken.START_ARRAY) {
            return;
        }
        if (token == JsonToken.START_OBJECT) {
            enterObject();
        }
        int open = 1;
        while (open > 0) {
            token = parser.nextToken();
            if (token == null) {
                return; // the parser reports the truncated document on the next read
            }
            switch (token) {
                case FIELD_NAME: checkNewKey(parser.currentName()); break;
                case START_OBJECT: open++; enterObject(); break;
                case START_ARRAY: open++; break;
                case END_OBJECT: open--; leaveObject(); break;
                case END_ARRAY: open--; break;
                default: break;
            }
        }
    }

    private void enterObject() {
        if (depth == levelStart.length) {
            levelStart = Arrays.copyOf(levelStart, depth * 2);
            largeLevels = Arrays.copyOf(largeLevels, depth * 2);
        }
        levelStart[depth++] = nameCount;
    }

    private void leaveObject() {
        depth--;
        nameCount = levelStart[depth];
        HashSet<String> large = largeLevels[depth];
        if (large != null && !large.isEmpty()) {
            if (large.size() > MAX_RETAINED_SET) {
                largeLevels[depth] = null;
            } else {
                large.clear();
            }
        }
    }

    private void checkNewKey(String name) throws InvalidRequestException {
        int level = depth - 1;
        int start = levelStart[level];
        int count = nameCount - start;
        HashSet<String> large = largeLevels[level];
        if (large != null && !large.isEmpty()) {
            if (!large.add(name)) {
                throw duplicateKey();
            }
            return; // the level's keys live in the set now, not on the stack
        }
        int hash = name.hashCode();
        for (int i = start; i < nameCount; i++) {
            if (hashes[i] == hash && name.equals(names[i])) {
                throw duplicateKey();
            }
        }
        if (count < LINEAR_SCAN_NAMES) {
            if (nameCount == names.length) {
                names = Arrays.copyOf(names, nameCount * 2);
                hashes = Arrays.copyOf(hashes, nameCount * 2);
            }
            names[nameCount] = name;
            hashes[nameCount++] = hash;
            return;
        }
        if (large == null) {
            large = new HashSet<>();
            largeLevels[level] = large;
        }
        for (int i = start; i < nameCount; i++) {
            large.add(names[i]);
        }
        large.add(name);
        nameCount = start;
    }

    private InvalidRequestException duplicateKey() {
        String path = path();
        return new InvalidRequestException(ErrorReason.DUPLICATE_KEY, path, "duplicate key \"" + path + "\"");
    }

    @SuppressWarnings("unchecked")
    private static HashSet<String>[] newSets(int length) {
        return (HashSet<String>[]) new HashSet<?>[length];
    }

    boolean isNull() {
        return parser.currentToken() == JsonToken.VALUE_NULL;
    }

    /** True when positioned on an object; false on null; any other value is a type error. */
    boolean beginObject() throws InvalidRequestException {
        JsonToken token = parser.currentToken();
        if (token == JsonToken.START_OBJECT) {
            enterObject();
            return true;
        }
        if (token == JsonToken.VALUE_NULL) {
            return false;
        }
        throw wrongType("an object");
    }

    Integer readInt() throws IOException, InvalidRequestException {
        JsonToken token = parser.currentToken();
        if (token == JsonToken.VALUE_NUMBER_INT) {
            if (parser.getNumberType() != JsonParser.NumberType.INT) {
                throw new InvalidRequestException(ErrorReason.WRONG_TYPE, path(),
                        "integer out of range at " + describePath());
            }
            return values.box(parser.getIntValue());
        }
        if (token == JsonToken.VALUE_NULL) {
            return null;
        }
        throw wrongType("an integer");
    }

    /** An integer that must be 0 or more. */
    Integer readNonNegativeInt() throws IOException, InvalidRequestException {
        Integer value = readInt();
        if (value != null && value < 0) {
            throw outOfRange("must not be negative, was " + value);
        }
        return value;
    }

    /** An integer flag that must be 0 or 1. */
    Integer readFlag() throws IOException, InvalidRequestException {
        Integer value = readInt();
        if (value != null && value != 0 && value != 1) {
            throw outOfRange("must be 0 or 1, was " + value);
        }
        return value;
    }

    Double readDouble() throws IOException, InvalidRequestException {
        JsonToken token = parser.currentToken();
        if (token == JsonToken.VALUE_NUMBER_FLOAT || token == JsonToken.VALUE_NUMBER_INT) {
            double value = simpleDecimal(parser.getTextCharacters(), parser.getTextOffset(), parser.getTextLength());
            if (Double.isNaN(value)) {
                value = parser.getDoubleValue();
            }
            if (!Double.isFinite(value)) {
                throw outOfRange("must be a finite number");
            }
            return values.box(value);
        }
        if (token == JsonToken.VALUE_NULL) {
            return null;
        }
        throw wrongType("a number");
    }

    /** A price or floor: a finite number, 0 or more. */
    Double readNonNegativeDouble() throws IOException, InvalidRequestException {
        Double value = readDouble();
        if (value != null && value < 0) {
            throw outOfRange("must not be negative, was " + value);
        }
        return value;
    }

    String readString() throws IOException, InvalidRequestException {
        JsonToken token = parser.currentToken();
        if (token == JsonToken.VALUE_STRING) {
            return checkedText();
        }
        if (token == JsonToken.VALUE_NULL) {
            return null;
        }
        throw wrongType("a string");
    }

    /**
     * A string from a small vocabulary (a currency, a country, an OS name): repeated values share one instance,
     * from a bounded per-decoder cache ({@link ValueCache}).
     */
    String readCommonString() throws IOException, InvalidRequestException {
        JsonToken token = parser.currentToken();
        if (token == JsonToken.VALUE_STRING) {
            return checkedCommonText();
        }
        if (token == JsonToken.VALUE_NULL) {
            return null;
        }
        throw wrongType("a string");
    }

    /** Strings from a small vocabulary (categories, currencies, mime types); see {@link #readCommonString}. */
    List<String> readCommonStrings() throws IOException, InvalidRequestException {
        if (!beginArray()) {
            return null;
        }
        List<String> list = pool.list();
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            if (parser.currentToken() != JsonToken.VALUE_STRING) {
                throw wrongType("a string");
            }
            list.add(checkedCommonText());
        }
        return list;
    }

    List<String> readStrings() throws IOException, InvalidRequestException {
        if (!beginArray()) {
            return null;
        }
        List<String> list = pool.list();
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            if (parser.currentToken() != JsonToken.VALUE_STRING) {
                throw wrongType("a string");
            }
            list.add(checkedText());
        }
        return list;
    }

    List<Integer> readInts() throws IOException, InvalidRequestException {
        if (!beginArray()) {
            return null;
        }
        List<Integer> list = pool.list();
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            if (parser.currentToken() == JsonToken.VALUE_NULL) {
                throw wrongType("an integer");
            }
            list.add(readInt());
        }
        return list;
    }

    <T> List<T> readObjects(ElementReader<T> element) throws IOException, InvalidRequestException {
        if (!beginArray()) {
            return null;
        }
        List<T> list = pool.list();
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            T value = element.read();
            if (value == null) {
                throw wrongType("an object");
            }
            list.add(value);
        }
        return list;
    }

    /** An {@code ext} object kept as its raw JSON text, untouched. */
    RawJson readExt() throws IOException, InvalidRequestException {
        JsonToken token = parser.currentToken();
        if (token == JsonToken.VALUE_NULL) {
            return null;
        }
        if (token != JsonToken.START_OBJECT) {
            throw wrongType("an object");
        }
        int start = tokenStart();
        skip();
        return rawFrom(start);
    }

    /** A value of any JSON type kept as raw text (for fields some senders fill with an object). */
    String readRawText() throws IOException, InvalidRequestException {
        int start = tokenStart();
        skip();
        return new String(source, start, tokenEnd() - start, StandardCharsets.UTF_8);
    }

    /** Byte index in the source where the current token starts. */
    int tokenStart() {
        if (parser instanceof ReusableJsonParser) {
            return sourceOffset + (int) ((ReusableJsonParser) parser).tokenStartOffset();
        }
        return sourceOffset + (int) parser.currentTokenLocation().getByteOffset();
    }

    /** Raw JSON from {@code start} to the end of the current (closing) token. */
    RawJson rawFrom(int start) {
        int length = tokenEnd() - start;
        if (length == 2 && source[start] == '{') {
            return EMPTY_OBJECT; // "{}", common in ext; RawJson is immutable, so one instance serves all
        }
        return RawJson.of(new String(source, start, length, StandardCharsets.UTF_8));
    }

    private int tokenEnd() {
        if (parser instanceof ReusableJsonParser) {
            return sourceOffset + (int) ((ReusableJsonParser) parser).currentOffset();
        }
        return sourceOffset + (int) parser.currentLocation().getByteOffset();
    }

    /** True when positioned on an array; false on null; any other value is a type error. */
    boolean beginArray() throws InvalidRequestException {
        JsonToken token = parser.currentToken();
        if (token == JsonToken.START_ARRAY) {
            return true;
        }
        if (token == JsonToken.VALUE_NULL) {
            return false;
        }
        throw wrongType("an array");
    }

    private String checkedText() throws IOException, InvalidRequestException {
        checkTextLength();
        return parser.getText();
    }

    private String checkedCommonText() throws IOException, InvalidRequestException {
        checkTextLength();
        return values.text(parser.getTextCharacters(), parser.getTextOffset(), parser.getTextLength());
    }

    private void checkTextLength() throws IOException, InvalidRequestException {
        if (parser.getTextLength() > maxStringLength) {
            throw new InvalidRequestException(ErrorReason.STRING_TOO_LONG, path(),
                    "string longer than " + maxStringLength + " characters at " + describePath());
        }
    }

    /**
     * The value of a plain decimal ({@code -?digits(.digits)?}, at most 15 digits) computed exactly as
     * {@link Double#parseDouble} would, without building a string: the digits as a long and the power of ten are both
     * exact doubles, so one division is correctly rounded. NaN for anything else (exponents, more digits), which the
     * caller hands to Jackson.
     */
    static double simpleDecimal(char[] chars, int offset, int length) {
        int i = offset;
        int end = offset + length;
        boolean negative = i < end && chars[i] == '-';
        if (negative) {
            i++;
        }
        long digits = 0;
        int count = 0;
        int fraction = -1;
        for (; i < end; i++) {
            char c = chars[i];
            if (c >= '0' && c <= '9') {
                digits = digits * 10 + (c - '0');
                count++;
                if (fraction >= 0) {
                    fraction++;
                }
            } else if (c == '.' && fraction < 0 && count > 0) {
                fraction = 0;
            } else {
                return Double.NaN;
            }
        }
        if (count == 0 || count > 15 || fraction == 0) {
            return Double.NaN;
        }
        double value = fraction > 0 ? digits / POWERS_OF_TEN[fraction] : digits;
        return negative ? -value : value;
    }

    InvalidRequestException wrongType(String expected) {
        return new InvalidRequestException(ErrorReason.WRONG_TYPE, path(),
                describePath() + " must be " + expected + ", found " + describe(parser.currentToken()));
    }

    InvalidRequestException outOfRange(String detail) {
        return new InvalidRequestException(ErrorReason.OUT_OF_RANGE, path(), describePath() + " " + detail);
    }

    private String describePath() {
        String path = path();
        return path.isEmpty() ? "request" : path;
    }

    /** The dotted JSON path of the current value, from the parser's own context chain: {@code imp[0].banner.w}. */
    String path() {
        if (parser == null) {
            return "";
        }
        JsonStreamContext context = parser.getParsingContext();
        // a value token sits in its container's context; a start token opened a context of its own
        JsonToken token = parser.currentToken();
        if (token == JsonToken.START_OBJECT || token == JsonToken.START_ARRAY) {
            context = context.getParent();
        }
        return pathOf(context);
    }

    static String pathOf(JsonStreamContext context) {
        StringBuilder sb = new StringBuilder();
        appendPath(context, sb);
        return sb.toString();
    }

    private static void appendPath(JsonStreamContext context, StringBuilder sb) {
        if (context == null || context.inRoot()) {
            return;
        }
        appendPath(context.getParent(), sb);
        if (context.inArray()) {
            sb.append('[').append(Math.max(context.getCurrentIndex(), 0)).append(']');
        } else if (context.getCurrentName() != null) {
            if (sb.length() > 0) {
                sb.append('.');
            }
            sb.append(context.getCurrentName());
        }
    }

    private static String describe(JsonToken token) {
        if (token == null) {
            return "nothing";
        }
        switch (token) {
            case START_OBJECT: return "an object";
            case START_ARRAY: return "an array";
            case VALUE_STRING: return "a string";
            case VALUE_NUMBER_INT: return "an integer";
            case VALUE_NUMBER_FLOAT: return "a decimal number";
            case VALUE_TRUE:
            case VALUE_FALSE: return "a boolean";
            case VALUE_NULL: return "null";
            default: return token.asString() == null ? token.name() : token.asString();
        }
    }
}
