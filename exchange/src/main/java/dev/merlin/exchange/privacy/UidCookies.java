package dev.merlin.exchange.privacy;

import dev.merlin.exchange.secrets.Secrets;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.util.concurrent.atomic.LongAdder;

/**
 * Merlin's {@code uid} cookie values: a random id Merlin issued, signed with a server key, so that a cookie cannot
 * name someone else (a device's IFA, another browser's uid) — IFAs are not secret, every bid request carries them.
 *
 * <pre>
 *   uid = id "." tag                      45 characters, base64url without padding
 *   id  = 16 random bytes                 22 characters
 *   tag = HMAC-SHA256(key, id)[0..16)     22 characters
 * </pre>
 *
 * The whole value is the user key the browser's data is held under. A value that does not verify (unsigned, forged,
 * signed with another key, or an IFA) is no uid at all: callers treat it as absent.
 */
public final class UidCookies {

    static final String ALGORITHM = "HmacSHA256";
    private static final int ID_BYTES = 16;
    private static final int TAG_BYTES = 16;
    private static final int ID_CHARS = 22;
    /** The length of every uid Merlin issues. */
    public static final int LENGTH = ID_CHARS + 1 + 22;

    /** An expiry has at most this many digits (epoch seconds until the year 33658). */
    private static final int MAX_EXPIRY_DIGITS = 12;

    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final ThreadLocal<SecureRandom> RANDOM = ThreadLocal.withInitial(SecureRandom::new);

    private final SecretKeySpec key;
    private final ThreadLocal<Mac> macs;
    private final LongAdder refused = new LongAdder();

    UidCookies(byte[] keyBytes) {
        this.key = new SecretKeySpec(keyBytes, ALGORITHM);
        this.macs = ThreadLocal.withInitial(this::newMac);
    }

    /** A new uid: 128 random bits and their tag. */
    public String issue() {
        byte[] id = new byte[ID_BYTES];
        RANDOM.get().nextBytes(id);
        String idText = ENCODER.encodeToString(id);
        return idText + "." + ENCODER.encodeToString(tag(idText));
    }

    /**
     * Whether {@code value} is a uid Merlin issued with this key; the tag's text is compared in constant time (text,
     * not decoded bytes, so that no second spelling of a tag verifies).
     */
    public boolean isIssued(String value) {
        return value != null && value.length() == LENGTH && value.charAt(ID_CHARS) == '.'
                && Secrets.matches(ENCODER.encodeToString(tag(value.substring(0, ID_CHARS))),
                        value.substring(ID_CHARS + 1));
    }

    /** The uid a {@code uid} cookie carries when Merlin issued it, else null (a value that is not is counted). */
    public String fromCookie(String cookieValue) {
        if (cookieValue == null) {
            return null;
        }
        if (isIssued(cookieValue)) {
            return cookieValue;
        }
        refused.increment();
        return null;
    }

    /**
     * The state {@code /cookie_sync} puts in a DSP's redirect to {@code /setuid}: it binds the sync to this browser's
     * uid, to that DSP and to a time, so that a page elsewhere cannot make a visitor's browser store (or delete) a
     * DSP id the page chose: {@code expiry "." HMAC-SHA256(key, "setuid" uid dsp expiry)[0..16)}, its own message
     * form, never a uid's (a uid's tag signs 22 base64url characters and nothing else).
     */
    public String syncState(String uid, String dsp, long expiresEpochSeconds) {
        return expiresEpochSeconds + "." + ENCODER.encodeToString(stateTag(uid, dsp, expiresEpochSeconds));
    }

    /**
     * Whether {@code state} is one {@link #syncState} made for this uid and DSP and is not past its expiry at
     * {@code nowEpochSeconds}; the tag's text is compared in constant time.
     */
    public boolean isSyncState(String state, String uid, String dsp, long nowEpochSeconds) {
        int dot = state == null ? -1 : state.indexOf('.');
        if (uid == null || dot < 1 || dot > MAX_EXPIRY_DIGITS || state.charAt(0) == '0') {
            return false; // one spelling per expiry, as for a uid's tag
        }
        long expires = 0;
        for (int i = 0; i < dot; i++) {
            char c = state.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
            expires = expires * 10 + (c - '0');
        }
        return expires >= nowEpochSeconds && Secrets.matches(
                ENCODER.encodeToString(stateTag(uid, dsp, expires)), state.substring(dot + 1));
    }

    /** Cookie values Merlin did not issue (unsigned, forged, another key's, an IFA), since start. */
    public long refused() {
        return refused.sum();
    }

    private byte[] tag(String id) {
        Mac mac = macs.get();
        byte[] full = mac.doFinal(id.getBytes(StandardCharsets.US_ASCII));
        byte[] tag = new byte[TAG_BYTES];
        System.arraycopy(full, 0, tag, 0, TAG_BYTES);
        return tag;
    }

    private byte[] stateTag(String uid, String dsp, long expiresEpochSeconds) {
        Mac mac = macs.get();
        byte[] full = mac.doFinal(("setuid\n" + uid + "\n" + dsp + "\n" + expiresEpochSeconds)
                .getBytes(StandardCharsets.UTF_8));
        byte[] tag = new byte[TAG_BYTES];
        System.arraycopy(full, 0, tag, 0, TAG_BYTES);
        return tag;
    }

    private Mac newMac() {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
