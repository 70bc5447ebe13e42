package dev.portal.platform;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Provider tokens sealed at rest: AES-256-GCM bound to a context; a key that is lost loses them, never more. */
class SecretCipherTest {
    private static final String TOKEN = "gho_provider-access-token-0123456789";
    private static final String CONTEXT = "identity:github:12345";

    @TempDir
    Path dataDir;

    private static String randomKey() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }

    private static SecretCipher withKey(String key, Path dataDir) {
        return new SecretCipher(key, dataDir);
    }

    @Test
    void whatIsSealedOpensWithTheSameKeyAndContext() {
        SecretCipher cipher = withKey(randomKey(), dataDir);

        byte[] sealed = cipher.seal(TOKEN, CONTEXT);

        assertThat(new String(sealed, java.nio.charset.StandardCharsets.ISO_8859_1)).doesNotContain(TOKEN);
        assertThat(sealed).hasSize(1 + 8 + 12 + TOKEN.length() + 16);
        assertThat(sealed[0]).isEqualTo((byte) 1);
        assertThat(cipher.open(sealed, CONTEXT)).contains(TOKEN);
        assertThat(cipher.open(cipher.seal("", CONTEXT), CONTEXT)).contains("");
        assertThat(cipher.open(cipher.seal("ünïcødé ✓", CONTEXT), CONTEXT)).contains("ünïcødé ✓");
    }

    @Test
    void everySealUsesAFreshIv() {
        SecretCipher cipher = withKey(randomKey(), dataDir);

        byte[] first = cipher.seal(TOKEN, CONTEXT);
        byte[] second = cipher.seal(TOKEN, CONTEXT);

        assertThat(first).isNotEqualTo(second);
        assertThat(Arrays.copyOfRange(first, 9, 21)).isNotEqualTo(Arrays.copyOfRange(second, 9, 21));
        assertThat(Arrays.copyOfRange(first, 1, 9)).isEqualTo(Arrays.copyOfRange(second, 1, 9));
    }

    @Test
    void aSealedValueMovedToAnotherContextDoesNotOpen() {
        SecretCipher cipher = withKey(randomKey(), dataDir);

        byte[] sealed = cipher.seal(TOKEN, CONTEXT);

        assertThat(cipher.open(sealed, "identity:github:12346")).isEmpty();
        assertThat(cipher.open(sealed, "identity:gitlab:12345")).isEmpty();
        assertThat(cipher.open(sealed, "")).isEmpty();
        assertThat(cipher.open(sealed, null)).isEmpty();
    }

    @Test
    void anotherKeyOpensNothing() {
        byte[] sealed = withKey(randomKey(), dataDir).seal(TOKEN, CONTEXT);

        assertThat(withKey(randomKey(), dataDir).open(sealed, CONTEXT)).isEmpty();
    }

    @Test
    void anyFlippedByteIsRefused() {
        SecretCipher cipher = withKey(randomKey(), dataDir);
        byte[] sealed = cipher.seal(TOKEN, CONTEXT);

        // Version, key id, IV, ciphertext and tag: every byte counts.
        for (int i = 0; i < sealed.length; i++) {
            byte[] altered = sealed.clone();
            altered[i] ^= 0x01;
            assertThat(cipher.open(altered, CONTEXT)).as("byte %d flipped", i).isEmpty();
        }
    }

    @Test
    void truncatedOrMissingValuesAreRefused() {
        SecretCipher cipher = withKey(randomKey(), dataDir);
        byte[] sealed = cipher.seal(TOKEN, CONTEXT);

        for (int length = 0; length < sealed.length; length++) {
            assertThat(cipher.open(Arrays.copyOf(sealed, length), CONTEXT)).as("first %d bytes", length).isEmpty();
        }
        assertThat(cipher.open(null, CONTEXT)).isEmpty();
    }

    @Test
    void withoutAConfiguredKeyOneIsGeneratedOwnerOnlyAndReused() throws IOException {
        Path dir = dataDir.resolve("not/yet/there");
        SecretCipher first = new SecretCipher("", dir);
        Path file = dir.resolve("secret.key");

        assertThat(Files.size(file)).isEqualTo(32);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        byte[] key = Files.readAllBytes(file);
        byte[] sealed = first.seal(TOKEN, CONTEXT);

        SecretCipher second = new SecretCipher(null, dir);

        assertThat(second.open(sealed, CONTEXT)).contains(TOKEN);
        assertThat(Files.readAllBytes(file)).isEqualTo(key);
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("secret.key");
        }
    }

    @Test
    void nodesStartingTogetherEndUpWithOneKey() throws Exception {
        int nodes = 8;
        CyclicBarrier start = new CyclicBarrier(nodes);
        Callable<SecretCipher> node = () -> {
            start.await();
            return new SecretCipher("", dataDir);
        };
        ExecutorService pool = Executors.newFixedThreadPool(nodes);
        try {
            List<Future<SecretCipher>> started = pool.invokeAll(java.util.Collections.nCopies(nodes, node));
            byte[] sealed = started.get(0).get().seal(TOKEN, CONTEXT);
            for (Future<SecretCipher> cipher : started) {
                assertThat(cipher.get().open(sealed, CONTEXT)).contains(TOKEN);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aConfiguredKeyWritesNoFile() throws IOException {
        String key = randomKey();
        SecretCipher cipher = new SecretCipher(key, dataDir);

        try (var files = Files.list(dataDir)) {
            assertThat(files).isEmpty();
        }
        assertThat(new SecretCipher(key, dataDir.resolve("elsewhere")).open(cipher.seal(TOKEN, CONTEXT), CONTEXT))
                .contains(TOKEN);
    }

    @Test
    void aMalformedKeyStopsTheStartWithoutShowingIt() {
        String notBase64 = "this-is-not-base64-$ecret!";
        String tooShort = Base64.getEncoder().encodeToString("sixteen byte key".getBytes());

        assertThatThrownBy(() -> new SecretCipher(notBase64, dataDir)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("PORTAL_SECRET_KEY").hasMessageNotContaining(notBase64).hasNoCause();
        assertThatThrownBy(() -> new SecretCipher(tooShort, dataDir)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("PORTAL_SECRET_KEY").hasMessageContaining("16 bytes")
                .hasMessageNotContaining(tooShort).hasMessageNotContaining("sixteen byte key");
    }

    @Test
    void aDamagedKeyFileStopsTheStart() throws IOException {
        Files.write(dataDir.resolve("secret.key"), new byte[16]);

        assertThatThrownBy(() -> new SecretCipher("", dataDir)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("PORTAL_DATA_DIR").hasMessageContaining("secret.key");
    }
}
