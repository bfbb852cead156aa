package dev.merlin.exchange.privacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.merlin.exchange.auction.UserKeys;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import com.sun.management.ThreadMXBean;

/** The keyed user hash: SipHash-2-4 over UTF-16LE, stable per key, unlike any other key's, allocation-free. */
class UserHashTest {

    private static final String IFA = "6d92078a-8246-4ba4-ae5b-76104861e7dc";

    @TempDir
    Path dataDir;

    @Test
    void itIsSipHash24OfTheUtf16LeBytes() {
        byte[] key = new byte[16];
        for (int i = 0; i < 16; i++) {
            key[i] = (byte) i;
        }
        byte[] message = new byte[15];
        for (int i = 0; i < 15; i++) {
            message[i] = (byte) i;
        }
        // the reference implementation's vector for a 15-byte message under key 00..0f (the SipHash paper, App. A)
        assertEquals(0xa129ca6149be45e5L, sipHash(key, message));
        ByteBuffer k = ByteBuffer.wrap(key).order(ByteOrder.LITTLE_ENDIAN);
        UserHash hash = new UserHash(k.getLong(0), k.getLong(8));
        Random random = new Random(7);
        for (int length = 0; length < 40; length++) {
            char[] chars = new char[length];
            for (int i = 0; i < length; i++) {
                chars[i] = (char) random.nextInt(0xd800);
            }
            String text = new String(chars);
            long expected = sipHash(key, text.getBytes(StandardCharsets.UTF_16LE));
            assertEquals(expected == 0 ? 1 : expected, hash.hash(text), "length " + length);
        }
        assertEquals(0, hash.hash(null));
    }

    @Test
    void theSameKeyFileGivesTheSameHashAfterARestartAndAnotherSecretAnother() throws Exception {
        long first = IdentityKeys.load((String) null, dataDir).userHash().hash(IFA);
        assertEquals(1, Files.list(dataDir).filter(p -> p.getFileName().toString().equals(IdentityKeys.FILE))
                .count(), "the generated secret is kept");
        long afterRestart = IdentityKeys.load((String) null, dataDir).userHash().hash(IFA);
        assertEquals(first, afterRestart);
        long configured = IdentityKeys.load("a-configured-identity-secret-0123456789", dataDir).userHash().hash(IFA);
        assertNotEquals(first, configured);
        assertEquals(configured,
                IdentityKeys.load("a-configured-identity-secret-0123456789", dataDir).userHash().hash(IFA));
        assertNotEquals(configured,
                IdentityKeys.load("another-configured-identity-secret-01234", dataDir).userHash().hash(IFA));
        assertNotEquals(fnv1a(IFA), first, "not the unkeyed FNV-1a anyone can compute from a candidate IFA");
    }

    @Test
    void hashingAllocatesNothing() {
        Object bean = ManagementFactory.getThreadMXBean();
        assumeTrue(bean instanceof ThreadMXBean);
        ThreadMXBean threads = (ThreadMXBean) bean;
        assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());
        UserHash hash = IdentityKeys.of("allocation-test-secret".getBytes(StandardCharsets.UTF_8)).userHash();
        long sink = 0;
        for (int i = 0; i < 50_000; i++) {
            sink += hash.hash(IFA) + (UserKeys.isSentinel(IFA) ? 1 : 0);
        }
        long id = Thread.currentThread().getId();
        long fewest = Long.MAX_VALUE;
        for (int round = 0; round < 5 && fewest > 0; round++) {
            long before = threads.getThreadAllocatedBytes(id);
            for (int i = 0; i < 100_000; i++) {
                sink += hash.hash(IFA) + (UserKeys.isSentinel(IFA) ? 1 : 0);
            }
            long probe = threads.getThreadAllocatedBytes(id);
            fewest = Math.min(fewest, probe - before - (threads.getThreadAllocatedBytes(id) - probe));
        }
        assertEquals(0.0, fewest / 100_000.0, 0.01, "bytes per hash; sink " + sink);
    }

    /** The unkeyed hash links carried before: what an attacker with candidate IFAs computes. */
    private static long fnv1a(String key) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < key.length(); i++) {
            h ^= key.charAt(i);
            h *= 0x100000001b3L;
        }
        return h == 0 ? 1 : h;
    }

    /** SipHash-2-4 over bytes, straight from the paper, to check the char-wise version against. */
    private static long sipHash(byte[] key, byte[] message) {
        ByteBuffer k = ByteBuffer.wrap(key).order(ByteOrder.LITTLE_ENDIAN);
        long k0 = k.getLong(0);
        long k1 = k.getLong(8);
        long[] v = {k0 ^ 0x736f6d6570736575L, k1 ^ 0x646f72616e646f6dL, k0 ^ 0x6c7967656e657261L,
            k1 ^ 0x7465646279746573L};
        int blocks = message.length / 8;
        ByteBuffer m = ByteBuffer.wrap(message).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < blocks; i++) {
            long word = m.getLong(i * 8);
            v[3] ^= word;
            rounds(v, 2);
            v[0] ^= word;
        }
        long last = (long) (message.length & 0xff) << 56;
        for (int i = blocks * 8; i < message.length; i++) {
            last |= (message[i] & 0xffL) << (8 * (i - blocks * 8));
        }
        v[3] ^= last;
        rounds(v, 2);
        v[0] ^= last;
        v[2] ^= 0xff;
        rounds(v, 4);
        return v[0] ^ v[1] ^ v[2] ^ v[3];
    }

    private static void rounds(long[] v, int n) {
        for (int r = 0; r < n; r++) {
            v[0] += v[1]; v[1] = Long.rotateLeft(v[1], 13); v[1] ^= v[0]; v[0] = Long.rotateLeft(v[0], 32);
            v[2] += v[3]; v[3] = Long.rotateLeft(v[3], 16); v[3] ^= v[2];
            v[0] += v[3]; v[3] = Long.rotateLeft(v[3], 21); v[3] ^= v[0];
            v[2] += v[1]; v[1] = Long.rotateLeft(v[1], 17); v[1] ^= v[2]; v[2] = Long.rotateLeft(v[2], 32);
        }
    }
}
