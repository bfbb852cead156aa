package dev.merlin.exchange.auction;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Placeholder with the signatures agreed in SPEC11 until helper {@code merge} lands its own: Google's price
 * encryption (iv 16, price XOR HMAC-SHA1 pad 8, signature 4; web-safe base64 without padding).
 */
public final class PriceCrypto {

    private final SecretKeySpec encryptionKey;
    private final SecretKeySpec integrityKey;

    /** Encrypts and decrypts with the DSP's two keys. */
    public PriceCrypto(byte[] encryptionKey, byte[] integrityKey) {
        this.encryptionKey = new SecretKeySpec(encryptionKey, "HmacSHA1");
        this.integrityKey = new SecretKeySpec(integrityKey, "HmacSHA1");
    }

    /** The encrypted price, 38 characters. */
    public String encrypt(long micros, long ivHigh, long ivLow) {
        byte[] iv = ByteBuffer.allocate(16).putLong(ivHigh).putLong(ivLow).array();
        byte[] price = ByteBuffer.allocate(8).putLong(micros).array();
        byte[] pad = hmac(encryptionKey, iv);
        byte[] signature = hmac(integrityKey, price, iv);
        ByteBuffer message = ByteBuffer.allocate(28).put(iv);
        for (int i = 0; i < 8; i++) {
            message.put((byte) (price[i] ^ pad[i]));
        }
        message.put(signature, 0, 4);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(message.array());
    }

    /** The price an encrypted one carries; IllegalArgumentException when it is not one these keys signed. */
    public long decrypt(String encrypted) {
        byte[] message = Base64.getUrlDecoder().decode(encrypted);
        if (message.length != 28) {
            throw new IllegalArgumentException("an encrypted price is 28 bytes, was " + message.length);
        }
        byte[] iv = new byte[16];
        System.arraycopy(message, 0, iv, 0, 16);
        byte[] pad = hmac(encryptionKey, iv);
        byte[] price = new byte[8];
        for (int i = 0; i < 8; i++) {
            price[i] = (byte) (message[16 + i] ^ pad[i]);
        }
        byte[] signature = hmac(integrityKey, price, iv);
        byte[] carried = new byte[4];
        System.arraycopy(message, 24, carried, 0, 4);
        byte[] expected = new byte[4];
        System.arraycopy(signature, 0, expected, 0, 4);
        if (!MessageDigest.isEqual(carried, expected)) {
            throw new IllegalArgumentException("the price's signature does not match");
        }
        return ByteBuffer.wrap(price).getLong();
    }

    private static byte[] hmac(SecretKeySpec key, byte[]... parts) {
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(key);
            for (byte[] part : parts) {
                mac.update(part);
            }
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
