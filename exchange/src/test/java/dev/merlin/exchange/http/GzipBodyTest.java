package dev.merlin.exchange.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.merlin.config.ConfigLoader;
import dev.merlin.config.MerlinConfig;
import dev.merlin.config.StoresConfig;
import dev.merlin.exchange.ExchangeRuntime;
import dev.merlin.exchange.metrics.ExchangeMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Compressed request bodies through the real pipeline on an {@link EmbeddedChannel}: a gzip or deflate body that is
 * truncated anywhere (in its header, mid-stream, before or inside its trailer) or corrupt (bad CRC, bad length,
 * garbage data) is a {@code 400} naming {@code bad_gzip}, counted, and the connection closes; a body that inflates
 * past {@code server.maxBodyBytes} is a {@code 413}, told apart by its type; a whole body works, on both endpoints.
 */
class GzipBodyTest {

    static final String APP_KEY = "demo-sakura-app-key-0001";
    static final String SELLER_TOKEN = "demo-ssp-token";
    static final byte[] BID = ("{\"id\":\"r1\",\"imp\":[{\"id\":\"1\",\"banner\":{\"w\":300,\"h\":250}}],"
            + "\"site\":{\"domain\":\"news.example\"}}").getBytes(StandardCharsets.UTF_8);
    static final byte[] EVENTS = ("{\"events\":[{\"user\":\"6d92078a-8246-4ba4-ae5b-76104861e7dc\","
            + "\"event\":\"video_watch\",\"category\":\"IAB17\",\"consent\":{\"country\":\"JPN\"}}]}")
            .getBytes(StandardCharsets.UTF_8);

    private final List<ByteBuf> sentBuffers = new ArrayList<>();
    private ExchangeMetrics metrics;
    private ExchangeRuntime runtime;
    private EmbeddedChannel channel;
    private int maxBodyBytes;

    @TempDir
    Path dataDir;

    @BeforeEach
    void open() {
        MerlinConfig config = ConfigLoader.loadDefault().withPort(0).withDataDir(dataDir.toString())
                .withStores(StoresConfig.small(10_000L)).validate();
        maxBodyBytes = config.server().maxBodyBytes();
        metrics = new ExchangeMetrics();
        runtime = ExchangeRuntime.open(config, metrics);
        channel = new EmbeddedChannel();
        runtime.newPipeline().configure(channel.pipeline());
    }

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
        runtime.close();
        for (ByteBuf buf : sentBuffers) {
            assertEquals(0, buf.refCnt(), "a request buffer written into the channel was not released");
        }
    }

    @AfterAll
    static void noLeaks() {
        assertTrue(RecordingLeakDetector.isInstalled(), "leak detector not installed: check the surefire argLine");
        assertEquals(List.of(), RecordingLeakDetector.collectLeaks());
    }

    /** Every broken body, by name, for both endpoints. */
    static Stream<Arguments> brokenBodies() {
        List<Arguments> cases = new ArrayList<>();
        for (String path : List.of("/openrtb2/auction", "/events")) {
            byte[] plain = path.equals("/events") ? EVENTS : BID;
            for (Broken broken : broken(plain)) {
                cases.add(Arguments.of(path, broken.name, broken.encoding, broken.body));
            }
        }
        return cases.stream();
    }

    record Broken(String name, String encoding, byte[] body) {
    }

    /** A body of {@code plain}, compressed and then broken in each way a client or a proxy can break it. */
    static List<Broken> broken(byte[] plain) {
        byte[] gz = gzip(plain);
        int n = gz.length;
        List<Broken> list = new ArrayList<>();
        list.add(new Broken("gzip cut inside its 10-byte header", "gzip", Arrays.copyOf(gz, 5)));
        list.add(new Broken("gzip of only its header", "gzip", Arrays.copyOf(gz, 10)));
        list.add(new Broken("gzip cut just after its header", "gzip", Arrays.copyOf(gz, 12)));
        list.add(new Broken("gzip cut mid-stream", "gzip", Arrays.copyOf(gz, n / 2)));
        list.add(new Broken("gzip without its trailer", "gzip", Arrays.copyOf(gz, n - 8)));
        list.add(new Broken("gzip with its CRC but no length", "gzip", Arrays.copyOf(gz, n - 4)));
        list.add(new Broken("gzip missing the trailer's last byte", "gzip", Arrays.copyOf(gz, n - 1)));
        byte[] badCrc = gz.clone();
        badCrc[n - 8] ^= 0x5A;
        list.add(new Broken("gzip with a bad CRC", "gzip", badCrc));
        byte[] badLength = gz.clone();
        badLength[n - 4] ^= 0x01;
        list.add(new Broken("gzip with a bad length", "gzip", badLength));
        byte[] garbage = Arrays.copyOf(gz, 10 + 32);
        Arrays.fill(garbage, 10, garbage.length, (byte) 0xFF); // block type 3: reserved, invalid
        list.add(new Broken("gzip with garbage after its header", "gzip", garbage));
        list.add(new Broken("gzip followed by more data", "gzip", concat(gz, "{}".getBytes(StandardCharsets.UTF_8))));
        list.add(new Broken("two gzip members, the second unread before", "gzip", concat(gz, gz)));
        byte[] badHeaderCrc = gzipWithHeaderFields(plain);
        badHeaderCrc[badHeaderCrc.length - (rawDeflate(plain).length + 8) - 1] ^= 0x01;
        list.add(new Broken("gzip with a bad header CRC-16", "gzip", badHeaderCrc));
        byte[] named = gzipWithHeaderFields(plain);
        list.add(new Broken("gzip cut inside its file name", "gzip", Arrays.copyOf(named, 10 + 2 + 3 + 4)));
        list.add(new Broken("not gzip at all", "gzip", plain));
        list.add(new Broken("an empty gzip body", "gzip", new byte[0]));
        byte[] zlib = deflate(plain, false);
        list.add(new Broken("deflate (zlib) without its Adler-32", "deflate", Arrays.copyOf(zlib, zlib.length - 4)));
        list.add(new Broken("deflate (zlib) cut mid-stream", "deflate", Arrays.copyOf(zlib, zlib.length / 2)));
        byte[] badAdler = zlib.clone();
        badAdler[zlib.length - 1] ^= 0x33;
        list.add(new Broken("deflate (zlib) with a bad Adler-32", "deflate", badAdler));
        byte[] raw = deflate(plain, true);
        list.add(new Broken("raw deflate cut mid-stream", "deflate", Arrays.copyOf(raw, raw.length / 2)));
        return list;
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("brokenBodies")
    void aBrokenCompressedBodyIs400BadGzipCountedAndCloses(String path, String name, String encoding, byte[] body) {
        Response r = send(post(path, body, encoding));
        assertEquals(400, r.status, name + ": " + r.body);
        assertTrue(r.body.startsWith("{\"error\":\"bad_gzip: "), r.body);
        assertEquals("close", r.connection, "the answer says the connection closes");
        assertFalse(channel.isOpen(), name + ": the connection is closed after the answer");
        assertEquals(1, metrics.httpErrors(400, "bad_gzip"));
    }

    @Test
    void aWholeGzipOrDeflateBodyWorksOnBothEndpointsAndTheConnectionCarriesOn() {
        assertAuctionRan(send(post("/openrtb2/auction", gzip(BID), "gzip")));
        assertAuctionRan(send(post("/openrtb2/auction", deflate(BID, false), "deflate")));
        assertAuctionRan(send(post("/openrtb2/auction", deflate(BID, true), "deflate")));
        Response events = send(post("/events", gzip(EVENTS), "gzip"));
        assertEquals(202, events.status, events.body);
        assertTrue(events.body.contains("\"accepted\":1"), events.body);
        assertEquals(202, send(post("/events", deflate(EVENTS, false), "x-deflate")).status);
        assertTrue(channel.isOpen());
        assertEquals(0, metrics.httpErrors(400, "bad_gzip"));
    }

    /** Extra field, file name, comment and header CRC are read and checked (RFC 1952), whatever the chunking. */
    @Test
    void aGzipHeaderWithEveryOptionalFieldWorksEvenOneByteAChunk() {
        byte[] body = gzipWithHeaderFields(BID);
        assertAuctionRan(send(post("/openrtb2/auction", body, "gzip")));
        assertAuctionRan(send(chunked("/openrtb2/auction", body, "gzip", 1)));
        assertAuctionRan(send(chunked("/openrtb2/auction", deflate(BID, false), "deflate", 1)));
        assertAuctionRan(send(chunked("/openrtb2/auction", deflate(BID, true), "deflate", 3)));
        assertTrue(channel.isOpen());
        assertEquals(0, metrics.httpErrors(400, "bad_gzip"));
    }

    @Test
    void aTruncatedChunkedGzipBodyIsBadGzip() {
        byte[] gz = gzip(BID);
        Response r = send(chunked("/openrtb2/auction", Arrays.copyOf(gz, gz.length - 3), "gzip", 7));
        assertEquals(400, r.status, r.body);
        assertTrue(r.body.startsWith("{\"error\":\"bad_gzip: "), r.body);
        assertFalse(channel.isOpen());
    }

    /** A pixel always answers its GIF: a GET's body, encoded or not, broken or empty, is never inflated. */
    @Test
    void aPixelWithAnEncodedBodyStillGetsItsGif() {
        for (byte[] body : List.of(new byte[0], Arrays.copyOf(gzip(BID), 12), gzip(BID))) {
            String head = "GET /px?pid=px-kaze&ev=page_view&country=JPN HTTP/1.1\r\nHost: x\r\n"
                    + "Content-Encoding: gzip\r\nContent-Length: " + body.length + "\r\n\r\n";
            byte[] request = concat(head.getBytes(StandardCharsets.ISO_8859_1), body);
            ByteBuf in = Unpooled.wrappedBuffer(request);
            sentBuffers.add(in);
            channel.writeInbound(in);
            channel.runPendingTasks();
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            ByteBuf chunk;
            while ((chunk = channel.readOutbound()) != null) {
                byte[] bytes = new byte[chunk.readableBytes()];
                chunk.readBytes(bytes);
                answer.writeBytes(bytes);
                chunk.release();
            }
            String text = answer.toString(StandardCharsets.ISO_8859_1);
            assertTrue(text.startsWith("HTTP/1.1 200 "), body.length + "-byte body: " + text);
            assertTrue(text.toLowerCase(Locale.ROOT).contains("content-type: image/gif"), text);
            assertTrue(text.endsWith(new String(new byte[] {0x3b}, StandardCharsets.ISO_8859_1)),
                    "the GIF's trailer byte ends the answer");
            assertTrue(channel.isOpen(), "the connection carries on");
        }
        assertEquals(0, metrics.httpErrors(400, "bad_gzip"));
    }

    /** Netty's decompressor also inflated snappy (and brotli, zstd where present): only gzip and deflate are read. */
    @Test
    void anotherContentEncodingIs415() {
        Response r = send(post("/openrtb2/auction", BID, "snappy"));
        assertEquals(415, r.status, r.body);
        assertTrue(channel.isOpen());
    }

    @Test
    void aBodyTruncatedAfterAWholeOneFailsOnlyItself() {
        assertAuctionRan(send(post("/openrtb2/auction", gzip(BID), "gzip")));
        byte[] gz = gzip(BID);
        Response r = send(post("/openrtb2/auction", Arrays.copyOf(gz, gz.length - 8), "gzip"));
        assertEquals(400, r.status, r.body);
        assertFalse(channel.isOpen());
    }

    /** The size limit is its own exception type: a bomb is a 413 counted as too large, never as bad gzip. */
    @Test
    void aBodyThatInflatesPastTheLimitIs413NotBadGzip() {
        byte[] bomb = gzip(new byte[maxBodyBytes * 4]);
        assertTrue(bomb.length < maxBodyBytes / 8, "a bomb: small on the wire");
        Response r = send(post("/openrtb2/auction", bomb, "gzip"));
        assertEquals(413, r.status, r.body);
        assertTrue(r.body.contains("larger than " + maxBodyBytes + " bytes"), r.body);
        assertEquals(1, metrics.httpErrors(413, "body_too_large"));
        assertEquals(0, metrics.httpErrors(400, "bad_gzip"));
        assertFalse(channel.isOpen(), "a body that grew past the limit has no safe end: close");
    }

    @Test
    void aBodyThatInflatesToExactlyTheLimitIsNotTooLarge() {
        byte[] exact = new byte[maxBodyBytes];
        Arrays.fill(exact, (byte) ' ');
        exact[0] = '{';
        exact[maxBodyBytes - 1] = '}';
        Response r = send(post("/openrtb2/auction", gzip(exact), "gzip"));
        assertEquals(400, r.status, r.body); // the JSON is incomplete, but it was read whole
        assertFalse(r.body.contains("bad_gzip"), r.body);
        assertEquals(0, metrics.httpErrors(413, "body_too_large"));
    }

    /** A bomb on {@code /events} as well: the limit holds in front of every endpoint. */
    @Test
    void aBombOnEventsIs413() {
        Response r = send(post("/events", gzip(new byte[maxBodyBytes + 1]), "gzip"));
        assertEquals(413, r.status, r.body);
        assertFalse(channel.isOpen());
    }

    // --- plumbing ---

    /** The demo campaigns may or may not bid on the sample: either way the request was read whole. */
    private static void assertAuctionRan(Response r) {
        assertTrue(r.status == 200 || r.status == 204, r.status + " " + r.body);
    }

    static byte[] post(String path, byte[] body, String encoding) {
        String auth = path.equals("/events") ? APP_KEY : SELLER_TOKEN;
        String head = "POST " + path + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + auth + "\r\n"
                + "Content-Type: application/json\r\nContent-Encoding: " + encoding + "\r\n"
                + "Content-Length: " + body.length + "\r\n\r\n";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(head.getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes(body);
        return out.toByteArray();
    }

    static byte[] chunked(String path, byte[] body, String encoding, int chunkBytes) {
        String auth = path.equals("/events") ? APP_KEY : SELLER_TOKEN;
        String head = "POST " + path + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + auth + "\r\n"
                + "Content-Type: application/json\r\nContent-Encoding: " + encoding + "\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(head.getBytes(StandardCharsets.ISO_8859_1));
        for (int i = 0; i < body.length; i += chunkBytes) {
            int n = Math.min(chunkBytes, body.length - i);
            out.writeBytes((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.write(body, i, n);
            out.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
        }
        out.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        return out.toByteArray();
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    static byte[] rawDeflate(byte[] data) {
        return deflate(data, true);
    }

    /**
     * A gzip member whose header carries every optional field: FEXTRA (4 bytes), FNAME "bid", FCOMMENT "c" and
     * FHCRC, laid out by hand after RFC 1952 (java.util.zip writes none of them).
     */
    static byte[] gzipWithHeaderFields(byte[] data) {
        ByteArrayOutputStream header = new ByteArrayOutputStream();
        header.writeBytes(new byte[] {0x1f, (byte) 0x8b, 8, 0x02 | 0x04 | 0x08 | 0x10, 0, 0, 0, 0, 0, (byte) 255});
        header.writeBytes(new byte[] {4, 0, 'a', 'b', 1, 2});
        header.writeBytes(new byte[] {'b', 'i', 'd', 0});
        header.writeBytes(new byte[] {'c', 0});
        CRC32 crc = new CRC32();
        crc.update(header.toByteArray());
        header.write((int) crc.getValue() & 0xff);
        header.write((int) (crc.getValue() >> 8) & 0xff);
        header.writeBytes(rawDeflate(data));
        crc.reset();
        crc.update(data);
        long[] trailer = {crc.getValue(), data.length};
        for (long value : trailer) {
            for (int i = 0; i < 4; i++) {
                header.write((int) (value >> (8 * i)) & 0xff);
            }
        }
        return header.toByteArray();
    }

    static byte[] gzip(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return out.toByteArray();
    }

    static byte[] deflate(byte[] data, boolean raw) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (DeflaterOutputStream z = new DeflaterOutputStream(out, new Deflater(Deflater.DEFAULT_COMPRESSION, raw))) {
            z.write(data);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return out.toByteArray();
    }

    private Response send(byte[] request) {
        ByteBuf in = Unpooled.wrappedBuffer(request);
        sentBuffers.add(in);
        channel.writeInbound(in);
        channel.runPendingTasks();
        StringBuilder out = new StringBuilder();
        ByteBuf chunk;
        while ((chunk = channel.readOutbound()) != null) {
            out.append(chunk.toString(StandardCharsets.UTF_8));
            chunk.release();
        }
        return Response.parse(out.toString());
    }

    /** One answer: status, the Connection header, body. */
    private record Response(int status, String connection, String body) {
        static Response parse(String text) {
            assertTrue(text.startsWith("HTTP/1.1 "), "no answer: " + text);
            int headEnd = text.indexOf("\r\n\r\n");
            String connection = null;
            for (String line : text.substring(0, headEnd).split("\r\n")) {
                if (line.regionMatches(true, 0, "connection:", 0, 11)) {
                    connection = line.substring(11).trim();
                }
            }
            String rest = text.substring(headEnd + 4);
            assertFalse(rest.contains("HTTP/1.1 "), "one answer only: " + text);
            return new Response(Integer.parseInt(text.substring(9, 12)), connection, rest);
        }
    }
}
