package dev.merlin.config;

/**
 * An amount in a currency, e.g. {@code {amount: 2.5, currency: EUR}}; the currency defaults to the exchange's.
 *
 * @param amount   the amount, 0 to {@link #MAX_AMOUNT} in its currency and in the exchange currency
 * @param currency ISO 4217 code, or null for the exchange currency
 */
public record Money(Double amount, String currency) {

    /**
     * The most a bid or a budget may be, in any currency: a billion keeps every amount in micros (at most 1e15) and
     * any sum of them far below {@code Long.MAX_VALUE}, where {@link #toMicros} would saturate, and is still more than
     * any real CPM or budget, even in won or rupiah.
     */
    public static final double MAX_AMOUNT = 1_000_000_000d;

    void validate(String at, ExchangeSettings exchange) {
        if (amount == null) {
            throw new ConfigException(at + ".amount", "value is missing; expected a number from 0 to "
                    + ConfigChecks.plain(MAX_AMOUNT));
        }
        ConfigChecks.range(at + ".amount", amount, 0, MAX_AMOUNT);
        if (currency != null && exchange.rate(currency) == null) {
            throw new ConfigException(at + ".currency", "value " + currency + " is not allowed; expected "
                    + exchange.currency() + " or one of exchange.currencyRates " + exchange.currencyRates().keySet());
        }
        double inExchangeCurrency = currency == null ? amount : amount * exchange.rate(currency);
        if (!(inExchangeCurrency <= MAX_AMOUNT)) {
            throw new ConfigException(at + ".amount", "value " + ConfigChecks.plain(amount) + " " + currency + " is "
                    + ConfigChecks.plain(inExchangeCurrency) + " " + exchange.currency() + "; expected at most "
                    + ConfigChecks.plain(MAX_AMOUNT) + " " + exchange.currency());
        }
    }

    /** The amount in the exchange currency, in micros (millionths). */
    public long toMicros(ExchangeSettings exchange) {
        double rate = currency == null ? 1.0 : exchange.rate(currency);
        return Math.round(amount * rate * 1_000_000d);
    }
}
