package dev.merlin.exchange.dsp;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.merlin.exchange.auction.Currencies;
import dev.merlin.protocol.ImpEncoder;
import dev.merlin.protocol.JsonFieldWriter;
import dev.merlin.protocol.model.Deal;
import dev.merlin.protocol.model.DurFloors;
import dev.merlin.protocol.model.Imp;
import java.io.IOException;
import java.util.Currency;
import java.util.HashMap;
import java.util.List;
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

    /** Floors from this many units of a currency up are not sent (a billion: no CPM is that high). */
    static final double MAX_FLOOR_UNITS = 1e9;

    private static final long MAX_FLOOR_MICROS = 1_000_000_000_000_000L;
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

    /**
     * Whether every floor of {@code imp} (its own, its media's and its deals') can be written in the target
     * currency: its currency converts, and the amount is below {@link #MAX_FLOOR_UNITS} on both sides. A larger
     * floor is an absurd or hostile one no bid clears; the imp is not sent rather than risk an overflow.
     */
    boolean canWriteFloorsOf(Imp imp) {
        String currency = imp.bidfloorcur;
        if (!canWrite(imp.bidfloor, currency) || !canWriteMedia(imp.video == null ? null : imp.video.mincpmpersec,
                imp.video == null ? null : imp.video.durfloors, currency)
                || !canWriteMedia(imp.audio == null ? null : imp.audio.mincpmpersec,
                imp.audio == null ? null : imp.audio.durfloors, currency)) {
            return false;
        }
        List<Deal> deals = imp.pmp == null ? null : imp.pmp.deals;
        for (int i = 0, n = deals == null ? 0 : deals.size(); i < n; i++) {
            Deal deal = deals.get(i);
            if (deal != null && (!canWrite(deal.bidfloor, deal.bidfloorcur)
                    || !canWriteMedia(deal.mincpmpersec, deal.durfloors, deal.bidfloorcur))) {
                return false;
            }
        }
        return true;
    }

    private boolean canWriteMedia(Double minCpmPerSecond, List<DurFloors> durFloors, String currency) {
        if (!canWrite(minCpmPerSecond, currency)) {
            return false;
        }
        for (int i = 0, n = durFloors == null ? 0 : durFloors.size(); i < n; i++) {
            DurFloors floor = durFloors.get(i);
            if (floor != null && !canWrite(floor.bidfloor, currency)) {
                return false;
            }
        }
        return true;
    }

    private boolean canWrite(Double amount, String currency) {
        if (amount == null) {
            return true;
        }
        String from = currency == null ? DEFAULT_CURRENCY : currency;
        return from.equals(target) ? amount < MAX_FLOOR_UNITS : convertMicros(amount, from) >= 0;
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
     * currency is unknown or the amount is not below {@link #MAX_FLOOR_UNITS} in either currency.
     */
    long convertMicros(double amount, String from) {
        if (!(amount < MAX_FLOOR_UNITS) || !currencies.isKnown(target)) {
            return -1;
        }
        long exchangeMicros = currencies.toMicros(amount, from);
        if (exchangeMicros < 0 || exchangeMicros >= MAX_FLOOR_MICROS) {
            return -1;
        }
        if (exchangeMicros == 0) {
            return 0;
        }
        long unit = POWERS_OF_TEN[6 - targetScale];
        double targetMicros = currencies.fromMicros(exchangeMicros, target) * 1_000_000d;
        if (!(targetMicros < MAX_FLOOR_MICROS)) {
            return -1;
        }
        long micros = (long) Math.ceil(targetMicros / unit - 1e-9) * unit;
        // the doubles' rounding can leave it a step short; a few steps at most, bounded all the same
        for (int step = 0; step < 4 && currencies.toMicros(micros / 1_000_000d, target) < exchangeMicros; step++) {
            micros += unit;
        }
        return currencies.toMicros(micros / 1_000_000d, target) < exchangeMicros ? -1 : micros;
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
