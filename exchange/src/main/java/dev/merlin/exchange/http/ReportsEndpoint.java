package dev.merlin.exchange.http;

import dev.merlin.protocol.JsonText;
import dev.merlin.config.AdvertiserConfig;
import dev.merlin.config.DspConfig;
import dev.merlin.config.SellerConfig;
import dev.merlin.config.TrackingConfig;
import dev.merlin.exchange.auction.Campaign;
import dev.merlin.exchange.auction.CatalogSource;
import dev.merlin.exchange.auction.Currencies;
import dev.merlin.exchange.auction.SpendLedger;
import dev.merlin.exchange.dsp.DspAccounts;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import dev.merlin.exchange.sellers.SellerStats;
import dev.merlin.exchange.sellers.Sellers;
import dev.merlin.exchange.tracking.CampaignStats;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * {@code GET /reports/campaigns?from=YYYY-MM-DD&to=YYYY-MM-DD}: impressions, clicks, CTR, conversions, conversion
 * value, spend, CPA and ROAS per campaign and UTC day, and the open commitments ({@code committed}: won, not yet
 * billed, lost or expired) of that day's auctions, as JSON or — with {@code Accept: text/csv} — CSV. A bearer
 * token protects it: the admin token sees every advertiser, an advertiser's report token only its own campaigns.
 * {@code active=1} leaves out the rows with nothing in them (no impression, click, conversion, value or spend).
 */
public final class ReportsEndpoint {

    static final String SELLERS_PATH = "/reports/sellers";
    static final String DSPS_PATH = "/reports/dsps";
    static final String PAYOUTS_PATH = "/reports/payouts";
    private static final int MAX_DAYS = 366;
    /** Report days outside these are a mistake (a year typed wrong), answered 400 rather than walked. */
    private static final LocalDate FIRST_DAY = LocalDate.of(2000, 1, 1);
    private static final LocalDate LAST_DAY = LocalDate.of(9999, 12, 31);

    private final CatalogSource catalog;
    private final Currencies currencies;
    private final SpendLedger spend;
    private final CampaignStats campaignStats;
    private final SellerStats sellerStats;
    private final Sellers sellers;
    private final TrackingConfig trackingConfig;
    private final ExchangeMetrics metrics;
    private final LongSupplier epochSecondsClock;
    /** The DSP and payout reports, or null on an exchange without the DSP accounts. */
    private final AccountsReports accounts;
    private final ReportTokens tokens;

    /** The campaign and seller reports, with the stores they read. */
    public ReportsEndpoint(CatalogSource catalog, Currencies currencies, SpendLedger spend,
                           CampaignStats campaignStats, SellerStats sellerStats, Sellers sellers,
                           TrackingConfig trackingConfig, ExchangeMetrics metrics, LongSupplier epochSecondsClock) {
        this(catalog, currencies, spend, campaignStats, sellerStats, sellers, trackingConfig, metrics,
                epochSecondsClock, null, List.of());
    }

    /**
     * The campaign and seller reports, and the DSP and payout reports ({@code /reports/dsps},
     * {@code /reports/payouts}, admin token only) over {@code accounts} for the configured {@code dsps}.
     */
    public ReportsEndpoint(CatalogSource catalog, Currencies currencies, SpendLedger spend,
                           CampaignStats campaignStats, SellerStats sellerStats, Sellers sellers,
                           TrackingConfig trackingConfig, ExchangeMetrics metrics, LongSupplier epochSecondsClock,
                           DspAccounts accounts, List<DspConfig> dsps) {
        this.accounts = accounts == null ? null
                : new AccountsReports(accounts, dsps, sellers.all(), currencies.exchangeCurrency());
        this.catalog = catalog;
        this.currencies = currencies;
        this.spend = spend;
        this.campaignStats = campaignStats;
        this.sellerStats = sellerStats;
        this.sellers = sellers;
        this.trackingConfig = trackingConfig;
        this.metrics = metrics;
        this.epochSecondsClock = epochSecondsClock;
        this.tokens = new ReportTokens(catalog, trackingConfig.adminToken());
    }

    /** One campaign on one day. */
    record Row(LocalDate day, String advertiser, String campaign, long impressions, long clicks, long conversions,
               long conversionValueMicros, long spendMicros, long committedMicros) {

        /** Whether nothing happened: no impression, click, conversion, conversion value, spend or commitment. */
        boolean isEmpty() {
            return impressions == 0 && clicks == 0 && conversions == 0 && conversionValueMicros == 0
                    && spendMicros == 0 && committedMicros == 0;
        }
    }

    /**
     * Null when {@code request} carries a token its report accepts (the admin token; for the campaign report also an
     * advertiser's report token); otherwise the {@code 401} to answer. Cheap enough for the event loop: it runs there
     * before a report may queue for the slow-work thread.
     */
    FullHttpResponse refusal(ChannelHandlerContext ctx, FullHttpRequest request) {
        String uri = request.uri();
        if (uri.startsWith(SELLERS_PATH)) {
            return sellersRefusal(ctx, request);
        }
        if (uri.startsWith(DSPS_PATH) || uri.startsWith(PAYOUTS_PATH)) {
            return accountsRefusal(ctx, request);
        }
        return tokens.opensAny(ReportTokens.digestOf(bearerToken(request))) ? null : campaignsRefusal(ctx);
    }

    /**
     * Whether {@code request} carries the admin token: the operator's reports run on the operator's own thread, so
     * that no advertiser's report token can keep them waiting.
     */
    boolean isOperator(FullHttpRequest request) {
        return tokens.isAdmin(ReportTokens.digestOf(bearerToken(request)));
    }

    FullHttpResponse handle(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (request.uri().startsWith(SELLERS_PATH)) {
            return sellers(ctx, request);
        }
        if (request.uri().startsWith(DSPS_PATH) || request.uri().startsWith(PAYOUTS_PATH)) {
            return accounts(ctx, request);
        }
        List<AdvertiserConfig> visible = tokens.advertisersOpenedBy(ReportTokens.digestOf(bearerToken(request)));
        if (visible.isEmpty()) {
            return campaignsRefusal(ctx);
        }
        Map<String, List<String>> params = new QueryStringDecoder(request.uri()).parameters();
        DateRange range;
        try {
            range = range(params);
        } catch (BadDates e) {
            return badDates(ctx, e.getMessage());
        }
        LocalDate from = range.from();
        LocalDate to = range.to();
        String only = params.containsKey("advertiser") ? params.get("advertiser").get(0) : null;
        if (only != null && only.isEmpty()) {
            only = null; // an empty parameter is absent, as on every other endpoint
        }
        String active = params.containsKey("active") ? params.get("active").get(0) : "";
        boolean isActiveOnly;
        switch (active) {
            case "1", "true" -> isActiveOnly = true;
            case "", "0", "false" -> isActiveOnly = false;
            default -> {
                metrics.httpError(400, "report_active");
                return HttpResponses.error(ctx.alloc(), HttpResponseStatus.BAD_REQUEST,
                        "active must be 1, true, 0 or false, was " + active, null);
            }
        }
        List<Row> rows = rows(visible, only, from, to);
        if (isActiveOnly) {
            rows.removeIf(Row::isEmpty);
        }
        String accept = request.headers().get(HttpHeaderNames.ACCEPT, "");
        if (accept.contains("text/csv")) {
            return HttpResponses.text(ctx.alloc(), HttpResponseStatus.OK, csv(rows), "text/csv; charset=utf-8");
        }
        return HttpResponses.json(ctx.alloc(), HttpResponseStatus.OK, json(rows, from, to));
    }

    /** The days a report covers, both included. */
    record DateRange(LocalDate from, LocalDate to) {
    }

    /** A report's dates are not a range it can cover: answered 400 with the message. */
    private static final class BadDates extends Exception {
        BadDates(String message) {
            super(message, null, false, false);
        }
    }

    /** {@code from} and {@code to} from the query; by default the 7 days to today. */
    private DateRange range(Map<String, List<String>> params) throws BadDates {
        LocalDate today = LocalDate.ofEpochDay(Math.floorDiv(epochSecondsClock.getAsLong(), 86_400L));
        LocalDate from;
        LocalDate to;
        try {
            to = params.containsKey("to") ? LocalDate.parse(params.get("to").get(0)) : today;
            from = params.containsKey("from") ? LocalDate.parse(params.get("from").get(0)) : to.minusDays(6);
        } catch (DateTimeParseException e) {
            throw new BadDates("from and to must be dates YYYY-MM-DD: " + e.getParsedString());
        } catch (DateTimeException e) {
            throw new BadDates("from and to must be dates between " + FIRST_DAY + " and " + LAST_DAY);
        }
        if (from.isBefore(FIRST_DAY) || to.isAfter(LAST_DAY)) {
            throw new BadDates("from and to must be dates between " + FIRST_DAY + " and " + LAST_DAY);
        }
        if (to.isBefore(from) || ChronoUnit.DAYS.between(from, to) > MAX_DAYS) {
            throw new BadDates("from must not be after to, and the range is at most " + MAX_DAYS + " days");
        }
        return new DateRange(from, to);
    }

    /** One seller on one day: impressions charged, what advertisers paid, what the publisher is owed. */
    record SellerRow(LocalDate day, String seller, long impressions, long grossMicros, long payoutMicros) {
    }

    private FullHttpResponse campaignsRefusal(ChannelHandlerContext ctx) {
        metrics.httpError(401, "report_token");
        FullHttpResponse response = HttpResponses.error(ctx.alloc(), HttpResponseStatus.UNAUTHORIZED,
                "reports need Authorization: Bearer <token> with the admin or an advertiser report token", null);
        response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"merlin-reports\"");
        return response;
    }

    /** The {@code 401} for a report only the admin token reads ({@code what}: "the sellers report"), else null. */
    private FullHttpResponse adminRefusal(ChannelHandlerContext ctx, FullHttpRequest request, String what) {
        return AdminToken.refusal(ctx, request, trackingConfig, metrics, "report_token", what, "merlin-reports");
    }

    private FullHttpResponse sellersRefusal(ChannelHandlerContext ctx, FullHttpRequest request) {
        return adminRefusal(ctx, request, "the sellers report");
    }

    private FullHttpResponse accountsRefusal(ChannelHandlerContext ctx, FullHttpRequest request) {
        return adminRefusal(ctx, request, "the " + (request.uri().startsWith(DSPS_PATH) ? "DSPs" : "payouts")
                + " report");
    }

    /**
     * {@code GET /reports/sellers?from=&to=&seller=}: per seller and UTC day, the impressions charged, gross spend
     * and publisher payout (gross net of the take rate), as JSON or CSV. Admin token only: payouts are the
     * exchange's books.
     */
    private FullHttpResponse sellers(ChannelHandlerContext ctx, FullHttpRequest request) {
        FullHttpResponse refused = sellersRefusal(ctx, request);
        if (refused != null) {
            return refused;
        }
        Map<String, List<String>> params = new QueryStringDecoder(request.uri()).parameters();
        DateRange range;
        try {
            range = range(params);
        } catch (BadDates e) {
            return badDates(ctx, e.getMessage());
        }
        String only = params.containsKey("seller") ? params.get("seller").get(0) : null;
        List<SellerRow> rows = new ArrayList<>();
        SellerStats stats = sellerStats;
        for (LocalDate day = range.from(); !day.isAfter(range.to()); day = day.plusDays(1)) {
            for (SellerConfig seller : sellers.all()) {
                if (only != null && !only.isEmpty() && !only.equals(seller.id())) {
                    continue;
                }
                rows.add(new SellerRow(day, seller.id(), stats.get(seller.id(), SellerStats.Metric.IMPRESSIONS, day),
                        stats.get(seller.id(), SellerStats.Metric.GROSS_MICROS, day),
                        stats.get(seller.id(), SellerStats.Metric.PAYOUT_MICROS, day)));
            }
        }
        String currency = currencies.exchangeCurrency();
        StringBuilder sb = new StringBuilder(256 + rows.size() * 128);
        if (request.headers().get(HttpHeaderNames.ACCEPT, "").contains("text/csv")) {
            sb.append("day,seller,impressions,gross,payout,currency\n");
            for (SellerRow r : rows) {
                sb.append(r.day).append(',').append(r.seller).append(',').append(r.impressions).append(',')
                        .append(money(r.grossMicros)).append(',').append(money(r.payoutMicros)).append(',')
                        .append(currency).append('\n');
            }
            return HttpResponses.text(ctx.alloc(), HttpResponseStatus.OK, sb.toString(), "text/csv; charset=utf-8");
        }
        sb.append("{\"from\":\"").append(range.from()).append("\",\"to\":\"").append(range.to())
                .append("\",\"currency\":\"").append(currency).append("\",\"rows\":[");
        for (int i = 0; i < rows.size(); i++) {
            SellerRow r = rows.get(i);
            sb.append(i > 0 ? "," : "").append("{\"day\":\"").append(r.day).append("\",\"seller\":");
            JsonText.appendString(sb, r.seller);
            sb.append(",\"impressions\":").append(r.impressions).append(",\"gross\":").append(money(r.grossMicros))
                    .append(",\"payout\":").append(money(r.payoutMicros)).append('}');
        }
        return HttpResponses.json(ctx.alloc(), HttpResponseStatus.OK, sb.append("]}").toString());
    }

    /**
     * {@code GET /reports/dsps?from=&to=&dsp=} and {@code GET /reports/payouts?from=&to=&seller=}: the exchange's
     * books ({@link AccountsReports}), as JSON or — with {@code format=csv} or {@code Accept: text/csv} — CSV. Admin
     * token only: an advertiser's report token does not open them.
     */
    private FullHttpResponse accounts(ChannelHandlerContext ctx, FullHttpRequest request) {
        boolean isDsps = request.uri().startsWith(DSPS_PATH);
        FullHttpResponse refused = accountsRefusal(ctx, request);
        if (refused != null) {
            return refused;
        }
        if (accounts == null) {
            metrics.httpError(404, "report_accounts");
            return HttpResponses.error(ctx.alloc(), HttpResponseStatus.NOT_FOUND,
                    "this exchange keeps no DSP accounts", null);
        }
        Map<String, List<String>> params = new QueryStringDecoder(request.uri()).parameters();
        DateRange range;
        try {
            range = range(params);
        } catch (BadDates e) {
            return badDates(ctx, e.getMessage());
        }
        String only = QueryParams.first(params, isDsps ? "dsp" : "seller");
        only = only == null || only.isEmpty() ? null : only;
        boolean isCsv = "csv".equals(QueryParams.first(params, "format"))
                || request.headers().get(HttpHeaderNames.ACCEPT, "").contains("text/csv");
        String body = isDsps ? accounts.dsps(range.from(), range.to(), only, isCsv)
                : accounts.payouts(range.from(), range.to(), only, isCsv);
        return isCsv ? HttpResponses.text(ctx.alloc(), HttpResponseStatus.OK, body, "text/csv; charset=utf-8")
                : HttpResponses.json(ctx.alloc(), HttpResponseStatus.OK, body);
    }

    private FullHttpResponse badDates(ChannelHandlerContext ctx, String message) {
        metrics.httpError(400, "report_dates");
        return HttpResponses.error(ctx.alloc(), HttpResponseStatus.BAD_REQUEST, message, null);
    }

    List<Row> rows(List<AdvertiserConfig> advertisers, String only, LocalDate from, LocalDate to) {
        List<Row> rows = new ArrayList<>();
        CampaignStats stats = campaignStats;
        Map<String, Map<Long, Long>> committed = spend.recordedCommitmentsByDay();
        for (LocalDate day = from; !day.isAfter(to); day = day.plusDays(1)) {
            for (AdvertiserConfig advertiser : advertisers) {
                if (only != null && !only.equals(advertiser.id())) {
                    continue;
                }
                for (var config : advertiser.campaigns()) {
                    Campaign campaign = catalog.current().known(config.id());
                    String id = campaign.id();
                    rows.add(new Row(day, advertiser.id(), id,
                            stats.get(id, CampaignStats.Metric.IMPRESSIONS, day),
                            stats.get(id, CampaignStats.Metric.CLICKS, day),
                            stats.get(id, CampaignStats.Metric.CONVERSIONS, day),
                            stats.get(id, CampaignStats.Metric.CONVERSION_VALUE_MICROS, day),
                            spend.spentOnDayMicros(campaign, day),
                            committed.getOrDefault(id, Map.of()).getOrDefault(day.toEpochDay(), 0L)));
                }
            }
        }
        return rows;
    }

    private String json(List<Row> rows, LocalDate from, LocalDate to) {
        StringBuilder sb = new StringBuilder(256 + rows.size() * 256);
        sb.append("{\"from\":\"").append(from).append("\",\"to\":\"").append(to).append("\",\"currency\":\"")
                .append(currencies.exchangeCurrency()).append("\",\"rows\":[");
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            if (i > 0) {
                sb.append(',');
            }
            sb.append("{\"day\":\"").append(r.day).append("\",\"advertiser\":");
            JsonText.appendString(sb, r.advertiser);
            sb.append(",\"campaign\":");
            JsonText.appendString(sb, r.campaign);
            sb.append(",\"impressions\":").append(r.impressions)
                    .append(",\"clicks\":").append(r.clicks)
                    .append(",\"ctr\":").append(orNull(ratio(r.clicks, r.impressions)))
                    .append(",\"conversions\":").append(r.conversions)
                    .append(",\"conversionValue\":").append(money(r.conversionValueMicros))
                    .append(",\"spend\":").append(money(r.spendMicros))
                    .append(",\"committed\":").append(money(r.committedMicros))
                    .append(",\"cpa\":").append(orNull(cpa(r)))
                    .append(",\"roas\":").append(orNull(roas(r)))
                    .append('}');
        }
        return sb.append("]}").toString();
    }

    private String csv(List<Row> rows) {
        StringBuilder sb = new StringBuilder(128 + rows.size() * 128);
        sb.append("day,advertiser,campaign,impressions,clicks,ctr,conversions,conversion_value,spend,cpa,roas,")
                .append("currency,committed\n");
        String currency = currencies.exchangeCurrency();
        for (Row r : rows) {
            sb.append(r.day).append(',').append(r.advertiser).append(',').append(r.campaign).append(',')
                    .append(r.impressions).append(',').append(r.clicks).append(',')
                    .append(orEmpty(ratio(r.clicks, r.impressions))).append(',')
                    .append(r.conversions).append(',').append(money(r.conversionValueMicros)).append(',')
                    .append(money(r.spendMicros)).append(',').append(orEmpty(cpa(r))).append(',')
                    .append(orEmpty(roas(r))).append(',').append(currency).append(',')
                    .append(money(r.committedMicros)).append('\n');
        }
        return sb.toString();
    }

    /** Clicks per impression, 6 decimals; null when there were no impressions. */
    static BigDecimal ratio(long numerator, long denominator) {
        if (denominator == 0) {
            return null;
        }
        return BigDecimal.valueOf(numerator).divide(BigDecimal.valueOf(denominator), 6, RoundingMode.HALF_UP);
    }

    /** Spend per conversion; null without conversions. */
    static BigDecimal cpa(Row r) {
        if (r.conversions == 0) {
            return null;
        }
        return BigDecimal.valueOf(r.spendMicros).divide(BigDecimal.valueOf(r.conversions * 1_000_000L), 6,
                RoundingMode.HALF_UP);
    }

    /** Conversion value per unit of spend; null without spend. */
    static BigDecimal roas(Row r) {
        if (r.spendMicros == 0) {
            return null;
        }
        return BigDecimal.valueOf(r.conversionValueMicros).divide(BigDecimal.valueOf(r.spendMicros), 6,
                RoundingMode.HALF_UP);
    }

    static String money(long micros) {
        return BigDecimal.valueOf(micros, 6).stripTrailingZeros().toPlainString();
    }

    private static String orNull(BigDecimal value) {
        return value == null ? "null" : value.stripTrailingZeros().toPlainString();
    }

    private static String orEmpty(BigDecimal value) {
        return value == null ? "" : value.stripTrailingZeros().toPlainString();
    }

    /**
     * The request's bearer token, or null when it has none or one longer than any token Merlin accepts
     * ({@link TrackingConfig#MAX_TOKEN_CHARS}): such a token is refused without being digested.
     */
    static String bearerToken(FullHttpRequest request) {
        String header = request.headers().get(HttpHeaderNames.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        String token = header.substring(7).trim();
        return token.isEmpty() || token.length() > TrackingConfig.MAX_TOKEN_CHARS ? null : token;
    }
}
