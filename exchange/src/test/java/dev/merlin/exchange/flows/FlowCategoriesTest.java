package dev.merlin.exchange.flows;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.merlin.exchange.privacy.DataCategories;
import dev.merlin.exchange.privacy.OutboundPolicy;
import dev.merlin.protocol.model.BidRequest;
import dev.merlin.protocol.model.Device;
import dev.merlin.protocol.model.Geo;
import dev.merlin.protocol.model.User;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** What the writer carries per policy, and the user region from a request's untrusted country fields. */
class FlowCategoriesTest {

    private static BidRequest request(String deviceCountry, String userCountry) {
        BidRequest request = new BidRequest();
        request.device = new Device();
        request.device.geo = new Geo();
        request.device.geo.country = deviceCountry;
        request.user = new User();
        request.user.geo = new Geo();
        request.user.geo.country = userCountry;
        return request;
    }

    @ParameterizedTest
    @CsvSource(nullValues = "null", value = {
        "JPN, KOR, JPN",
        "null, KOR, KOR",
        "jpn, KOR, KOR",
        "JP, null, ??",
        "'JPN,', null, ??",
        "'J\nN', 'EEA\"', ??",
        "null, null, ??",
    })
    void theRegionIsTheFirstAlphaThreeCountry(String deviceCountry, String userCountry, String region) {
        assertEquals(region, FlowCategories.userRegion(request(deviceCountry, userCountry)));
    }

    @Test
    void contextualCarriesNothingAndFullCarriesWhatIsPresent() {
        BidRequest request = request("JPN", null);
        request.user.id = "u1";
        request.device.ip = "203.0.113.7";
        request.device.geo.lat = 35.68;
        request.device.geo.lon = 139.69;
        assertEquals(DataCategories.NONE, FlowCategories.sent(request, OutboundPolicy.CONTEXTUAL));
        assertEquals(DataCategories.IDS | DataCategories.IP, FlowCategories.sent(request, OutboundPolicy.FULL),
                "coordinates of 2 decimals are not precise");
        request.device.geo.lat = 35.6895;
        request.user.keywords = "cars";
        request.device.ifa = null;
        assertEquals(DataCategories.IDS | DataCategories.IP | DataCategories.PRECISE_GEO | DataCategories.SEGMENTS,
                FlowCategories.sent(request, OutboundPolicy.FULL));
        request.user.id = null;
        request.device.ip = null;
        request.device.geo = null;
        request.user.keywords = null;
        assertEquals(DataCategories.NONE, FlowCategories.sent(request, OutboundPolicy.FULL),
                "a country alone is not personal data");
    }
}
