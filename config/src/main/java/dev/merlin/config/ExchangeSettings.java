package dev.merlin.config;

import java.util.Map;
import java.util.TreeMap;

/**
 * Money and identity of the exchange.
 *
 * @param currency      the currency budgets and reports are kept in (ISO 4217)
 * @param takeRate      share of the advertiser's price the exchange keeps, 0 to 0.9
 * @param currencyRates value of one unit of each currency in {@code currency}, e.g. {@code JPY: 0.0067}
 * @param publicUrl     base URL the win/bill/loss/click links point at
 * @param noticeSecret  key that signs notice and click links (at least 32 characters); unset: a random key kept in
 *                      the data dir — set it when several nodes must accept each other's links
 * @param securePublicUrl an {@code https://} base URL for the links of secure imps ({@code imp.secure=1}) when
 *                      {@code publicUrl} is {@code http://}; with neither https, Merlin does not bid on secure imps
 * @param contactEmail  sellers.json {@code contact_email}: where to ask about Merlin's sellers
 * @param contactAddress sellers.json {@code contact_address}: Merlin's business address
 * @param nodeId        this node's number, 0 to {@link #MAX_NODE_ID}, unique among the nodes sharing the stores and
 *                      links: part of every auction id Merlin issues, so that two nodes never issue the same one;
 *                      unset (null, kept as such): node 0, which a node on its own may be, but a node of a cluster
 *                      must be given its id ({@link #isNodeIdSet})
 */
public record ExchangeSettings(String currency, Double takeRate, Map<String, Double> currencyRates,
                               String publicUrl, String noticeSecret, String securePublicUrl, String contactEmail,
                               String contactAddress, Integer nodeId) {

    /** The largest {@code exchange.nodeId}: node ids take 10 bits of an auction id. */
    public static final int MAX_NODE_ID = 1023;

    /** Fills unset values with defaults; an unset {@code nodeId} stays null ({@link #nodeId()} reads it as 0). */
    public ExchangeSettings {
        currency = currency == null ? "USD" : currency;
        takeRate = takeRate == null ? 0.15 : takeRate;
        currencyRates = currencyRates == null ? Map.of() : Map.copyOf(new TreeMap<>(currencyRates));
        publicUrl = publicUrl == null ? "http://127.0.0.1:8080" : publicUrl;
    }

    /** Settings for node 0. */
    public ExchangeSettings(String currency, Double takeRate, Map<String, Double> currencyRates, String publicUrl,
                            String noticeSecret, String securePublicUrl, String contactEmail,
                            String contactAddress) {
        this(currency, takeRate, currencyRates, publicUrl, noticeSecret, securePublicUrl, contactEmail,
                contactAddress, null);
    }

    /** Settings without secure URL or sellers.json contact. */
    public ExchangeSettings(String currency, Double takeRate, Map<String, Double> currencyRates, String publicUrl,
                            String noticeSecret) {
        this(currency, takeRate, currencyRates, publicUrl, noticeSecret, null, null, null, null);
    }

    /** Settings without a configured notice secret. */
    public ExchangeSettings(String currency, Double takeRate, Map<String, Double> currencyRates, String publicUrl) {
        this(currency, takeRate, currencyRates, publicUrl, null);
    }

    /** This node's number: {@code exchange.nodeId}, or 0 when it is unset. */
    @Override
    public Integer nodeId() {
        return nodeId == null ? 0 : nodeId;
    }

    /** Whether {@code exchange.nodeId} was given (the key or {@code --node-id}), rather than left to its default 0. */
    public boolean isNodeIdSet() {
        return nodeId != null;
    }

    /** All defaults. */
    public static ExchangeSettings defaults() {
        return new ExchangeSettings(null, null, null, null, null);
    }

    /** A copy whose links point at {@code url}. */
    public ExchangeSettings withPublicUrl(String url) {
        return new ExchangeSettings(currency, takeRate, currencyRates, url, noticeSecret, securePublicUrl,
                contactEmail, contactAddress, nodeId);
    }

    /** A copy with other currency rates (one unit of each in {@link #currency}). */
    public ExchangeSettings withCurrencyRates(Map<String, Double> rates) {
        return new ExchangeSettings(currency, takeRate, rates, publicUrl, noticeSecret, securePublicUrl, contactEmail,
                contactAddress, nodeId);
    }

    /** A copy whose secure imps' links point at {@code url} (an {@code https://} URL). */
    public ExchangeSettings withSecurePublicUrl(String url) {
        return new ExchangeSettings(currency, takeRate, currencyRates, publicUrl, noticeSecret, url, contactEmail,
                contactAddress, nodeId);
    }

    /** A copy whose notice and click links are signed with {@code secret}. */
    public ExchangeSettings withNoticeSecret(String secret) {
        return new ExchangeSettings(currency, takeRate, currencyRates, publicUrl, secret, securePublicUrl,
                contactEmail, contactAddress, nodeId);
    }

    /** A copy for node {@code id}. */
    public ExchangeSettings withNodeId(int id) {
        return new ExchangeSettings(currency, takeRate, currencyRates, publicUrl, noticeSecret, securePublicUrl,
                contactEmail, contactAddress, id);
    }

    /**
     * The {@code https://} base URL for the links of secure imps: {@code securePublicUrl}, else {@code publicUrl}
     * when it is https; null when the config cannot serve https links.
     */
    public String secureLinkUrl() {
        if (securePublicUrl != null) {
            return securePublicUrl;
        }
        return publicUrl.regionMatches(true, 0, "https://", 0, 8) ? publicUrl : null;
    }

    /** The rate of {@code code} in the exchange currency, or null when unknown. */
    public Double rate(String code) {
        if (currency.equals(code)) {
            return 1.0;
        }
        return currencyRates.get(code);
    }

    void validate(String at) {
        ConfigChecks.currency(at + ".currency", currency);
        ConfigChecks.range(at + ".takeRate", takeRate, 0, 0.9);
        for (Map.Entry<String, Double> rate : currencyRates.entrySet()) {
            ConfigChecks.currency(at + ".currencyRates." + rate.getKey(), rate.getKey());
            Double value = rate.getValue();
            if (value == null || !(value > 0 && value < Double.POSITIVE_INFINITY)) {
                throw new ConfigException(at + ".currencyRates." + rate.getKey(), "value " + value
                        + " is not allowed; expected a finite number > 0 (one " + rate.getKey() + " in " + currency
                        + ")");
            }
        }
        if (!"USD".equals(currency) && !currencyRates.containsKey("USD")) {
            throw new ConfigException(at + ".currencyRates", "USD is missing; OpenRTB floors without bidfloorcur"
                    + " are in USD, so an exchange in " + currency + " needs a USD rate");
        }
        ConfigChecks.range(at + ".nodeId", nodeId(), 0, MAX_NODE_ID);
        if (noticeSecret != null && noticeSecret.length() < 32) {
            throw new ConfigException(at + ".noticeSecret", "value is shorter than 32 characters");
        }
        if (!publicUrl.startsWith("http://") && !publicUrl.startsWith("https://")) {
            throw new ConfigException(at + ".publicUrl", "value " + publicUrl + " is not allowed; expected an"
                    + " http:// or https:// URL");
        }
        if (securePublicUrl != null && (!securePublicUrl.startsWith("https://") || securePublicUrl.length() < 9)) {
            throw new ConfigException(at + ".securePublicUrl", "value " + securePublicUrl + " is not allowed;"
                    + " expected an https:// URL (the links of secure imps)");
        }
        if (contactEmail != null && !contactEmail.matches("[^@\\s\"]+@[^@\\s\"]+\\.[^@\\s\"]+")) {
            throw new ConfigException(at + ".contactEmail", "value " + contactEmail + " is not allowed; expected an"
                    + " e-mail address such as adops@example.com");
        }
        if (contactAddress != null && contactAddress.isBlank()) {
            throw new ConfigException(at + ".contactAddress", "value is blank; leave it out or give the address");
        }
    }
}
