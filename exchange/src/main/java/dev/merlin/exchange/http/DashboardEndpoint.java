package dev.merlin.exchange.http;

import dev.merlin.config.TrackingConfig;
import dev.merlin.exchange.dashboard.DashboardSampler;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * The live dashboard, served from the jar with nothing fetched from the internet: {@code GET /dashboard} (the
 * operators' page), {@code /dashboard/advertiser} (an advertiser's page), their scripts and styles, uPlot from its
 * webjar, and {@code GET /dashboard/data}, the sampled series ({@link DashboardSampler#json()}), for the admin token
 * only ({@code Authorization: Bearer}, 401 otherwise). The pages hold no data: each asks for a token once, keeps it in
 * the tab's session storage and sends it as a Bearer header, never in a URL. A strict Content-Security-Policy lets
 * a page run only its own scripts and talk only to Merlin.
 */
public final class DashboardEndpoint {

    /** The route prefix. */
    public static final String PREFIX = "/dashboard";
    private static final String DATA_PATH = PREFIX + "/data";

    private static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
            + " connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
    private static final String WEBJAR = "META-INF/resources/webjars/uplot/";

    /** A file the dashboard serves: its bytes and content type. */
    private record Asset(byte[] bytes, String contentType) {
    }

    private final DashboardSampler sampler;
    private final TrackingConfig trackingConfig;
    private final ExchangeMetrics metrics;
    private final Map<String, Asset> assets = new LinkedHashMap<>();

    /** The dashboard over {@code sampler}'s data, opened with the admin token of {@code trackingConfig}. */
    public DashboardEndpoint(DashboardSampler sampler, TrackingConfig trackingConfig, ExchangeMetrics metrics) {
        this.sampler = sampler;
        this.trackingConfig = trackingConfig;
        this.metrics = metrics;
        String html = "text/html; charset=utf-8";
        String js = "text/javascript; charset=utf-8";
        String css = "text/css; charset=utf-8";
        assets.put(PREFIX, new Asset(resource("dashboard/index.html"), html));
        assets.put(PREFIX + "/", new Asset(resource("dashboard/index.html"), html));
        assets.put(PREFIX + "/advertiser", new Asset(resource("dashboard/advertiser.html"), html));
        assets.put(PREFIX + "/dashboard.js", new Asset(resource("dashboard/dashboard.js"), js));
        assets.put(PREFIX + "/advertiser.js", new Asset(resource("dashboard/advertiser.js"), js));
        assets.put(PREFIX + "/charts.js", new Asset(resource("dashboard/charts.js"), js));
        assets.put(PREFIX + "/dashboard.css", new Asset(resource("dashboard/dashboard.css"), css));
        String uplot = WEBJAR + uplotVersion() + "/dist/";
        assets.put(PREFIX + "/uPlot.iife.min.js", new Asset(resource(uplot + "uPlot.iife.min.js"), js));
        assets.put(PREFIX + "/uPlot.min.css", new Asset(resource(uplot + "uPlot.min.css"), css));
    }

    /** Whether {@code request} asks for the data (admin token, sampled series) rather than a page or a script. */
    static boolean isData(FullHttpRequest request) {
        return DATA_PATH.equals(HttpChecks.path(request.uri()));
    }

    /** Null when {@code request} carries the admin token the data needs; otherwise the {@code 401} to answer. */
    FullHttpResponse refusal(ChannelHandlerContext ctx, FullHttpRequest request) {
        return AdminToken.refusal(ctx, request, trackingConfig, metrics, "dashboard_token", "the dashboard's data",
                "merlin-dashboard");
    }

    /**
     * {@code GET /dashboard...}: a page, a script, a style, or (admin token) the data. The files are bytes held in
     * memory, answered on the event loop; only the data is worth running off it.
     */
    FullHttpResponse handle(ChannelHandlerContext ctx, FullHttpRequest request) {
        String path = HttpChecks.path(request.uri());
        if (DATA_PATH.equals(path)) {
            return data(ctx, request);
        }
        Asset asset = assets.get(path);
        if (asset == null) {
            metrics.httpError(404, "dashboard_file");
            return HttpResponses.error(ctx.alloc(), HttpResponseStatus.NOT_FOUND, "no such dashboard file: " + path,
                    null);
        }
        ByteBuf content = ctx.alloc().buffer(asset.bytes().length).writeBytes(asset.bytes());
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, content);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, asset.contentType())
                .setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes())
                .set(HttpHeaderNames.CACHE_CONTROL, "no-cache")
                .set(HttpHeaderNames.CONTENT_SECURITY_POLICY, CSP)
                .set("X-Content-Type-Options", "nosniff")
                .set("Referrer-Policy", "no-referrer");
        return response;
    }

    private FullHttpResponse data(ChannelHandlerContext ctx, FullHttpRequest request) {
        FullHttpResponse refused = refusal(ctx, request);
        if (refused != null) {
            return refused;
        }
        FullHttpResponse response = HttpResponses.json(ctx.alloc(), HttpResponseStatus.OK, sampler.json());
        response.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        return response;
    }

    private static String uplotVersion() {
        Properties properties = new Properties();
        try (InputStream in = resourceStream("META-INF/maven/org.webjars.npm/uplot/pom.properties")) {
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read uPlot's webjar version", e);
        }
        return properties.getProperty("version");
    }

    private static byte[] resource(String name) {
        try (InputStream in = resourceStream(name)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + name + " from the jar", e);
        }
    }

    private static InputStream resourceStream(String name) {
        InputStream in = DashboardEndpoint.class.getClassLoader().getResourceAsStream(name);
        if (in == null) {
            throw new IllegalStateException(name + " is missing from the jar");
        }
        return in;
    }
}
