package dev.merlin.exchange.http;

/**
 * The endpoints the exchange handler routes to, each built by the composition root with exactly its collaborators.
 *
 * @param sellersJson the {@code /sellers.json} document, rendered once from the configuration
 * @param dataFlows   the data-flow ledger's report
 * @param rollout     the rollout's report by arm
 * @param dashboard   the live dashboard's pages and data
 * @param catalogue   the catalogue's admin API and the config reload (null: not served)
 */
public record Endpoints(AuctionEndpoint auction, NoticeEndpoint notices, PixelEndpoint pixel, EventsEndpoint events,
                        ClickEndpoint clicks, ReportsEndpoint reports, PrivacyEndpoints privacy, String sellersJson,
                        DataFlowsEndpoint dataFlows, UserSyncEndpoints userSync,
                        RolloutReportEndpoint rollout, DashboardEndpoint dashboard, CatalogueEndpoint catalogue) {

    /** The endpoints without the catalogue's admin API. */
    public Endpoints(AuctionEndpoint auction, NoticeEndpoint notices, PixelEndpoint pixel, EventsEndpoint events,
                     ClickEndpoint clicks, ReportsEndpoint reports, PrivacyEndpoints privacy, String sellersJson,
                     DataFlowsEndpoint dataFlows, UserSyncEndpoints userSync, RolloutReportEndpoint rollout,
                     DashboardEndpoint dashboard) {
        this(auction, notices, pixel, events, clicks, reports, privacy, sellersJson, dataFlows, userSync, rollout,
                dashboard, null);
    }
}
