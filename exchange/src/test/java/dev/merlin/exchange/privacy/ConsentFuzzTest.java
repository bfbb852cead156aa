package dev.merlin.exchange.privacy;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.merlin.config.PrivacyConfig;
import java.util.List;

/**
 * Fuzzes consent strings (TCF v2, US Privacy, GPP with its section ids) through the consent gate: the IAB libraries
 * throw many exception types, and every one must become a refusal, never an escape.
 */
class ConsentFuzzTest {

    private static final int VENDOR = 1_234;

    @FuzzTest(maxDuration = "100s")
    void decide(FuzzedDataProvider data) {
        // a fresh gate: the decoded-string cache must not hide a second decode of the same text
        ConsentGate gate = new ConsentGate(PrivacyConfig.builder().vendorId(VENDOR).build());
        List<Integer> sid = List.of(data.consumeInt(0, 70), data.consumeInt(0, 70));
        String tcf = data.consumeString(400);
        String usPrivacy = data.consumeString(8);
        String gpp = data.consumeRemainingAsString();
        PrivacyDecision decision = gate.decide(new ConsentSignals(0, 1, tcf, usPrivacy, gpp, sid, null, false, false));
        assertNotNull(decision);
        // the same strings again, with GDPR taken from gpp_sid and the TCF string taken from the GPP string
        assertNotNull(gate.decide(new ConsentSignals(null, null, null, usPrivacy, gpp, sid, null, false, false)));
    }
}
