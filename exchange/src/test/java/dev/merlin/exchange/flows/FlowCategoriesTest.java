package dev.merlin.exchange.flows;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.merlin.protocol.model.BidRequest;
import dev.merlin.protocol.model.Device;
import dev.merlin.protocol.model.Geo;
import dev.merlin.protocol.model.User;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The ledger's user region from a request's untrusted country fields. */
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
        "jpn, KOR, JPN",
        "JP, null, JPN",
        "XX, KOR, KOR",
        "'JPN,', null, ??",
        "'J\nN', 'EEA\"', ??",
        "null, null, ??",
    })
    void theRegionIsTheFirstCountryReadAsAlphaThree(String deviceCountry, String userCountry, String region) {
        assertEquals(region, FlowCategories.userRegion(request(deviceCountry, userCountry)));
    }
}
