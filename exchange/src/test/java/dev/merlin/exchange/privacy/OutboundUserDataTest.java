package dev.merlin.exchange.privacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.merlin.config.DspConfig;
import dev.merlin.protocol.JsonFieldWriter;
import dev.merlin.protocol.model.Device;
import dev.merlin.protocol.model.Geo;
import dev.merlin.protocol.model.RawJson;
import dev.merlin.protocol.model.User;
import java.io.IOException;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The policy each consent decision gives, and the user and device each policy writes. */
class OutboundUserDataTest {

    private static final DspConfig DSP = DspConfig.of("d", "D", "http://127.0.0.1:9/bid", "JPN");

    private final OutboundUserData userData = new OutboundUserData();

    @ParameterizedTest
    @EnumSource(RefusalReason.class)
    void everyRefusalIsContextual(RefusalReason reason) {
        assertSame(OutboundPolicy.CONTEXTUAL, OutboundUserData.policy(PrivacyDecision.refused(reason), DSP));
    }

    @Test
    void allowedIsFull() {
        assertSame(OutboundPolicy.FULL, OutboundUserData.policy(PrivacyDecision.ALLOWED, DSP));
    }

    private interface Body {
        void write(JsonGenerator gen) throws IOException;
    }

    private static String json(Body body) throws IOException {
        StringWriter text = new StringWriter();
        try (JsonGenerator gen = JsonFieldWriter.FACTORY.createGenerator(text)) {
            gen.writeStartObject();
            body.write(gen);
            gen.writeEndObject();
        }
        return text.toString();
    }

    @Test
    void fullDropsBuyeruidAndPrebidBuyeruidsEvenEscapedAndSendsThePairwiseIdNotTheSellersId() throws IOException {
        User user = new User();
        user.id = "u1";
        user.buyeruid = "seller-synced-id";
        user.ext = RawJson.of("{\"\\u0070rebid\":{\"buyeruids\":{\"x\":\"b\"}},\"prebid\":1,\"keep\":[1.50]}");
        char[] pairwise = "0123456789abcdef0123456789abcdef".toCharArray();
        assertEquals("{\"user\":{\"id\":\"0123456789abcdef0123456789abcdef\",\"ext\":{\"keep\":[1.50]}}}",
                json(gen -> userData.writeUser(gen, user, OutboundPolicy.FULL, false, pairwise)));
        assertEquals("{\"user\":{\"ext\":{\"keep\":[1.50]}}}",
                json(gen -> userData.writeUser(gen, user, OutboundPolicy.FULL, false, null)), "no pairwise id: none");
    }

    @Test
    void contextualUserWithoutConsentOrGeoIsLeftOut() throws IOException {
        User user = new User();
        user.id = "u1";
        user.yob = 1990;
        user.kwarray = List.of("k");
        assertEquals("{}", json(gen -> userData.writeUser(gen, user, OutboundPolicy.CONTEXTUAL, false, null)));
        user.consent = "CP";
        assertEquals("{\"user\":{\"ext\":{\"consent\":\"CP\"}}}",
                json(gen -> userData.writeUser(gen, user, OutboundPolicy.CONTEXTUAL, true, null)));
    }

    @Test
    void contextualDeviceExtKeepsOnlyAttsWhateverTheSpelling() throws IOException {
        Device device = new Device();
        device.ifa = "ifa";
        device.ip = "198.51.100.255";
        device.ext = RawJson.of("{\"\\u0069fv\":\"vendor-id\",\"atts\":2,\"ifv\":\"x\"}");
        device.geo = new Geo();
        device.geo.lat = -0.004;
        device.geo.lon = 179.999;
        device.geo.zip = "10115";
        assertEquals("{\"device\":{\"geo\":{\"lat\":0,\"lon\":180},\"ip\":\"198.51.100.0\",\"ext\":{\"atts\":2}}}",
                json(gen -> userData.writeDevice(gen, device, OutboundPolicy.CONTEXTUAL)));
    }
}
