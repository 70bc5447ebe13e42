package dev.portal.platform;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Set;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keys Portal generates once into {@code PORTAL_DATA_DIR} when no setting gives them (the secret key, the
 * Bluesky client key). A new key is written to an owner-only temporary file and then hard-linked into
 * place: the link fails if the name exists, so of nodes starting together exactly one key wins and the
 * others read it (a rename would silently replace it).
 */
public final class KeyFiles {
    private static final Logger log = LoggerFactory.getLogger(KeyFiles.class);
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private KeyFiles() {
    }

    /**
     * The file's bytes, or {@code generate}'s, written there first if the file does not exist.
     *
     * @param what names the key in messages (never its value)
     */
    public static byte[] readOrCreate(Path file, Supplier<byte[]> generate, String what) {
        try {
            if (Files.exists(file)) {
                return read(file);
            }
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path temp = Files.createTempFile(dir, "." + file.getFileName() + ".", ".tmp",
                    PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            try {
                byte[] key = generate.get();
                try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                    channel.write(ByteBuffer.wrap(key));
                    channel.force(true);
                }
                try {
                    Files.createLink(file, temp);
                    log.info("Generated a new {} in {}; keep it", what, file);
                    return key;
                } catch (FileAlreadyExistsException e) {
                    Arrays.fill(key, (byte) 0);
                    return read(file);
                }
            } finally {
                Files.deleteIfExists(temp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("PORTAL_DATA_DIR: cannot read or create the " + what + " file " + file, e);
        }
    }

    private static byte[] read(Path file) throws IOException {
        byte[] key = Files.readAllBytes(file);
        if (!OWNER_ONLY.containsAll(Files.getPosixFilePermissions(file))) {
            log.warn("The key file {} is readable by others than its owner; chmod 600 it", file);
        }
        return key;
    }
}
