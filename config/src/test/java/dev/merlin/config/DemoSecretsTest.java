package dev.merlin.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code server.host}: the demo listens on loopback; a public host with a published demo secret is refused. */
class DemoSecretsTest {

    @Test
    void theEmbeddedDemoListensOnLoopbackOnly() {
        MerlinConfig demo = ConfigLoader.loadDefault().validate();
        assertEquals("127.0.0.1", demo.server().host());
        assertTrue(demo.server().isLoopbackHost());
        assertEquals("127.0.0.1", ServerConfig.defaults().host(), "a config without server.host: loopback too");
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "127.1.2.3", "localhost", "LOCALHOST", "::1", "[::1]", "0:0:0:0:0:0:0:1"})
    void loopbackHostsKeepTheDemoSecrets(String host) {
        assertTrue(ConfigLoader.loadDefault().withHost(host).validate().server().isLoopbackHost(), host);
    }

    @ParameterizedTest
    @ValueSource(strings = {"0.0.0.0", "::", "10.0.0.5", "exchange.example", "128.0.0.1"})
    void aPublicHostWithTheDemoSecretsIsRefusedNamingEachPath(String host) {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.loadDefault().withHost(host).validate());
        String message = e.getMessage();
        assertTrue(message.contains("server.host"), message);
        assertTrue(message.contains(host), message);
        for (String path : List.of("tracking.adminToken", "tracking.eventSources[0].apiKey",
                "tracking.eventSources[1].apiKey", "advertisers[0].reportToken")) {
            assertTrue(message.contains(path), path + " in " + message);
        }
        assertTrue(message.contains("published demo secret"), message);
    }

    @Test
    void eachKnownDemoSecretAloneIsEnoughToRefuse() {
        String yaml = "server: {host: 0.0.0.0}\n";
        assertEquals("0.0.0.0", ConfigLoader.parse(yaml, "test").validate().server().host(),
                "a public host with no demo secret starts");
        assertThrows(ConfigException.class, () -> ConfigLoader.parse(yaml
                + "tracking: {adminToken: demo-admin-token-change-me}\n", "test").validate());
        ConfigException notice = assertThrows(ConfigException.class, () -> ConfigLoader.parse(yaml
                + "exchange: {noticeSecret: demo-notice-secret-change-me-0000000000}\n", "test").validate());
        assertTrue(notice.getMessage().contains("exchange.noticeSecret"), notice.getMessage());
        ConfigException identity = assertThrows(ConfigException.class, () -> ConfigLoader.parse(yaml
                + "privacy: {identitySecret: demo-identity-secret-change-me-00000000}\n", "test").validate());
        assertTrue(identity.getMessage().contains("privacy.identitySecret"), identity.getMessage());
        assertTrue(DemoSecrets.KNOWN.contains("demo-ssp-token"), "the demo seller's token is in the one list");
        assertFalse(ConfigLoader.parse(yaml + "tracking: {adminToken: my-own-admin-token-0123456789}\n", "test")
                .validate().server().isLoopbackHost());
    }

    @Test
    void aMalformedHostNamesItsPath() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse("server: {host: 'a b'}\n", "test").validate());
        assertTrue(e.getMessage().contains("server.host"), e.getMessage());
    }
}
