package dev.merlin.exchange.http;

import dev.merlin.exchange.metrics.ExchangeMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import java.io.IOException;
import java.util.concurrent.Executor;

/** The exchange's routes: every endpoint of the design's table, by path and method. */
final class ExchangeRoutes {

    static final String AUCTION_PATH = "/openrtb2/auction";
    static final String SELLERS_JSON_PATH = "/sellers.json";
    private static final String HEALTH_BODY = "{\"status\":\"ok\"}";
    private static final AsciiString SELLERS_JSON_CACHE = AsciiString.cached("public, max-age=3600");

    private ExchangeRoutes() {
    }

    /**
     * The exchange's table over {@code endpoints}; advertisers' reports run on {@code slowWork}, and whatever the
     * operator asks with the admin token (the admin API, the dashboard's data, every report) on {@code adminWork},
     * off the event loop, once the token they need is checked on it. The auction route comes first: it is the one
     * that carries the load.
     */
    static RouteTable of(Endpoints endpoints, Executor slowWork, Executor adminWork, ExchangeMetrics metrics) {
        SlowWork.Lane slowLane = SlowWork.Lane.reports(slowWork);
        SlowWork.Lane adminLane = SlowWork.Lane.admin(adminWork);
        AuctionEndpoint auction = endpoints.auction();
        NoticeEndpoint notices = endpoints.notices();
        PixelEndpoint pixel = endpoints.pixel();
        EventsEndpoint events = endpoints.events();
        ClickEndpoint clicks = endpoints.clicks();
        PrivacyEndpoints privacy = endpoints.privacy();
        ReportsEndpoint books = endpoints.reports();
        // the operator's reports (the admin token) run on the operator's thread: an advertiser's never delay them
        Endpoint reports = new SlowWork(books::refusal, books::handle,
                request -> books.isOperator(request) ? adminLane : slowLane, metrics);
        Endpoint dataFlows = slow(endpoints.dataFlows()::refusal, endpoints.dataFlows()::handle, adminLane, metrics);
        Endpoint rollout = slow(endpoints.rollout()::refusal, endpoints.rollout()::handle, adminLane, metrics);
        Endpoint dashboard = dashboard(endpoints.dashboard(), adminLane, metrics);
        String sellersJson = endpoints.sellersJson();
        Endpoint sellers = (ctx, request) -> {
            FullHttpResponse response = HttpResponses.json(ctx.alloc(), HttpResponseStatus.OK, sellersJson);
            response.headers().set(HttpHeaderNames.CACHE_CONTROL, SELLERS_JSON_CACHE);
            return response;
        };
        Endpoint health = (ctx, request) -> HttpResponses.json(ctx.alloc(), HttpResponseStatus.OK, HEALTH_BODY);
        Endpoint scrape = (ctx, request) -> metricsResponse(ctx, metrics);
        Endpoint user = (ctx, request) -> privacy.user(ctx, request, HttpChecks.path(request.uri()));
        RouteTable.Builder table = RouteTable.builder(metrics)
                .path(AUCTION_PATH).post(HttpChecks.jsonBody(metrics, auction::handle))
                .path("/px").get(pixel::handle).head((ctx, request) -> pixel.head())
                .refusedWith((ctx, reason) -> pixel.refused(reason))
                .path("/win").get(notice(notices, "win")).post(notice(notices, "win"))
                .path("/bill").get(notice(notices, "bill")).post(notice(notices, "bill"))
                .path("/loss").get(notice(notices, "loss")).post(notice(notices, "loss"))
                .path("/click").get(clicks::handle)
                .path("/events").post(events::handle)
                .path("/health").get(health).head(health)
                .path("/status").get(health).head(health)
                .path("/metrics").get(scrape).head(scrape)
                .path("/reports/campaigns").get(reports).head(reports)
                .path(ReportsEndpoint.SELLERS_PATH).get(reports).head(reports)
                .path(ReportsEndpoint.DSPS_PATH).get(reports).head(reports)
                .path(ReportsEndpoint.PAYOUTS_PATH).get(reports).head(reports)
                .path(DataFlowsEndpoint.PATH).get(dataFlows).head(dataFlows)
                .path(RolloutReportEndpoint.PATH).get(rollout).head(rollout)
                .path("/setuid").get(endpoints.userSync()::setUid)
                .path("/cookie_sync").post(endpoints.userSync()::cookieSync)
                .path("/optout").get(privacy::optOut).post(privacy::optOut)
                .path(SELLERS_JSON_PATH).get(sellers).head(sellers)
                .prefix(DashboardEndpoint.PREFIX).get(dashboard).head(RouteTable.headAsGet(dashboard))
                .prefix(PrivacyEndpoints.USERS_PREFIX).get(user).head(RouteTable.headAsGet(user)).delete(user);
        if (endpoints.catalogue() != null) {
            CatalogueEndpoint catalogue = endpoints.catalogue();
            Endpoint admin = slow(catalogue::refusal, catalogue::handle, adminLane, metrics);
            table.prefix(CatalogueEndpoint.PREFIX).get(admin).post(admin).delete(admin)
                    .method(HttpMethod.PUT, admin).method(HttpMethod.PATCH, admin);
        }
        return table.build();
    }

    /** {@code endpoint} off the event loop, for the requests {@code gate} lets queue (those with their token). */
    private static Endpoint slow(SlowWork.Gate gate, Endpoint endpoint, SlowWork.Lane lane, ExchangeMetrics metrics) {
        return new SlowWork(gate, endpoint, lane, metrics);
    }

    /** The dashboard's pages and scripts on the event loop (bytes in memory); its data off it, admin token only. */
    private static Endpoint dashboard(DashboardEndpoint dashboard, SlowWork.Lane lane, ExchangeMetrics metrics) {
        Endpoint data = slow(dashboard::refusal, dashboard::handle, lane, metrics);
        return (ctx, request) -> DashboardEndpoint.isData(request) ? data.handle(ctx, request)
                : dashboard.handle(ctx, request);
    }

    private static Endpoint notice(NoticeEndpoint notices, String kind) {
        return (ctx, request) -> notices.handle(ctx, kind, request.uri());
    }

    private static FullHttpResponse metricsResponse(ChannelHandlerContext ctx, ExchangeMetrics metrics) {
        ByteBuf content = ctx.alloc().buffer(4096);
        try (ByteBufOutputStream out = new ByteBufOutputStream(content)) {
            metrics.writeTo(out);
        } catch (IOException | RuntimeException e) {
            content.release();
            return HttpResponses.error(ctx.alloc(), HttpResponseStatus.INTERNAL_SERVER_ERROR,
                    "cannot render metrics: " + e.getMessage(), null);
        }
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, content);
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, metrics.contentType())
                .setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes());
        return response;
    }
}
