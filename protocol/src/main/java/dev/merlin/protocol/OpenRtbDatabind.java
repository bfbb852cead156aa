package dev.merlin.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonInclude.Include;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * Jackson databind configured for the OpenRTB model: the reference codec for tests and the databind baseline of the
 * codec benchmarks, never the exchange's hot path.
 *
 * <p>It is as strict about types as the hand-written decoder: {@code "tmax": "5"} or {@code "w": 300.5} fail rather
 * than being coerced, while unknown keys are ignored as OpenRTB requires.
 */
public final class OpenRtbDatabind {

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .defaultPropertyInclusion(JsonInclude.Value.construct(Include.NON_NULL, Include.NON_NULL))
            .build();

    private OpenRtbDatabind() {
    }

    /** Returns the shared mapper; it is thread-safe and must not be reconfigured by callers. */
    public static ObjectMapper mapper() {
        return MAPPER;
    }
}
