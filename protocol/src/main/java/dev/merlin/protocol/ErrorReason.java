package dev.merlin.protocol;

import java.util.Locale;

/** Why a bid request was refused; one counter per reason in the exchange. */
public enum ErrorReason {
    /** Not JSON: a syntax error, a truncated document, trailing content or an empty body. */
    MALFORMED_JSON,
    /** Bytes that are not valid UTF-8. */
    INVALID_UTF8,
    /** The body is JSON but not an object (null, a string, an array, a number). */
    NOT_AN_OBJECT,
    /** A value of the wrong JSON type, e.g. a string where the spec has an integer. */
    WRONG_TYPE,
    /** A required field is absent or empty. */
    MISSING_FIELD,
    /** A value outside the range the spec allows, e.g. a negative floor. */
    OUT_OF_RANGE,
    /** Two impressions share an id. */
    DUPLICATE_IMP_ID,
    /** An impression offers none of banner, video, audio or native. */
    NO_MEDIA_TYPE,
    /** Fields that must not appear together, e.g. site and app. */
    CONFLICTING_FIELDS,
    /** JSON nested deeper than the configured limit. */
    TOO_DEEP,
    /** More impressions than the configured limit. */
    TOO_MANY_IMPS,
    /** A string longer than the configured limit. */
    STRING_TOO_LONG,
    /** An object names the same key twice, at any level (the last one does not silently win). */
    DUPLICATE_KEY,
    /** A request, impression or deal id longer than the configured limit (ids are copied into every bid). */
    ID_TOO_LONG;

    /** The reason in lower case, as used in metric labels. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
