package dev.portal.platform;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;

import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * Seals secrets that Portal must store readably, such as provider tokens, with AES-256-GCM. The key is
 * {@code PORTAL_SECRET_KEY}, or else one generated once into {@code PORTAL_DATA_DIR/secret.key}.
 *
 * <p>Sealed form: version (1 byte), key id (first 8 bytes of the key's SHA-256), IV (12 random bytes),
 * ciphertext with its 16-byte tag. The caller's {@code context} (e.g. {@code identity:github:12345}) is
 * the associated data, so a sealed value copied to another row does not open. Losing the key loses what
 * was sealed, never an account: {@link #open} then answers empty.
 */
@Component
public class SecretCipher {
    private static final Logger log = LoggerFactory.getLogger(SecretCipher.class);
    private static final byte VERSION = 1;
    private static final int KEY_BYTES = 32;
    private static final int KEY_ID_BYTES = 8;
    private static final int IV_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final int HEADER_BYTES = 1 + KEY_ID_BYTES + IV_BYTES;
    private static final String TRANSFORMATION = "AES/GCM/NoPadding";

    private final SecretKey key;
    private final byte[] keyId;
    private final SecureRandom random = new SecureRandom();

    @Autowired
    SecretCipher(PortalProperties properties) {
        this(properties.secretKey(), properties.dataDir());
    }

    SecretCipher(String configuredKey, Path dataDir) {
        byte[] raw = configuredKey == null || configuredKey.isBlank()
                ? loadOrCreate(dataDir.resolve("secret.key"))
                : decode(configuredKey);
        try {
            this.key = new SecretKeySpec(raw, "AES");
            this.keyId = Arrays.copyOf(sha256(raw), KEY_ID_BYTES);
        } finally {
            Arrays.fill(raw, (byte) 0);
        }
    }

    /** Messages name the setting and what is wrong, never the value. */
    private static byte[] decode(String configured) {
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(configured.trim());
        } catch (IllegalArgumentException e) {
            // The cause is dropped: its message quotes a character of the value.
            throw new IllegalStateException("PORTAL_SECRET_KEY is not valid base64; it must be the base64 of exactly "
                    + KEY_BYTES + " random bytes (openssl rand -base64 32)");
        }
        if (raw.length != KEY_BYTES) {
            int length = raw.length;
            Arrays.fill(raw, (byte) 0);
            throw new IllegalStateException("PORTAL_SECRET_KEY decodes to " + length + " bytes; it must be exactly "
                    + KEY_BYTES + " (openssl rand -base64 32)");
        }
        return raw;
    }

    /** The key file's 32 bytes, generated once when there is none ({@link KeyFiles}). */
    private static byte[] loadOrCreate(Path file) {
        byte[] key = KeyFiles.readOrCreate(file, () -> {
            byte[] fresh = new byte[KEY_BYTES];
            new SecureRandom().nextBytes(fresh);
            return fresh;
        }, "secret key (keep it, or set PORTAL_SECRET_KEY, to keep stored provider tokens)");
        if (key.length != KEY_BYTES) {
            int length = key.length;
            Arrays.fill(key, (byte) 0);
            throw new IllegalStateException("PORTAL_DATA_DIR: the secret key file " + file + " holds " + length
                    + " bytes, not " + KEY_BYTES + "; restore it, or remove it to start over (stored provider tokens are then lost)");
        }
        return key;
    }

    /**
     * A keyed digest (HMAC-SHA256) of {@code message} under a key derived from this one for that use alone, the
     * same on every node sharing the key: for values Portal hands out and must recognise later without storing
     * them (the web pages' form tokens).
     */
    public byte[] mac(String message) {
        try {
            javax.crypto.Mac derive = javax.crypto.Mac.getInstance("HmacSHA256");
            derive.init(key);
            byte[] macKey = derive.doFinal("portal-mac-v1".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(macKey, "HmacSHA256"));
            return mac.doFinal(message.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    /** Seals {@code plaintext} so that only this key and the same {@code context} open it. */
    public byte[] seal(String plaintext, String context) {
        Objects.requireNonNull(plaintext, "plaintext");
        Objects.requireNonNull(context, "context");
        byte[] iv = new byte[IV_BYTES];
        random.nextBytes(iv);
        try {
            Cipher cipher = Cipher.getInstance(TRANSFORMATION);
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, iv));
            cipher.updateAAD(context.getBytes(StandardCharsets.UTF_8));
            byte[] ciphertext = cipher.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.allocate(HEADER_BYTES + ciphertext.length).put(VERSION).put(keyId).put(iv).put(ciphertext)
                    .array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is required by every Java runtime", e);
        }
    }

    /**
     * The plaintext, or empty if {@code sealed} is null or cannot be opened here: another key, another
     * context, tampered or truncated. Never throws; a failure is one warning line without secrets.
     */
    public Optional<String> open(byte[] sealed, String context) {
        if (sealed == null || context == null) {
            return Optional.empty();
        }
        if (sealed.length < HEADER_BYTES + TAG_BITS / 8) {
            return refuse(context, "too short to be sealed");
        }
        if (sealed[0] != VERSION) {
            return refuse(context, "unknown format version " + sealed[0]);
        }
        if (!MessageDigest.isEqual(keyId, Arrays.copyOfRange(sealed, 1, 1 + KEY_ID_BYTES))) {
            return refuse(context, "sealed with another key (key id " + HexFormat.of().formatHex(sealed, 1, 1 + KEY_ID_BYTES)
                    + ", this node's is " + HexFormat.of().formatHex(keyId) + ")");
        }
        try {
            Cipher cipher = Cipher.getInstance(TRANSFORMATION);
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, sealed, 1 + KEY_ID_BYTES, IV_BYTES));
            cipher.updateAAD(context.getBytes(StandardCharsets.UTF_8));
            byte[] plaintext = cipher.doFinal(sealed, HEADER_BYTES, sealed.length - HEADER_BYTES);
            return Optional.of(new String(plaintext, StandardCharsets.UTF_8));
        } catch (GeneralSecurityException | RuntimeException e) {
            return refuse(context, "does not authenticate (altered, or sealed for another context)");
        }
    }

    private static Optional<String> refuse(String context, String why) {
        log.warn("Cannot open the sealed secret for {}: {}", context, why);
        return Optional.empty();
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java runtime", e);
        }
    }
}
