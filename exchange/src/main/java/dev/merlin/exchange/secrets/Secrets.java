package dev.merlin.exchange.secrets;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The one way Merlin compares a secret it holds (admin, report and seller tokens, event-source API keys, link and
 * cookie signatures) with one a request presents: both sides are first reduced to their SHA-256 digests, 32 bytes
 * whatever their lengths, and the digests are compared with {@link MessageDigest#isEqual} (constant time). So the
 * time taken says neither how long the secret is nor how much of a guess was right, and a lookup among several
 * secrets ({@link #indexOf}) compares every one, without an early exit.
 */
public final class Secrets {

    /** Bytes of a digest. */
    public static final int DIGEST_BYTES = 32;

    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(Secrets::newSha256);

    private Secrets() {
    }

    /** The SHA-256 digest of {@code secret}'s UTF-8 bytes: what {@link #indexOf} compares. */
    public static byte[] digest(String secret) {
        MessageDigest sha256 = SHA256.get();
        sha256.reset();
        return sha256.digest(secret.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Whether {@code given} is {@code expected}, in constant time over digests of both; false when either is null
     * (an unset secret matches nothing, not even an absent one).
     */
    public static boolean matches(String expected, String given) {
        if (expected == null || given == null) {
            return false;
        }
        return MessageDigest.isEqual(digest(expected), digest(given));
    }

    /**
     * The index in {@code digests} of the one equal to {@code givenDigest}, or -1: every digest is compared, each in
     * constant time, whichever matches (the first when several do).
     */
    public static int indexOf(byte[][] digests, byte[] givenDigest) {
        int found = -1;
        for (int i = digests.length - 1; i >= 0; i--) {
            // no early exit: a match costs what a miss costs
            found = MessageDigest.isEqual(digests[i], givenDigest) ? i : found;
        }
        return found;
    }

    /** A new SHA-256 digest (for callers that digest without allocating). */
    public static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
