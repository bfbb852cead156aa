package dev.merlin.exchange.http;

import dev.merlin.config.PrivacyConfig;
import dev.merlin.config.TrackingConfig;
import dev.merlin.exchange.auction.Currencies;
import dev.merlin.exchange.auction.UserKeys;
import dev.merlin.exchange.events.EventLog;
import dev.merlin.exchange.events.EventType;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import dev.merlin.exchange.privacy.ConsentGate;
import dev.merlin.exchange.privacy.ConsentSignals;
import dev.merlin.exchange.privacy.IdentityKeys;
import dev.merlin.exchange.privacy.OptOutRegistry;
import dev.merlin.exchange.privacy.PrivacyDecision;
import dev.merlin.exchange.privacy.UidCookies;
import dev.merlin.exchange.privacy.UserHash;
import dev.merlin.exchange.tracking.Attribution;
import dev.merlin.exchange.tracking.TrackingService;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;
import dev.merlin.exchange.privacy.RefusalReason;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /px}: the advertiser's tracking pixel. Always answers a 1×1 transparent GIF that no cache keeps — even
 * for bad parameters, which are counted, not recorded. The user is Merlin's first-party {@code uid} cookie (signed
 * by Merlin, set when absent or not Merlin's and allowed) or an app's explicit device id ({@code did}; a sentinel
 * such as the all-zero IFA is no user); nothing is recorded and no cookie is set
 * when the consent gate refuses, or when either the {@code uid} cookie or the {@code did} opted out with Merlin.
 *
 * <p>Parameters: {@code pid} (pixel id, required), {@code ev} (event, default {@code page_view}), {@code value},
 * {@code cur}, {@code cat} (IAB content category), {@code ids} (content ids), {@code oid} (order id for a
 * conversion), {@code did}, {@code country} (alpha-3, for the regional rollout) and the consent signals
 * {@code gdpr}, {@code gdpr_consent}, {@code us_privacy}, {@code gpp}, {@code gpp_sid}, {@code coppa}.
 */
public final class PixelEndpoint {

    /** The browser's Global Privacy Control signal (https://globalprivacycontrol.org): {@code Sec-GPC: 1}. */
    private static final String SEC_GPC = "Sec-GPC";

    /** The smallest transparent GIF (43 bytes). */
    private static final byte[] GIF = {
        0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, (byte) 0x80, 0x00, 0x00, 0x00, 0x00, 0x00,
        (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x21, (byte) 0xf9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00,
        0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b};
    private static final ByteBuf GIF_BUFFER = Unpooled.unreleasableBuffer(
            Unpooled.directBuffer(GIF.length).writeBytes(GIF).asReadOnly());
    private static final int MAX_PARAM_CHARS = 256;

    private static final Logger LOG = LoggerFactory.getLogger(PixelEndpoint.class);

    private final TrackingService tracking;
    private final Currencies currencies;
    private final ConsentGate consent;
    private final OptOutRegistry optOuts;
    private final UidCookies uidCookies;
    private final UserHash userHash;
    private final EventLog eventLog;
    private final TrackingConfig trackingConfig;
    private final PrivacyConfig privacyConfig;
    private final ExchangeMetrics metrics;
    private final LongSupplier epochSecondsClock;
    private final Set<Class<?>> loggedFailures = ConcurrentHashMap.newKeySet();

    /** The pixel, with what a hit reads and records. */
    public PixelEndpoint(TrackingService tracking, Currencies currencies, ConsentGate consent, OptOutRegistry optOuts,
                         IdentityKeys identity, EventLog eventLog, TrackingConfig trackingConfig,
                         PrivacyConfig privacyConfig, ExchangeMetrics metrics, LongSupplier epochSecondsClock) {
        this.tracking = tracking;
        this.currencies = currencies;
        this.consent = consent;
        this.optOuts = optOuts;
        this.uidCookies = identity.uidCookies();
        this.userHash = identity.userHash();
        this.eventLog = eventLog;
        this.trackingConfig = trackingConfig;
        this.privacyConfig = privacyConfig;
        this.metrics = metrics;
        this.epochSecondsClock = epochSecondsClock;
    }

    /** The GIF bytes, for tests. */
    static byte[] gif() {
        return GIF.clone();
    }

    /** {@code HEAD /px}: the GIF's headers and nothing recorded (link checkers and prefetchers send HEAD). */
    FullHttpResponse head() {
        metrics.activity("pixel", "head");
        return gifResponse();
    }

    /**
     * A hit the front door refused before it reached the pixel (a malformed {@code %}-escape, a method other than
     * GET): the GIF all the same, nothing recorded, counted as activity {@code pixel} with the reason as outcome.
     */
    FullHttpResponse refused(String reason) {
        metrics.activity("pixel", reason);
        return gifResponse();
    }

    /** The GIF answer: 43 bytes, no-cache; a pixel owes it whatever happens. */
    static FullHttpResponse gifResponse() {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                GIF_BUFFER.retainedDuplicate());
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, "image/gif")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, GIF.length)
                .set(HttpHeaderNames.CACHE_CONTROL, "no-cache, no-store, must-revalidate, max-age=0")
                .set(HttpHeaderNames.PRAGMA, "no-cache")
                .set(HttpHeaderNames.EXPIRES, "0");
        return response;
    }

    FullHttpResponse handle(ChannelHandlerContext ctx, FullHttpRequest request) {
        FullHttpResponse response = gifResponse();
        String outcome;
        try {
            outcome = record(request, response);
        } catch (RuntimeException e) {
            // the GIF is owed whatever happens; the failure is counted and logged once per cause
            outcome = "error";
            if (loggedFailures.add(e.getClass())) {
                LOG.warn("pixel hit not recorded (logged once per cause): {}", e.toString());
            }
        }
        metrics.activity("pixel", outcome);
        return response;
    }

    /** Why the hit's privacy signals refuse recording it ({@code refused_<reason>}), or null when they allow it. */
    private String privacyRefusal(FullHttpRequest request, Map<String, List<String>> params) {
        String country = QueryParams.first(params, "country");
        ConsentSignals signals = ConsentSignals.fromParams(name -> QueryParams.first(params, name))
                .withOptedOut(Cookies.isOptedOut(request))
                .withCountry(country == null ? null : country.toUpperCase(Locale.ROOT));
        PrivacyDecision decision = consent.decide(signals);
        if (!decision.mayUsePersonalData()) {
            return "refused_" + decision.reason().label();
        }
        if ("1".equals(request.headers().get(SEC_GPC))) {
            // Global Privacy Control: "do not sell or share", binding in several US states; a profile that follows
            // the user to other sites is sharing
            return "refused_gpc";
        }
        return null;
    }

    /** Why an app's explicit device id names no user, or null when it does. */
    private String deviceIdRefusal(String did) {
        if (!Cookies.isUsableKey(did)) {
            return "bad_device_id";
        }
        if (UserKeys.isSentinel(did)) {
            // the all-zero IFA of an app whose user refused tracking: no user, and no cookie to stand in for one
            return "refused_sentinel_device_id";
        }
        if (uidCookies.isIssued(did)) {
            // a browser's uid is named by that browser's own cookie only: as a did, any page could write into the
            // profile of a uid it learned (as /events refuses it from an app's key)
            return "refused_merlin_uid";
        }
        return null;
    }

    /** Whether any key the hit names has opted out: an unsigned cookie can still refuse, never name a user. */
    private boolean isOptedOut(String userKey, String cookieUid, String rawCookie) {
        return optOuts.contains(userKey) || optOuts.contains(cookieUid)
                || rawCookie != null && Cookies.isUsableKey(rawCookie) && optOuts.contains(rawCookie);
    }

    private String record(FullHttpRequest request, FullHttpResponse response) {
        Map<String, List<String>> params = new QueryStringDecoder(request.uri()).parameters();
        String pixelId = QueryParams.first(params, "pid");
        String advertiser = tracking.pixelAdvertiser(pixelId);
        if (advertiser == null) {
            return pixelId == null ? "missing_pixel_id" : "unknown_pixel";
        }
        String event = Objects.requireNonNullElse(QueryParams.first(params, "ev"), "page_view");
        String rawValue = QueryParams.first(params, "value");
        double value = rawValue == null ? 0 : DecimalNumbers.parse(rawValue);
        if (!(value >= 0)) {
            return "bad_value";
        }
        String currency = QueryParams.first(params, "cur");
        if (currency != null && !currencies.isKnown(currency)) {
            return "unknown_currency";
        }
        if (isAboveMaxConversionValue(trackingConfig, currencies, value, currency)) {
            return "value_too_large";
        }
        if (isTooLong(params)) {
            return "param_too_long";
        }
        String privacyRefusal = privacyRefusal(request, params);
        if (privacyRefusal != null) {
            return privacyRefusal;
        }
        String userKey = QueryParams.first(params, "did");
        String deviceIdRefusal = userKey == null ? null : deviceIdRefusal(userKey);
        if (deviceIdRefusal != null) {
            return deviceIdRefusal;
        }
        // a uid Merlin did not issue (unsigned, forged, an IFA) is none: the browser gets a fresh one
        String cookieUid = Cookies.uid(request, uidCookies);
        String rawCookie = Cookies.get(request, Cookies.UID);
        // the browser is one person whichever key the hit names: either key opted out refuses both (an unsigned
        // cookie, as browsers kept them before uids were signed, can still only refuse, never name a user)
        if (isOptedOut(userKey, cookieUid, rawCookie)) {
            return "refused_" + RefusalReason.USER_OPT_OUT.label();
        }
        if (userKey == null) {
            userKey = cookieUid;
            if (userKey == null) {
                userKey = uidCookies.issue();
            }
            // (re)set on every allowed hit: keeps the long-lived cookie alive while the user is active
            response.headers().add(HttpHeaderNames.SET_COOKIE,
                    Cookies.setCookie(Cookies.UID, userKey, privacyConfig.uidCookieDays()));
        }
        long now = epochSecondsClock.getAsLong();
        TrackingService.Recorded recorded = tracking.record(pixelId, advertiser, userKey, event,
                QueryParams.first(params, "cat"), value, currency, QueryParams.first(params, "oid"), now, now);
        EventLog log = eventLog;
        boolean logged = log.commit(log.begin(EventType.PIXEL, now * 1000L).put("pid", pixelId).put("ev", event)
                .put("u", Long.toHexString(userHash.hash(userKey)))
                .put("cat", QueryParams.first(params, "cat"))
                .put("ids", QueryParams.first(params, "ids")).put("value", rawValue).put("cur", currency)
                .put("segs", recorded.segmentsJoined().length));
        boolean conversionLogged = logConversion(log, recorded.conversion(), advertiser, currencies, value,
                currency, now);
        // the GIF is answered either way; a hit the event log refused (full, or stopping) is counted as such
        return logged && conversionLogged ? "recorded" : "recorded_not_logged";
    }

    /**
     * Whether {@code value} in {@code currency} (null: the exchange's) is more than {@code tracking.maxConversionValue}
     * in the exchange currency: one hit must not be able to make a campaign's conversion value anything it likes.
     */
    static boolean isAboveMaxConversionValue(TrackingConfig trackingConfig, Currencies currencies, double value,
                                             String currency) {
        double max = trackingConfig.maxConversionValue();
        return value > 0 && currencies.toMicros(value, currency) > Math.round(max * 1_000_000d);
    }

    /**
     * A credited conversion to the event log, its value in exchange-currency micros as the reports count it; false
     * when the log refused it (true when there is nothing to log).
     */
    static boolean logConversion(EventLog log, Attribution.Outcome conversion, String advertiser, Currencies currencies,
                              double value, String currency, long now) {
        if (conversion == null || !conversion.isCredited()) {
            return true;
        }
        long valueMicros = value > 0 ? Math.max(0, currencies.toMicros(value, currency)) : 0;
        return log.commit(log.begin(EventType.CONVERSION, now * 1000L).put("adv", advertiser)
                .put("c", conversion.credit().campaign().id())
                .put("via", conversion.credit().isClick() ? "click" : "view")
                .put("value_micros", valueMicros)
                .put("cur", currencies.exchangeCurrency()));
    }

    private static boolean isTooLong(Map<String, List<String>> params) {
        for (List<String> values : params.values()) {
            for (String value : values) {
                if (value.length() > MAX_PARAM_CHARS) {
                    return true;
                }
            }
        }
        return false;
    }

}
