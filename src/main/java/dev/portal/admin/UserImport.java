package dev.portal.admin;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import dev.portal.account.Username;
import dev.portal.identity.Platform;
import dev.portal.subscription.Subscription;
import tools.jackson.databind.JsonNode;

/**
 * One user to import, as {@code POST /v1/admin/users} takes it (and each entry of the bulk import): a
 * username, 1 to {@link #MAX_IDENTITIES} identities, and optionally when the user was created, their level and
 * their subscription. {@link #parse} checks the entry's shape and values; what depends on the caller (a level
 * below theirs, Lifetime only from an Owner) and on the database (names and identities not taken) is judged
 * by {@link ImportService}.
 *
 * @param createdAt when the user joined the bot; null: now
 * @param subscriptionExpiresAt required (and in the future) for Trial and Premium, absent otherwise
 */
public record UserImport(Username username, List<Identity> identities, Instant createdAt, int permissionLevel,
        int subscriptionTier, Instant subscriptionExpiresAt) {
    /** A person with more accounts than this is not what an import of a bot's table brings. */
    public static final int MAX_IDENTITIES = 10;
    /** Discord snowflakes are 20 digits, DIDs under 100 characters; 128 leaves room without inviting junk. */
    public static final int MAX_PLATFORM_USER_ID = 128;
    public static final int MAX_PLATFORM_USERNAME = 100;
    /** A DNS name (253) with a port. */
    static final int MAX_INSTANCE = 260;
    private static final Pattern INSTANCE = Pattern.compile("[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?");
    /** Inside what PostgreSQL's timestamptz and v1's time format hold (as {@code Grant} allows). */
    static final Instant LATEST_EXPIRY = Instant.parse("9999-12-31T23:59:59Z");
    private static final Set<String> FIELDS = Set.of("username", "linked_platforms", "created_at", "permission_level",
            "subscription_tier", "subscription_expires_at");
    private static final Set<String> IDENTITY_FIELDS = Set.of("platform", "platform_user_id", "platform_username",
            "instance");

    /**
     * One linked platform account; {@code instance} is the Mastodon host ({@code ""} elsewhere, and for a
     * Mastodon account imported without one, which then matches no sign-in until linked again).
     */
    public record Identity(Platform platform, String instance, String platformUserId, String platformUsername) {
        /** The identity's unique key, as {@code linked_identities_identity_key} compares it. */
        String key() {
            return platform.key() + "\u0000" + instance + "\u0000" + platformUserId;
        }
    }

    /**
     * The entry, or null with its faults put in {@code errors} under {@code prefix + field}
     * ({@code linked_platforms[1].platform_user_id}). Unknown fields are faults too: a misspelt
     * {@code permision_level} silently dropped would import the wrong account.
     */
    public static UserImport parse(JsonNode body, Instant now, String prefix, Map<String, String> errors) {
        int before = errors.size();
        if (body == null || !body.isObject()) {
            errors.put(prefix.isEmpty() ? "body" : prefix.substring(0, prefix.length() - 1), "must be a JSON object");
            return null;
        }
        for (String name : body.propertyNames()) {
            if (!FIELDS.contains(name)) {
                errors.put(prefix + name, "is not a field of an imported user");
            }
        }
        Username username = username(body.get("username"), prefix + "username", errors);
        List<Identity> identities = identities(body.get("linked_platforms"), prefix + "linked_platforms", errors);
        Instant createdAt = createdAt(body.get("created_at"), now, prefix + "created_at", errors);
        // 0..3 here; whether the caller may give it (strictly below their own, so never 3) is a 403, not a 400.
        Integer level = smallInt(body.get("permission_level"), prefix + "permission_level",
                "must be 0 (User), 1 (Moderator), 2 (Admin) or 3 (Owner)", errors);
        Integer tier = smallInt(body.get("subscription_tier"), prefix + "subscription_tier",
                "must be 0 (Basic), 1 (Trial), 2 (Premium) or 3 (Lifetime)", errors);
        Instant expiresAt = expiresAt(body.get("subscription_expires_at"), tier == null ? Subscription.BASIC : tier, now,
                prefix + "subscription_expires_at", errors);
        if (errors.size() > before) {
            return null;
        }
        return new UserImport(username, identities, createdAt == null ? now : createdAt, level == null ? 0 : level,
                tier == null ? 0 : tier, expiresAt);
    }

    private static Username username(JsonNode value, String field, Map<String, String> errors) {
        if (value == null || value.isNull()) {
            errors.put(field, "is required");
        } else if (!value.isString()) {
            errors.put(field, "must be a string");
        } else {
            try {
                return Username.of(value.stringValue());
            } catch (Username.Invalid e) {
                errors.put(field, e.getMessage());
            }
        }
        return null;
    }

    private static List<Identity> identities(JsonNode value, String field, Map<String, String> errors) {
        if (value == null || value.isNull()) {
            errors.put(field, "is required: 1 to " + MAX_IDENTITIES + " linked platform accounts");
            return null;
        }
        if (!value.isArray() || value.isEmpty() || value.size() > MAX_IDENTITIES) {
            errors.put(field, "must be a list of 1 to " + MAX_IDENTITIES + " linked platform accounts");
            return null;
        }
        List<Identity> identities = new ArrayList<>();
        Set<String> keys = new HashSet<>();
        Set<Platform> singlePlatforms = new HashSet<>();
        for (int i = 0; i < value.size(); i++) {
            String at = field + "[" + i + "]";
            Identity identity = identity(value.get(i), at, errors);
            if (identity == null) {
                continue;
            }
            if (!keys.add(identity.key())) {
                errors.put(at, "repeats an account listed before it");
            } else if (!identity.platform().allowsSeveralPerUser() && !singlePlatforms.add(identity.platform())) {
                errors.put(at + ".platform", "only one " + identity.platform().key() + " account may be linked to a user");
            }
            identities.add(identity);
        }
        return identities;
    }

    private static Identity identity(JsonNode value, String at, Map<String, String> errors) {
        if (value == null || !value.isObject()) {
            errors.put(at, "must be an object with platform and platform_user_id");
            return null;
        }
        int before = errors.size();
        for (String name : value.propertyNames()) {
            if (!IDENTITY_FIELDS.contains(name)) {
                errors.put(at + "." + name, "is not a field of a linked platform account");
            }
        }
        Platform platform = null;
        JsonNode p = value.get("platform");
        if (p == null || !p.isString()) {
            errors.put(at + ".platform", "is required: one of discord, telegram, github, mastodon, bluesky, linkedin, x");
        } else {
            platform = Platform.fromKey(p.stringValue()).orElse(null);
            if (platform == null) {
                errors.put(at + ".platform", "must be one of discord, telegram, github, mastodon, bluesky, linkedin, x");
            }
        }
        String platformUserId = text(value.get("platform_user_id"), true, MAX_PLATFORM_USER_ID,
                at + ".platform_user_id", errors);
        String platformUsername = text(value.get("platform_username"), false, MAX_PLATFORM_USERNAME,
                at + ".platform_username", errors);
        String instance = "";
        JsonNode host = value.get("instance");
        if (host != null && !host.isNull()) {
            if (platform != null && platform != Platform.MASTODON) {
                errors.put(at + ".instance", "is only for mastodon accounts");
            } else if (!host.isString()) {
                errors.put(at + ".instance", "must be a string");
            } else {
                instance = host.stringValue().toLowerCase(Locale.ROOT);
                if (instance.length() > MAX_INSTANCE || !INSTANCE.matcher(instance).matches()) {
                    errors.put(at + ".instance", "must be the instance's host name, such as mastodon.social");
                }
            }
        }
        return errors.size() > before ? null : new Identity(platform, instance, platformUserId, platformUsername);
    }

    /** A string of 1 to {@code max} characters (code points); absent or null is fine unless {@code required}. */
    private static String text(JsonNode value, boolean required, int max, String field, Map<String, String> errors) {
        if (value == null || value.isNull()) {
            if (required) {
                errors.put(field, "is required");
            }
            return null;
        }
        if (!value.isString()) {
            errors.put(field, "must be a string");
            return null;
        }
        String text = value.stringValue();
        int length = text.codePointCount(0, text.length());
        if (length < 1 || text.isBlank()) {
            errors.put(field, "must not be empty");
        } else if (length > max) {
            errors.put(field, "must be at most " + max + " characters");
        } else if (text.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            errors.put(field, "must not contain control characters");
        } else {
            return text;
        }
        return null;
    }

    private static Instant createdAt(JsonNode value, Instant now, String field, Map<String, String> errors) {
        if (value == null || value.isNull()) {
            return null;
        }
        Instant parsed = time(value, field, errors);
        if (parsed == null) {
            return null;
        }
        if (parsed.isAfter(now)) {
            errors.put(field, "must not be in the future");
            return null;
        }
        if (parsed.isBefore(Instant.EPOCH)) {
            errors.put(field, "must be after 1970");
            return null;
        }
        return parsed;
    }

    private static Integer smallInt(JsonNode value, String field, String rule, Map<String, String> errors) {
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt() || value.intValue() < 0 || value.intValue() > 3) {
            errors.put(field, rule);
            return null;
        }
        return value.intValue();
    }

    private static Instant expiresAt(JsonNode value, int tier, Instant now, String field, Map<String, String> errors) {
        boolean given = value != null && !value.isNull();
        if (!Subscription.tierExpires(tier)) {
            if (given) {
                errors.put(field, "must be absent: Basic and Lifetime do not expire");
            }
            return null;
        }
        if (!given) {
            errors.put(field, "is required for Trial and Premium");
            return null;
        }
        Instant parsed = time(value, field, errors);
        if (parsed == null) {
            return null;
        }
        if (!parsed.isAfter(now)) {
            errors.put(field, "must be in the future");
        } else if (parsed.isAfter(LATEST_EXPIRY)) {
            errors.put(field, "is too far in the future");
        } else {
            return parsed;
        }
        return null;
    }

    /** ISO-8601 with an offset ({@code 2021-03-04T05:06:07Z}, {@code ...+02:00}). */
    private static Instant time(JsonNode value, String field, Map<String, String> errors) {
        if (!value.isString() || value.stringValue().length() > 40) {
            errors.put(field, "must be an ISO-8601 time such as 2021-03-04T05:06:07Z");
            return null;
        }
        try {
            Instant parsed = OffsetDateTime.parse(value.stringValue()).toInstant();
            if (parsed.isAfter(LATEST_EXPIRY)) {
                errors.put(field, "is too far in the future");
                return null;
            }
            return parsed;
        } catch (DateTimeParseException e) {
            errors.put(field, "must be an ISO-8601 time such as 2021-03-04T05:06:07Z");
            return null;
        }
    }
}
