package dev.merlin.exchange.auction;

/**
 * Where the current {@link CampaignCatalog} is read: a fixed one (a catalogue is its own source) or one that is
 * replaced while the exchange runs. A reader takes {@link #current} once per auction and keeps it to the end.
 */
@FunctionalInterface
public interface CatalogSource {

    /** The catalogue new auctions use now. */
    CampaignCatalog current();
}
