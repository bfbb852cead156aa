package dev.merlin.exchange.auction;

import dev.merlin.config.ExchangeSettings;
import java.util.HashMap;
import java.util.Map;

/** Converts amounts between the currencies the config knows and the exchange currency, in micros. */
public final class Currencies {

    private final String exchangeCurrency;
    private final Map<String, Double> rates = new HashMap<>();

    /** Rates from the config: one unit of each currency in the exchange currency. */
    public Currencies(ExchangeSettings settings) {
        this.exchangeCurrency = settings.currency();
        rates.put(settings.currency(), 1.0);
        rates.putAll(settings.currencyRates());
    }

    /** The exchange currency (budgets, reports, prices inside). */
    public String exchangeCurrency() {
        return exchangeCurrency;
    }

    /** True when {@code code} can be converted. */
    public boolean isKnown(String code) {
        return rates.containsKey(code);
    }

    /**
     * {@code amount} of {@code code} (null = exchange currency) in exchange-currency micros, or -1 when the
     * currency is unknown.
     */
    public long toMicros(double amount, String code) {
        double rate = 1.0;
        if (code != null) {
            Double known = rates.get(code);
            if (known == null) {
                return -1;
            }
            rate = known;
        }
        return (long) Math.ceil(amount * rate * 1_000_000d - 1e-6);
    }

    /** Exchange-currency micros expressed in {@code code}, as the double a bid response carries. */
    public double fromMicros(long micros, String code) {
        Double rate = rates.get(code);
        if (rate == null) {
            throw new IllegalArgumentException("unknown currency " + code);
        }
        return micros / 1_000_000d / rate;
    }
}
