package dev.merlin.exchange.auction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The links' signature is HMAC-SHA256 as {@code javax.crypto.Mac} computes it (whatever the key's length), their
 * encoding is {@link URLEncoder}'s, and {@link NoticeUrls#verify} accepts exactly what {@link NoticeUrls#links}
 * signed.
 */
class NoticeUrlsTest {

    private static NoticeIdentity identity(String requestId) {
        return new NoticeIdentity().auction(0x18f3a2c0b4500001L, 1_781_524_800L)
                .impression(requestId, "imp 1/é", "demo-ssp")
                .bid("kaze", "kaze-run-300x250", 1_700_000L, "JPY")
                .user(0xabcdefL).flags(true, false);
    }

    @ParameterizedTest(name = "key of {0} bytes")
    @ValueSource(ints = {1, 16, 32, 63, 64, 65, 200})
    void linksMatchTheStringReferenceForKeysOfAnyLength(int keyBytes) {
        byte[] key = new byte[keyBytes];
        new Random(keyBytes).nextBytes(key);
        NoticeUrls urls = new NoticeUrls("https://merlin.test/", key);
        ReferenceLinks reference = new ReferenceLinks("https://merlin.test/", key);
        NoticeUrls.Links links = urls.links(identity("r\"1 😀"));
        Campaign campaign = new CampaignCatalog(AuctionFixture.config(0,
                AuctionFixture.campaign("kaze").creative("id: kaze-run-300x250, format: banner, w: 300, h: 250")))
                .byId("kaze");
        ReferenceLinks.Links expected = reference.links(0x18f3a2c0b4500001L, "r\"1 😀", "imp 1/é", campaign,
                campaign.creative(0), 1_781_524_800L, 1_700_000L, "JPY", "demo-ssp", 0xabcdefL, true, false);
        assertEquals(expected.win(), links.win());
        assertEquals(expected.bill(), links.bill());
        assertEquals(expected.loss(), links.loss());
        assertEquals(expected.click(), links.click());
    }

    @Test
    void verifyAcceptsWhatWasSignedAndNothingAltered() {
        NoticeUrls urls = new NoticeUrls("https://merlin.test/", "k".getBytes(StandardCharsets.UTF_8));
        String click = urls.links(identity("r1")).click();
        String sig = click.substring(click.indexOf("&sig=") + 5);
        assertTrue(urls.verify(identity("r1"), sig));
        assertFalse(urls.verify(identity("r2"), sig));
        assertFalse(urls.verify(identity("r1").bid("kaze", "kaze-run-300x250", 1_700_001L, "JPY"), sig));
        assertFalse(urls.verify(identity("r1").flags(false, false), sig));
        assertFalse(urls.verify(identity("r1").user(0), sig));
        assertFalse(urls.verify(identity("r1").impression("r1", "imp 1/é", null), sig));
        assertFalse(urls.verify(identity("r1"), null));
        assertFalse(new NoticeUrls("https://merlin.test/", "other".getBytes(StandardCharsets.UTF_8))
                .verify(identity("r1"), sig));
    }

    @Test
    void encodingIsUrlEncodersForAnyText() {
        Random random = new Random(7);
        for (int i = 0; i < 20_000; i++) {
            char[] text = new char[random.nextInt(12)];
            for (int j = 0; j < text.length; j++) {
                // mostly the interesting ranges: ASCII, Latin-1, BMP, surrogates (paired or not)
                int range = random.nextInt(4);
                text[j] = (char) (range == 0 ? random.nextInt(0x80) : range == 1 ? random.nextInt(0x800)
                        : range == 2 ? 0xd800 + random.nextInt(0x800) : random.nextInt(0x10000));
            }
            String value = new String(text);
            assertEquals(URLEncoder.encode(value, StandardCharsets.UTF_8), NoticeUrls.encode(value), value);
        }
    }
}
