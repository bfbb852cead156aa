package dev.merlin.exchange.auction;

import dev.merlin.config.MerlinConfig;
import dev.merlin.exchange.store.SecretFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The key notice links are signed with: {@code exchange.noticeSecret} from the config when set (so every node of
 * a cluster agrees), else a random one kept in {@code dataDir/notice.key} so links survive a restart.
 */
public final class NoticeSecret {

    static final String FILE = "notice.key";

    private NoticeSecret() {
    }

    /** The secret bytes; start-up work. */
    public static byte[] load(MerlinConfig config, Path dataDir) {
        String configured = config.exchange().noticeSecret();
        if (configured != null) {
            return configured.getBytes(StandardCharsets.UTF_8);
        }
        return SecretFile.loadOrCreate(dataDir.resolve(FILE), "notice key");
    }
}
