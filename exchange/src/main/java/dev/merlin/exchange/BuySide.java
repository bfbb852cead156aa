package dev.merlin.exchange;

import dev.merlin.config.DspConfig;
import dev.merlin.config.DspPriceKeys;
import dev.merlin.config.MerlinConfig;
import dev.merlin.config.SellerConfig;
import dev.merlin.exchange.auction.Currencies;
import dev.merlin.exchange.auction.PriceCrypto;
import dev.merlin.exchange.bid.AuctionStage;
import dev.merlin.exchange.bid.ExternalWinRecorder;
import dev.merlin.exchange.dsp.ConnectedDsp;
import dev.merlin.exchange.dsp.DspAccounts;
import dev.merlin.exchange.dsp.DspAuctionStage;
import dev.merlin.exchange.dsp.DspBidMetrics;
import dev.merlin.exchange.dsp.DspHealth;
import dev.merlin.exchange.dsp.DspHttpClient;
import dev.merlin.exchange.dsp.DspLossNotices;
import dev.merlin.exchange.dsp.DspMetrics;
import dev.merlin.exchange.dsp.DspNotifier;
import dev.merlin.exchange.dsp.DspStageMetrics;
import dev.merlin.exchange.dsp.DspTargeting;
import dev.merlin.exchange.dsp.DspWinLedger;
import dev.merlin.exchange.dsp.OutboundShaping;
import dev.merlin.exchange.flows.FlowRecorder;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import dev.merlin.exchange.privacy.BuyerUids;
import dev.merlin.exchange.privacy.OutboundRules;
import dev.merlin.exchange.privacy.PairwiseIds;
import dev.merlin.exchange.privacy.SegmentSizes;
import dev.merlin.exchange.transport.IoTransport;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The buy side of the exchange, built once from the configuration: the connected DSPs (health, series, HTTP
 * clients), the auction stage that calls them, their wins awaiting the seller's notices ({@code dsp-wins.cm3}),
 * the server-to-server notices to them, and the books of what DSPs owe and sellers are paid
 * ({@code dsp-accounts.cm3}, also for Merlin's own campaigns). Without DSPs only the books are opened and the
 * auction stage is Merlin's engine alone.
 *
 * <p>Closed after the event loops have stopped: the notices still queued are sent (within a bound), then the
 * clients and the two files close, before the stores.
 */
final class BuySide implements AutoCloseable {

    final List<ConnectedDsp> dsps;
    final AuctionStage stage;
    final DspWinLedger wins;
    final DspNotifier notifier;
    final DspAccounts accounts;
    final PriceCrypto[] priceKeys;

    private BuySide(List<ConnectedDsp> dsps, AuctionStage stage, DspWinLedger wins, DspNotifier notifier,
                    DspAccounts accounts, PriceCrypto[] priceKeys) {
        this.dsps = dsps;
        this.stage = stage;
        this.wins = wins;
        this.notifier = notifier;
        this.accounts = accounts;
        this.priceKeys = priceKeys;
    }

    /** Opens the buy side's files under {@code dataDir} and connects the configured DSPs. */
    static BuySide open(MerlinConfig config, Path dataDir, Currencies currencies, ExchangeMetrics metrics,
                        LongSupplier epochSecondsClock, PairwiseIds pairwiseIds, SegmentSizes census,
                        BuyerUids buyerUids, FlowRecorder flows) {
        int dspCurrencies = 0;
        for (DspConfig dsp : config.dsps()) {
            dspCurrencies += dsp.currencies().size();
        }
        DspAccounts accounts = new DspAccounts(dataDir, Math.max(1, dspCurrencies), config.sellers().size(),
                config.exchange().takeRate());
        if (config.dsps().isEmpty()) {
            return new BuySide(List.of(), AuctionStage.ENGINE, null, null, accounts, new PriceCrypto[0]);
        }
        DspWinLedger wins = null;
        DspNotifier notifier = null;
        try {
            wins = new DspWinLedger(dataDir, config.stores().chargedImpressions(),
                    config.stores().chargedWindowSeconds());
            wins.registerMetrics(metrics);
            notifier = new DspNotifier(config.dsps(), DspNotifier.Settings.defaults(), metrics,
                    IoTransport.choose(config.server().transport()));
            notifier.recordFlowsTo(flows);
            List<ConnectedDsp> dsps = connect(config, metrics);
            DspNotifier lossNotices = notifier;
            DspLossNotices losses = (dsp, request, loser) -> lossNotices.loss(dsp.index(), loser.bid.lurl, loser,
                    request.id, 0, epochSecondsClock.getAsLong());
            AuctionStage stage = new DspAuctionStage(dsps, config.auction(), sellersById(config), currencies, losses,
                    new DspStageMetrics(metrics.registry(), dsps.stream().map(ConnectedDsp::id).toList()),
                    new OutboundShaping(new OutboundRules(config), pairwiseIds, census,
                            config.privacy().minSegmentUsers(), buyerUids), flows);
            return new BuySide(dsps, stage, wins, notifier, accounts, priceKeys(config));
        } catch (RuntimeException e) {
            if (notifier != null) {
                notifier.close();
            }
            if (wins != null) {
                wins.close();
            }
            accounts.close();
            throw e;
        }
    }

    /** Where the bid path records a DSP's win until the seller's notice; records nothing without DSPs. */
    ExternalWinRecorder winRecorder() {
        return wins == null ? ExternalWinRecorder.NONE : wins;
    }

    /** The purge of DSP wins no notice came for within the charge window; none without DSPs. */
    List<Maintenance.Task> purges(Duration period, LongSupplier epochSecondsClock) {
        if (wins == null) {
            return List.of();
        }
        return List.of(new Maintenance.Task("expired_dsp_wins", "DSP wins past the charge window, never billed",
                period, period, () -> wins.purgeExpired(epochSecondsClock.getAsLong())));
    }

    private static List<ConnectedDsp> connect(MerlinConfig config, ExchangeMetrics metrics) {
        DspMetrics callMetrics = new DspMetrics(metrics);
        DspBidMetrics bidMetrics = new DspBidMetrics(metrics);
        List<ConnectedDsp> connected = new ArrayList<>();
        for (DspConfig dsp : config.dsps()) {
            DspHealth health = DspHealth.of(dsp);
            DspMetrics.ForDsp series = callMetrics.dsp(dsp.id(), health);
            DspHttpClient client = new DspHttpClient(dsp, config.auction().maxDspResponseBytes(), null, health,
                    series);
            connected.add(new ConnectedDsp(connected.size(), dsp, new DspTargeting(dsp.traffic()), health, series,
                    bidMetrics.forDsp(dsp.id()), client));
        }
        return List.copyOf(connected);
    }

    /** Each DSP's price encryption, by its index; null for a DSP without keys. */
    private static PriceCrypto[] priceKeys(MerlinConfig config) {
        PriceCrypto[] keys = new PriceCrypto[config.dsps().size()];
        for (int i = 0; i < keys.length; i++) {
            DspPriceKeys k = config.dsps().get(i).priceKeys();
            keys[i] = k == null ? null : new PriceCrypto(k.encryptionKeyBytes(), k.integrityKeyBytes());
        }
        return keys;
    }

    private static Map<String, SellerConfig> sellersById(MerlinConfig config) {
        Map<String, SellerConfig> byId = new HashMap<>();
        for (SellerConfig seller : config.sellers()) {
            byId.put(seller.id(), seller);
        }
        return byId;
    }

    /**
     * Closes every connection to the DSPs and waits for them, at most {@code timeoutMillis} in all; a DSP call still
     * in flight ends as its connection closes. Called before the event loops stop (see
     * {@link DspHttpClient#closeConnections}); true if every connection closed in time.
     */
    public boolean closeDspConnections(long timeoutMillis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        boolean isClosed = true;
        for (ConnectedDsp dsp : dsps) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            isClosed &= dsp.client().closeConnections(Math.max(0, left));
        }
        return isClosed;
    }

    /** Sends the queued notices (bounded), then closes the DSP clients and the two files. */
    @Override
    public void close() {
        if (notifier != null) {
            notifier.close();
        }
        for (ConnectedDsp dsp : dsps) {
            dsp.client().close();
        }
        if (wins != null) {
            wins.close();
        }
        accounts.close();
    }
}
