package dev.merlin.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SellerConfigTest {

    private static final String OTHER_TOKENS = """
            tracking:
              adminToken: admin-token-0123456789
              eventSources:
                - {id: app, apiKey: app-api-key-0123456789, advertiser: adv}
            advertisers:
              - {id: adv, reportToken: report-token-0123456789}
            """;

    @Test
    void theEmbeddedDemoHasTheDemoSspWithItsTokenAndACidrSellerThatOpensNothingPublic() {
        MerlinConfig config = ConfigLoader.loadDefault();
        SellerConfig demo = config.sellers().get(0);
        assertEquals("demo-ssp", demo.id());
        assertEquals(List.of("demo-ssp-token"), demo.tokens());
        SellerConfig byAddress = config.sellers().stream().filter(s -> !s.allowFrom().isEmpty()).findFirst()
                .orElseThrow();
        for (String cidr : byAddress.allowFrom()) {
            SellerConfig.Cidr block = SellerConfig.parseCidr("x", cidr);
            assertTrue(block.prefixBits() >= 24 || block.network().length == 16 && block.prefixBits() >= 32, cidr);
            assertFalse(block.contains(new byte[] {127, 0, 0, 1}), cidr);
        }
        assertEquals("adops@merlin.example", config.exchange().contactEmail());
        assertFalse(config.toString().contains("demo-ssp-token"), "a logged config never shows a seller token");
    }

    @Test
    void sellersBindWithTheirAuthentication() {
        MerlinConfig config = ConfigLoader.parse("""
                sellers:
                  - {id: ssp-1, name: SSP One, domain: ssp-one.com, type: INTERMEDIARY, tokens: [ssp-one-token-01]}
                  - {id: pub-2, type: PUBLISHER, allowFrom: [10.1.0.0/16, "2001:db8::/32"], confidential: true}
                """, "test");
        assertEquals(2, config.sellers().size());
        assertTrue(config.sellers().get(1).isConfidential());
        assertNull(config.sellers().get(1).name());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "- {id: a, name: A, domain: a.com, type: PUBLISHER}|sellers[0]|neither tokens nor allowFrom",
        "- {id: a, name: A, domain: a.com, type: SSP, tokens: [token-0123456789]}|sellers[0].type|expected one of",
        "- {id: a, domain: a.com, type: PUBLISHER, tokens: [token-0123456789]}|sellers[0].name|missing",
        "- {id: a, name: A, domain: 'https://a.com', type: BOTH, tokens: [token-0123456789]}|sellers[0].domain|domain",
        "- {id: a, name: A, domain: a.com, type: BOTH, tokens: [short]}|sellers[0].tokens[0]|shorter than 12",
        "- {id: a, name: A, domain: a.com, type: BOTH, allowFrom: [10.0.0.0/33]}|sellers[0].allowFrom[0]|prefix",
        "- {id: a, name: A, domain: a.com, type: BOTH, allowFrom: [10.0.0.1/8]}|sellers[0].allowFrom[0]|host bits",
        "- {id: a, name: A, domain: a.com, type: BOTH, allowFrom: [localhost]}|sellers[0].allowFrom[0]|IPv4 or IPv6",
        "- {id: a, name: A, domain: a.com, type: BOTH, allowFrom: [300.1.1.1]}|sellers[0].allowFrom[0]|IPv4 or IPv6",
        "- {id: a, name: A, domain: a.com, type: BOTH, allowFrom: ['2001:db8::/129']}|sellers[0].allowFrom[0]|prefix",
    })
    void aBadSellerNamesItsKeyPath(String seller, String keyPath, String says) {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse("sellers:\n  " + seller + "\n", "test"));
        assertEquals(keyPath, e.keyPath());
        assertTrue(e.getMessage().contains(says), e.getMessage());
    }

    /** A seller token longer than the auction route reads (512 characters) could never authenticate: refused. */
    @Test
    void aSellerTokenLongerThan512CharactersIsRefused() {
        String longest = "t".repeat(SellerConfig.MAX_TOKEN_CHARS);
        aBadSellerNamesItsKeyPath("- {id: a, name: A, domain: a.com, type: BOTH, tokens: [" + longest + "x]}",
                "sellers[0].tokens[0]", "longer than 512");
        MerlinConfig config = ConfigLoader.parse("sellers:\n  - {id: a, name: A, domain: a.com, type: BOTH, tokens: ["
                + longest + "]}\n", "test");
        assertEquals(longest, config.sellers().get(0).tokens().get(0));
    }

    @Test
    void sellerIdsAreUnique() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse("""
                sellers:
                  - {id: a, name: A, domain: a.com, type: BOTH, tokens: [token-a-0123456789]}
                  - {id: a, name: B, domain: b.com, type: BOTH, tokens: [token-b-0123456789]}
                """, "test"));
        assertEquals("sellers[1].id", e.keyPath());
    }

    /** A bearer token opens one thing: a seller token shared with any other token or key is refused. */
    @ParameterizedTest
    @CsvSource({
        "admin-token-0123456789, tracking.adminToken",
        "app-api-key-0123456789, tracking.eventSources[0].apiKey",
        "report-token-0123456789, advertisers[0].reportToken",
        "token-a-0123456789, sellers[0].tokens[0]",
    })
    void aSellerTokenDiffersFromEveryOtherTokenAndKey(String token, String holder) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(OTHER_TOKENS + """
                sellers:
                  - {id: a, name: A, domain: a.com, type: BOTH, tokens: [token-a-0123456789]}
                  - {id: b, name: B, domain: b.com, type: BOTH, tokens: [%s]}
                """.formatted(token), "test"));
        assertEquals("sellers[1].tokens[0]", e.keyPath());
        assertTrue(e.getMessage().contains(holder), e.getMessage());
        assertFalse(e.getMessage().contains(token), "the message never shows the token: " + e.getMessage());
    }

    @Test
    void cidrsMatchTheirAddressesOnly() {
        SellerConfig.Cidr v4 = SellerConfig.parseCidr("x", "192.0.2.0/24");
        assertTrue(v4.contains(new byte[] {(byte) 192, 0, 2, 77}));
        assertFalse(v4.contains(new byte[] {(byte) 192, 0, 3, 77}));
        SellerConfig.Cidr v6 = SellerConfig.parseCidr("x", "2001:db8::/33");
        byte[] inside = new byte[16];
        inside[0] = 0x20;
        inside[1] = 0x01;
        inside[2] = 0x0d;
        inside[3] = (byte) 0xb8;
        inside[4] = 0x7f;
        assertTrue(v6.contains(inside));
        inside[4] = (byte) 0x80;
        assertFalse(v6.contains(inside));
        assertFalse(v6.contains(new byte[4]), "an IPv6 block never holds an IPv4 address");
        assertTrue(SellerConfig.parseCidr("x", "0.0.0.0/0").contains(new byte[] {1, 2, 3, 4}));
        assertTrue(SellerConfig.parseCidr("x", "127.0.0.1").contains(new byte[] {127, 0, 0, 1}));
    }

    @Test
    void secureUrlsAndContactAreValidated() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse("exchange:\n  securePublicUrl: http://a.example\n", "test"));
        assertEquals("exchange.securePublicUrl", e.keyPath());
        e = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse("exchange:\n  contactEmail: nobody\n", "test"));
        assertEquals("exchange.contactEmail", e.keyPath());
        assertNull(ConfigLoader.parse("exchange:\n  publicUrl: http://a.example\n", "test").exchange()
                .secureLinkUrl());
        assertEquals("https://a.example", ConfigLoader.parse("exchange:\n  publicUrl: https://a.example\n", "test")
                .exchange().secureLinkUrl());
        assertEquals("https://s.example", ConfigLoader.parse(
                "exchange:\n  publicUrl: http://a.example\n  securePublicUrl: https://s.example\n", "test")
                .exchange().secureLinkUrl());
    }
}
