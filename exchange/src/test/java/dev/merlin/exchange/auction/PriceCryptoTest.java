package dev.merlin.exchange.auction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.management.ThreadMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Base64;
import java.util.Random;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.agrona.ExpandableArrayBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link PriceCrypto} is Google's price encryption: it reproduces the published test vector, matches the scheme
 * computed with {@code javax.crypto.Mac}, reads back what it wrote, and refuses a message altered anywhere.
 */
class PriceCryptoTest {

    // the test vector of google/openrtb-doubleclick's DoubleClickCryptoTest (market-facts.md)
    private static final byte[] E_KEY = Base64.getUrlDecoder().decode("sIxwz7yw62yrfoLGt12lIHKuYrK_S5kLuApI2BQe7Ac=");
    private static final byte[] I_KEY = Base64.getUrlDecoder().decode("v3fsVcMBMMHYzRhi7SpM0sdqwzvAxM6KPTu9OtVod5I=");
    private static final long IV_HIGH = 0xE679B0BE000CD140L;
    private static final long IV_LOW = 0x0123456789ABCDEFL;
    private static final String VECTOR = "5nmwvgAM0UABI0VniavN72_sy3T6V9ohlpvOpA";

    private final PriceCrypto crypto = new PriceCrypto(E_KEY, I_KEY);

    @Test
    void encryptsThePublishedTestVector() {
        assertEquals(VECTOR, crypto.encrypt(1_200_000L, IV_HIGH, IV_LOW));
        assertEquals(PriceCrypto.ENCODED_LENGTH, VECTOR.length());
        assertEquals(1_200_000L, crypto.decrypt(VECTOR));
        assertEquals(1_200_000L, crypto.decrypt(VECTOR + "=="), "the padded form reads the same");
    }

    @Test
    void writesTheSameIntoATextCursorAndAStringBuilder() {
        ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(64);
        TextCursor out = new TextCursor().wrap(buffer, 3, 100, true);
        assertEquals(PriceCrypto.ENCODED_LENGTH, crypto.write(out, 1_200_000L, IV_HIGH, IV_LOW));
        assertEquals(VECTOR, buffer.getStringWithoutLengthAscii(3, out.position() - 3));
        StringBuilder builder = new StringBuilder("x=");
        assertEquals("x=" + VECTOR, crypto.encrypt(1_200_000L, IV_HIGH, IV_LOW, builder).toString());
    }

    @Test
    void randomPricesAndNoncesRoundTripAndMatchTheReference() throws GeneralSecurityException {
        Random random = new Random(11);
        for (int i = 0; i < 2_000; i++) {
            long micros = i % 3 == 0 ? random.nextLong() : Math.abs(random.nextLong() % 1_000_000_000_000L);
            long ivHigh = random.nextLong();
            long ivLow = random.nextLong();
            String encrypted = crypto.encrypt(micros, ivHigh, ivLow);
            assertEquals(reference(micros, ivHigh, ivLow), encrypted);
            assertEquals(micros, crypto.decrypt(encrypted));
        }
    }

    @ParameterizedTest(name = "keys of {0} bytes")
    @ValueSource(ints = {1, 20, 32, 64, 65, 100})
    void keysOfAnyLengthAreHmacKeys(int keyBytes) throws GeneralSecurityException {
        Random random = new Random(keyBytes);
        byte[] eKey = new byte[keyBytes];
        byte[] iKey = new byte[keyBytes];
        random.nextBytes(eKey);
        random.nextBytes(iKey);
        assertEquals(reference(eKey, iKey, 4_321L, 7L, 9L), new PriceCrypto(eKey, iKey).encrypt(4_321L, 7L, 9L));
    }

    @Test
    void refusesAMessageWithAnyByteFlipped() {
        byte[] message = Base64.getUrlDecoder().decode(VECTOR);
        for (int at = 0; at < message.length; at++) {
            for (int bit = 0; bit < 8; bit++) {
                byte[] tampered = message.clone();
                tampered[at] ^= (byte) (1 << bit);
                String encoded = Base64.getUrlEncoder().withoutPadding().encodeToString(tampered);
                assertThrows(IllegalArgumentException.class, () -> crypto.decrypt(encoded),
                        "byte " + at + " bit " + bit);
            }
        }
    }

    @Test
    void refusesOtherKeysBadLengthsAndNonBase64() {
        byte[] otherKey = E_KEY.clone();
        otherKey[0] ^= 1;
        assertThrows(IllegalArgumentException.class, () -> new PriceCrypto(E_KEY, otherKey).decrypt(VECTOR));
        assertThrows(IllegalArgumentException.class, () -> new PriceCrypto(otherKey, I_KEY).decrypt(VECTOR));
        assertThrows(IllegalArgumentException.class, () -> crypto.decrypt(VECTOR.substring(0, 36)));
        assertThrows(IllegalArgumentException.class, () -> crypto.decrypt(VECTOR + "AAAA"));
        assertThrows(IllegalArgumentException.class, () -> crypto.decrypt(""));
        assertThrows(IllegalArgumentException.class, () -> crypto.decrypt(VECTOR.replace('_', '/') + "!"));
        assertThrows(IllegalArgumentException.class, () -> new PriceCrypto(new byte[0], I_KEY));
    }

    @Test
    void theOutputIsSafeInJsonAndUrlsWithoutEscaping() {
        Random random = new Random(3);
        for (int i = 0; i < 200; i++) {
            String encrypted = crypto.encrypt(random.nextLong(), random.nextLong(), random.nextLong());
            assertTrue(encrypted.matches("[A-Za-z0-9_-]{38}"), encrypted);
        }
    }

    @Test
    void encryptingIntoACursorAllocatesNothing() {
        ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(64);
        TextCursor out = new TextCursor();
        for (int i = 0; i < 10_000; i++) {
            crypto.write(out.wrap(buffer, 0, 64, false), i, i, i);
        }
        Object bean = ManagementFactory.getThreadMXBean();
        assumeTrue(bean instanceof ThreadMXBean, "needs HotSpot's per-thread allocation counter");
        ThreadMXBean threads = (ThreadMXBean) bean;
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 10_000; i++) {
            crypto.write(out.wrap(buffer, 0, 64, false), i, i, i);
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertTrue(allocated < 1_000, "allocated " + allocated + " bytes for 10,000 prices");
    }

    private String reference(long micros, long ivHigh, long ivLow) throws GeneralSecurityException {
        return reference(E_KEY, I_KEY, micros, ivHigh, ivLow);
    }

    /** The scheme as its description reads, with {@code javax.crypto.Mac}. */
    private static String reference(byte[] eKey, byte[] iKey, long micros, long ivHigh, long ivLow)
            throws GeneralSecurityException {
        byte[] iv = ByteBuffer.allocate(16).putLong(ivHigh).putLong(ivLow).array();
        byte[] price = ByteBuffer.allocate(8).putLong(micros).array();
        Mac encryption = Mac.getInstance("HmacSHA1");
        encryption.init(new SecretKeySpec(eKey, "HmacSHA1"));
        byte[] pad = encryption.doFinal(iv);
        Mac integrity = Mac.getInstance("HmacSHA1");
        integrity.init(new SecretKeySpec(iKey, "HmacSHA1"));
        integrity.update(price);
        byte[] sig = integrity.doFinal(iv);
        byte[] message = new byte[28];
        System.arraycopy(iv, 0, message, 0, 16);
        for (int i = 0; i < 8; i++) {
            message[16 + i] = (byte) (price[i] ^ pad[i]);
        }
        System.arraycopy(Arrays.copyOf(sig, 4), 0, message, 24, 4);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(message);
    }
}
