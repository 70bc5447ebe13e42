package dev.portal.account;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.portal.platform.ApiProblem;
import tools.jackson.databind.JsonNode;

/**
 * The writable fields of {@code PATCH /api/user/update} (seed 004), each null when absent. Unlike v1's
 * per-field update, /api's is all or nothing: any field that fails answers 400 {@code validation_failed} with
 * a message per field under {@code errors}, and nothing is written. Unknown and read-only fields ({@code id},
 * {@code email}, {@code customerStatus}, ...) are ignored.
 *
 * <p>{@code displayName} and {@code bio} accept null or {@code ""} to clear. {@code defaultPubliclyVisible}
 * is the boolean spelling of {@code defaultVisibility} (true: public); given both, they must agree.
 */
public record ApiProfileUpdate(String username, boolean setDisplayName, String displayName, boolean setBio, String bio,
        String defaultVisibility, String theme, Integer maxMessageLength, String viewingPreference) {
    public static final int DISPLAY_NAME_MAX = 64;
    public static final int BIO_MAX = 1_000;

    public static ApiProfileUpdate parse(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw ApiProblem.badRequest("malformed_request", "The body must be a JSON object.");
        }
        Map<String, String> errors = new LinkedHashMap<>();
        String username = null;
        JsonNode value = body.get("username");
        if (value != null) {
            if (!value.isString()) {
                errors.put("username", "must be a string");
            } else {
                try {
                    username = Username.of(value.stringValue()).value();
                } catch (Username.Invalid e) {
                    errors.put("username", e.getMessage());
                }
            }
        }
        boolean setDisplayName = body.has("displayName");
        String displayName = clearable(body, "displayName", DISPLAY_NAME_MAX, false, errors);
        boolean setBio = body.has("bio");
        String bio = clearable(body, "bio", BIO_MAX, true, errors);
        String visibility = choice(body, "defaultVisibility", java.util.List.of(Profile.PUBLIC, Profile.PRIVATE), errors);
        value = body.get("defaultPubliclyVisible");
        if (value != null) {
            if (!value.isBoolean()) {
                errors.put("defaultPubliclyVisible", "must be true or false");
            } else {
                String implied = value.booleanValue() ? Profile.PUBLIC : Profile.PRIVATE;
                if (visibility != null && !visibility.equals(implied)) {
                    errors.put("defaultPubliclyVisible", "contradicts defaultVisibility");
                } else if (!errors.containsKey("defaultVisibility")) {
                    visibility = implied;
                }
            }
        }
        String theme = choice(body, "theme", UserSettings.THEMES, errors);
        String viewing = choice(body, "viewingPreference", UserSettings.VIEWING_PREFERENCES, errors);
        Integer maxLength = null;
        value = body.get("maxMessageLength");
        if (value != null) {
            if (!value.isIntegralNumber() || !value.canConvertToInt() || value.asInt() < UserSettings.MIN_MESSAGE_LENGTH
                    || value.asInt() > UserSettings.MAX_MESSAGE_LENGTH) {
                errors.put("maxMessageLength", "must be a whole number from " + UserSettings.MIN_MESSAGE_LENGTH + " to "
                        + UserSettings.MAX_MESSAGE_LENGTH);
            } else {
                maxLength = value.asInt();
            }
        }
        if (!errors.isEmpty()) {
            throw ApiProblem.invalidFields(errors);
        }
        return new ApiProfileUpdate(username, setDisplayName, displayName, setBio, bio, visibility, theme, maxLength,
                viewing);
    }

    /** A string that may be null or {@code ""} (both clear it); control characters refused, but line breaks in a bio. */
    private static String clearable(JsonNode body, String name, int max, boolean multiline, Map<String, String> errors) {
        JsonNode value = body.get(name);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isString()) {
            errors.put(name, "must be a string or null");
            return null;
        }
        String text = value.stringValue().strip();
        if (text.codePointCount(0, text.length()) > max) {
            errors.put(name, "must be at most " + max + " characters");
            return null;
        }
        boolean control = text.codePoints().anyMatch(c -> Character.isISOControl(c) && !(multiline && (c == '\n' || c == '\t')));
        if (control) {
            errors.put(name, multiline ? "must not contain control characters other than line breaks and tabs"
                    : "must not contain control characters or line breaks");
            return null;
        }
        return text.isEmpty() ? null : text;
    }

    private static String choice(JsonNode body, String name, java.util.List<String> allowed, Map<String, String> errors) {
        JsonNode value = body.get(name);
        if (value == null) {
            return null;
        }
        if (!value.isString() || !allowed.contains(value.stringValue())) {
            errors.put(name, "must be one of: " + String.join(", ", allowed));
            return null;
        }
        return value.stringValue();
    }
}
