package dev.merlin.exchange.privacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.merlin.protocol.model.BidRequest;
import dev.merlin.protocol.model.Device;
import dev.merlin.protocol.model.Regs;
import dev.merlin.protocol.model.User;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ConsentSignalsTest {

    @Test
    void readsEveryPixelParameter() {
        Map<String, String> query = Map.of("gdpr", "1", "gdpr_consent", "CPXx", "us_privacy", "1YNN",
                "gpp", "DBABMA~CPXx", "gpp_sid", "2, 6", "coppa", "0");
        ConsentSignals signals = ConsentSignals.fromParams(query::get);
        assertEquals(new ConsentSignals(0, 1, "CPXx", "1YNN", "DBABMA~CPXx", List.of(2, 6), null, false, false),
                signals);
    }

    @Test
    void absentParametersAreNoSignal() {
        ConsentSignals signals = ConsentSignals.fromParams(Map.<String, String>of()::get);
        assertEquals(new ConsentSignals(null, null, null, null, null, List.of(), null, false, false), signals);
    }

    static Stream<Arguments> flags() {
        return Stream.of(
                Arguments.of("1", 1),
                Arguments.of("0", 0),
                Arguments.of("", null),
                Arguments.of(" ", null),
                // an unexpanded macro or junk: unknown, so fail closed
                Arguments.of("${GDPR}", 1),
                Arguments.of("true", 1),
                Arguments.of("2", 1));
    }

    @ParameterizedTest(name = "gdpr/coppa \"{0}\" -> {1}")
    @MethodSource("flags")
    void flagsFailClosed(String value, Integer expected) {
        ConsentSignals signals = ConsentSignals.fromParams(Map.of("gdpr", value, "coppa", value)::get);
        assertEquals(expected, signals.gdpr());
        assertEquals(expected, signals.coppa());
    }

    @Test
    void gppSidSkipsWhatIsNotASectionId() {
        assertEquals(List.of(7, 8), ConsentSignals.fromParams(Map.of("gpp_sid", "7,x,,8,-1,99999")::get).gppSid());
    }

    @Test
    void blankStringsAreAbsent() {
        ConsentSignals signals = ConsentSignals.fromParams(Map.of("gdpr_consent", "", "us_privacy", " ",
                "gpp", "")::get);
        assertNull(signals.gdprConsent());
        assertNull(signals.usPrivacy());
        assertNull(signals.gpp());
    }

    @Test
    void fromBidRequestCopiesRegsUserAndDevice() {
        BidRequest request = new BidRequest();
        request.regs = new Regs();
        request.regs.coppa = 0;
        request.regs.gdpr = 1;
        request.regs.us_privacy = "1YNN";
        request.regs.gpp = "DBABMA~CPXx";
        request.regs.gpp_sid = new ArrayList<>(List.of(2));
        request.user = new User();
        request.user.consent = "CPXx";
        request.device = new Device();
        request.device.lmt = 1;
        ConsentSignals signals = ConsentSignals.fromBidRequest(request);
        assertEquals(new ConsentSignals(0, 1, "CPXx", "1YNN", "DBABMA~CPXx", List.of(2), null, true, false),
                signals);
        request.regs.gpp_sid.add(6);
        assertEquals(List.of(2), signals.gppSid(), "the record keeps its own copy");
        assertTrue(signals.withOptedOut(true).optedOut());
        assertEquals("DEU", signals.withCountry("DEU").country());
    }

    @Test
    void emptyBidRequestHasNoSignals() {
        ConsentSignals signals = ConsentSignals.fromBidRequest(new BidRequest());
        assertNull(signals.gdpr());
        assertFalse(signals.lmt());
        assertEquals(List.of(), signals.gppSid());
    }
}
