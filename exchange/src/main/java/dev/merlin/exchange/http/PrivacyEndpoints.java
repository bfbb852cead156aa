package dev.merlin.exchange.http;

import dev.merlin.protocol.JsonText;
import dev.merlin.config.PrivacyConfig;
import dev.merlin.config.SegmentDefinition;
import dev.merlin.config.TrackingConfig;
import dev.merlin.exchange.erasure.UserErasure;
import dev.merlin.exchange.flows.DataFlowLedger;
import dev.merlin.exchange.flows.DspDeletions;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import dev.merlin.exchange.privacy.DataCategories;
import dev.merlin.exchange.privacy.IdentityKeys;
import dev.merlin.exchange.privacy.UidCookies;
import dev.merlin.exchange.privacy.UserHash;
import dev.merlin.exchange.secrets.Secrets;
import dev.merlin.exchange.segments.SegmentEntry;
import dev.merlin.exchange.segments.SegmentStore;
import dev.merlin.exchange.tracking.TrackingService;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The user's side: {@code GET /optout} (sets the opt-out cookie, erases what is held for the browser's uid);
 * {@code GET /privacy/users/{uid}} (what is held and why) and {@code DELETE /privacy/users/{uid}} (erase it); the
 * {@code uid} is a percent-encoded path segment, so any key that can be stored can be named.
 *
 * <p>Who may reach a user: the admin token, everyone; the browser whose {@code uid} cookie Merlin issued (signed,
 * see {@link dev.merlin.exchange.privacy.UidCookies}), its own uid. An event source's API key
 * ({@code Authorization: Bearer}), asking on behalf of its app's users, learns only whether Merlin holds a user that
 * is not a Merlin uid — a device IFA or an app-scoped id, the users the key can name in {@code /events} — and may
 * not erase it: IFAs are in every bid stream, and Merlin keeps no record of which app a device belongs to nor of
 * which source put a user in a segment, so anything more would show one app what other advertisers learned about any
 * device (and let it erase their data, reset frequency caps and send deletion requests to DSPs); the operator answers
 * such a request with the admin token. A cookie never reaches an IFA: only a signed Merlin uid counts as a cookie at
 * all. A request with neither a Merlin uid cookie nor an {@code Authorization} header is {@code 401}; one whose
 * credential does not cover the user (another browser's uid, a report token, an event source asking for a Merlin
 * uid or erasing anyone) is {@code 403}.
 *
 * <p>What is held includes the companies that received the user's personal data (the data-flow ledger's
 * recipients: per DSP the categories and the first and last time). An erasure (or opt-out) forgets them, and asks
 * each of those DSPs with a {@code deletionEndpoint} to delete the user ({@link DspDeletions}, durable, retried, off
 * the event loop); when more DSPs received data than the ledger keeps per user, every DSP with an endpoint is asked.
 */
public final class PrivacyEndpoints {

    static final String USERS_PREFIX = "/privacy/users/";

    private final SegmentStore segmentStore;
    private final TrackingService tracking;
    private final UserErasure erasure;
    private final UidCookies uidCookies;
    private final UserHash userHash;
    private final TrackingConfig trackingConfig;
    private final PrivacyConfig privacyConfig;
    private final ExchangeMetrics metrics;
    private final DataFlowLedger flows;
    private final LongSupplier epochSecondsClock;
    private final Map<Integer, SegmentDefinition> segments = new HashMap<>();

    /**
     * The opt-out and privacy-request endpoints, with the segment names they describe, the stores they read, and
     * the erasure they ask for; the users' recipients are listed from {@code flows} (null: none kept).
     */
    public PrivacyEndpoints(List<SegmentDefinition> segmentDefinitions, SegmentStore segmentStore,
                            TrackingService tracking, UserErasure erasure, IdentityKeys identity,
                            DataFlowLedger flows, TrackingConfig trackingConfig, PrivacyConfig privacyConfig,
                            ExchangeMetrics metrics, LongSupplier epochSecondsClock) {
        this.flows = flows;
        this.epochSecondsClock = epochSecondsClock;
        this.segmentStore = segmentStore;
        this.tracking = tracking;
        this.erasure = erasure;
        this.uidCookies = identity.uidCookies();
        this.userHash = identity.userHash();
        this.trackingConfig = trackingConfig;
        this.privacyConfig = privacyConfig;
        this.metrics = metrics;
        for (SegmentDefinition segment : segmentDefinitions) {
            segments.put(segment.id(), segment);
        }
    }

    FullHttpResponse optOut(ChannelHandlerContext ctx, FullHttpRequest request) {
        String uid = Cookies.uid(request, uidCookies);
        UserErasure.Result erasure = uid == null ? null : this.erasure.erase(uid, true);
        if (erasure != null && !erasure.logged()) {
            return notLogged(ctx);
        }
        boolean erased = erasure != null && erasure.held();
        FullHttpResponse response = HttpResponses.text(ctx.alloc(), HttpResponseStatus.OK,
                "You have opted out of Merlin's interest-based advertising on this browser."
                        + (erased ? " What Merlin held about it has been erased." : " Merlin held nothing about it.")
                        + "\n", "text/plain; charset=utf-8");
        response.headers()
                .add(HttpHeaderNames.SET_COOKIE, Cookies.setCookie(Cookies.OPT_OUT, "1",
                        privacyConfig.optOutCookieDays()))
                .add(HttpHeaderNames.SET_COOKIE, Cookies.setCookie(Cookies.UID, "", 0))
                .set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        metrics.activity("optout", erased ? "erased" : "nothing_held");
        return response;
    }

    /**
     * {@code GET}/{@code DELETE /privacy/users/{uid}}; every answer is {@code Cache-Control: no-store}, as it holds
     * a user's personal data or says whether Merlin holds any.
     */
    FullHttpResponse user(ChannelHandlerContext ctx, FullHttpRequest request, String path) {
        FullHttpResponse response = userAnswer(ctx, request, path);
        response.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        return response;
    }

    private FullHttpResponse userAnswer(ChannelHandlerContext ctx, FullHttpRequest request, String path) {
        String segment = path.substring(USERS_PREFIX.length());
        String uid;
        try {
            uid = segment.indexOf('/') >= 0 ? null : decodeSegment(segment);
        } catch (IllegalArgumentException e) {
            metrics.httpError(400, "privacy_user_path");
            return HttpResponses.error(ctx.alloc(), HttpResponseStatus.BAD_REQUEST, "the user in the path, \""
                    + segment + "\", is not valid percent-encoding: " + e.getMessage(), null);
        }
        if (uid == null || uid.isEmpty() || uid.length() > 128) {
            metrics.httpError(404, "privacy_user_path");
            return HttpResponses.error(ctx.alloc(), HttpResponseStatus.NOT_FOUND, "no such user path", null);
        }
        Access access = access(request, uid);
        if (access == Access.NO_CREDENTIAL) {
            metrics.httpError(401, "privacy_user");
            FullHttpResponse response = HttpResponses.error(ctx.alloc(), HttpResponseStatus.UNAUTHORIZED,
                    "no credential: send the uid cookie Merlin set in this browser, or Authorization: Bearer with"
                            + " the admin token or the API key of the app asking on the user's behalf", null);
            response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"merlin-privacy\"");
            return response;
        }
        if (access == Access.REFUSED) {
            metrics.httpError(403, "privacy_user");
            return HttpResponses.error(ctx.alloc(), HttpResponseStatus.FORBIDDEN,
                    "this credential does not cover this user: only the browser holding this uid cookie or the admin"
                            + " token may see or erase it (an app's API key may ask whether a non-cookie user is"
                            + " held)", null);
        }
        if (access == Access.SOURCE) {
            return heldOnly(ctx, request, uid);
        }
        if (request.method() == HttpMethod.DELETE) {
            UserErasure.Result erasure = this.erasure.erase(uid, false);
            if (!erasure.logged()) {
                return notLogged(ctx);
            }
            return HttpResponses.json(ctx.alloc(), HttpResponseStatus.OK,
                    "{\"uid\":" + quoted(uid) + ",\"erased\":" + erasure.held() + ",\"dspsAskedToDelete\":"
                            + erasure.dspsAsked() + "}");
        }
        return HttpResponses.json(ctx.alloc(), HttpResponseStatus.OK, heldJson(uid));
    }

    /** What is held about {@code uid} and why, and who received its personal data, as the JSON answer. */
    private String heldJson(String uid) {
        long now = epochSecondsClock.getAsLong();
        List<SegmentEntry> held = segmentStore.describe(uid, now);
        StringBuilder sb = new StringBuilder("{\"uid\":").append(quoted(uid)).append(",\"segments\":[");
        for (int i = 0; i < held.size(); i++) {
            SegmentEntry entry = held.get(i);
            SegmentDefinition definition = segments.get(entry.segmentId());
            if (i > 0) {
                sb.append(',');
            }
            sb.append("{\"id\":").append(entry.segmentId())
                    .append(",\"name\":").append(quoted(definition == null ? "unknown" : definition.name()))
                    .append(",\"why\":").append(quoted(definition == null || definition.description() == null
                            ? "" : definition.description()))
                    .append(",\"expires\":\"").append(Instant.ofEpochSecond(entry.expiresAtEpochSeconds()))
                    .append("\"}");
        }
        sb.append(']');
        appendRecipients(sb, userHash.hash(uid));
        return sb.append('}').toString();
    }

    /**
     * A percent-encoded path segment as the text it encodes ({@code +} is itself, not a space).
     *
     * @throws IllegalArgumentException when a {@code %} is not followed by two hex digits
     */
    private static String decodeSegment(String segment) {
        return QueryStringDecoder.decodeComponent(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    /**
     * An event source's view of a user: {@code {"uid":...,"held":bool}}, whether Merlin holds segments or recipients
     * for it, and nothing of what: no record says which source contributed a segment. Its erasure is refused.
     */
    private FullHttpResponse heldOnly(ChannelHandlerContext ctx, FullHttpRequest request, String uid) {
        if (request.method() == HttpMethod.DELETE) {
            metrics.httpError(403, "privacy_user_source_erase");
            return HttpResponses.error(ctx.alloc(), HttpResponseStatus.FORBIDDEN,
                    "an app's API key cannot erase a user: Merlin does not record which source contributed what, so"
                            + " the erasure would take other advertisers' data too; the operator erases with the admin"
                            + " token", null);
        }
        boolean held = !segmentStore.describe(uid, epochSecondsClock.getAsLong()).isEmpty()
                || flows != null && !flows.recipientsOf(userHash.hash(uid)).recipients().isEmpty();
        return HttpResponses.json(ctx.alloc(), HttpResponseStatus.OK,
                "{\"uid\":" + quoted(uid) + ",\"held\":" + held + "}");
    }

    /** {@code ,"recipients":[...],"recipientsTruncated":bool}: who received the user's personal data. */
    private void appendRecipients(StringBuilder sb, long hash) {
        if (flows == null) {
            return;
        }
        DataFlowLedger.UserFlows held = flows.recipientsOf(hash);
        sb.append(",\"recipients\":[");
        for (int i = 0; i < held.recipients().size(); i++) {
            DataFlowLedger.UserRecipient r = held.recipients().get(i);
            sb.append(i == 0 ? "" : ",").append("{\"dsp\":").append(quoted(r.dsp()))
                    .append(",\"name\":").append(quoted(r.name()))
                    .append(",\"region\":").append(quoted(r.region()))
                    .append(",\"categories\":[");
            List<String> labels = DataCategories.labels(r.categories());
            for (int c = 0; c < labels.size(); c++) {
                sb.append(c == 0 ? "" : ",").append('"').append(labels.get(c)).append('"');
            }
            sb.append("],\"first\":\"").append(Instant.ofEpochSecond(r.firstEpochSeconds()))
                    .append("\",\"last\":\"").append(Instant.ofEpochSecond(r.lastEpochSeconds())).append("\"}");
        }
        sb.append("],\"recipientsTruncated\":").append(held.isTruncated());
    }

    /**
     * The data is gone, but the event log could not take the record that makes every later export leave the user
     * out (its ring buffer was full, or it is closing): 503, so that the client repeats the request, which is
     * idempotent, rather than believe the user is out of the exports.
     */
    private FullHttpResponse notLogged(ChannelHandlerContext ctx) {
        metrics.httpError(503, "erasure_not_logged");
        FullHttpResponse response = HttpResponses.error(ctx.alloc(), HttpResponseStatus.SERVICE_UNAVAILABLE,
                "the data was erased, but the erasure could not be written to the event log, which exports rely on to"
                        + " leave the user out; repeat the request", null);
        response.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
        return response;
    }

    /**
     * What a privacy request's credentials allow for one user: everything; whether it is held ({@code SOURCE}, an
     * event source's key); nothing.
     */
    private enum Access { ALLOWED, SOURCE, REFUSED, NO_CREDENTIAL }

    private Access access(FullHttpRequest request, String uid) {
        String cookieUid = Cookies.uid(request, uidCookies);
        if (Secrets.matches(cookieUid, uid)) {
            return Access.ALLOWED;
        }
        String token = ReportsEndpoint.bearerToken(request);
        String admin = trackingConfig.adminToken();
        if (Secrets.matches(admin, token)) {
            return Access.ALLOWED;
        }
        // an app acts for the users it names in /events: IFAs and app-scoped ids, never a browser's Merlin uid
        if (tracking.sourceForKey(token) != null && !uidCookies.isIssued(uid)) {
            return Access.SOURCE;
        }
        boolean hasCredential = cookieUid != null || request.headers().contains(HttpHeaderNames.AUTHORIZATION);
        return hasCredential ? Access.REFUSED : Access.NO_CREDENTIAL;
    }

    private static String quoted(String value) {
        StringBuilder sb = new StringBuilder(value.length() + 2);
        JsonText.appendString(sb, value);
        return sb.toString();
    }
}
