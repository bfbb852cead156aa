package dev.merlin.dspsim;

import java.io.PrintStream;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code java -jar dsp-sim.jar --port 9101 --bid-rate 0.8 --latency-ms 5 --price 1.5}: runs one simulated DSP until
 * Ctrl-C (or {@code --max-seconds}), prints one line when it listens and its counters when it stops.
 */
public final class Main {

    private static final String USAGE = """
            usage: java -jar dsp-sim/target/dsp-sim.jar [flags]   (make dsp-sim ARGS="...")
            A simulated OpenRTB DSP: answers bid requests POSTed to any path (/bid by convention) with one bid per
            imp, no-bids or faults; records the win/bill/loss notices its bids point back at; GET /stats shows its
            counters as JSON. Every draw depends on --seed and the request's arrival number: runs are repeatable.

              --port N               port to listen on (default 9101; 0 = any free port)
              --host ADDR            address to bind (default 127.0.0.1)
              --io-threads N         event loop threads (default 1)
              --seed N               seed of every draw (default 1)
              --bid-rate R           share of requests that bid, 0..1 (default 1); the rest get 204
              --latency-ms SPEC      wait before answering: MS (fixed, fractions allowed), MIN..MAX (uniform) or
                                     lognormal:MEDIAN:P99 (default 0)
              --price SPEC           CPM: PRICE (fixed), MIN..MAX (uniform) or floor:MULT[:NO_FLOOR_PRICE]
                                     (the imp's or deal's floor times MULT) (default 1.0)
              --currency CUR         the answer's cur (default USD)
              --seat ID              seatbid.seat (default none)
              --crid ID              every bid's crid (default dsp-sim-creative)
              --adomain DOMAIN       every bid's adomain (default dsp-sim-advertiser.example)
              --max-bids N           bid on the first N imps only (default 0 = every imp)
              --no-deals             do not bid on an imp's deals (default: the first deal, priced from its floor)
              --no-record            do not keep a copy of the last request (for load; /stats still counts)
              --fault KIND=RATE      a fault at this share of requests, repeatable; KIND is one of never-answer,
                                     slow, reset, server-error, garbage, huge-body, wrong-response-id, wrong-imp-id,
                                     duplicate-answer
              --slow-ms N            how late a slow answer comes (default 1000)
              --huge-bytes N         size of a huge-body answer (default 10485760)
              --gzip-rate R          share of bid answers gzip-compressed when the request accepts gzip (default 0)
              --max-request-bytes N  largest request body read, after gzip (default 4194304)
              --notice-base URL      base of the nurl/burl/lurl in bids (default http://HOST:PORT; Merlin calls
                                     notices only at public addresses or at the DSP's endpoint origin)
              --max-seconds N        stop after N seconds (default: run until Ctrl-C)
              --help                 this text
            """;

    private Main() {
    }

    /** Parses the flags, starts the simulator and waits for Ctrl-C or {@code --max-seconds}. */
    public static void main(String[] args) throws InterruptedException {
        PrintStream out = System.out;
        SimOptions.Builder builder = SimOptions.builder().port(9101);
        long maxSeconds;
        try {
            maxSeconds = parse(args, builder);
        } catch (IllegalArgumentException e) {
            System.err.println("dsp-sim: " + e.getMessage() + " (--help lists the flags)");
            System.exit(2);
            return;
        }
        if (maxSeconds < -1) {
            out.print(USAGE);
            return;
        }
        SimOptions options;
        DspSimulator sim;
        try {
            options = builder.build();
            sim = DspSimulator.start(options);
        } catch (IllegalArgumentException | IllegalStateException e) {
            System.err.println(e.getMessage());
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            stop(sim, out);
            stopped.countDown();
        }, "dsp-sim-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        out.println("dsp-sim listening on " + sim.endpoint() + " (" + sim.transportName() + "; " + options + ")");
        out.flush();
        if (maxSeconds > 0 && !stopped.await(maxSeconds, TimeUnit.SECONDS)) {
            Runtime.getRuntime().removeShutdownHook(hook);
            stop(sim, out);
        } else if (maxSeconds <= 0) {
            stopped.await();
        }
    }

    private static void stop(DspSimulator sim, PrintStream out) {
        int port = sim.port();
        sim.close();
        out.println("dsp-sim :" + port + " stopped: " + sim.stats().summaryLine());
        out.flush();
    }

    /** Applies the flags to {@code b}; returns --max-seconds (0 = none), or -2 when --help was asked for. */
    @SuppressWarnings("checkstyle:MethodLength")
    static long parse(String[] args, SimOptions.Builder b) {
        long maxSeconds = 0;
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if ("--help".equals(flag) || "-h".equals(flag)) {
                return -2;
            }
            if ("--no-deals".equals(flag) || "--no-record".equals(flag)) {
                if ("--no-deals".equals(flag)) {
                    b.dealBidding(false);
                } else {
                    b.recordLastRequest(false);
                }
                continue;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(flag + " needs a value");
            }
            String v = args[++i];
            switch (flag) {
                case "--port" -> b.port(integer(flag, v));
                case "--host" -> b.host(v);
                case "--io-threads" -> b.ioThreads(integer(flag, v));
                case "--seed" -> b.seed(Long.parseLong(v));
                case "--bid-rate" -> b.bidRate(decimal(flag, v));
                case "--latency-ms" -> b.latency(Latency.parse(v));
                case "--price" -> b.price(Price.parse(v));
                case "--currency" -> b.currency(v);
                case "--seat" -> b.seat(v);
                case "--crid" -> b.crid(v);
                case "--adomain" -> b.advertiserDomain(v);
                case "--max-bids" -> b.maxBidsPerRequest(integer(flag, v));
                case "--fault" -> fault(b, v);
                case "--slow-ms" -> b.slowMillis(integer(flag, v));
                case "--huge-bytes" -> b.hugeBodyBytes(integer(flag, v));
                case "--gzip-rate" -> b.gzipRate(decimal(flag, v));
                case "--max-request-bytes" -> b.maxRequestBytes(integer(flag, v));
                case "--notice-base" -> b.noticeBaseUrl(v);
                case "--max-seconds" -> maxSeconds = integer(flag, v);
                default -> throw new IllegalArgumentException("unknown flag " + flag);
            }
        }
        return maxSeconds;
    }

    private static void fault(SimOptions.Builder b, String spec) {
        int eq = spec.indexOf('=');
        if (eq < 0) {
            throw new IllegalArgumentException("--fault takes KIND=RATE, got " + spec);
        }
        b.fault(Fault.fromCliName(spec.substring(0, eq)), decimal("--fault " + spec.substring(0, eq),
                spec.substring(eq + 1)));
    }

    private static int integer(String flag, String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " takes a whole number, got " + value, e);
        }
    }

    private static double decimal(String flag, String value) {
        try {
            return Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " takes a number, got " + value, e);
        }
    }
}
