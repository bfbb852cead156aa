package dev.merlin.exchange.http;

import dev.merlin.config.HoldoutConfig;
import dev.merlin.config.TrackingConfig;
import dev.merlin.exchange.flows.DataFlowLedger;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import dev.merlin.exchange.privacy.Holdout;
import dev.merlin.exchange.privacy.RolloutStats;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.time.LocalDate;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * {@code GET /reports/rollout?from=YYYY-MM-DD&to=YYYY-MM-DD[&format=csv|json]}: the regional rollout measured
 * against its control group ({@code privacy.holdout}). Per day, user country and arm: the auctions of users in the
 * trial, those answered with a bid, the bid rate, and what the buyers of those bids pay (exchange currency, as bid);
 * then per country over the range both arms side by side with the treatment's lift over the control (bid rate and
 * charge per auction; null while the control has no auction). Admin token only ({@code Authorization: Bearer});
 * JSON by default, CSV of the daily rows with {@code format=csv} or {@code Accept: text/csv}; the range as
 * {@link ReportRange} takes it, at most {@link DataFlowLedger#MAX_REPORT_DAYS} days.
 *
 * <p>Reads the whole report: run it on the slow-work executor, never on an event loop.
 */
public final class RolloutReportEndpoint {

    /** The route. */
    public static final String PATH = "/reports/rollout";

    private static final String CSV_HEADER = "day,country,arm,auctions,with_bid,bid_rate,charge,currency\n";

    private final RolloutStats stats;
    private final HoldoutConfig holdout;
    private final String currency;
    private final TrackingConfig trackingConfig;
    private final ExchangeMetrics metrics;
    private final LongSupplier epochSecondsClock;

    /**
     * The report over {@code stats} for the rollout configured as {@code holdout}, in {@code currency} (the exchange
     * currency), opened by the admin token of {@code trackingConfig}.
     */
    public RolloutReportEndpoint(RolloutStats stats, HoldoutConfig holdout, String currency,
                                 TrackingConfig trackingConfig, ExchangeMetrics metrics,
                                 LongSupplier epochSecondsClock) {
        this.stats = stats;
        this.holdout = holdout;
        this.currency = currency;
        this.trackingConfig = trackingConfig;
        this.metrics = metrics;
        this.epochSecondsClock = epochSecondsClock;
    }

    /** Null when {@code request} carries the admin token; otherwise the {@code 401} to answer. */
    FullHttpResponse refusal(ChannelHandlerContext ctx, FullHttpRequest request) {
        return AdminToken.refusal(ctx, request, trackingConfig, metrics, "rollout_token", "the rollout report",
                "merlin-reports");
    }

    FullHttpResponse handle(ChannelHandlerContext ctx, FullHttpRequest request) {
        FullHttpResponse refused = refusal(ctx, request);
        if (refused != null) {
            return refused;
        }
        Map<String, List<String>> params = new QueryStringDecoder(request.uri()).parameters();
        ReportRange range;
        try {
            LocalDate today = LocalDate.ofEpochDay(Math.floorDiv(epochSecondsClock.getAsLong(), 86_400L));
            range = ReportRange.of(params, request, today, DataFlowLedger.MAX_REPORT_DAYS);
        } catch (ReportRange.BadParameter e) {
            metrics.httpError(400, "rollout_" + e.parameter());
            return HttpResponses.error(ctx.alloc(), HttpResponseStatus.BAD_REQUEST, e.getMessage(), e.parameter());
        }
        List<RolloutStats.Row> rows = stats.rows(range.from(), range.to());
        if (range.isCsv()) {
            return HttpResponses.text(ctx.alloc(), HttpResponseStatus.OK, csv(rows), "text/csv; charset=utf-8");
        }
        return HttpResponses.json(ctx.alloc(), HttpResponseStatus.OK, json(rows, range));
    }

    /** One arm's totals in one country over the range. */
    private static final class Arm {
        long auctions;
        long withBid;
        long chargeMicros;

        void add(RolloutStats.Row row) {
            auctions += row.auctions();
            withBid += row.withBid();
            chargeMicros += row.chargeMicros();
        }

        Double bidRate() {
            return auctions == 0 ? null : (double) withBid / auctions;
        }

        Double chargePerAuction() {
            return auctions == 0 ? null : chargeMicros / 1e6 / auctions;
        }
    }

    private String json(List<RolloutStats.Row> rows, ReportRange range) {
        StringBuilder sb = new StringBuilder(512 + rows.size() * 160);
        sb.append("{\"from\":\"").append(range.from()).append("\",\"to\":\"").append(range.to())
                .append("\",\"currency\":").append(ReportRange.quoted(currency))
                .append(",\"holdout\":{\"share\":").append(holdout.share()).append(",\"countries\":[");
        List<String> countries = holdout.countries();
        for (int i = 0; i < countries.size(); i++) {
            sb.append(i == 0 ? "" : ",").append(ReportRange.quoted(countries.get(i)));
        }
        sb.append("]},\"rows\":[");
        Map<String, Arm[]> byCountry = new TreeMap<>();
        for (int i = 0; i < rows.size(); i++) {
            RolloutStats.Row row = rows.get(i);
            Arm[] arms = byCountry.computeIfAbsent(row.country(), c -> new Arm[] {new Arm(), new Arm()});
            arms[row.arm() == Holdout.TREATMENT ? 0 : 1].add(row);
            sb.append(i == 0 ? "" : ",").append("{\"day\":\"").append(row.day()).append("\",\"country\":\"")
                    .append(row.country()).append("\",\"arm\":\"").append(Holdout.label(row.arm()))
                    .append("\",\"auctions\":").append(row.auctions()).append(",\"withBid\":").append(row.withBid())
                    .append(",\"bidRate\":").append(ratio(row.withBid(), row.auctions()))
                    .append(",\"charge\":").append(ReportsEndpoint.money(row.chargeMicros())).append('}');
        }
        sb.append("],\"countries\":[");
        boolean isFirst = true;
        for (Map.Entry<String, Arm[]> country : byCountry.entrySet()) {
            Arm treatment = country.getValue()[0];
            Arm control = country.getValue()[1];
            sb.append(isFirst ? "" : ",").append("{\"country\":\"").append(country.getKey())
                    .append("\",\"treatment\":");
            arm(sb, treatment);
            sb.append(",\"control\":");
            arm(sb, control);
            sb.append(",\"bidRateLift\":").append(lift(treatment.bidRate(), control.bidRate()))
                    .append(",\"chargePerAuctionLift\":")
                    .append(lift(treatment.chargePerAuction(), control.chargePerAuction())).append('}');
            isFirst = false;
        }
        return sb.append("]}").toString();
    }

    private static void arm(StringBuilder sb, Arm arm) {
        sb.append("{\"auctions\":").append(arm.auctions).append(",\"withBid\":").append(arm.withBid)
                .append(",\"bidRate\":").append(ratio(arm.withBid, arm.auctions))
                .append(",\"charge\":").append(ReportsEndpoint.money(arm.chargeMicros))
                .append(",\"chargePerAuction\":").append(decimal(arm.chargePerAuction())).append('}');
    }

    /** The treatment's relative lift over the control, {@code t / c - 1}; null while either is unknown or c is 0. */
    private static String lift(Double treatment, Double control) {
        if (treatment == null || control == null || control == 0) {
            return "null";
        }
        return decimal(treatment / control - 1);
    }

    private static String ratio(long part, long whole) {
        return whole == 0 ? "null" : decimal((double) part / whole);
    }

    private static String decimal(Double value) {
        return value == null ? "null" : String.format(Locale.ROOT, "%.6f", value);
    }

    private String csv(List<RolloutStats.Row> rows) {
        StringBuilder sb = new StringBuilder(CSV_HEADER.length() + rows.size() * 64).append(CSV_HEADER);
        for (RolloutStats.Row row : rows) {
            sb.append(row.day()).append(',').append(row.country()).append(',').append(Holdout.label(row.arm()))
                    .append(',').append(row.auctions()).append(',').append(row.withBid()).append(',')
                    .append(row.auctions() == 0 ? "" : ratio(row.withBid(), row.auctions())).append(',')
                    .append(ReportsEndpoint.money(row.chargeMicros())).append(',').append(currency).append('\n');
        }
        return sb.toString();
    }
}
