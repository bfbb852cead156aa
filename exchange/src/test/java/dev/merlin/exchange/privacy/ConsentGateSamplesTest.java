package dev.merlin.exchange.privacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.iabtcf.decoder.TCString;
import dev.merlin.config.PrivacyConfig;
import dev.merlin.protocol.BidRequestDecoder;
import dev.merlin.protocol.model.BidRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Shared OpenRTB samples that carry privacy signals, decoded by Merlin's decoder and run through the gate. */
class ConsentGateSamplesTest {

    private final ConsentGate gate = new ConsentGate(PrivacyConfig.defaults());

    /*
     * ortb25-ext-locations: 2.5 locations regs.ext.gdpr=1, user.ext.consent="some-consent-string" (moved to the 2.6
     *   fields by the decoder); GDPR applies and the string is not base64 TCF -> invalid consent.
     * gdpr-gpp-conflict: gdpr=1 with a TC string that consents to no purpose and no vendor (asserted below)
     *   -> the GDPR rule refuses first; the GPP uspv1 section "1NYN" would refuse too (opted out of sale).
     * us-privacy-invalid-value: "{invalid}" is not a US Privacy string: no signal, nothing else -> allowed.
     * smaato-native-coppa-gpp: regs.coppa=1 -> COPPA, whatever regs.ext says.
     * yieldmo-coppa-gpp-eur: regs.coppa=1 -> COPPA.
     * iab26spec-simple-banner: no privacy signals -> allowed.
     */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(nullValues = "ALLOWED", value = {
            "pbsgo-ortb25-ext-locations.json, GDPR_INVALID_CONSENT",
            "pbsgo-gdpr-gpp-conflict.json, GDPR_PURPOSE_NOT_CONSENTED",
            "pbsgo-us-privacy-invalid-value.json, ALLOWED",
            "pbsgo-smaato-native-coppa-gpp.json, COPPA",
            "pbsgo-yieldmo-coppa-gpp-eur.json, COPPA",
            "iab26spec-simple-banner.json, ALLOWED"})
    void decidesEachSample(String file, RefusalReason expected) throws Exception {
        BidRequest request = decode(file);
        assertSame(expected, gate.decide(request).reason());
        assertSame(expected, gate.decide(ConsentSignals.fromBidRequest(request)).reason());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"pbsgo-gdpr-gpp-conflict.json"})
    void gdprGppConflictWithoutGdprFallsToTheGppOptOut(String file) throws Exception {
        BidRequest request = decode(file);
        assertEquals(List.of(6), request.regs.gpp_sid);
        TCString consent = TCString.decode(request.user.consent);
        assertEquals(2, consent.getVersion());
        assertTrue(consent.getPurposesConsent().isEmpty());
        assertTrue(consent.getVendorConsent().isEmpty());
        // the same request outside GDPR: gpp_sid [6] selects the uspv1 section "1NYN", opted out of sale
        request.regs.gdpr = 0;
        assertSame(RefusalReason.GPP_OPT_OUT, gate.decide(request).reason());
        // were uspv1 not applicable (gpp_sid naming only the TCF section), the GPP string would say nothing
        request.regs.gpp_sid = List.of(2);
        assertNull(gate.decide(request).reason());
    }

    private static BidRequest decode(String file) throws Exception {
        byte[] bytes = Files.readAllBytes(requests().resolve(file));
        return new BidRequestDecoder().decode(bytes, 0, bytes.length);
    }

    private static Path requests() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("shared/openrtb-samples/requests");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        Assumptions.abort("shared/openrtb-samples not found above " + Path.of("").toAbsolutePath());
        return null;
    }
}
