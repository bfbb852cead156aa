package dev.merlin.dspsim;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * A simulator's settings, immutable; made with {@link #builder()} (tests) or {@link Main}'s flags.
 *
 * <p>Per bid request the simulator draws, in this order: a fault (each at its rate, at most one); when none, bid
 * (at {@code bidRate}) or {@code 204}; then the latency. Every draw is a function of {@code seed} and the
 * request's arrival number, so a run is repeatable.
 */
public final class SimOptions {

    private final String host;
    private final int port;
    private final int ioThreads;
    private final long seed;
    private final double bidRate;
    private final Latency latency;
    private final Price price;
    private final String currency;
    private final String seat;
    private final String crid;
    private final String advertiserDomain;
    private final int maxBidsPerRequest;
    private final boolean isDealBidding;
    private final Map<Fault, Double> faultRates;
    private final long slowMillis;
    private final int hugeBodyBytes;
    private final double gzipRate;
    private final int maxRequestBytes;
    private final String noticeBaseUrl;
    private final int recentNotices;
    private final boolean isRecordingLastRequest;

    private SimOptions(Builder b) {
        host = b.host;
        port = b.port;
        ioThreads = b.ioThreads;
        seed = b.seed;
        bidRate = b.bidRate;
        latency = b.latency;
        price = b.price;
        currency = b.currency;
        seat = b.seat;
        crid = b.crid;
        advertiserDomain = b.advertiserDomain;
        maxBidsPerRequest = b.maxBidsPerRequest;
        isDealBidding = b.isDealBidding;
        faultRates = Collections.unmodifiableMap(new EnumMap<>(b.faultRates));
        slowMillis = b.slowMillis;
        hugeBodyBytes = b.hugeBodyBytes;
        gzipRate = b.gzipRate;
        maxRequestBytes = b.maxRequestBytes;
        noticeBaseUrl = b.noticeBaseUrl;
        recentNotices = b.recentNotices;
        isRecordingLastRequest = b.isRecordingLastRequest;
    }

    /** A builder with the defaults: 127.0.0.1, ephemeral port, always bids 1.0 USD at once, no faults. */
    public static Builder builder() {
        return new Builder();
    }

    /** The address to bind. */
    public String host() {
        return host;
    }

    /** The port to bind; 0 = ephemeral. */
    public int port() {
        return port;
    }

    /** Event loop threads. */
    public int ioThreads() {
        return ioThreads;
    }

    /** The seed of every draw. */
    public long seed() {
        return seed;
    }

    /** Share of answered requests (after faults) that bid; the rest get {@code 204}. */
    public double bidRate() {
        return bidRate;
    }

    /** The wait before a normal answer. */
    public Latency latency() {
        return latency;
    }

    /** What a bid pays. */
    public Price price() {
        return price;
    }

    /** The response's {@code cur}. */
    public String currency() {
        return currency;
    }

    /** The {@code seatbid.seat}, or null for none. */
    public String seat() {
        return seat;
    }

    /** Every bid's {@code crid}. */
    public String crid() {
        return crid;
    }

    /** Every bid's single {@code adomain}. */
    public String advertiserDomain() {
        return advertiserDomain;
    }

    /** Bids on the first this many imps of a request; 0 = every imp. */
    public int maxBidsPerRequest() {
        return maxBidsPerRequest;
    }

    /** Whether a bid on an imp with deals names its first deal ({@code dealid}, priced from the deal's floor). */
    public boolean isDealBidding() {
        return isDealBidding;
    }

    /** The rate of this fault (0 when not configured). */
    public double faultRate(Fault fault) {
        return faultRates.getOrDefault(fault, 0d);
    }

    /** Every fault configured with a rate above 0. */
    public Map<Fault, Double> faultRates() {
        return faultRates;
    }

    /** How late a {@link Fault#SLOW} answer comes. */
    public long slowMillis() {
        return slowMillis;
    }

    /** The size of a {@link Fault#HUGE_BODY} answer. */
    public int hugeBodyBytes() {
        return hugeBodyBytes;
    }

    /** Share of bid answers sent gzip-compressed when the request accepts gzip. */
    public double gzipRate() {
        return gzipRate;
    }

    /** The largest request body (after gzip) the simulator reads; a larger one gets {@code 413}. */
    public int maxRequestBytes() {
        return maxRequestBytes;
    }

    /** The base of the nurl/burl/lurl the bids carry, or null for the simulator's own address. */
    public String noticeBaseUrl() {
        return noticeBaseUrl;
    }

    /** How many query strings the stats keep per notice kind. */
    public int recentNotices() {
        return recentNotices;
    }

    /** Whether the last request's headers and body are kept for tests (a copy per request). */
    public boolean isRecordingLastRequest() {
        return isRecordingLastRequest;
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder()
                .append("bid rate ").append(bidRate).append(", latency ").append(latency)
                .append(", price ").append(price).append(' ').append(currency);
        if (seat != null) {
            s.append(", seat ").append(seat);
        }
        faultRates.forEach((f, r) -> s.append(", ").append(f.cliName()).append(' ').append(r));
        if (gzipRate > 0) {
            s.append(", gzip ").append(gzipRate);
        }
        return s.append(", seed ").append(seed).toString();
    }

    /** Builds {@link SimOptions}; every setter checks its value and names it when it refuses one. */
    public static final class Builder {
        private String host = "127.0.0.1";
        private int port;
        private int ioThreads = 1;
        private long seed = 1;
        private double bidRate = 1;
        private Latency latency = Latency.none();
        private Price price = Price.fixed(1);
        private String currency = "USD";
        private String seat;
        private String crid = "dsp-sim-creative";
        private String advertiserDomain = "dsp-sim-advertiser.example";
        private int maxBidsPerRequest;
        private boolean isDealBidding = true;
        private final Map<Fault, Double> faultRates = new EnumMap<>(Fault.class);
        private long slowMillis = 1000;
        private int hugeBodyBytes = 10 << 20;
        private double gzipRate;
        private int maxRequestBytes = 4 << 20;
        private String noticeBaseUrl;
        private int recentNotices = 32;
        private boolean isRecordingLastRequest = true;

        private Builder() {
        }

        /** The address to bind (default 127.0.0.1). */
        public Builder host(String value) {
            host = requireText("host", value);
            return this;
        }

        /** The port to bind; 0 (the default) = ephemeral, read it back with {@link DspSimulator#port()}. */
        public Builder port(int value) {
            port = requireRange("port", value, 0, 65535);
            return this;
        }

        /** Event loop threads (default 1). */
        public Builder ioThreads(int value) {
            ioThreads = requireRange("ioThreads", value, 1, 64);
            return this;
        }

        /** The seed of every draw (default 1). */
        public Builder seed(long value) {
            seed = value;
            return this;
        }

        /** Share of requests that bid, in [0, 1] (default 1); the rest are answered {@code 204}. */
        public Builder bidRate(double value) {
            bidRate = requireRate("bidRate", value);
            return this;
        }

        /** The wait before answering (default none). */
        public Builder latency(Latency value) {
            latency = requireSet("latency", value);
            return this;
        }

        /** What a bid pays (default 1.0 fixed). */
        public Builder price(Price value) {
            price = requireSet("price", value);
            return this;
        }

        /** The answer's currency (default USD). */
        public Builder currency(String value) {
            currency = requireText("currency", value);
            return this;
        }

        /** The seat the bids are made in; null (the default) leaves {@code seatbid.seat} out. */
        public Builder seat(String value) {
            seat = value;
            return this;
        }

        /** Every bid's {@code crid} (default dsp-sim-creative). */
        public Builder crid(String value) {
            crid = requireText("crid", value);
            return this;
        }

        /** Every bid's {@code adomain} (default dsp-sim-advertiser.example). */
        public Builder advertiserDomain(String value) {
            advertiserDomain = requireText("advertiserDomain", value);
            return this;
        }

        /** Bid on the first {@code value} imps only; 0 (the default) = every imp. */
        public Builder maxBidsPerRequest(int value) {
            maxBidsPerRequest = requireRange("maxBidsPerRequest", value, 0, Integer.MAX_VALUE);
            return this;
        }

        /** Whether bids on imps with deals name the first deal (default true). */
        public Builder dealBidding(boolean value) {
            isDealBidding = value;
            return this;
        }

        /** This fault's share of requests, in [0, 1]; all faults' rates together at most 1. */
        public Builder fault(Fault fault, double rate) {
            faultRates.put(requireSet("fault", fault), requireRate(fault.cliName() + " rate", rate));
            if (rate == 0) {
                faultRates.remove(fault);
            }
            return this;
        }

        /** How late a {@link Fault#SLOW} answer comes (default 1000 ms). */
        public Builder slowMillis(long value) {
            slowMillis = requireRange("slowMillis", value, 0, 600_000);
            return this;
        }

        /** The size of a {@link Fault#HUGE_BODY} answer (default 10 MiB). */
        public Builder hugeBodyBytes(int value) {
            hugeBodyBytes = requireRange("hugeBodyBytes", value, 1024, 1 << 30);
            return this;
        }

        /** Share of bid answers gzip-compressed when the request sends {@code Accept-Encoding: gzip} (default 0). */
        public Builder gzipRate(double value) {
            gzipRate = requireRate("gzipRate", value);
            return this;
        }

        /** The largest request body read, after gzip (default 4 MiB); larger gets {@code 413}. */
        public Builder maxRequestBytes(int value) {
            maxRequestBytes = requireRange("maxRequestBytes", value, 1024, 1 << 30);
            return this;
        }

        /** The base of the bids' notice URLs, e.g. {@code http://sim.example:9101}; null = the simulator's own. */
        public Builder noticeBaseUrl(String value) {
            noticeBaseUrl = value;
            return this;
        }

        /** How many query strings the stats keep per notice kind (default 32). */
        public Builder recentNotices(int value) {
            recentNotices = requireRange("recentNotices", value, 1, 100_000);
            return this;
        }

        /** Keep the last request's headers and body for {@link SimStats#lastRequest()} (default true). */
        public Builder recordLastRequest(boolean value) {
            isRecordingLastRequest = value;
            return this;
        }

        /** The options; refuses fault rates that add up to more than 1. */
        public SimOptions build() {
            double total = 0;
            for (double r : faultRates.values()) {
                total += r;
            }
            if (total > 1 + 1e-9) {
                throw new IllegalArgumentException("fault rates add up to " + total + ", more than 1");
            }
            return new SimOptions(this);
        }

        /** Builds the options and starts a simulator with them. */
        public DspSimulator start() throws InterruptedException {
            return DspSimulator.start(build());
        }

        private static double requireRate(String what, double value) {
            if (!(value >= 0 && value <= 1)) {
                throw new IllegalArgumentException(what + " must be in [0, 1], got " + value);
            }
            return value;
        }

        private static int requireRange(String what, int value, int min, int max) {
            if (value < min || value > max) {
                throw new IllegalArgumentException(what + " must be in [" + min + ", " + max + "], got " + value);
            }
            return value;
        }

        private static long requireRange(String what, long value, long min, long max) {
            if (value < min || value > max) {
                throw new IllegalArgumentException(what + " must be in [" + min + ", " + max + "], got " + value);
            }
            return value;
        }

        private static String requireText(String what, String value) {
            if (value == null || value.isBlank()) {
                throw new IllegalArgumentException(what + " must not be empty");
            }
            return value;
        }

        private static <T> T requireSet(String what, T value) {
            if (value == null) {
                throw new IllegalArgumentException(what + " must not be null");
            }
            return value;
        }
    }
}
