package dev.merlin.dspsim;

import java.util.Locale;
import java.util.Map;

/**
 * A bid request as the simulator received it, for tests to assert what Merlin sent.
 *
 * @param number  the request's arrival number at this simulator, from 0
 * @param method  the HTTP method
 * @param uri     the request target (path and query)
 * @param headers every header, names in lower case, the first value of each (as sent: Content-Encoding included)
 * @param body    the body as UTF-8 text, after gzip decompression when it came compressed
 */
public record ReceivedRequest(long number, String method, String uri, Map<String, String> headers, String body) {

    /** The header's first value, or null; {@code name} in any case. */
    public String header(String name) {
        return headers.get(name.toLowerCase(Locale.ROOT));
    }
}
