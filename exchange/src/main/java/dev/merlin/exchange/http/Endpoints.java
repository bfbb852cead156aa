package dev.merlin.exchange.http;

/**
 * The endpoints the exchange handler routes to, each built by the composition root with exactly its collaborators.
 *
 * @param sellersJson the {@code /sellers.json} document, rendered once from the configuration
 * @param dataFlows   the data-flow ledger's report
 * @param rollout     the rollout's report by arm
 * @param dashboard   the live dashboard's pages and data
 */
public record Endpoints(AuctionEndpoint auction, NoticeEndpoint notices, PixelEndpoint pixel, EventsEndpoint events,
                        ClickEndpoint clicks, ReportsEndpoint reports, PrivacyEndpoints privacy, String sellersJson,
                        DataFlowsEndpoint dataFlows, UserSyncEndpoints userSync,
                        RolloutReportEndpoint rollout, DashboardEndpoint dashboard) {
}
