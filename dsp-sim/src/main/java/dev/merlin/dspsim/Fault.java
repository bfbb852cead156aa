package dev.merlin.dspsim;

import java.util.Locale;

/**
 * A way the simulator misbehaves on purpose, each drawn at its own configured rate per bid request (at most one
 * per request; the rest are answered normally).
 */
public enum Fault {
    /** Reads the request and never answers; the connection stays open (and later requests on it wait behind it). */
    NEVER_ANSWER,
    /** Answers a normal bid, but only after {@code slowMillis} instead of the drawn latency. */
    SLOW,
    /** Closes the connection without an answer, with SO_LINGER 0 so the peer sees a TCP RST. */
    RESET,
    /** Answers {@code 500 Internal Server Error}. */
    SERVER_ERROR,
    /** Answers {@code 200} with a JSON content type and a body that is not JSON. */
    GARBAGE,
    /** Answers {@code 200} with a syntactically valid bid response of {@code hugeBodyBytes} (10 MiB by default). */
    HUGE_BODY,
    /** Answers a bid response whose {@code id} is not the request's. */
    WRONG_RESPONSE_ID,
    /** Answers a bid whose {@code impid} names no imp of the request. */
    WRONG_IMP_ID,
    /**
     * Answers a normal bid twice, as a proxy that repeats a response does: on a connection carrying pipelined
     * requests, every answer after it is one request behind.
     */
    DUPLICATE_ANSWER;

    /** The command line name: lower case with dashes ({@code never-answer}). */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The fault with this command line name. */
    public static Fault fromCliName(String name) {
        for (Fault f : values()) {
            if (f.cliName().equals(name)) {
                return f;
            }
        }
        StringBuilder known = new StringBuilder();
        for (Fault f : values()) {
            known.append(known.length() == 0 ? "" : ", ").append(f.cliName());
        }
        throw new IllegalArgumentException("unknown fault '" + name + "'; one of " + known);
    }
}
