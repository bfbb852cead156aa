package dev.merlin.exchange.http;

import dev.merlin.config.AdvertiserConfig;
import dev.merlin.config.CampaignConfig;
import dev.merlin.config.ConfigException;
import dev.merlin.config.ConfigLoader;
import dev.merlin.config.CreativeConfig;
import dev.merlin.config.TrackingConfig;
import dev.merlin.exchange.catalogue.CatalogueEdits;
import dev.merlin.exchange.catalogue.ConfigReload;
import dev.merlin.exchange.catalogue.LiveCatalogue;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * The catalogue's admin API, behind the admin token ({@code tracking.adminToken}; a seller's or an advertiser's
 * report token is refused): {@code /admin/advertisers[/{id}]} and {@code /admin/campaigns[/{id}]} — GET the list or
 * one, PUT to create or replace by id, PATCH a campaign's {@code bid}, {@code dailyBudget}, {@code totalBudget} or
 * {@code status} ({@code active}/{@code paused}), DELETE; a campaign's creatives at
 * {@code /admin/campaigns/{id}/creatives[/{creativeId}]} (GET, PUT, DELETE) — and {@code POST /admin/reload}
 * (the config file's advertisers). Bodies are validated as the config file is, errors naming the key path
 * (400 for a body that is not the right JSON, 422 for a value the config rules refuse); 404 for an unknown id.
 * A change answers once new auctions use it. Runs off the event loop ({@link SlowWork}): a change waits for the
 * catalogue thread; the token is checked ({@link #refusal}) before the request may queue for it.
 */
public final class CatalogueEndpoint {

    /** The admin API's path prefix. */
    static final String PREFIX = "/admin/";
    /** The reload's path. */
    static final String RELOAD_PATH = "/admin/reload";
    /** Who the admin token is, in the event log. */
    static final String ADMIN = "admin-token";
    private static final String BODY = "the request body";

    private final LiveCatalogue live;
    private final ConfigReload reload;
    private final TrackingConfig trackingConfig;
    private final ExchangeMetrics metrics;

    /** The API over {@code live}, reloading with {@code reload}, opened by the admin token of the tracking config. */
    public CatalogueEndpoint(LiveCatalogue live, ConfigReload reload, TrackingConfig trackingConfig,
                      ExchangeMetrics metrics) {
        this.live = live;
        this.reload = reload;
        this.trackingConfig = trackingConfig;
        this.metrics = metrics;
    }

    /** Null when {@code request} carries the admin token; otherwise the {@code 401} to answer. */
    FullHttpResponse refusal(ChannelHandlerContext ctx, FullHttpRequest request) {
        return AdminToken.refusal(ctx, request, trackingConfig, metrics, "admin_token", "the admin API",
                "merlin-admin");
    }

    FullHttpResponse handle(ChannelHandlerContext ctx, FullHttpRequest request) {
        FullHttpResponse refused = refusal(ctx, request);
        if (refused != null) {
            return refused;
        }
        String path = HttpChecks.path(request.uri());
        String[] parts = path == null ? new String[0] : path.substring(PREFIX.length()).split("/", -1);
        try {
            for (int i = 0; i < parts.length; i++) {
                // an id in the path is percent-encoded as any path segment ("+" is itself, not a space)
                parts[i] = QueryStringDecoder.decodeComponent(parts[i].replace("+", "%2B"), StandardCharsets.UTF_8);
            }
        } catch (IllegalArgumentException e) {
            metrics.httpError(400, "admin_path");
            return HttpResponses.error(ctx.alloc(), HttpResponseStatus.BAD_REQUEST,
                    "the path is not valid percent-encoding: " + e.getMessage(), null);
        }
        try {
            return route(ctx, request, parts);
        } catch (BadBody e) {
            metrics.httpError(400, "catalogue_bad_body");
            return HttpResponses.error(ctx.alloc(), HttpResponseStatus.BAD_REQUEST, e.getCause().getMessage(),
                    ((ConfigException) e.getCause()).keyPath());
        } catch (ConfigException e) {
            metrics.httpError(422, "catalogue_invalid");
            return HttpResponses.error(ctx.alloc(), HttpResponseStatus.UNPROCESSABLE_ENTITY, e.getMessage(),
                    e.keyPath());
        } catch (CatalogueEdits.NotFoundException e) {
            metrics.httpError(404, "catalogue_unknown_id");
            return HttpResponses.error(ctx.alloc(), HttpResponseStatus.NOT_FOUND, e.getMessage(), null);
        } catch (LiveCatalogue.RefusedException e) {
            metrics.httpError(409, "catalogue_full");
            return HttpResponses.error(ctx.alloc(), HttpResponseStatus.CONFLICT, e.getMessage(), null);
        }
    }

    private FullHttpResponse route(ChannelHandlerContext ctx, FullHttpRequest request, String[] parts) {
        HttpMethod method = request.method();
        String kind = parts.length == 0 ? "" : parts[0];
        String id = parts.length == 2 && !parts[1].isEmpty() ? parts[1] : null;
        if ("reload".equals(kind) && parts.length == 1 && HttpMethod.POST.equals(method)) {
            List<String> ignored = reload.reload(ADMIN);
            return ok(ctx, "{\"reloaded\":true,\"restartOnlyKeysIgnored\":" + strings(ignored) + ",\"campaigns\":"
                    + live.current().size() + "}");
        }
        if ("campaigns".equals(kind) && parts.length >= 3 && parts.length <= 4 && "creatives".equals(parts[2])
                && !parts[1].isEmpty()) {
            return creatives(ctx, request, parts[1], parts.length == 4 && !parts[3].isEmpty() ? parts[3] : null);
        }
        boolean isAdvertisers = "advertisers".equals(kind);
        if (!(isAdvertisers || "campaigns".equals(kind)) || parts.length > 2 || (parts.length == 2 && id == null)) {
            metrics.httpError(404, "admin_path");
            return HttpResponses.error(ctx.alloc(), HttpResponseStatus.NOT_FOUND, "no such admin resource", null);
        }
        String body = request.content().toString(StandardCharsets.UTF_8);
        List<AdvertiserConfig> advertisers = live.current().config().advertisers();
        if (HttpMethod.GET.equals(method)) {
            if (id == null) {
                return ok(ctx, isAdvertisers ? list(advertisers) : campaigns(advertisers));
            }
            return ok(ctx, isAdvertisers ? ConfigLoader.toJson(CatalogueEdits.advertiser(advertisers, id)
                    .withReportToken(null)) : ConfigLoader.toJson(CatalogueEdits.campaign(advertisers, id)));
        }
        if (id == null) {
            return notAllowed(ctx);
        }
        String what = method.name() + " " + kind + "[id=" + id + "]";
        UnaryOperator<List<AdvertiserConfig>> edit;
        List<String> stopping = List.of(); // paused or removed by the change: they stop bidding now, not once built
        if (HttpMethod.PUT.equals(method) && isAdvertisers) {
            AdvertiserConfig advertiser = bodyOf(() -> ConfigLoader.parseAdvertiser(body, BODY));
            stopping = CatalogueEdits.stoppedBy(advertisers, id, advertiser);
            edit = current -> CatalogueEdits.putAdvertiser(current, id, advertiser);
        } else if (HttpMethod.PUT.equals(method)) {
            CampaignConfig campaign = bodyOf(() -> ConfigLoader.parseCampaign(body, BODY));
            String owner = QueryParams.first(new QueryStringDecoder(request.uri()).parameters(), "advertiser");
            stopping = campaign.isActive() ? List.of() : List.of(id);
            edit = current -> CatalogueEdits.putCampaign(current, id, campaign, owner);
        } else if ("PATCH".equals(method.name()) && !isAdvertisers) {
            CampaignConfig base = CatalogueEdits.campaign(advertisers, id);
            // a malformed body is a 400, not a 422
            CampaignConfig patched = bodyOf(() -> ConfigLoader.patchCampaign(base, body, BODY));
            stopping = patched.isActive() ? List.of() : List.of(id);
            edit = current -> CatalogueEdits.patchCampaign(current, id, body);
        } else if (HttpMethod.DELETE.equals(method)) {
            stopping = isAdvertisers ? CatalogueEdits.stoppedBy(advertisers, id, null) : List.of(id);
            edit = isAdvertisers ? current -> CatalogueEdits.deleteAdvertiser(current, id)
                    : current -> CatalogueEdits.deleteCampaign(current, id);
        } else {
            return notAllowed(ctx);
        }
        return changed(ctx, method, isAdvertisers, id, live.change(ADMIN, what, stopping, edit).config().advertisers());
    }

    /** The answer to a change applied: what was deleted, or the advertiser or campaign as it now is. */
    private static FullHttpResponse changed(ChannelHandlerContext ctx, HttpMethod method, boolean isAdvertisers,
                                            String id, List<AdvertiserConfig> after) {
        if (HttpMethod.DELETE.equals(method)) {
            return ok(ctx, "{\"deleted\":" + ConfigLoader.toJson(id) + "}");
        }
        return ok(ctx, isAdvertisers ? ConfigLoader.toJson(CatalogueEdits.advertiser(after, id).withReportToken(null))
                : ConfigLoader.toJson(CatalogueEdits.campaign(after, id)));
    }

    /** {@code /admin/campaigns/{id}/creatives[/{creativeId}]}: GET the list or one, PUT one, DELETE one. */
    private FullHttpResponse creatives(ChannelHandlerContext ctx, FullHttpRequest request, String campaignId,
                                       String creativeId) {
        HttpMethod method = request.method();
        List<AdvertiserConfig> advertisers = live.current().config().advertisers();
        if (HttpMethod.GET.equals(method)) {
            return ok(ctx, creativeId == null
                    ? ConfigLoader.toJson(CatalogueEdits.campaign(advertisers, campaignId).creatives())
                    : ConfigLoader.toJson(CatalogueEdits.creative(advertisers, campaignId, creativeId)));
        }
        if (creativeId == null) {
            return notAllowed(ctx);
        }
        String what = method.name() + " campaigns[id=" + campaignId + "].creatives[id=" + creativeId + "]";
        if (HttpMethod.PUT.equals(method)) {
            String body = request.content().toString(StandardCharsets.UTF_8);
            CreativeConfig creative = bodyOf(() -> ConfigLoader.parseCreative(body, BODY));
            List<AdvertiserConfig> after = live.change(ADMIN, what,
                    current -> CatalogueEdits.putCreative(current, campaignId, creativeId, creative))
                    .config().advertisers();
            return ok(ctx, ConfigLoader.toJson(CatalogueEdits.creative(after, campaignId, creativeId)));
        }
        if (HttpMethod.DELETE.equals(method)) {
            live.change(ADMIN, what, current -> CatalogueEdits.deleteCreative(current, campaignId, creativeId));
            return ok(ctx, "{\"deleted\":" + ConfigLoader.toJson(creativeId) + "}");
        }
        return notAllowed(ctx);
    }

    /** Reads the request body with {@code read}; a binding error is the client's malformed body. */
    private static <T> T bodyOf(Supplier<T> read) {
        try {
            return read.get();
        } catch (ConfigException e) {
            throw new BadBody(e);
        }
    }

    /** A body that is not the JSON of the resource (bad syntax, unknown key, wrong type): a 400. */
    private static final class BadBody extends RuntimeException {

        private static final long serialVersionUID = 1L;

        BadBody(ConfigException cause) {
            super(cause.getMessage(), cause);
        }
    }

    private FullHttpResponse notAllowed(ChannelHandlerContext ctx) {
        metrics.httpError(405, "admin_method");
        return HttpResponses.error(ctx.alloc(), HttpResponseStatus.METHOD_NOT_ALLOWED,
                "method not allowed here", null);
    }

    private static FullHttpResponse ok(ChannelHandlerContext ctx, String json) {
        return HttpResponses.json(ctx.alloc(), HttpResponseStatus.OK, json);
    }

    private static String list(List<AdvertiserConfig> advertisers) {
        List<AdvertiserConfig> shown = new ArrayList<>(advertisers.size());
        for (AdvertiserConfig advertiser : advertisers) {
            shown.add(advertiser.withReportToken(null));
        }
        return ConfigLoader.toJson(shown);
    }

    private static String campaigns(List<AdvertiserConfig> advertisers) {
        StringBuilder json = new StringBuilder("[");
        for (AdvertiserConfig advertiser : advertisers) {
            for (CampaignConfig campaign : advertiser.campaigns()) {
                json.append(json.length() == 1 ? "" : ",").append("{\"advertiser\":")
                        .append(ConfigLoader.toJson(advertiser.id())).append(",\"campaign\":")
                        .append(ConfigLoader.toJson(campaign)).append('}');
            }
        }
        return json.append(']').toString();
    }

    private static String strings(List<String> values) {
        return ConfigLoader.toJson(values);
    }
}
