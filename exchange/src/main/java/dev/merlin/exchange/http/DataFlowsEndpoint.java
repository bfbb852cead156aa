package dev.merlin.exchange.http;

import dev.merlin.config.DspConfig;
import dev.merlin.config.TrackingConfig;
import dev.merlin.exchange.flows.DataFlowLedger;
import dev.merlin.exchange.flows.FlowAggregate;
import dev.merlin.exchange.flows.FlowKind;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import dev.merlin.exchange.privacy.DataCategories;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.time.LocalDate;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * {@code GET /privacy/data-flows?from=YYYY-MM-DD&to=YYYY-MM-DD[&dsp=<id>][&format=csv|json]}: what left Merlin, from
 * the data-flow ledger: per day, user region, DSP, DSP region, data categories and flow kind, the number of flows,
 * with totals per kind. Admin token only ({@code Authorization: Bearer}); JSON by default, CSV (with a header) with
 * {@code format=csv} or {@code Accept: text/csv}. {@code to} defaults to today (UTC), {@code from} to {@code to};
 * the range is at most {@link DataFlowLedger#MAX_REPORT_DAYS} days. {@code dsp} narrows it to one DSP: the per-DSP
 * view. A bad date, range or format is 400 naming the parameter, an unknown DSP 404 naming it.
 *
 * <p>Reads the whole aggregate: run it on the slow-work executor, never on an event loop.
 */
public final class DataFlowsEndpoint {

    /** The route. */
    public static final String PATH = "/privacy/data-flows";

    private static final String CSV_HEADER = "day,user_region,dsp,dsp_region,categories,kind,count\n";

    private final DataFlowLedger ledger;
    private final TrackingConfig trackingConfig;
    private final ExchangeMetrics metrics;
    private final LongSupplier epochSecondsClock;

    /** The report over {@code ledger}, opened by the admin token of {@code trackingConfig}. */
    public DataFlowsEndpoint(DataFlowLedger ledger, TrackingConfig trackingConfig, ExchangeMetrics metrics,
                             LongSupplier epochSecondsClock) {
        this.ledger = ledger;
        this.trackingConfig = trackingConfig;
        this.metrics = metrics;
        this.epochSecondsClock = epochSecondsClock;
    }

    /** Null when {@code request} carries the admin token; otherwise the {@code 401} to answer. */
    FullHttpResponse refusal(ChannelHandlerContext ctx, FullHttpRequest request) {
        return AdminToken.refusal(ctx, request, trackingConfig, metrics, "data_flows_token", "the data-flow report",
                "merlin-privacy");
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
            metrics.httpError(400, "data_flows_" + e.parameter());
            return HttpResponses.error(ctx.alloc(), HttpResponseStatus.BAD_REQUEST, e.getMessage(), e.parameter());
        }
        String dsp = QueryParams.first(params, "dsp");
        if (dsp != null && ledger.dspIndex(dsp) < 0) {
            metrics.httpError(404, "data_flows_dsp");
            return HttpResponses.error(ctx.alloc(), HttpResponseStatus.NOT_FOUND,
                    "dsp: no DSP has the id " + ReportRange.quoted(dsp), "dsp");
        }
        List<FlowAggregate.Row> rows = ledger.rows(range.from(), range.to(), dsp);
        if (range.isCsv()) {
            return HttpResponses.text(ctx.alloc(), HttpResponseStatus.OK, csv(rows), "text/csv; charset=utf-8");
        }
        return HttpResponses.json(ctx.alloc(), HttpResponseStatus.OK, json(rows, range.from(), range.to(), dsp));
    }

    private String json(List<FlowAggregate.Row> rows, LocalDate from, LocalDate to, String dsp) {
        Map<FlowKind, Long> totals = new EnumMap<>(FlowKind.class);
        for (FlowKind kind : FlowKind.values()) {
            totals.put(kind, 0L);
        }
        StringBuilder sb = new StringBuilder(256 + rows.size() * 160);
        sb.append("{\"from\":\"").append(from).append("\",\"to\":\"").append(to).append("\",\"dsp\":")
                .append(dsp == null ? "null" : ReportRange.quoted(dsp)).append(",\"rows\":[");
        for (int i = 0; i < rows.size(); i++) {
            FlowAggregate.Row row = rows.get(i);
            totals.merge(row.kind(), row.count(), Long::sum);
            DspConfig config = configOf(row.dsp());
            sb.append(i == 0 ? "" : ",").append("{\"day\":\"").append(row.day())
                    .append("\",\"userRegion\":").append(ReportRange.quoted(row.userRegion()))
                    .append(",\"dsp\":").append(ReportRange.quoted(row.dsp()))
                    .append(",\"dspName\":").append(config == null ? "null" : ReportRange.quoted(config.name()))
                    .append(",\"dspRegion\":").append(ReportRange.quoted(row.dspRegion()))
                    .append(",\"categories\":[");
            List<String> labels = row.categories() == DataCategories.NONE ? List.of()
                    : DataCategories.labels(row.categories());
            for (int c = 0; c < labels.size(); c++) {
                sb.append(c == 0 ? "" : ",").append('"').append(labels.get(c)).append('"');
            }
            sb.append("],\"personal\":").append(row.categories() != DataCategories.NONE)
                    .append(",\"kind\":\"").append(row.kind().label()).append("\",\"count\":").append(row.count())
                    .append('}');
        }
        sb.append("],\"totals\":{");
        boolean isFirst = true;
        for (Map.Entry<FlowKind, Long> total : totals.entrySet()) {
            sb.append(isFirst ? "" : ",").append('"').append(total.getKey().label()).append("\":")
                    .append(total.getValue());
            isFirst = false;
        }
        return sb.append("}}").toString();
    }

    private static String csv(List<FlowAggregate.Row> rows) {
        StringBuilder sb = new StringBuilder(CSV_HEADER.length() + rows.size() * 64).append(CSV_HEADER);
        for (FlowAggregate.Row row : rows) {
            sb.append(row.day()).append(',').append(row.userRegion()).append(',').append(row.dsp()).append(',')
                    .append(row.dspRegion()).append(',').append(DataCategories.label(row.categories())).append(',')
                    .append(row.kind().label()).append(',').append(row.count()).append('\n');
        }
        return sb.toString();
    }

    private DspConfig configOf(String dspId) {
        int index = ledger.dspIndex(dspId);
        return index < 0 ? null : ledger.dsps().get(index);
    }
}
