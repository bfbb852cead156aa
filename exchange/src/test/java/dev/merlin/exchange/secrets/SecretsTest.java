package dev.merlin.exchange.secrets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.junit.jupiter.api.Test;

class SecretsTest {

    @Test
    void aSecretMatchesOnlyItself() {
        assertTrue(Secrets.matches("demo-admin-token", "demo-admin-token"));
        assertFalse(Secrets.matches("demo-admin-token", "demo-admin-tokem"));
        assertFalse(Secrets.matches("demo-admin-token", "demo-admin-token "), "a longer guess");
        assertFalse(Secrets.matches("demo-admin-token", "demo-admin-toke"), "a prefix of it");
        assertFalse(Secrets.matches("demo-admin-token", "DEMO-ADMIN-TOKEN"));
        assertFalse(Secrets.matches("demo-admin-token", ""));
        assertTrue(Secrets.matches("clé-é", "clé-é"), "UTF-8 both sides");
        assertFalse(Secrets.matches("clé-é", "cl\u00c3\u00a9-\u00c3\u00a9"), "not its bytes read as Latin-1");
    }

    @Test
    void anUnsetSecretMatchesNothingNotEvenAnAbsentOne() {
        assertFalse(Secrets.matches(null, null));
        assertFalse(Secrets.matches(null, "x"));
        assertFalse(Secrets.matches("x", null));
        assertFalse(Secrets.matches(null, ""));
    }

    @Test
    void bothSidesAreComparedAsDigestsOfOneLengthWhateverTheirOwn() throws Exception {
        byte[] shortOne = Secrets.digest("a");
        byte[] longOne = Secrets.digest("a".repeat(10_000));
        assertEquals(Secrets.DIGEST_BYTES, shortOne.length);
        assertEquals(Secrets.DIGEST_BYTES, longOne.length, "the compare sees no length but the digest's");
        assertArrayEquals(MessageDigest.getInstance("SHA-256").digest("a".getBytes(StandardCharsets.UTF_8)),
                shortOne);
    }

    @Test
    void indexOfFindsTheOneThatMatchesAmongMany() {
        byte[][] digests = {Secrets.digest("key-a"), Secrets.digest("key-b"), Secrets.digest("key-c")};
        assertEquals(0, Secrets.indexOf(digests, Secrets.digest("key-a")));
        assertEquals(1, Secrets.indexOf(digests, Secrets.digest("key-b")));
        assertEquals(2, Secrets.indexOf(digests, Secrets.digest("key-c")));
        assertEquals(-1, Secrets.indexOf(digests, Secrets.digest("key-d")));
        assertEquals(-1, Secrets.indexOf(new byte[0][], Secrets.digest("key-a")));
        byte[][] twice = {Secrets.digest("x"), Secrets.digest("y"), Secrets.digest("y")};
        assertEquals(1, Secrets.indexOf(twice, Secrets.digest("y")), "the first when several match");
    }
}
