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
        PairwiseIds ids = PairwiseIds.of(new byte[32]);
        OutboundUser merlin = new OutboundUser().pairwiseId(ids, "tokyo-dsp", "u1");
        assertEquals("{\"user\":{\"id\":\"" + ids.of("tokyo-dsp", "u1") + "\",\"ext\":{\"keep\":[1.50]}}}",
                json(gen -> userData.writeUser(gen, user, OutboundPolicy.FULL, false, merlin)));
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

    @Test
    void merlinsSegmentsGoOnlyWhenAudienceDataMayAndOnlyThoseAboveTheFloor() throws IOException {
        User user = new User();
        user.yob = 1990;
        AudienceSegments segments = new AudienceSegments() {
            @Override
            public int size() {
                return 3;
            }

            @Override
            public int get(int index) {
                return new int[] {3, 7, 12}[index];
            }
        };
        SegmentSizes census = id -> id == 3 ? 50 : id == 7 ? 49 : 1_000;
        OutboundUser merlin = new OutboundUser().segments(segments, census, 50);
        userData.begin();
        assertEquals("{\"user\":{\"yob\":1990,\"data\":[{\"id\":\"merlin\",\"name\":\"Merlin\",\"segment\":"
                        + "[{\"id\":\"3\"},{\"id\":\"12\"}]}]}}",
                json(gen -> userData.writeUser(gen, user, OutboundPolicy.FULL, false, merlin)),
                "segment 7 holds 49 users, under the floor of 50");
        assertEquals(DataCategories.SEGMENTS, userData.categoriesWritten());
        userData.begin();
        assertEquals("{\"user\":{}}", json(gen -> userData.writeUser(gen, user,
                OutboundPolicy.of(DataCategories.ALL & ~DataCategories.SEGMENTS), false, merlin)));
        assertEquals(DataCategories.NONE, userData.categoriesWritten());
        userData.begin();
        OutboundUser tooSmall = new OutboundUser().segments(segments, id -> 49, 50);
        assertEquals("{\"user\":{\"yob\":1990}}",
                json(gen -> userData.writeUser(gen, user, OutboundPolicy.FULL, false, tooSmall)));
    }

    /** A user known only by {@code device.ifa}: the request has no {@code user}, yet Merlin's own fields go. */
    @Test
    void aRequestWithoutAUserStillCarriesMerlinsOwnFieldsWhereThePolicyLetsThem() throws IOException {
        AudienceSegments one = new AudienceSegments() {
            @Override
            public int size() {
                return 1;
            }

            @Override
            public int get(int index) {
                return 12;
            }
        };
        PairwiseIds ids = PairwiseIds.of(new byte[32]);
        OutboundUser merlin = new OutboundUser().pairwiseId(ids, "tokyo-dsp", "ifa-1").buyerUid("their-id")
                .segments(one, id -> 1_000, 50);
        userData.begin();
        assertEquals("{\"user\":{\"id\":\"" + ids.of("tokyo-dsp", "ifa-1") + "\",\"buyeruid\":\"their-id\","
                        + "\"data\":[{\"id\":\"merlin\",\"name\":\"Merlin\",\"segment\":[{\"id\":\"12\"}]}]}}",
                json(gen -> userData.writeUser(gen, null, OutboundPolicy.FULL, false, merlin)));
        assertEquals(DataCategories.IDS | DataCategories.SEGMENTS, userData.categoriesWritten());
        userData.begin();
        assertEquals("{\"user\":{\"data\":[{\"id\":\"merlin\",\"name\":\"Merlin\",\"segment\":"
                        + "[{\"id\":\"12\"}]}]}}",
                json(gen -> userData.writeUser(gen, null, OutboundPolicy.of(DataCategories.SEGMENTS), true, merlin)),
                "audience data without identifiers: the segments alone");
        assertEquals(DataCategories.SEGMENTS, userData.categoriesWritten());
        userData.begin();
        assertEquals("{}", json(gen -> userData.writeUser(gen, null, OutboundPolicy.CONTEXTUAL, false, merlin)));
        assertEquals("{}", json(gen -> userData.writeUser(gen, null, OutboundPolicy.FULL, false, null)),
                "nothing of Merlin's: no user, as before");
        assertEquals("{}", json(gen -> userData.writeUser(gen, null, OutboundPolicy.FULL, false,
                new OutboundUser().segments(one, id -> 49, 50))), "a segment under the floor is nothing to send");
        assertEquals(DataCategories.NONE, userData.categoriesWritten());
    }
}
