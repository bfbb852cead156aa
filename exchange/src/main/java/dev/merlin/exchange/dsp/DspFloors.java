package dev.merlin.exchange.dsp;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.merlin.exchange.auction.Currencies;
import dev.merlin.protocol.ImpEncoder;
import dev.merlin.protocol.JsonFieldWriter;
import java.io.IOException;
import java.util.Currency;
import java.util.HashMap;
import java.util.Map;

/**
 * Writes an outbound imp's floors in the DSP's floor currency: converted through the exchange currency with Merlin's
 * {@link Currencies}, rounded up to the DSP currency's precision, so the converted floor is never below the
 * original (checked in exchange micros, the unit the auction compares in).
 *
 * <p>Precision: the currency's ISO 4217 minor units plus two decimals (4 for USD or EUR, 2 for JPY), at most 6.
 * Floors are CPMs: rounding a 0.015 USD floor up to whole cents would raise it by a third; four decimals is also how
 * Prebid's floors module rounds. A floor already in the DSP's currency is written exactly as given.
 *
 * <p>Not thread-safe: one per {@link OutboundRequestWriter}, re-aimed with {@link #target} for every DSP.
 */
final class DspFloors implements ImpEncoder.FloorWriter {

    /** The currency OpenRTB assumes when {@code bidfloorcur} is absent. */
    static final String DEFAULT_CURRENCY = "USD";

    private static final long[] POWERS_OF_TEN = {1, 10, 100, 1_000, 10_000, 100_000, 1_000_000};

    private final Currencies currencies;
    private final Map<String, Integer> scales = new HashMap<>();
    private final char[] scratch = new char[JsonFieldWriter.FIXED_POINT_CHARS];
    private String target;
    private int targetScale;

    DspFloors(Currencies currencies) {
        this.currencies = currencies;
    }

    /** Aims the writer at a DSP whose floors are in {@code currency}. */
    void target(String currency) {
        this.target = currency;
        this.targetScale = scales.computeIfAbsent(currency, DspFloors::scaleOf);
    }

    /** Whether a floor given in {@code currency} (null: USD) can be written in the target currency. */
    boolean canConvert(String currency) {
        String from = currency == null ? DEFAULT_CURRENCY : currency;
        return from.equals(target) || currencies.isKnown(from) && currencies.isKnown(target);
    }

    @Override
    public void writeFloor(JsonGenerator gen, String name, double amount, String currency) throws IOException {
        String from = currency == null ? DEFAULT_CURRENCY : currency;
        if (from.equals(target)) {
            JsonFieldWriter.writeDouble(gen, name, amount);
            return;
        }
        long micros = convertMicros(amount, from);
        if (micros < 0) {
            throw new IllegalStateException("floor currency " + from + " cannot be converted to " + target);
        }
        JsonFieldWriter.writeFixedPoint(gen, name, micros, 6, scratch);
    }

    @Override
    public String floorCurrency(String currency) {
        return target;
    }

    /**
     * {@code amount} of {@code from} in micros of the target currency, rounded up to its precision; -1 when either
     * currency is unknown.
     */
    long convertMicros(double amount, String from) {
        long exchangeMicros = currencies.toMicros(amount, from);
        if (exchangeMicros < 0 || !currencies.isKnown(target)) {
            return -1;
        }
        if (exchangeMicros == 0) {
            return 0;
        }
        long unit = POWERS_OF_TEN[6 - targetScale];
        double targetMicros = currencies.fromMicros(exchangeMicros, target) * 1_000_000d;
        long micros = (long) Math.ceil(targetMicros / unit - 1e-9) * unit;
        while (currencies.toMicros(micros / 1_000_000d, target) < exchangeMicros) {
            micros += unit;
        }
        return micros;
    }

    /** Decimals a floor in {@code code} keeps: ISO 4217 minor units plus two, 4 when the code is not ISO. */
    static int scaleOf(String code) {
        try {
            int minorUnits = Currency.getInstance(code).getDefaultFractionDigits();
            return minorUnits < 0 ? 4 : Math.min(6, minorUnits + 2);
        } catch (IllegalArgumentException e) {
            return 4;
        }
    }
}
