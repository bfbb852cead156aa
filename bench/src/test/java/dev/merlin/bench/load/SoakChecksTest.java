package dev.merlin.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.merlin.config.ConfigLoader;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/** The soak's pass criteria catch what they are for, and the mix reads what Merlin writes. */
class SoakChecksTest {

    private static final long MIB = 1 << 20;

    @Test
    void aSteadyRunPassesEveryCheck() {
        Checks checks = SoakRun.evaluate(result(2, 2, Map.of()), List.of(sample(0, 40 * MIB, 48, 32, 9 * MIB),
                sample(60, 41 * MIB, 48, 33, 9 * MIB)), List.of(), 1000);
        assertTrue(checks.isAllPass(), checks.table());
    }

    @Test
    void growthLatencyAndErrorsEachFailTheirCheck() {
        Checks checks = SoakRun.evaluate(result(2, 4, Map.of("pixel 400", 1L)), List.of(
                sample(0, 40 * MIB, 48, 32, 9 * MIB), sample(60, 45 * MIB, 60, 40, 20 * MIB)), List.of(), 1000);
        assertEquals(List.of("errors (wrong answers, timeouts, resets)", "p99 last window vs first",
                "heap after GC, last vs first", "file descriptors", "threads",
                "direct memory (JVM direct buffer pool)"), checks.all().stream().filter(c -> !c.isPass())
                .map(Checks.Check::name).toList(), checks.table());
    }

    @Test
    void withoutJvmSamplesTheMemoryChecksFail() {
        Checks checks = SoakRun.evaluate(result(2, 2, Map.of()), List.of(), List.of("attach refused"), 1000);
        assertEquals(4, checks.failures().size(), checks.table());
    }

    @Test
    void theClickLinkIsFoundInEveryKindOfMarkup() {
        String link = "http://127.0.0.1:8080/click?rid=r1&iid=1&c=c&cr=cr&sig=ab";
        assertEquals(link, SoakMix.clickLink("<a href=\"" + link + "\" target=\"_blank\"><img/></a>"));
        assertEquals(link, SoakMix.clickLink("<ClickThrough><![CDATA[" + link + "]]></ClickThrough>"));
        assertEquals(link, SoakMix.clickLink("{\"native\":{\"link\":{\"url\":\"" + link + "\"}}}"));
        assertNull(SoakMix.clickLink("<img src=\"https://cdn.example/x.png\"/>"));
    }

    @Test
    void everyAuctionGetsAFreshTopLevelIdAndNothingElseChanges() {
        byte[] body = "{\"imp\":[{\"id\":\"1\"}],\"id\":\"a\\\"b\",\"site\":{\"id\":\"s\"}}"
                .getBytes(StandardCharsets.UTF_8);
        RequestCorpus corpus = new RequestCorpus("t", List.of("t.json"), List.of(body), List.of());
        SoakMix mix = new SoakMix(corpus, 8080, "x", 0.15, null);
        RequestMix.Sent sent = mix.next(0);
        try {
            assertEquals("{\"imp\":[{\"id\":\"1\"}],\"id\":\"x-0\",\"site\":{\"id\":\"s\"}}",
                    sent.request().content().toString(StandardCharsets.UTF_8));
            assertEquals("Bearer demo-ssp-token", sent.request().headers().get("Authorization"));
        } finally {
            sent.request().release();
        }
    }

    /**
     * A ten-minute soak sends about 50,000 event batches: every value stays within what the embedded config accepts
     * (a value above {@code tracking.maxConversionValue} rejects the event, and the soak counted each as an error).
     */
    @Test
    void appEventValuesStayWithinTheEmbeddedConfigsBoundForALongSoak() {
        double bound = ConfigLoader.loadDefault().tracking().maxConversionValue();
        byte[] body = "{\"id\":\"r\",\"imp\":[{\"id\":\"1\"}]}".getBytes(StandardCharsets.UTF_8);
        SoakMix mix = new SoakMix(new RequestCorpus("t", List.of("t.json"), List.of(body), List.of()), 8080, "x",
                0.15, null);
        long events = 0;
        Set<Long> firstValues = new HashSet<>();
        for (long index = 0; index < 1_000_000; index++) {
            RequestMix.Sent sent = mix.next(index);
            sent.request().release();
            if (sent.kind() == RequestMix.Kind.EVENTS) {
                for (long value : (long[]) sent.note()) {
                    assertTrue(value >= 1 && value <= bound, "value " + value + " of event " + events);
                    if (events++ < SoakMix.MAX_EVENT_VALUE) {
                        assertTrue(firstValues.add(value), "value " + value + " repeated at event " + events);
                    }
                }
            }
        }
        assertTrue(events > SoakMix.MAX_EVENT_VALUE, "events " + events);
    }

    /** With more answers than notice slots (the usual case), every win notice fired still has its bill. */
    @Test
    void everyWinIsFiredWithItsBillWhenAnswersOutpaceNoticeSlots() {
        byte[] body = "{\"id\":\"r\",\"imp\":[{\"id\":\"1\"}]}".getBytes(StandardCharsets.UTF_8);
        SoakMix mix = new SoakMix(new RequestCorpus("t", List.of("t.json"), List.of(body), List.of()), 8080, "x",
                0.15, null);
        String link = "http://127.0.0.1:8080/%s?rid=r&iid=1&c=c&cr=cr&bt=1&bp=1000000&bc=USD&np=1&sig=s"
                + "&price=${AUCTION_PRICE}";
        String answer = "{\"id\":\"r\",\"cur\":\"USD\",\"seatbid\":[{\"bid\":[{\"price\":1.0,\"nurl\":\""
                + link.formatted("win") + "\",\"burl\":\"" + link.formatted("bill") + "\",\"lurl\":\""
                + link.formatted("loss") + "\",\"adm\":\"<a href='" + link.formatted("click") + "'>\"}]}]}";
        RequestMix.Sent auction = mix.next(0);
        auction.request().release();
        Map<RequestMix.Kind, Integer> fired = new EnumMap<>(RequestMix.Kind.class);
        long noticeSlot = 3; // slot 3 of every 20 is a notice
        // as in the soak: 11 auction answers for every 3 notice slots, for long enough that the queue fills
        for (int i = 0; i < 11 * SoakMix.MAX_PENDING; i++) {
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                    Unpooled.copiedBuffer(answer, StandardCharsets.UTF_8));
            try {
                assertTrue(mix.onAnswer(auction, response));
            } finally {
                response.release();
            }
            if (i % 11 < 3) {
                RequestMix.Sent sent = mix.next(noticeSlot);
                noticeSlot += 20;
                fired.merge(sent.kind(), 1, Integer::sum);
                if (sent.kind() == RequestMix.Kind.WIN || sent.kind() == RequestMix.Kind.BILL) {
                    assertTrue(sent.request().uri().contains("price=0.8"), sent.request().uri());
                }
                sent.request().release();
            }
        }
        assertTrue(fired.getOrDefault(RequestMix.Kind.WIN, 0) > 100, fired.toString());
        assertTrue(Math.abs(fired.get(RequestMix.Kind.WIN) - fired.getOrDefault(RequestMix.Kind.BILL, 0)) <= 1,
                fired.toString());
        assertTrue(fired.getOrDefault(RequestMix.Kind.LOSS, 0) > 0, fired.toString());
    }

    private static StepResult result(double firstP99Millis, double lastP99Millis, Map<String, Long> unexpected) {
        Histogram first = new Histogram(3);
        Histogram last = new Histogram(3);
        for (int i = 0; i < 100; i++) {
            first.recordValue((long) (firstP99Millis * 1e6));
            last.recordValue((long) (lastP99Millis * 1e6));
        }
        Histogram total = new Histogram(3);
        total.add(first);
        total.add(last);
        return new StepResult("soak", 1000, 4, 1, 120, 120_000, 120_000, 1000, total, Map.of(200, 120_000L),
                Map.of(), unexpected, List.of(first, last), null, null);
    }

    private static JvmProbe.Sample sample(double at, long heap, int fds, int threads, long direct) {
        return new JvmProbe.Sample(at, heap, direct, 35, 0, threads, fds, 1000 * MIB, 1.0);
    }
}
