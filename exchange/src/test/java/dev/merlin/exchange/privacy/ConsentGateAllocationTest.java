package dev.merlin.exchange.privacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.iab.gpp.encoder.GppModel;
import dev.merlin.config.PrivacyConfig;
import dev.merlin.protocol.model.BidRequest;
import dev.merlin.protocol.model.Device;
import dev.merlin.protocol.model.Geo;
import dev.merlin.protocol.model.Regs;
import dev.merlin.protocol.model.User;
import java.lang.management.ManagementFactory;
import java.util.List;
import org.junit.jupiter.api.Test;
import com.sun.management.ThreadMXBean;

/**
 * The bid path's steady state: {@link ConsentGate#decide(BidRequest)} with consent strings already cached allocates
 * nothing. Measured with the JVM's per-thread allocation counter (HotSpot's {@code com.sun.management} extension);
 * the JMH figure ({@code -prof gc}) belongs in {@code bench}.
 */
class ConsentGateAllocationTest {

    private static final int WARMUP = 200_000;
    private static final int MEASURED = 100_000;
    private static final int ROUNDS = 5;

    @Test
    void cachedDecisionAllocatesNothing() {
        assertCachedDecisionsAllocateNothing(request());
    }

    /** GDPR signalled only through GPP: gpp_sid lists the TCF section, whose consent is read from the GPP string. */
    @Test
    void cachedDecisionFromTheGppTcfSectionAllocatesNothing() {
        BidRequest request = request();
        request.regs.gdpr = null;
        request.user.consent = null;
        GppModel gpp = new GppModel(request.regs.gpp);
        gpp.decodeSection("tcfeuv2", ConsentStrings.tcf(List.of(1, 2, 3, 4, 7), List.of(1_234, 755)));
        request.regs.gpp = gpp.encode();
        request.regs.gpp_sid = List.of(2, 7);
        assertCachedDecisionsAllocateNothing(request);
    }

    private static void assertCachedDecisionsAllocateNothing(BidRequest request) {
        ThreadMXBean threads = threadBean();
        ConsentGate gate = new ConsentGate(PrivacyConfig.builder().vendorId(1_234)
                .personalizationCountries(List.of("DEU", "FRA")).build());
        // every request brings its own String instances: give each call a fresh copy, made outside the measurement
        String[] consents = new String[64];
        String[] gpps = new String[64];
        for (int i = 0; i < consents.length; i++) {
            consents[i] = copy(request.user.consent);
            gpps[i] = copy(request.regs.gpp);
        }
        for (int i = 0; i < WARMUP; i++) {
            decide(gate, request, consents, gpps, i);
        }
        long decodedBefore = gate.decodedStrings();
        long probe = allocatedBytes(threads);
        long counterCost = allocatedBytes(threads) - probe;
        // a round may catch a one-off (a JIT transition); an allocation per call would show in every round
        long fewest = Long.MAX_VALUE;
        for (int round = 0; round < ROUNDS && fewest > 0; round++) {
            long before = allocatedBytes(threads);
            int allowed = 0;
            for (int i = 0; i < MEASURED; i++) {
                allowed += decide(gate, request, consents, gpps, i) ? 1 : 0;
            }
            fewest = Math.min(fewest, allocatedBytes(threads) - before - counterCost);
            assertEquals(MEASURED, allowed);
        }
        assertEquals(decodedBefore, gate.decodedStrings(), "every string came from the cache");
        // one allocation per call would be >= 16 bytes per call, 1.6 MB per round
        assertEquals(0.0, (double) fewest / MEASURED, 0.01, "bytes per decide: " + fewest + " in the best round");
    }

    private static String copy(String s) {
        return s == null ? null : new String(s.toCharArray());
    }

    private static boolean decide(ConsentGate gate, BidRequest request, String[] consents, String[] gpps, int i) {
        request.user.consent = consents[i & 63];
        request.regs.gpp = gpps[i & 63];
        return gate.decide(request) == PrivacyDecision.ALLOWED;
    }

    /** A GDPR request with full TCF consent, a GPP string whose usnat section did not opt out, and a country. */
    private static BidRequest request() {
        BidRequest request = new BidRequest();
        request.regs = new Regs();
        request.regs.coppa = 0;
        request.regs.gdpr = 1;
        request.regs.us_privacy = "1YNN";
        request.regs.gpp = ConsentStrings.gpp("usnat", "SaleOptOut", 2, "SharingOptOut", 2,
                "TargetedAdvertisingOptOut", 2);
        request.regs.gpp_sid = List.of(7);
        request.user = new User();
        request.user.consent = ConsentStrings.tcf(List.of(1, 2, 3, 4, 7), List.of(1_234, 755));
        request.device = new Device();
        request.device.lmt = 0;
        request.device.geo = new Geo();
        request.device.geo.country = "FRA";
        return request;
    }

    private static ThreadMXBean threadBean() {
        Object bean = ManagementFactory.getThreadMXBean();
        assumeTrue(bean instanceof ThreadMXBean, "needs HotSpot's per-thread allocation counter");
        ThreadMXBean threads = (ThreadMXBean) bean;
        assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());
        return threads;
    }

    private static long allocatedBytes(ThreadMXBean threads) {
        return threads.getThreadAllocatedBytes(Thread.currentThread().getId());
    }
}
