package dev.merlin.exchange.dsp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.merlin.exchange.http.RecordingLeakDetector;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.DataFormatException;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link GzipBodies}: its members read by the JDK, the JDK's read by it, and every malformed or oversized member. */
class GzipBodiesTest {

    private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;
    private final GzipBodies gzip = new GzipBodies();

    @AfterEach
    void noLeaks() {
        assertTrue(RecordingLeakDetector.isInstalled(), "leak detector not installed: check the surefire argLine");
        assertEquals(List.of(), RecordingLeakDetector.collectLeaks());
    }

    @Test
    void compressedBodiesReadBackWithTheJdk() throws IOException {
        SplittableRandom random = new SplittableRandom(7);
        for (int size : new int[] {0, 1, 100, 4096, 100_000}) {
            byte[] plain = new byte[size];
            for (int i = 0; i < size; i++) {
                plain[i] = (byte) ('a' + random.nextInt(6));
            }
            ByteBuf body = ALLOC.directBuffer().writeBytes(plain);
            ByteBuf member = gzip.compress(ALLOC, body);
            assertEquals(0, body.refCnt(), "the body is released");
            byte[] compressed = ByteBufUtil.getBytes(member);
            member.release();
            try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(compressed))) {
                assertArrayEquals(plain, in.readAllBytes(), "size " + size);
            }
        }
    }

    @Test
    void jdkMembersInflate() throws DataFormatException {
        byte[] plain = "{\"id\":\"1\",\"seatbid\":[]}".repeat(100).getBytes(StandardCharsets.UTF_8);
        assertArrayEquals(plain, inflate(StubDsp.gzip(plain), 1 << 20));
    }

    @Test
    void optionalHeaderFieldsAreSkipped() throws DataFormatException {
        byte[] plain = "hello dsp".getBytes(StandardCharsets.UTF_8);
        byte[] jdk = StubDsp.gzip(plain);
        byte[] extra = {2, 0, 'x', 'y'};
        byte[] name = {'a', '.', 'j', 's', 'o', 'n', 0};
        byte[] comment = {'c', 0};
        byte[] headerCrc = {0, 0};
        ByteBuf member = Unpooled.buffer();
        member.writeBytes(jdk, 0, 3).writeByte(4 | 8 | 16 | 2).writeBytes(jdk, 4, 6);
        member.writeBytes(extra).writeBytes(name).writeBytes(comment).writeBytes(headerCrc);
        member.writeBytes(jdk, 10, jdk.length - 10);
        assertArrayEquals(plain, inflate(ByteBufUtil.getBytes(member), 1 << 10));
    }

    @Test
    void aBombInflatesNoFurtherThanTheLimit() throws DataFormatException {
        byte[] bomb = StubDsp.gzip(new byte[10 << 20]);
        assertTrue(bomb.length < 20_000, "10 MB of zeros gzip to " + bomb.length + " bytes");
        ByteBuf member = Unpooled.wrappedBuffer(bomb);
        assertNull(gzip.inflate(ALLOC, member, 1 << 20));
    }

    @Test
    void exactlyTheLimitInflates() throws DataFormatException {
        assertEquals(1000, inflate(StubDsp.gzip(new byte[1000]), 1000).length);
        ByteBuf member = Unpooled.wrappedBuffer(StubDsp.gzip(new byte[1001]));
        assertNull(gzip.inflate(ALLOC, member, 1000));
    }

    @Test
    void malformedMembersAreRefused() {
        byte[] good = StubDsp.gzip("{\"id\":\"1\"}".getBytes(StandardCharsets.UTF_8));
        byte[] badCrc = good.clone();
        badCrc[good.length - 8] ^= 1;
        byte[] badSize = good.clone();
        badSize[good.length - 1] ^= 1;
        byte[] badMagic = good.clone();
        badMagic[0] = 0x1e;
        byte[] truncated = Arrays.copyOf(good, good.length - 9);
        byte[] trailing = Arrays.copyOf(good, good.length + 3);
        byte[] corrupt = good.clone();
        corrupt[12] = (byte) 0xff;
        byte[] unterminatedName = {0x1f, (byte) 0x8b, 8, 8, 0, 0, 0, 0, 0, 0, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'};
        for (byte[] member : new byte[][] {badCrc, badSize, badMagic, truncated, trailing, corrupt, unterminatedName,
                {0x1f, (byte) 0x8b}}) {
            ByteBuf buf = Unpooled.wrappedBuffer(member);
            assertThrows(DataFormatException.class, () -> gzip.inflate(ALLOC, buf, 1 << 20));
        }
        assertArrayEquals("{\"id\":\"1\"}".getBytes(StandardCharsets.UTF_8), assertDoesInflate(good),
                "the inflater is usable after failures");
    }

    private byte[] assertDoesInflate(byte[] member) {
        try {
            return inflate(member, 1 << 20);
        } catch (DataFormatException e) {
            throw new AssertionError(e);
        }
    }

    private byte[] inflate(byte[] member, int maxBytes) throws DataFormatException {
        ByteBuf out = gzip.inflate(ALLOC, Unpooled.wrappedBuffer(member), maxBytes);
        try {
            return ByteBufUtil.getBytes(out);
        } finally {
            out.release();
        }
    }
}
