package dev.merlin.exchange.dsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.merlin.config.DspTraffic;
import dev.merlin.protocol.model.App;
import dev.merlin.protocol.model.Banner;
import dev.merlin.protocol.model.BidRequest;
import dev.merlin.protocol.model.Device;
import dev.merlin.protocol.model.Geo;
import dev.merlin.protocol.model.Imp;
import dev.merlin.protocol.model.Site;
import dev.merlin.protocol.model.Video;
import java.util.List;
import org.junit.jupiter.api.Test;

class DspTargetingTest {

    private static BidRequest request(String country, boolean isApp, Imp... imps) {
        BidRequest request = new BidRequest();
        request.id = "r1";
        request.imp = List.of(imps);
        if (isApp) {
            request.app = new App();
        } else {
            request.site = new Site();
        }
        if (country != null) {
            request.device = new Device();
            request.device.geo = new Geo();
            request.device.geo.country = country;
        }
        return request;
    }

    private static Imp banner() {
        Imp imp = new Imp();
        imp.id = "1";
        imp.banner = new Banner();
        return imp;
    }

    private static Imp video() {
        Imp imp = new Imp();
        imp.id = "2";
        imp.video = new Video();
        return imp;
    }

    @Test
    void anEmptyTrafficListTakesEverything() {
        DspTargeting any = new DspTargeting(DspTraffic.any());
        assertEquals(DspTargeting.WANTED, any.check(request(null, true, video()), "any-seller"));
        assertTrue(any.takes(video()));
    }

    @Test
    void eachListRefusesWhatItDoesNotName() {
        DspTargeting japanSiteBanner = new DspTargeting(new DspTraffic(List.of("JPN"), List.of("banner"),
                List.of("site"), List.of("ssp-1")));
        assertEquals(DspTargeting.WANTED, japanSiteBanner.check(request("JPN", false, video(), banner()), "ssp-1"));
        assertEquals(DspTargeting.NOT_COUNTRY, japanSiteBanner.check(request("KOR", false, banner()), "ssp-1"));
        assertEquals(DspTargeting.NOT_COUNTRY, japanSiteBanner.check(request(null, false, banner()), "ssp-1"),
                "an unknown country is not one of the countries it names");
        assertEquals(DspTargeting.NOT_CHANNEL, japanSiteBanner.check(request("JPN", true, banner()), "ssp-1"));
        assertEquals(DspTargeting.NOT_SELLER, japanSiteBanner.check(request("JPN", false, banner()), "ssp-2"));
        assertEquals(DspTargeting.NOT_MEDIA_TYPE, japanSiteBanner.check(request("JPN", false, video()), "ssp-1"));
        assertFalse(japanSiteBanner.takes(video()));
        assertEquals("media_type", DspTargeting.label(DspTargeting.NOT_MEDIA_TYPE));
    }

    @Test
    void aRequestWithNeitherSiteNorAppIsNotForAChannelList() {
        BidRequest dooh = request("JPN", false, banner());
        dooh.site = null;
        assertEquals(DspTargeting.NOT_CHANNEL,
                new DspTargeting(new DspTraffic(null, null, List.of("site", "app"), null)).check(dooh, "s"));
    }
}
