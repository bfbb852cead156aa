package dev.merlin.exchange.privacy;

/**
 * The 64-bit user hash that frequency caps, attribution touches, erasures and the {@code u} of notice links are keyed
 * by: SipHash-2-4 under a server secret over the key's UTF-16 code units (little-endian, as {@code UTF-16LE} bytes),
 * so that nobody without the secret can tell which IFA a hash belongs to. Allocation-free; never 0 for a key (0 means
 * "no user"). One instance per exchange, built from {@link dev.merlin.exchange.privacy.IdentityKeys}.
 */
public final class UserHash {

    private final long k0;
    private final long k1;

    /** A hash keyed by the 128-bit key {@code k0 || k1} (each read little-endian from the key bytes). */
    public UserHash(long k0, long k1) {
        this.k0 = k0;
        this.k1 = k1;
    }

    /** The keyed hash of {@code key}'s chars, never 0; 0 for null (no user). */
    public long hash(CharSequence key) {
        if (key == null) {
            return 0;
        }
        long v0 = k0 ^ 0x736f6d6570736575L;
        long v1 = k1 ^ 0x646f72616e646f6dL;
        long v2 = k0 ^ 0x6c7967656e657261L;
        long v3 = k1 ^ 0x7465646279746573L;
        int length = key.length();
        int i = 0;
        for (; i + 4 <= length; i += 4) {
            long m = key.charAt(i) | (long) key.charAt(i + 1) << 16 | (long) key.charAt(i + 2) << 32
                    | (long) key.charAt(i + 3) << 48;
            v3 ^= m;
            for (int round = 0; round < 2; round++) {
                v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
                v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
                v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
                v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
            }
            v0 ^= m;
        }
        long last = (long) (2 * length & 0xff) << 56;
        for (int shift = 0; i < length; i++, shift += 16) {
            last |= (long) key.charAt(i) << shift;
        }
        v3 ^= last;
        for (int round = 0; round < 2; round++) {
            v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
            v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
            v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
            v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
        }
        v0 ^= last;
        v2 ^= 0xff;
        for (int round = 0; round < 4; round++) {
            v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
            v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
            v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
            v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
        }
        long h = v0 ^ v1 ^ v2 ^ v3;
        return h == 0 ? 1 : h;
    }
}
