package dev.merlin.exchange.privacy;

import dev.merlin.config.MerlinConfig;
import dev.merlin.exchange.store.SecretFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The keys that make a user's identity Merlin's own: the one that signs {@code uid} cookies ({@link UidCookies}) and
 * the one the user hash is keyed with ({@link UserHash}). Both are derived (HMAC-SHA256 with a label) from one
 * server secret: {@code privacy.identitySecret} when the config sets it (every node of a cluster must agree), else a
 * random one kept in {@code dataDir/identity.key} — stable across restarts, because the frequency, touch and
 * erasure stores are keyed by the user hash and browsers keep their cookies for a year.
 */
public final class IdentityKeys {

    /** The file under the data dir that holds the generated secret. */
    public static final String FILE = "identity.key";

    private final UserHash userHash;
    private final UidCookies uidCookies;
    private final PairwiseIds pairwiseIds;
    private final UserHash holdoutHash;

    private IdentityKeys(byte[] secret) {
        ByteBuffer hashKey = ByteBuffer.wrap(derive(secret, "merlin user hash")).order(ByteOrder.LITTLE_ENDIAN);
        this.userHash = new UserHash(hashKey.getLong(0), hashKey.getLong(8));
        this.uidCookies = new UidCookies(derive(secret, "merlin uid cookie"));
        this.pairwiseIds = new PairwiseIds(derive(secret, "merlin pairwise ids"));
        ByteBuffer holdoutKey = ByteBuffer.wrap(derive(secret, "merlin holdout")).order(ByteOrder.LITTLE_ENDIAN);
        this.holdoutHash = new UserHash(holdoutKey.getLong(0), holdoutKey.getLong(8));
    }

    /** The keys of this exchange: from the config's secret, else the data dir's key file (created when absent). */
    public static IdentityKeys load(MerlinConfig config, Path dataDir) {
        return load(config.privacy().identitySecret(), dataDir);
    }

    /** The keys from {@code configuredSecret} when not null, else from {@code dataDir/identity.key}; start-up work. */
    public static IdentityKeys load(String configuredSecret, Path dataDir) {
        return of(configuredSecret != null ? configuredSecret.getBytes(StandardCharsets.UTF_8)
                : SecretFile.loadOrCreate(dataDir.resolve(FILE), "identity key"));
    }

    /** The keys derived from {@code secret} (tests). */
    public static IdentityKeys of(byte[] secret) {
        return new IdentityKeys(secret);
    }

    /** The keyed user hash. */
    public UserHash userHash() {
        return userHash;
    }

    /** Issues and verifies {@code uid} cookies. */
    public UidCookies uidCookies() {
        return uidCookies;
    }

    /** Derives the {@code user.id} each DSP receives. */
    public PairwiseIds pairwiseIds() {
        return pairwiseIds;
    }

    /** The keyed hash that assigns users to the rollout's arms ({@link Holdout}), under a key of its own. */
    public UserHash holdoutHash() {
        return holdoutHash;
    }

    private static byte[] derive(byte[] secret, String label) {
        try {
            Mac mac = Mac.getInstance(UidCookies.ALGORITHM);
            mac.init(new SecretKeySpec(secret, UidCookies.ALGORITHM));
            return mac.doFinal(label.getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
