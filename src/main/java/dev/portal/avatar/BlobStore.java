package dev.portal.avatar;

import java.util.Optional;

/**
 * Where avatar images live: a directory ({@link LocalBlobStore}) or an S3-compatible bucket
 * ({@link S3BlobStore}). Names are {@code /}-separated paths of {@code [A-Za-z0-9._-]} segments. A store that
 * cannot be reached throws an unchecked exception from any method.
 */
public interface BlobStore {
    void put(String name, byte[] bytes, String contentType);

    /** The blob's bytes, or empty if there is none by that name. */
    Optional<byte[]> get(String name);

    /** Removes the blob; a name with no blob is no error. */
    void delete(String name);

    /** Refuses names that could leave the store's root (a directory walk, an absolute path). */
    static String checkName(String name) {
        if (!name.matches("[A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*") || name.contains("..")) {
            throw new IllegalArgumentException("Not a blob name: " + name);
        }
        return name;
    }
}
