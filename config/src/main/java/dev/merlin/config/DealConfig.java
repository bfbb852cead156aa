package dev.merlin.config;

import java.util.List;

/**
 * A private deal a campaign buys, as agreed with one or more sellers: a deal id is the seller's name for the deal,
 * so the campaign bids through it only on requests from those sellers.
 *
 * @param id      the deal id as the seller sends it in {@code imp.pmp.deals[].id} (case-sensitive)
 * @param sellers ids of the configured {@code sellers} the deal was agreed with, at least one
 */
public record DealConfig(String id, List<String> sellers) {

    /** Fills an unset list. */
    public DealConfig {
        sellers = sellers == null ? List.of() : List.copyOf(sellers);
    }

    void validate(String at) {
        ConfigChecks.notBlank(at + ".id", id);
        if (sellers.isEmpty()) {
            throw new ConfigException(at + ".sellers", "value is empty; name the sellers deal " + id + " was agreed"
                    + " with (ids from sellers), or any seller could send it");
        }
    }
}
