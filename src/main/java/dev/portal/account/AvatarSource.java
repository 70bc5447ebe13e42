package dev.portal.account;

import java.util.Collection;
import java.util.regex.Pattern;

import dev.portal.identity.LinkedIdentity;
import dev.portal.identity.Platform;

/**
 * Where a user's avatar comes from: a linked platform's name, one of Discord's default avatars
 * {@code discord_0}..{@code discord_5}, {@code upload}, or null for the earliest linked platform.
 */
public final class AvatarSource {
    public static final String UPLOAD = "upload";
    private static final Pattern DISCORD_DEFAULT = Pattern.compile("discord_[0-5]");
    /** Discord's CDN: the documented home of its six default avatars. */
    public static final String DISCORD_DEFAULT_AVATAR = "https://cdn.discordapp.com/embed/avatars/%s.png";

    private AvatarSource() {
    }

    /**
     * The value to store for a requested source, or a message for {@code errors.avatar_source}.
     * {@code ""} clears it (null: earliest linked platform).
     */
    static Result parse(String requested, Collection<LinkedIdentity> identities, boolean hasUpload) {
        if (requested.isEmpty()) {
            return new Result(null, null);
        }
        if (DISCORD_DEFAULT.matcher(requested).matches()) {
            return new Result(requested, null);
        }
        if (UPLOAD.equals(requested)) {
            return hasUpload ? new Result(requested, null) : new Result(null, "no uploaded avatar exists");
        }
        return Platform.fromKey(requested)
                .map(p -> identities.stream().anyMatch(i -> i.platform() == p) ? new Result(requested, null)
                        : new Result(null, "no linked " + requested + " account"))
                .orElseGet(() -> new Result(null,
                        "must be a linked platform name, discord_0 to discord_5, upload, or an empty string"));
    }

    record Result(String stored, String error) {
    }

    /**
     * Where Portal serves an uploaded avatar (see {@code dev.portal.avatar.web.AvatarFileController}): its
     * 256 px rendering under the public URL; null without an upload.
     */
    public static String uploadUrl(java.net.URI publicUrl, String uploadKey) {
        if (uploadKey == null) {
            return null;
        }
        String base = publicUrl.toString();
        return (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/avatars/" + uploadKey + "/256.png";
    }

    /** The URL the source points at now; falls back to the earliest linked platform. */
    static String resolve(String source, java.util.List<LinkedIdentity> identitiesOldestFirst, String uploadUrl) {
        if (source != null) {
            if (DISCORD_DEFAULT.matcher(source).matches()) {
                return DISCORD_DEFAULT_AVATAR.formatted(source.substring("discord_".length()));
            }
            if (UPLOAD.equals(source) && uploadUrl != null) {
                return uploadUrl;
            }
            var platform = Platform.fromKey(source);
            if (platform.isPresent()) {
                for (LinkedIdentity identity : identitiesOldestFirst) {
                    if (identity.platform() == platform.get()) {
                        return identity.platformAvatarUrl();
                    }
                }
            }
        }
        return identitiesOldestFirst.isEmpty() ? null : identitiesOldestFirst.get(0).platformAvatarUrl();
    }
}
