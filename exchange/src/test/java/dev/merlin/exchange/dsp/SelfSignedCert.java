package dev.merlin.exchange.dsp;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A self-signed certificate for 127.0.0.1 (and localhost), made with the JDK's {@code keytool} into a temporary
 * directory at test time: no key material lives in the repository, and no BouncyCastle is needed.
 */
record SelfSignedCert(PrivateKey key, X509Certificate certificate) {

    private static final String PASSWORD = "test-only";

    /** A certificate for 127.0.0.1 and localhost. */
    static SelfSignedCert create(Path dir) throws IOException, InterruptedException, GeneralSecurityException {
        return create(dir, "127.0.0.1", "ip:127.0.0.1,dns:localhost");
    }

    /** A certificate for {@code commonName} and the subject alternative names {@code san} (keytool's syntax). */
    static SelfSignedCert create(Path dir, String commonName, String san)
            throws IOException, InterruptedException, GeneralSecurityException {
        Path store = Files.createTempFile(dir, "dsp", ".p12");
        Files.delete(store);
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Process process = new ProcessBuilder(List.of(keytool.toString(), "-genkeypair", "-alias", "dsp",
                "-keyalg", "EC", "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA",
                "-dname", "CN=" + commonName, "-ext", "SAN=" + san, "-validity", "2",
                "-storetype", "PKCS12", "-keystore", store.toString(),
                "-storepass", PASSWORD, "-keypass", PASSWORD))
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException("keytool failed: " + output);
        }
        KeyStore keyStore = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            keyStore.load(in, PASSWORD.toCharArray());
        }
        return new SelfSignedCert((PrivateKey) keyStore.getKey("dsp", PASSWORD.toCharArray()),
                (X509Certificate) keyStore.getCertificate("dsp"));
    }
}
