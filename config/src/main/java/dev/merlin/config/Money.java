package dev.merlin.config;

/**
 * An amount in a currency, e.g. {@code {amount: 2.5, currency: EUR}}; the currency defaults to the exchange's.
 *
 * @param amount   the amount, 0 or more
 * @param currency ISO 4217 code, or null for the exchange currency
 */
public record Money(Double amount, String currency) {

    void validate(String at, ExchangeSettings exchange) {
        if (amount == null || amount < 0 || amount.isInfinite() || amount.isNaN()) {
            throw new ConfigException(at + ".amount", "value " + amount + " is not allowed; expected a number >= 0");
        }
        if (currency != null && exchange.rate(currency) == null) {
            throw new ConfigException(at + ".currency", "value " + currency + " is not allowed; expected "
                    + exchange.currency() + " or one of exchange.currencyRates " + exchange.currencyRates().keySet());
        }
    }

    /** The amount in the exchange currency, in micros (millionths). */
    public long toMicros(ExchangeSettings exchange) {
        double rate = currency == null ? 1.0 : exchange.rate(currency);
        return Math.round(amount * rate * 1_000_000d);
    }
}
