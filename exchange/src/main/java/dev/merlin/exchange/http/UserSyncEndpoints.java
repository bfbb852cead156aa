package dev.merlin.exchange.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.merlin.config.DspConfig;
import dev.merlin.config.DspUserSync;
import dev.merlin.exchange.flows.DataFlowLedger;
import dev.merlin.exchange.flows.FlowCategories;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import dev.merlin.exchange.privacy.ConsentGate;
import dev.merlin.exchange.privacy.ConsentSignals;
import dev.merlin.exchange.privacy.DataCategories;
import dev.merlin.exchange.privacy.IdSyncStore;
import dev.merlin.exchange.privacy.OptOutRegistry;
import dev.merlin.exchange.privacy.OutboundRules;
import dev.merlin.exchange.privacy.PrivacyDecision;
import dev.merlin.exchange.privacy.RefusalReason;
import dev.merlin.exchange.privacy.UidCookies;
import dev.merlin.exchange.privacy.UserHash;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * User sync with DSPs, compatible with Prebid Server's endpoints: {@code POST /cookie_sync} tells a browser which
 * DSPs to sync with (their sync URLs, macros filled), and each DSP's redirect to {@code GET /setuid} leaves its id
 * for the user, which Merlin keeps server-side ({@link IdSyncStore}) under its signed {@code uid} cookie and sends
 * back as {@code user.buyeruid} to that DSP only.
 *
 * <p>Who may write: only the browser holding a {@code uid} cookie Merlin signed writes under it; an unsigned or
 * forged cookie is none (so no one can write into another user's syncs), and only a sync that browser's own
 * {@code /cookie_sync} started: the DSP's redirect carries a state ({@code st}) bound to the browser's uid, the DSP
 * and an hour, so a page elsewhere cannot make a visitor's browser store, or delete, a DSP id the page chose
 * ({@code 403}). {@code /cookie_sync} issues the uid when the browser has none and a sync is listed. Refused:
 * Merlin's own consent decision on the request's signals (TCF purpose 1 and Merlin's vendor consent under GDPR, US
 * privacy, GPP, COPPA), an opt-out (cookie or registry: {@code 401}), {@code Sec-GPC: 1}, and per DSP its
 * {@code syncUser} activity control and, under GDPR, its own TCF vendor consent ({@code 451}).
 */
public final class UserSyncEndpoints {

    /** How long a synced id is kept. */
    static final long SYNC_SECONDS = 30L * 86_400;
    /** How long a sync {@code /cookie_sync} starts may take to reach {@code /setuid}. */
    static final long STATE_SECONDS = 3_600;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_BODY_BYTES = 16 * 1024;

    private final List<DspConfig> dsps;
    private final Map<String, Integer> dspIndexes;
    private final IdSyncStore store;
    private final ConsentGate consent;
    private final OutboundRules rules;
    private final OptOutRegistry optOuts;
    private final UidCookies uidCookies;
    private final UserHash userHash;
    private final int uidCookieDays;
    private final String publicUrl;
    private final DataFlowLedger flows;
    private final LongSupplier epochSecondsClock;
    private final ExchangeMetrics metrics;

    /** The endpoints over the configured {@code dsps} (by index). */
    public UserSyncEndpoints(List<DspConfig> dsps, IdSyncStore store, ConsentGate consent, OutboundRules rules,
                      OptOutRegistry optOuts, UidCookies uidCookies, UserHash userHash, int uidCookieDays,
                      String publicUrl, DataFlowLedger flows, LongSupplier epochSecondsClock, ExchangeMetrics metrics) {
        this.dsps = List.copyOf(dsps);
        this.dspIndexes = new HashMap<>();
        for (int i = 0; i < dsps.size(); i++) {
            dspIndexes.put(dsps.get(i).id(), i);
        }
        this.store = store;
        this.consent = consent;
        this.rules = rules;
        this.optOuts = optOuts;
        this.uidCookies = uidCookies;
        this.userHash = userHash;
        this.uidCookieDays = uidCookieDays;
        this.publicUrl = publicUrl.endsWith("/") ? publicUrl.substring(0, publicUrl.length() - 1) : publicUrl;
        this.flows = flows;
        this.epochSecondsClock = epochSecondsClock;
        this.metrics = metrics;
    }

    /** {@code GET /setuid?bidder=&uid=&gdpr=&gdpr_consent=&gpp=&gpp_sid=&f=i|b}. */
    FullHttpResponse setUid(ChannelHandlerContext ctx, FullHttpRequest request) {
        Map<String, List<String>> params = new QueryStringDecoder(request.uri()).parameters();
        String bidder = QueryParams.first(params, "bidder");
        Integer dsp = bidder == null ? null : dspIndexes.get(bidder);
        if (dsp == null || dsps.get(dsp).usersync() == null) {
            return counted("setuid", bidder == null ? "no_bidder" : "unknown_bidder", error(ctx,
                    HttpResponseStatus.BAD_REQUEST, bidder == null ? "the bidder parameter is missing"
                            : "bidder " + bidder + " is not a DSP Merlin syncs with"));
        }
        String format = QueryParams.first(params, "f");
        if (format != null && !format.equals("i") && !format.equals("b")) {
            return counted("setuid", "bad_format",
                    error(ctx, HttpResponseStatus.BAD_REQUEST, "f must be i (image) or b (blank)"));
        }
        String uid = QueryParams.first(params, "uid");
        if (uid != null && !uid.isEmpty() && !IdSyncStore.isValidUid(uid)) {
            return counted("setuid", "bad_uid", error(ctx, HttpResponseStatus.BAD_REQUEST,
                    "uid must be 1 to " + IdSyncStore.MAX_UID_CHARS + " printable ASCII characters"));
        }
        ConsentSignals signals = signals(request, name -> QueryParams.first(params, name));
        String cookieUid = Cookies.uid(request, uidCookies);
        HttpResponseStatus refusal = refusal(request, signals, cookieUid, dsp);
        if (refusal != null) {
            return counted("setuid", refusal == HttpResponseStatus.UNAUTHORIZED ? "opted_out" : "no_consent",
                    error(ctx, refusal, refusal == HttpResponseStatus.UNAUTHORIZED
                            ? "the user opted out" : "the user's consent does not allow syncing with " + bidder));
        }
        long now = epochSecondsClock.getAsLong();
        if (!uidCookies.isSyncState(QueryParams.first(params, "st"), cookieUid, bidder, now)) {
            return counted("setuid", "bad_state", error(ctx, HttpResponseStatus.FORBIDDEN, "st is missing, expired"
                    + " or not for this browser's uid and " + bidder + ": a sync starts at this browser's POST"
                    + " /cookie_sync"));
        }
        String merlinUid = cookieUid;
        long hash = userHash.hash(merlinUid);
        String outcome;
        if (uid == null || uid.isEmpty()) {
            store.remove(hash, dsp);
            outcome = "removed";
        } else if (store.put(hash, dsp, uid, now + SYNC_SECONDS)) {
            flows.sync(dsp, FlowCategories.UNKNOWN_REGION, DataCategories.IDS, now);
            outcome = "stored";
        } else {
            return counted("setuid", "store_full", error(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE,
                    "Merlin keeps no more synced ids for now; try again later"));
        }
        boolean image = "i".equals(format) || format == null && "redirect".equals(dsps.get(dsp).usersync().type());
        FullHttpResponse response = image ? PixelEndpoint.gifResponse() : blank();
        response.headers().add(HttpHeaderNames.SET_COOKIE, Cookies.setCookie(Cookies.UID, merlinUid, uidCookieDays));
        return counted("setuid", outcome, response);
    }

    /** {@code POST /cookie_sync} with Prebid's JSON: the DSPs this browser should sync with, at most {@code limit}. */
    FullHttpResponse cookieSync(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (request.content().readableBytes() > MAX_BODY_BYTES) {
            return counted("cookie_sync", "too_large", error(ctx, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                    "the body must be at most " + MAX_BODY_BYTES + " bytes"));
        }
        String text = request.content().toString(StandardCharsets.UTF_8);
        JsonNode body;
        try {
            body = text.isBlank() ? JSON.createObjectNode() : JSON.readTree(text);
        } catch (JsonProcessingException e) {
            return counted("cookie_sync", "bad_json",
                    error(ctx, HttpResponseStatus.BAD_REQUEST, "the body is not JSON: " + e.getOriginalMessage()));
        }
        if (!body.isObject()) {
            return counted("cookie_sync", "bad_json",
                    error(ctx, HttpResponseStatus.BAD_REQUEST, "the body must be a JSON object"));
        }
        ConsentSignals signals = signals(request, name -> textOf(body.get(name)));
        String cookieUid = Cookies.uid(request, uidCookies);
        // the uid the listed syncs are bound to: issued here for a browser without one
        String syncUid = cookieUid;
        int limit = body.path("limit").asInt(0);
        Set<String> wanted = new HashSet<>();
        body.path("bidders").forEach(b -> wanted.add(b.asText()));
        ObjectNode answer = JSON.createObjectNode().put("status", cookieUid == null ? "no_cookie" : "ok");
        ArrayNode statuses = answer.putArray("bidder_status");
        long now = epochSecondsClock.getAsLong();
        long hash = cookieUid == null ? 0 : userHash.hash(cookieUid);
        for (int dsp = 0; dsp < dsps.size() && (limit <= 0 || statuses.size() < limit); dsp++) {
            DspConfig config = dsps.get(dsp);
            DspUserSync sync = config.usersync();
            if (sync == null || !wanted.isEmpty() && !wanted.contains(config.id())
                    || refusal(request, signals, cookieUid, dsp) != null
                    || hash != 0 && store.buyerUid(hash, dsp, now) != null) {
                continue;
            }
            if (syncUid == null) {
                syncUid = uidCookies.issue();
            }
            String state = uidCookies.syncState(syncUid, config.id(), now + STATE_SECONDS);
            ObjectNode status = statuses.addObject().put("bidder", config.id()).put("no_cookie", true);
            status.putObject("usersync").put("url", syncUrl(config, sync, signals, state)).put("type", sync.type())
                    .put("supportCORS", false);
        }
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                Unpooled.copiedBuffer(answer.toString(), StandardCharsets.UTF_8));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
        if (cookieUid == null && syncUid != null) {
            response.headers().add(HttpHeaderNames.SET_COOKIE, Cookies.setCookie(Cookies.UID, syncUid, uidCookieDays));
        }
        return counted("cookie_sync", statuses.isEmpty() ? "none" : "ok", response);
    }

    /** 401 for an opt-out, 451 when consent or the DSP's rules refuse the sync, null when it may go. */
    private HttpResponseStatus refusal(FullHttpRequest request, ConsentSignals signals, String cookieUid, int dsp) {
        PrivacyDecision decision = consent.decide(signals);
        if (decision.reason() == RefusalReason.USER_OPT_OUT || cookieUid != null && optOuts.contains(cookieUid)) {
            return HttpResponseStatus.UNAUTHORIZED;
        }
        if ("1".equals(request.headers().get("Sec-GPC")) || !rules.maySync(decision, signals, dsp)) {
            return HttpResponseStatus.valueOf(451);
        }
        return null;
    }

    private static ConsentSignals signals(FullHttpRequest request, Function<String, String> p) {
        return ConsentSignals.fromParams(p).withOptedOut(Cookies.isOptedOut(request));
    }

    /**
     * The DSP's sync URL with Prebid's macros filled, each URL-encoded; the redirect is always Merlin's own, with the
     * sync's {@code state}.
     */
    private String syncUrl(DspConfig config, DspUserSync sync, ConsentSignals signals, String state) {
        String gdpr = signals.gdpr() == null ? "" : signals.gdpr().toString();
        String consentString = signals.gdprConsent() == null ? "" : signals.gdprConsent();
        String gpp = signals.gpp() == null ? "" : signals.gpp();
        StringBuilder sections = new StringBuilder();
        for (Integer section : signals.gppSid()) {
            sections.append(sections.length() == 0 ? "" : ",").append(section);
        }
        String redirect = publicUrl + "/setuid?bidder=" + encode(config.id()) + "&gdpr=" + encode(gdpr)
                + "&gdpr_consent=" + encode(consentString) + "&gpp=" + encode(gpp) + "&gpp_sid="
                + encode(sections.toString()) + "&st=" + encode(state) + "&f="
                + ("redirect".equals(sync.type()) ? "i" : "b") + "&uid=$UID";
        return sync.url().replace("{{gdpr}}", encode(gdpr)).replace("{{gdpr_consent}}", encode(consentString))
                .replace("{{us_privacy}}", encode(signals.usPrivacy() == null ? "" : signals.usPrivacy()))
                .replace("{{gpp}}", encode(gpp)).replace("{{gpp_sid}}", encode(sections.toString()))
                .replace("{{redirect_url}}", encode(redirect));
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static String textOf(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isArray()) {
            StringBuilder joined = new StringBuilder();
            node.forEach(item -> joined.append(joined.length() == 0 ? "" : ",").append(item.asText()));
            return joined.toString();
        }
        return node.asText();
    }

    private static FullHttpResponse error(ChannelHandlerContext ctx, HttpResponseStatus status, String message) {
        return HttpResponses.error(ctx.alloc(), status, message, null);
    }

    private static FullHttpResponse blank() {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                Unpooled.EMPTY_BUFFER);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/html").setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        return response;
    }

    private FullHttpResponse counted(String endpoint, String outcome, FullHttpResponse response) {
        metrics.activity(endpoint, outcome);
        return response;
    }
}
