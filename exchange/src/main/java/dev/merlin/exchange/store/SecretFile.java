package dev.merlin.exchange.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;

/** A server secret kept in a file under the data dir: 32 random bytes in hex, readable by the owner only. */
public final class SecretFile {

    private SecretFile() {
    }

    /** The secret in {@code file}, created with 32 random bytes when absent; start-up work. */
    public static byte[] loadOrCreate(Path file, String what) {
        try {
            if (Files.exists(file)) {
                return HexFormat.of().parseHex(Files.readString(file, StandardCharsets.US_ASCII).trim());
            }
            Path dir = file.toAbsolutePath().getParent();
            if (dir != null) {
                Files.createDirectories(dir);
            }
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
            throw new UncheckedIOException("cannot read or create the " + what + " " + file,
                    e instanceof IOException io ? io : new IOException(e));
        }
    }
}
