package dev.merlin.exchange.privacy;

import static org.junit.jupiter.api.Assertions.assertSame;

import dev.merlin.config.PrivacyConfig;
import dev.merlin.protocol.model.BidRequest;
import dev.merlin.protocol.model.Device;
import dev.merlin.protocol.model.Regs;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gate's one decision for a bid request includes Merlin's own opt-out registry (a real Chronicle Map in a temp
 * dir): an opted-out user is refused as {@link RefusalReason#USER_OPT_OUT} when the request's own signals allow
 * personal data, and a refusal by those signals keeps its own reason.
 */
class ConsentGateOptOutTest {

    private static final String OPTED_OUT = "6D92078A-8246-4BA4-AE5B-76104861E7DC";

    @TempDir
    Path dataDir;
    private OptOutRegistry optOuts;
    private ConsentGate gate;

    @BeforeEach
    void open() {
        optOuts = new OptOutRegistry(dataDir, 1_000);
        optOuts.add(OPTED_OUT, 1_796_000_000L);
        gate = new ConsentGate(PrivacyConfig.defaults(), optOuts);
    }

    @AfterEach
    void close() {
        optOuts.close();
    }

    private static BidRequest request() {
        BidRequest request = new BidRequest();
        request.regs = new Regs();
        request.device = new Device();
        request.device.ifa = OPTED_OUT;
        return request;
    }

    @Test
    void anOptedOutUserIsRefusedAsOptedOut() {
        assertSame(PrivacyDecision.refused(RefusalReason.USER_OPT_OUT), gate.decide(request(), OPTED_OUT));
    }

    @Test
    void anotherUserOrNoUserKeyIsAllowed() {
        assertSame(PrivacyDecision.ALLOWED, gate.decide(request(), "someone-else"));
        assertSame(PrivacyDecision.ALLOWED, gate.decide(request(), (CharSequence) null));
    }

    @Test
    void theRequestsOwnRefusalKeepsItsReason() {
        BidRequest lmt = request();
        lmt.device.lmt = 1;
        assertSame(RefusalReason.LMT, gate.decide(lmt, OPTED_OUT).reason());
        BidRequest coppa = request();
        coppa.regs.coppa = 1;
        assertSame(RefusalReason.COPPA, gate.decide(coppa, OPTED_OUT).reason());
    }

    @Test
    void aGateWithoutARegistryDecidesOnTheSignalsAlone() {
        assertSame(PrivacyDecision.ALLOWED, new ConsentGate(PrivacyConfig.defaults()).decide(request(), OPTED_OUT));
    }
}
