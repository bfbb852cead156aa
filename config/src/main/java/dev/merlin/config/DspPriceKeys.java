package dev.merlin.config;

import java.util.Base64;

/**
 * A DSP's keys for encrypted price macros ({@code ${AUCTION_PRICE:ENC}}), Google's public scheme: two 32-byte
 * secrets in web-safe base64, padded or not.
 *
 * @param encryptionKey the key of the pad ({@code e_key})
 * @param integrityKey  the key of the signature ({@code i_key})
 */
public record DspPriceKeys(String encryptionKey, String integrityKey) {

    /** The encryption key's bytes. */
    public byte[] encryptionKeyBytes() {
        return Base64.getUrlDecoder().decode(encryptionKey);
    }

    /** The integrity key's bytes. */
    public byte[] integrityKeyBytes() {
        return Base64.getUrlDecoder().decode(integrityKey);
    }

    /** The keys' names only, so that logging a config never prints them. */
    @Override
    public String toString() {
        return "DspPriceKeys[(redacted)]";
    }

    void validate(String at) {
        checkKey(at + ".encryptionKey", encryptionKey);
        checkKey(at + ".integrityKey", integrityKey);
    }

    private static void checkKey(String at, String key) {
        ConfigChecks.notBlank(at, key);
        byte[] bytes;
        try {
            bytes = Base64.getUrlDecoder().decode(key);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(at, "value is not web-safe base64 (A-Z a-z 0-9 - _, optional = padding)");
        }
        if (bytes.length != 32) {
            throw new ConfigException(at, "value decodes to " + bytes.length + " bytes; expected 32");
        }
    }
}
