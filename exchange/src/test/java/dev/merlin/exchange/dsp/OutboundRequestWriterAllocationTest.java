package dev.merlin.exchange.dsp;

import static dev.merlin.exchange.dsp.OutboundFixture.PUBLISHER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.management.ThreadMXBean;
import dev.merlin.config.DspConfig;
import dev.merlin.exchange.privacy.PrivacyDecision;
import dev.merlin.exchange.privacy.RefusalReason;
import dev.merlin.protocol.model.BidRequest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.lang.management.ManagementFactory;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Steady state, {@link OutboundRequestWriter} allocates nothing for a request with converted floors, an extended
 * schain, eids and a TCF string, for both versions and both policies (the precise lat/lon, which Jackson formats
 * through a String when passed verbatim, are left out; the JMH benchmark states that allowance). Measured with the
 * JVM's per-thread allocation counter; the figure with {@code -prof gc} belongs in {@code bench}.
 */
class OutboundRequestWriterAllocationTest {

    private static final int WARMUP = 50_000;
    private static final int MEASURED = 20_000;
    private static final int ROUNDS = 5;

    private static final String REQUEST = "{\"id\":\"r-1\",\"imp\":[{\"id\":\"1\",\"banner\":{\"w\":300,\"h\":250},"
            + "\"bidfloor\":0.5,\"bidfloorcur\":\"USD\",\"pmp\":{\"deals\":[{\"id\":\"d\",\"bidfloor\":1.25}]}},"
            + "{\"id\":\"2\",\"video\":{\"mimes\":[\"video/mp4\"]}}],"
            + "\"app\":{\"id\":\"a\",\"bundle\":\"b.example\",\"publisher\":{\"id\":\"p\"}},"
            + "\"device\":{\"ua\":\"UA\",\"ip\":\"203.0.113.9\",\"ipv6\":\"2001:db8:abcd:12ff::1\",\"ifa\":\"IFA\","
            + "\"geo\":{\"country\":\"JPN\",\"city\":\"Tokyo\"},\"os\":\"iOS\"},"
            + "\"user\":{\"id\":\"u\",\"buyeruid\":\"b\",\"consent\":\"CP\",\"eids\":[{\"source\":\"s.example\","
            + "\"uids\":[{\"id\":\"e\",\"atype\":1}]}]},\"regs\":{\"gdpr\":1,\"us_privacy\":\"1YNN\"},"
            + "\"source\":{\"tid\":\"t\",\"schain\":{\"complete\":1,\"ver\":\"1.0\",\"nodes\":[{\"asi\":\"x.example\","
            + "\"sid\":\"1\",\"hp\":1}]}}}";

    @ParameterizedTest(name = "{0}, allowed={1}")
    @CsvSource({"2.6, true", "2.6, false", "2.5, true", "2.5, false"})
    void steadyStateAllocatesNothing(String version, boolean allowed) {
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        assumeTrue(threads.isThreadAllocatedMemorySupported(), "no per-thread allocation counter on this JVM");
        threads.setThreadAllocatedMemoryEnabled(true);
        BidRequest request = OutboundFixture.decode(REQUEST);
        OutboundRequestWriter writer = OutboundFixture.create().writer;
        DspConfig dsp = OutboundFixture.dsp(version, List.of("EUR"), List.of("banner"));
        PrivacyDecision decision = allowed ? PrivacyDecision.ALLOWED : PrivacyDecision.refused(RefusalReason.LMT);
        // a wrapped array: the tests' paranoid leak detector records every access of an allocator's buffer
        ByteBuf out = Unpooled.wrappedBuffer(new byte[4096]);
        try {
            for (int i = 0; i < WARMUP; i++) {
                out.clear();
                writer.write(request, PUBLISHER, decision, dsp, 100, out);
            }
            long id = Thread.currentThread().getId();
            long probe = threads.getThreadAllocatedBytes(id);
            long counterCost = threads.getThreadAllocatedBytes(id) - probe;
            long fewest = Long.MAX_VALUE;
            for (int round = 0; round < ROUNDS && fewest > 0; round++) {
                long before = threads.getThreadAllocatedBytes(id);
                for (int i = 0; i < MEASURED; i++) {
                    out.clear();
                    writer.write(request, PUBLISHER, decision, dsp, 100, out);
                }
                fewest = Math.min(fewest, threads.getThreadAllocatedBytes(id) - before - counterCost);
            }
            assertEquals(0.0, (double) fewest / MEASURED, 0.01, "bytes per write: " + fewest + " in the best round");
        } finally {
            out.release();
        }
    }
}
