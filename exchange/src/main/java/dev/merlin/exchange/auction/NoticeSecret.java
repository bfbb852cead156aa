package dev.merlin.exchange.auction;

import dev.merlin.config.MerlinConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;

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
        Path file = dataDir.resolve(FILE);
        try {
            if (Files.exists(file)) {
                return HexFormat.of().parseHex(Files.readString(file, StandardCharsets.US_ASCII).trim());
            }
            Files.createDirectories(dataDir);
            byte[] secret = new byte[32];
            new SecureRandom().nextBytes(secret);
            Files.writeString(file, HexFormat.of().formatHex(secret) + "\n", StandardCharsets.US_ASCII,
                    StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            try {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException ignored) {
                // not a POSIX file system
            }
            return secret;
        } catch (IOException | IllegalArgumentException e) {
            throw new UncheckedIOException("cannot read or create the notice key " + file,
                    e instanceof IOException io ? io : new IOException(e));
        }
    }
}
