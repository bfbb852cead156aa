package dev.merlin.exchange.tracking;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code GET /click} over loopback: a 302 to the landing page the creative declares, whatever else the URL carries;
 * 404 and no redirect at all for anything Merlin did not serve.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClickIT {

    private static final String KAZE_CLICK = "/click?rid=r1&iid=1&c=kaze-sports-fans-apac&cr=kaze-run-300x250";

    @TempDir
    Path dataDir;
    private LoopbackExchange exchange;

    @BeforeEach
    void start() throws InterruptedException {
        exchange = new LoopbackExchange(dataDir);
    }

    @AfterEach
    void stop() {
        exchange.close();
    }

    @Test
    void aClickRedirectsToTheCreativesLandingPage() throws Exception {
        HttpResponse<byte[]> response = exchange.get(KAZE_CLICK);
        assertEquals(302, response.statusCode());
        assertEquals("https://kaze.example/run", response.headers().firstValue("location").orElse(null));
        assertEquals("no-store", response.headers().firstValue("cache-control").orElse(null));
        HttpResponse<byte[]> northwind = exchange.get("/click?rid=r2&iid=1&c=northwind-travel-intenders"
                + "&cr=northwind-retarget-300x250");
        assertEquals(302, northwind.statusCode());
        assertEquals("https://northwind.example/your-trip", northwind.headers().firstValue("location").orElse(null));
        assertEquals(2, exchange.server().metrics().notices("click", "redirected"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "&url=https://evil.example",
        "&url=https%3A%2F%2Fevil.example%2Fphish",
        "&redirect=https://evil.example&landingPage=https://evil.example&u=https://evil.example",
        "&cr=https://evil.example",
        "&c=https://evil.example",
    })
    void extraParametersNeverChooseTheTarget(String extra) throws Exception {
        HttpResponse<byte[]> response = exchange.get(KAZE_CLICK + extra);
        assertEquals(302, response.statusCode());
        assertEquals("https://kaze.example/run", response.headers().firstValue("location").orElse(null),
                "only the configured landing page");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "/click",
        "/click?url=https://evil.example",
        "/click?c=kaze-sports-fans-apac",
        "/click?cr=kaze-run-300x250",
        "/click?c=no-such-campaign&cr=kaze-run-300x250&url=https://evil.example",
        "/click?c=kaze-sports-fans-apac&cr=no-such-creative&url=https://evil.example",
        "/click?c=kaze-sports-fans-apac&cr=northwind-300x250",
        "/click?c=kaze-sports-fans-apac&cr=",
        "/click?c=&cr=kaze-run-300x250",
        "/click?cr=kaze-run-300x250&c=https://evil.example",
    })
    void anythingMerlinDidNotServeIs404WithoutRedirect(String uri) throws Exception {
        HttpResponse<byte[]> response = exchange.get(uri);
        assertEquals(404, response.statusCode(), uri);
        assertFalse(response.headers().firstValue("location").isPresent(), "no Location header at all");
        assertEquals(0, exchange.server().metrics().notices("click", "redirected"));
    }

    @Test
    void aClickIsGetOnly() throws Exception {
        assertEquals(405, exchange.post(KAZE_CLICK, "").statusCode());
    }
}
