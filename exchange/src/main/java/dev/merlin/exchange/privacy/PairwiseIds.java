package dev.merlin.exchange.privacy;

import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import javax.crypto.Mac;
import javax.crypto.ShortBufferException;
import javax.crypto.spec.SecretKeySpec;

/**
 * The {@code user.id} each DSP receives: HMAC-SHA256, under a key only Merlin holds, of the DSP's id and Merlin's
 * user key, cut to 128 bits and written as 32 lower-case hex digits. The same user gets the same id at the same DSP
 * on every request, and different ids at different DSPs, so two DSPs cannot join their logs on it, and neither can
 * turn it back into the seller's or Merlin's id.
 *
 * <p>Thread-safe: each thread keeps its own {@link Mac}; a write allocates only what the JDK's HMAC does inside.
 */
public final class PairwiseIds {

    /** The length of a pairwise id. */
    public static final int CHARS = 32;

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private final SecretKeySpec key;
    private final ThreadLocal<State> states;

    PairwiseIds(byte[] key) {
        this.key = new SecretKeySpec(key.clone(), "HmacSHA256");
        this.states = ThreadLocal.withInitial(this::newState);
    }

    /** Pairwise ids under {@code key} (tests, tools). */
    public static PairwiseIds of(byte[] key) {
        return new PairwiseIds(key);
    }

    /** Writes the pairwise id of {@code userKey} at {@code dspId} into {@code out[0..CHARS)}. */
    public void write(String dspId, CharSequence userKey, char[] out) {
        State state = states.get();
        int length = 0;
        length = state.put(dspId, length);
        state.input[length++] = 0;
        length = state.put(userKey, length);
        try {
            state.mac.update(state.input, 0, length);
            state.mac.doFinal(state.digest, 0);
        } catch (ShortBufferException e) {
            throw new IllegalStateException("an HMAC-SHA256 digest is 32 bytes", e);
        }
        for (int i = 0; i < CHARS / 2; i++) {
            out[2 * i] = HEX[(state.digest[i] >> 4) & 0xF];
            out[2 * i + 1] = HEX[state.digest[i] & 0xF];
        }
    }

    /** The pairwise id of {@code userKey} at {@code dspId}, as a string. */
    public String of(String dspId, CharSequence userKey) {
        char[] out = new char[CHARS];
        write(dspId, userKey, out);
        return new String(out);
    }

    private State newState() {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return new State(mac);
        } catch (InvalidKeyException e) {
            throw new IllegalStateException("the pairwise id key is refused", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    /** One thread's HMAC and buffers. */
    private static final class State {
        final Mac mac;
        final byte[] digest = new byte[32];
        byte[] input = new byte[256];

        State(Mac mac) {
            this.mac = mac;
        }

        /** Appends {@code text}'s UTF-16 code units, 2 bytes each (ids are short; any text maps one to one). */
        int put(CharSequence text, int at) {
            int needed = at + 2 * text.length() + 1;
            if (input.length < needed) {
                byte[] bigger = new byte[Math.max(needed, 2 * input.length)];
                System.arraycopy(input, 0, bigger, 0, at);
                input = bigger;
            }
            int length = at;
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                input[length++] = (byte) (c >> 8);
                input[length++] = (byte) c;
            }
            return length;
        }
    }
}
