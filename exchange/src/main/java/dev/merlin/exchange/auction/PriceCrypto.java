package dev.merlin.exchange.auction;

import java.nio.charset.StandardCharsets;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * Encrypts a clearing price for one DSP with Google's public price-encryption scheme (Authorized Buyers,
 * "decrypt price confirmations"), so the price travels in {@code ${AUCTION_PRICE}} readable only by that DSP and
 * tamper-evident.
 *
 * <pre>
 *   message = iv (16) || enc_price (8) || sig (4)        28 bytes, web-safe base64 without padding: 38 characters
 *   pad       = HMAC-SHA1(e_key, iv)[0..8]
 *   enc_price = price micros (int64 big-endian) XOR pad
 *   sig       = HMAC-SHA1(i_key, price || iv)[0..4]
 * </pre>
 *
 * <p>The iv is the caller's nonce ({@code ivHigh || ivLow}, big-endian): Google's exchange puts a timestamp and a
 * server id there, which also lets the DSP tell a replayed price.
 *
 * <p>HMAC-SHA1 is computed by hand over a per-thread SHA-1 digest with the key pads precomputed (RFC 2104), so
 * {@link #encrypt(long, long, long, StringBuilder)} and the writer's variant allocate nothing; one instance is
 * shared by every thread.
 */
public final class PriceCrypto {

    /** Characters of an encrypted price: 28 bytes in unpadded base64. */
    public static final int ENCODED_LENGTH = 38;

    private static final int IV_BYTES = 16;
    private static final int PRICE_BYTES = 8;
    private static final int SIGNATURE_BYTES = 4;
    private static final int MESSAGE_BYTES = IV_BYTES + PRICE_BYTES + SIGNATURE_BYTES;
    private static final int SHA1_BLOCK_BYTES = 64;
    private static final int SHA1_DIGEST_BYTES = 20;
    private static final byte[] WEB_SAFE_ALPHABET =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".getBytes(StandardCharsets.US_ASCII);

    private final byte[] encryptionInnerPad = new byte[SHA1_BLOCK_BYTES];
    private final byte[] encryptionOuterPad = new byte[SHA1_BLOCK_BYTES];
    private final byte[] integrityInnerPad = new byte[SHA1_BLOCK_BYTES];
    private final byte[] integrityOuterPad = new byte[SHA1_BLOCK_BYTES];
    private final ThreadLocal<Scratch> scratches = ThreadLocal.withInitial(Scratch::new);

    /** What one thread encrypts with, reused from price to price. */
    private static final class Scratch {
        final MessageDigest sha1 = newSha1();
        final byte[] digest = new byte[SHA1_DIGEST_BYTES];
        final byte[] message = new byte[MESSAGE_BYTES];
        final byte[] signed = new byte[PRICE_BYTES + IV_BYTES];
    }

    /**
     * A crypto for one DSP's keys: {@code encryptionKey} ({@code e_key}) and {@code integrityKey} ({@code i_key}),
     * the raw bytes (32 each as Google issues them; any length works as HMAC allows).
     */
    public PriceCrypto(byte[] encryptionKey, byte[] integrityKey) {
        pads(encryptionKey, encryptionInnerPad, encryptionOuterPad);
        pads(integrityKey, integrityInnerPad, integrityOuterPad);
    }

    private static void pads(byte[] secret, byte[] innerPad, byte[] outerPad) {
        if (secret == null || secret.length == 0) {
            throw new IllegalArgumentException("a price key must not be empty");
        }
        // RFC 2104: a key longer than the block is hashed first; both pads are the key XOR'd with a constant
        byte[] key = secret.length > SHA1_BLOCK_BYTES ? newSha1().digest(secret) : secret;
        for (int i = 0; i < SHA1_BLOCK_BYTES; i++) {
            byte k = i < key.length ? key[i] : 0;
            innerPad[i] = (byte) (k ^ 0x36);
            outerPad[i] = (byte) (k ^ 0x5c);
        }
    }

    /** {@code micros} encrypted under the nonce {@code ivHigh || ivLow}: 38 characters of web-safe base64. */
    public String encrypt(long micros, long ivHigh, long ivLow) {
        return encrypt(micros, ivHigh, ivLow, new StringBuilder(ENCODED_LENGTH)).toString();
    }

    /**
     * Appends {@code micros} encrypted under the nonce {@code ivHigh || ivLow} to {@code out} ({@link #ENCODED_LENGTH}
     * characters); allocates nothing when {@code out} has room. Returns {@code out}.
     */
    public StringBuilder encrypt(long micros, long ivHigh, long ivLow, StringBuilder out) {
        byte[] message = seal(micros, ivHigh, ivLow);
        for (int i = 0; i < ENCODED_LENGTH; i++) {
            out.append((char) base64Char(message, i));
        }
        return out;
    }

    /**
     * Writes {@code micros} encrypted under the nonce {@code ivHigh || ivLow} to {@code out}, as ASCII that needs no
     * escaping in JSON or a URL; returns the characters written ({@link #ENCODED_LENGTH}).
     */
    int write(TextCursor out, long micros, long ivHigh, long ivLow) {
        byte[] message = seal(micros, ivHigh, ivLow);
        for (int i = 0; i < ENCODED_LENGTH; i++) {
            out.ascii((char) base64Char(message, i));
        }
        return ENCODED_LENGTH;
    }

    /**
     * The price micros {@code encoded} carries (web-safe base64, with or without padding).
     *
     * @throws IllegalArgumentException when it is not base64, not 28 bytes, or its signature does not match (it was
     *                                  altered or encrypted under other keys)
     */
    public long decrypt(String encoded) {
        byte[] message = Base64.getUrlDecoder().decode(encoded);
        if (message.length != MESSAGE_BYTES) {
            throw new IllegalArgumentException("an encrypted price is " + MESSAGE_BYTES + " bytes, not "
                    + message.length);
        }
        Scratch scratch = scratches.get();
        hmac(scratch, encryptionInnerPad, encryptionOuterPad, message, 0, IV_BYTES);
        long micros = 0;
        for (int i = 0; i < PRICE_BYTES; i++) {
            micros = micros << 8 | (message[IV_BYTES + i] ^ scratch.digest[i]) & 0xff;
        }
        byte[] signed = scratch.signed;
        putLong(signed, 0, micros);
        System.arraycopy(message, 0, signed, PRICE_BYTES, IV_BYTES);
        hmac(scratch, integrityInnerPad, integrityOuterPad, signed, 0, signed.length);
        int difference = 0;
        for (int i = 0; i < SIGNATURE_BYTES; i++) {
            difference |= scratch.digest[i] ^ message[IV_BYTES + PRICE_BYTES + i];
        }
        if (difference != 0) {
            throw new IllegalArgumentException("the encrypted price's signature does not match");
        }
        return micros;
    }

    /** The 28-byte message for {@code micros}, in the thread's scratch. */
    private byte[] seal(long micros, long ivHigh, long ivLow) {
        Scratch scratch = scratches.get();
        byte[] message = scratch.message;
        putLong(message, 0, ivHigh);
        putLong(message, PRICE_BYTES, ivLow);
        hmac(scratch, encryptionInnerPad, encryptionOuterPad, message, 0, IV_BYTES);
        byte[] signed = scratch.signed;
        putLong(signed, 0, micros);
        System.arraycopy(message, 0, signed, PRICE_BYTES, IV_BYTES);
        for (int i = 0; i < PRICE_BYTES; i++) {
            message[IV_BYTES + i] = (byte) (signed[i] ^ scratch.digest[i]);
        }
        hmac(scratch, integrityInnerPad, integrityOuterPad, signed, 0, signed.length);
        System.arraycopy(scratch.digest, 0, message, IV_BYTES + PRICE_BYTES, SIGNATURE_BYTES);
        return message;
    }

    /** HMAC-SHA1 of {@code length} bytes of {@code data} at {@code from}, into {@code scratch.digest}. */
    private static void hmac(Scratch scratch, byte[] innerPad, byte[] outerPad, byte[] data, int from, int length) {
        MessageDigest sha1 = scratch.sha1;
        try {
            sha1.reset();
            sha1.update(innerPad);
            sha1.update(data, from, length);
            sha1.digest(scratch.digest, 0, SHA1_DIGEST_BYTES);
            sha1.update(outerPad);
            sha1.update(scratch.digest, 0, SHA1_DIGEST_BYTES);
            sha1.digest(scratch.digest, 0, SHA1_DIGEST_BYTES);
        } catch (DigestException e) {
            throw new IllegalStateException("a 20-byte digest fits its 20-byte array", e);
        }
    }

    private static void putLong(byte[] bytes, int at, long value) {
        for (int i = 0; i < Long.BYTES; i++) {
            bytes[at + i] = (byte) (value >>> (8 * (Long.BYTES - 1 - i)));
        }
    }

    /** Character {@code index} of {@code message}'s unpadded web-safe base64 (six bits per character). */
    private static byte base64Char(byte[] message, int index) {
        int bit = index * 6;
        int at = bit >>> 3;
        int pair = (message[at] & 0xff) << 8 | (at + 1 < message.length ? message[at + 1] & 0xff : 0);
        return WEB_SAFE_ALPHABET[pair >>> (10 - (bit & 7)) & 0x3f];
    }

    private static MessageDigest newSha1() {
        try {
            return MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is part of every JDK", e);
        }
    }
}
