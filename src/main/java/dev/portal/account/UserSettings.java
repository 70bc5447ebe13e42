package dev.portal.account;

import java.util.LinkedHashMap;
import java.util.Map;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The per-user settings of seed 004 kept in {@code users.settings} (jsonb). Values absent from the row read
 * as the defaults, so a setting added later needs no migration of existing rows.
 *
 * @param theme            {@code system}, {@code light} or {@code dark}
 * @param maxMessageLength the longest message body this user may post, {@link #MIN_MESSAGE_LENGTH} to
 *                         {@link #MAX_MESSAGE_LENGTH} characters
 * @param viewingPreference how the user's front end lists messages: {@code all} or {@code public}
 */
public record UserSettings(String theme, int maxMessageLength, String viewingPreference) {
    public static final int MIN_MESSAGE_LENGTH = 1;
    /** The ceiling of every message body, whatever a user sets. */
    public static final int MAX_MESSAGE_LENGTH = 10_000;
    public static final int DEFAULT_MESSAGE_LENGTH = 2_000;
    public static final java.util.List<String> THEMES = java.util.List.of("system", "light", "dark");
    public static final java.util.List<String> VIEWING_PREFERENCES = java.util.List.of("all", "public");

    public static final UserSettings DEFAULTS = new UserSettings("system", DEFAULT_MESSAGE_LENGTH, "all");

    private static final JsonMapper JSON = JsonMapper.builder().build();

    static UserSettings fromJson(String json) {
        if (json == null) {
            return DEFAULTS;
        }
        JsonNode node = JSON.readTree(json);
        String theme = text(node, "theme", THEMES, DEFAULTS.theme);
        String viewing = text(node, "viewingPreference", VIEWING_PREFERENCES, DEFAULTS.viewingPreference);
        JsonNode length = node.get("maxMessageLength");
        int max = length != null && length.canConvertToInt() && length.asInt() >= MIN_MESSAGE_LENGTH
                && length.asInt() <= MAX_MESSAGE_LENGTH ? length.asInt() : DEFAULTS.maxMessageLength;
        return new UserSettings(theme, max, viewing);
    }

    /** The settings given (null: not given) as a JSON object to merge into the stored ones; null when none. */
    static String patch(String theme, Integer maxMessageLength, String viewingPreference) {
        Map<String, Object> map = new LinkedHashMap<>();
        if (theme != null) {
            map.put("theme", theme);
        }
        if (maxMessageLength != null) {
            map.put("maxMessageLength", maxMessageLength);
        }
        if (viewingPreference != null) {
            map.put("viewingPreference", viewingPreference);
        }
        return map.isEmpty() ? null : JSON.writeValueAsString(map);
    }

    private static String text(JsonNode node, String name, java.util.List<String> allowed, String fallback) {
        JsonNode value = node.get(name);
        return value != null && value.isString() && allowed.contains(value.stringValue()) ? value.stringValue() : fallback;
    }
}
