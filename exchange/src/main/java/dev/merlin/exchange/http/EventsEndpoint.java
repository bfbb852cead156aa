package dev.merlin.exchange.http;

import dev.merlin.protocol.JsonText;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.merlin.config.TrackingConfig;
import dev.merlin.exchange.auction.Currencies;
import dev.merlin.exchange.auction.UserKeys;
import dev.merlin.exchange.events.EventLog;
import dev.merlin.exchange.events.EventType;
import dev.merlin.exchange.events.EventWriter;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import dev.merlin.exchange.privacy.ConsentGate;
import dev.merlin.exchange.privacy.ConsentSignals;
import dev.merlin.exchange.privacy.ErasureRegistry;
import dev.merlin.exchange.privacy.IdentityKeys;
import dev.merlin.exchange.privacy.OptOutRegistry;
import dev.merlin.exchange.privacy.PrivacyDecision;
import dev.merlin.exchange.privacy.UidCookies;
import dev.merlin.exchange.privacy.UserHash;
import dev.merlin.exchange.tracking.TrackingService;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.LongSupplier;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import java.io.InputStream;
import java.util.Locale;

/**
 * {@code POST /events}: server-to-server activity from apps, in batches of up to {@code tracking.maxBatchEvents},
 * authenticated with the source's API key ({@code Authorization: Bearer KEY}). Answers {@code 202} with accepted
 * and rejected counts and a reason per rejected event; a malformed batch gets {@code 400} and records nothing. An
 * event of a user erased at or after its {@code time} is rejected: a late batch must not bring the user back.
 *
 * <p>An event counts as accepted only once the event log took it. From the first event the log refuses (its ring is
 * full, because the disk is, or the exchange is stopping) to the end of the batch, the events are not recorded and
 * are rejected as {@code event_log_full}, to be sent again; when not one valid event could be logged the answer is
 * {@code 503} with {@code Retry-After: 1} instead. An event too large for the log is rejected as
 * {@code event_too_large} on its own (counted apart from a full log), and the rest of the batch goes on. (The refused
 * event's own segment and attribution effects may already count: the tracking state is written before its log record,
 * which carries what it joined.)
 *
 * <pre>
 * {"events": [{"user": "IFA or app-scoped id", "event": "video_watch", "category": "IAB17", "value": 1,
 *              "currency": "USD", "time": 1764410000, "orderId": "o-1",
 *              "consent": {"gdpr": 1, "gdpr_consent": "CP...", "us_privacy": "1YNN", "gpp": "DB...",
 *                          "gpp_sid": [7], "coppa": 0, "lmt": 0, "atts": 3, "country": "JPN"}}]}
 * </pre>
 */
public final class EventsEndpoint {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MAX_AGE_SECONDS = 30L * 86_400;
    private static final long MAX_FUTURE_SECONDS = 3_600;
    private static final int MAX_TEXT = 256;
    private static final String EVENT_LOG_FULL = "event_log_full: the event log could not take the event (full, or"
            + " the exchange is stopping); it is not accepted, send it again later";
    private static final String BAD_USER = "user must be 1 to 128 letters, digits, '-', '_' or '.' (a device IFA or"
            + " an app-scoped id)";
    private static final String EVENT_TOO_LARGE = "event_too_large: the event is larger than the event log takes;"
            + " it is not accepted (sending it again will not help)";

    /** An event that passed validation, ready to record. */
    private record Accepted(int index, String user, String event, String category, double value, String currency,
                            long time, String orderId) {
    }

    private final TrackingService tracking;
    private final Currencies currencies;
    private final ConsentGate consent;
    private final OptOutRegistry optOuts;
    private final ErasureRegistry erasures;
    private final UidCookies uidCookies;
    private final UserHash userHash;
    private final EventLog eventLog;
    private final TrackingConfig trackingConfig;
    private final ExchangeMetrics metrics;
    private final LongSupplier epochSecondsClock;

    /** The events API, with what a batch reads and records. */
    public EventsEndpoint(TrackingService tracking, Currencies currencies, ConsentGate consent, OptOutRegistry optOuts,
                          ErasureRegistry erasures, IdentityKeys identity, EventLog eventLog,
                          TrackingConfig trackingConfig, ExchangeMetrics metrics, LongSupplier epochSecondsClock) {
        this.tracking = tracking;
        this.currencies = currencies;
        this.consent = consent;
        this.optOuts = optOuts;
        this.erasures = erasures;
        this.uidCookies = identity.uidCookies();
        this.userHash = identity.userHash();
        this.eventLog = eventLog;
        this.trackingConfig = trackingConfig;
        this.metrics = metrics;
        this.epochSecondsClock = epochSecondsClock;
    }

    FullHttpResponse handle(ChannelHandlerContext ctx, FullHttpRequest request) {
        TrackingConfig.EventSourceConfig source = tracking.sourceForKey(ReportsEndpoint.bearerToken(request));
        if (source == null) {
            metrics.httpError(401, "events_api_key");
            FullHttpResponse response = HttpResponses.error(ctx.alloc(), HttpResponseStatus.UNAUTHORIZED,
                    "the events API needs Authorization: Bearer <the source's API key>", null);
            response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"merlin-events\"");
            return response;
        }
        JsonNode batch;
        try {
            Shape shape = shape(request.content());
            if (shape != null) {
                return malformed(ctx, shape.cause, shape.message, "");
            }
            batch = JSON.readTree(new ByteBufInputStream(request.content().duplicate()));
        } catch (JsonProcessingException e) {
            return malformed(ctx, "body is not JSON: " + e.getOriginalMessage(), "");
        } catch (IOException e) {
            return malformed(ctx, "body cannot be read: " + e.getMessage(), "");
        }
        if (batch == null || !batch.isObject() || !batch.path("events").isArray()) {
            return malformed(ctx, "the body must be an object with an \"events\" array", "events");
        }
        JsonNode events = batch.get("events");
        int max = trackingConfig.maxBatchEvents();
        if (events.size() > max) {
            return malformed(ctx, events.size() + " events; a batch holds at most " + max, "events");
        }
        for (int i = 0; i < events.size(); i++) {
            if (!events.get(i).isObject()) {
                return malformed(ctx, "events[" + i + "] must be an object", "events[" + i + "]");
            }
        }
        long now = epochSecondsClock.getAsLong();
        Outcome outcome = new Outcome();
        List<Accepted> accepted = screen(events, now, outcome);
        record(accepted, source, now, outcome);
        if (outcome.logged == 0 && outcome.isLogRefusing) {
            metrics.httpError(503, "event_log_full");
            FullHttpResponse response = HttpResponses.error(ctx.alloc(), HttpResponseStatus.SERVICE_UNAVAILABLE,
                    "the event log cannot take events right now; nothing was accepted, send the batch again", null);
            response.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
            return response;
        }
        String body = "{\"accepted\":" + outcome.logged + ",\"rejected\":" + outcome.rejected + ",\"rejections\":["
                + outcome.rejections + "]}";
        return HttpResponses.json(ctx.alloc(), HttpResponseStatus.ACCEPTED, body);
    }

    /** What one batch came to: events logged, events rejected with their reasons, whether the log refused. */
    private static final class Outcome {
        final StringBuilder rejections = new StringBuilder();
        int logged;
        int rejected;
        boolean isLogRefusing;
    }

    /** Why an event is refused though valid: the label counted and the reason told. */
    private record Refusal(String label, String reason) {
    }

    /** The valid events the user's privacy allows, in order; the rest rejected into {@code outcome}. */
    private List<Accepted> screen(JsonNode events, long now, Outcome outcome) {
        List<Accepted> accepted = new ArrayList<>(events.size());
        for (int i = 0; i < events.size(); i++) {
            JsonNode event = events.get(i);
            String invalid = validate(event, now);
            Refusal refusal = invalid == null ? refusal(event, now) : null;
            if (invalid != null || refusal != null) {
                outcome.rejected++;
                ValueProblem valueProblem = refusal == null ? valueProblem(event) : null;
                metrics.activity("app", refusal != null ? "refused_" + refusal.label()
                        : valueProblem != null ? valueProblem.label() : hasUnusableUser(event) ? "bad_user"
                        : "invalid");
                reject(outcome.rejections, i, invalid != null ? invalid : refusal.reason());
                continue;
            }
            accepted.add(new Accepted(i, event.get("user").asText(), event.get("event").asText(),
                    text(event, "category"), event.path("value").asDouble(0), text(event, "currency"),
                    eventTime(event, now), orderId(event)));
        }
        return accepted;
    }

    /** Why a valid event may not be recorded for its user, or null when it may. */
    private Refusal refusal(JsonNode event, long now) {
        String user = event.get("user").asText();
        if (UserKeys.isSentinel(user)) {
            // the all-zero IFA of a device that refuses tracking: every such device would share one profile
            return new Refusal("sentinel_user", "sentinel_user: " + user + " is a placeholder many devices share (a"
                    + " device that refuses tracking reports it), not a user; nothing is recorded");
        }
        if (uidCookies.isIssued(user)) {
            // an app acts for its own users, which /privacy/users lets its key reach: never a browser's uid
            return new Refusal("merlin_uid", "merlin_uid: the user is a browser's uid cookie Merlin issued, not an"
                    + " app's user; an event source sends events for device IFAs and app-scoped ids only");
        }
        PrivacyDecision decision = consent.decide(signals(event.path("consent")).withOptedOut(optOuts.contains(user)));
        if (!decision.mayUsePersonalData()) {
            return new Refusal(decision.reason().label(), "consent: " + decision.reason().label());
        }
        // a batch sent late: what the user did before an erasure must not come back after it
        ErasureRegistry.Refusal erased = erasures.refusal(userHash.hash(user), eventTime(event, now));
        if (erased != null) {
            return new Refusal(erased.label(), "erased: the user's data was erased at or after this event's time ("
                    + erased.label() + ")");
        }
        return null;
    }

    /** Records and logs the accepted events in order; once the log refuses one, the rest of the batch is refused. */
    private void record(List<Accepted> accepted, TrackingConfig.EventSourceConfig source, long now, Outcome outcome) {
        EventLog log = eventLog;
        for (int i = 0; i < accepted.size(); i++) {
            Accepted a = accepted.get(i);
            if (outcome.isLogRefusing) {
                // the log refused an earlier event: record no more of this batch, so that resending it adds nothing
                outcome.rejected++;
                metrics.activity("app", "refused_event_log_full");
                reject(outcome.rejections, a.index, EVENT_LOG_FULL);
                continue;
            }
            TrackingService.Recorded recorded = tracking.record(source.id(), source.advertiser(), a.user,
                    a.event, a.category, a.value, a.currency, a.orderId, a.time, now);
            EventWriter record = log.begin(EventType.APP_EVENT, now * 1000L).put("src", source.id())
                    .put("ev", a.event).put("u", Long.toHexString(userHash.hash(a.user))).put("at", a.time)
                    .put("cat", a.category)
                    .put("value", a.value == 0 ? null : Double.toString(a.value)).put("cur", a.currency)
                    .put("segs", recorded.segmentsJoined().length);
            if (!log.commit(record)) {
                outcome.rejected++;
                if (record.isOversized()) {
                    // too large for any log: sending it again cannot help, and the log still takes the rest
                    metrics.activity("app", "refused_event_too_large");
                    reject(outcome.rejections, a.index, EVENT_TOO_LARGE);
                } else {
                    outcome.isLogRefusing = true;
                    metrics.activity("app", "refused_event_log_full");
                    reject(outcome.rejections, a.index, EVENT_LOG_FULL);
                }
                continue;
            }
            outcome.logged++;
            if (!PixelEndpoint.logConversion(log, recorded.conversion(), source.advertiser(), currencies,
                    a.value, a.currency, now)) {
                metrics.activity("app", "conversion_not_logged");
            }
            metrics.activity("app", "recorded");
        }
    }

    private static void reject(StringBuilder rejections, int index, String reason) {
        if (rejections.length() > 0) {
            rejections.append(',');
        }
        rejections.append("{\"index\":").append(index).append(",\"reason\":");
        JsonText.appendString(rejections, reason);
        rejections.append('}');
    }

    /** When the event happened: its {@code time} (epoch seconds), else (absent or null) now. */
    private static long eventTime(JsonNode event, long now) {
        return event.hasNonNull("time") ? event.get("time").asLong() : now;
    }

    private FullHttpResponse malformed(ChannelHandlerContext ctx, String message, String path) {
        return malformed(ctx, "events_batch", message, path);
    }

    private FullHttpResponse malformed(ChannelHandlerContext ctx, String cause, String message, String path) {
        metrics.httpError(400, cause);
        return HttpResponses.error(ctx.alloc(), HttpResponseStatus.BAD_REQUEST, message + "; nothing was recorded",
                path);
    }

    /** What is wrong with an event's {@code value}, each a counted reason. */
    private enum ValueProblem {
        BAD_VALUE, VALUE_TOO_LARGE;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * The event's {@code value} read the one way numbers are ({@link DecimalNumbers}, from the number's JSON text)
     * and bounded by {@code tracking.maxConversionValue}; null when it is fine or absent.
     */
    private ValueProblem valueProblem(JsonNode event) {
        JsonNode value = event.get("value");
        if (value == null || value.isNull()) {
            return null;
        }
        double amount = value.isNumber() ? DecimalNumbers.parse(value.asText()) : Double.NaN;
        if (!(amount >= 0)) {
            return ValueProblem.BAD_VALUE;
        }
        String currency = text(event, "currency");
        if (currency != null && !currencies.isKnown(currency)) {
            return null; // refused for its currency
        }
        return PixelEndpoint.isAboveMaxConversionValue(trackingConfig, currencies, amount, currency)
                ? ValueProblem.VALUE_TOO_LARGE
                : null;
    }

    /** Why a body's JSON cannot be taken as one batch: the counter's cause and the client's message. */
    private record Shape(String cause, String message) {
    }

    /**
     * What the tree reader would hide: a key twice in one object (refused, as by the bid request decoder: two
     * parsers must not read two different batches from it) and anything after the one JSON document.
     */
    private static Shape shape(ByteBuf body) throws IOException {
        try (JsonParser parser = JSON.getFactory()
                .createParser((InputStream) new ByteBufInputStream(body.duplicate()))) {
            ArrayDeque<Set<String>> keys = new ArrayDeque<>();
            int depth = 0;
            JsonToken token = parser.nextToken();
            while (token != null) {
                if (token == JsonToken.START_OBJECT) {
                    keys.push(new HashSet<>());
                } else if (token == JsonToken.END_OBJECT) {
                    keys.pop();
                } else if (token == JsonToken.FIELD_NAME && !keys.peek().add(parser.currentName())) {
                    return new Shape("events_duplicate_key", "key \"" + parser.currentName()
                            + "\" appears twice in one object");
                }
                depth += token.isStructStart() ? 1 : token.isStructEnd() ? -1 : 0;
                if (depth == 0) {
                    try {
                        if (parser.nextToken() != null) {
                            return new Shape("events_trailing_data", "the body must be one JSON document; more"
                                    + " follows it");
                        }
                    } catch (JsonProcessingException e) {
                        return new Shape("events_trailing_data", "the body must be one JSON document; more follows"
                                + " it");
                    }
                    return null;
                }
                token = parser.nextToken();
            }
        }
        return null;
    }

    /** Why one event cannot be accepted, or null. */
    private String validate(JsonNode event, long now) {
        // first, so that an event refused for its value is the one counted by that reason
        ValueProblem valueProblem = valueProblem(event);
        if (valueProblem == ValueProblem.BAD_VALUE) {
            return "value must be a plain, finite decimal number >= 0";
        }
        if (valueProblem == ValueProblem.VALUE_TOO_LARGE) {
            return "value is more than tracking.maxConversionValue (" + trackingConfig.maxConversionValue()
                    + " " + currencies.exchangeCurrency() + ")";
        }
        JsonNode user = event.get("user");
        if (user == null || !user.isTextual() || user.asText().isEmpty()) {
            return "user must be a non-empty string (device IFA or app-scoped id)";
        }
        if (hasUnusableUser(event)) {
            return BAD_USER;
        }
        JsonNode name = event.get("event");
        if (name == null || !name.isTextual() || name.asText().isEmpty()) {
            return "event must be a non-empty string such as video_watch";
        }
        for (String field : new String[] {"event", "category", "currency", "orderId"}) {
            JsonNode value = event.get(field);
            if (value != null && !value.isNull() && (!value.isTextual() || value.asText().length() > MAX_TEXT)) {
                return field + " must be a string of at most " + MAX_TEXT + " characters";
            }
        }
        String currency = text(event, "currency");
        if (currency != null && !currencies.isKnown(currency)) {
            return "currency " + currency + " is not one Merlin converts";
        }
        JsonNode time = event.get("time");
        if (time != null && !time.isNull()) {
            if (!time.canConvertToLong() || !time.isIntegralNumber()) {
                return "time must be epoch seconds (an integer)";
            }
            long at = time.asLong();
            if (at < now - MAX_AGE_SECONDS || at > now + MAX_FUTURE_SECONDS) {
                return "time " + at + " is more than 30 days old or in the future";
            }
        }
        JsonNode consent = event.get("consent");
        if (consent != null && !consent.isNull() && !consent.isObject()) {
            return "consent must be an object";
        }
        JsonNode atts = consent == null ? null : consent.get("atts");
        if (atts != null && !atts.isNull() && !atts.isInt()) {
            return "consent.atts must be an integer (iOS App Tracking Transparency status: 0 to 3)";
        }
        return null;
    }

    /**
     * Whether the event's {@code user} is a string that is not a key Merlin takes ({@link Cookies#isUsableKey}, the
     * pixel's rule for {@code did}): anything else could be stored under a key that {@code /privacy/users/{uid}}
     * cannot name. A sentinel (a blank, say) is let through here, to be refused as what it is
     * ({@code sentinel_user}).
     */
    private static boolean hasUnusableUser(JsonNode event) {
        JsonNode user = event.get("user");
        return user != null && user.isTextual() && !Cookies.isUsableKey(user.asText())
                && !UserKeys.isSentinel(user.asText());
    }

    private static ConsentSignals signals(JsonNode consent) {
        List<Integer> sids = new ArrayList<>();
        for (JsonNode sid : consent.path("gpp_sid")) {
            sids.add(sid.asInt());
        }
        String country = text(consent, "country");
        return new ConsentSignals(intOrNull(consent, "coppa"), intOrNull(consent, "gdpr"),
                text(consent, "gdpr_consent"), text(consent, "us_privacy"), text(consent, "gpp"), sids,
                country, ConsentSignals.limitsAdTracking(consent.path("lmt").asInt(0),
                        intOrNull(consent, "atts")), false);
    }

    /** A 0/1 flag; anything present that is not an integer fails closed as 1 (the regulation applies). */
    private static Integer intOrNull(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        return value.isInt() ? value.asInt() : 1;
    }

    /** The event's order id; an empty one (an unset field, as some SDKs send it) is none, like the pixel's oid. */
    private static String orderId(JsonNode event) {
        String orderId = text(event, "orderId");
        return orderId == null || orderId.isEmpty() ? null : orderId;
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }
}
