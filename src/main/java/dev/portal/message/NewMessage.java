package dev.portal.message;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.portal.account.Profile;
import dev.portal.account.UserSettings;
import dev.portal.platform.ApiProblem;
import tools.jackson.databind.JsonNode;

/**
 * The body of {@code POST /api/messages}, checked field by field: {@code body} a non-blank string of at most
 * the author's {@code maxMessageLength} code points (never over {@link UserSettings#MAX_MESSAGE_LENGTH});
 * {@code visibility} {@code public}, {@code private} or absent (the author's {@code defaultVisibility});
 * {@code mastodonProviderIds} at most {@value #MAX_CROSS_POSTS} distinct strings. Whether those ids are the
 * author's own Mastodon identities is for {@link MessageService} to find out.
 */
public record NewMessage(String body, String visibility, List<String> mastodonProviderIds) {
    public static final int MAX_CROSS_POSTS = 10;

    public static NewMessage parse(JsonNode json, Profile profile) {
        if (json == null || !json.isObject()) {
            throw ApiProblem.badRequest("malformed_request", "The body must be a JSON object.");
        }
        Map<String, String> errors = new LinkedHashMap<>();
        int max = Math.min(profile.settings().maxMessageLength(), UserSettings.MAX_MESSAGE_LENGTH);
        String body = null;
        JsonNode value = json.get("body");
        if (value == null || !value.isString()) {
            errors.put("body", "must be a string");
        } else if (value.stringValue().isBlank()) {
            errors.put("body", "must not be blank");
        } else if (value.stringValue().codePointCount(0, value.stringValue().length()) > max) {
            errors.put("body", "must be at most " + max + " characters");
        } else if (!printable(value.stringValue())) {
            errors.put("body", "must not contain control characters (other than tabs and line breaks) or broken characters");
        } else {
            body = value.stringValue();
        }
        String visibility = profile.defaultVisibility();
        value = json.get("visibility");
        if (value != null && !value.isNull()) {
            if (!value.isString() || !List.of(Profile.PUBLIC, Profile.PRIVATE).contains(value.stringValue())) {
                errors.put("visibility", "must be public or private");
            } else {
                visibility = value.stringValue();
            }
        }
        List<String> ids = new ArrayList<>();
        value = json.get("mastodonProviderIds");
        if (value != null && !value.isNull()) {
            if (!value.isArray()) {
                errors.put("mastodonProviderIds", "must be an array of identity ids");
            } else if (value.size() > MAX_CROSS_POSTS) {
                errors.put("mastodonProviderIds", "must hold at most " + MAX_CROSS_POSTS + " ids");
            } else {
                Set<String> seen = new LinkedHashSet<>();
                for (JsonNode item : value) {
                    if (!item.isString()) {
                        errors.put("mastodonProviderIds", "must be an array of identity ids (strings)");
                        break;
                    }
                    if (!seen.add(item.stringValue())) {
                        errors.put("mastodonProviderIds", "names " + shown(item.stringValue()) + " twice");
                        break;
                    }
                }
                if (!errors.containsKey("mastodonProviderIds")) {
                    ids.addAll(seen);
                }
            }
        }
        if (!errors.isEmpty()) {
            throw ApiProblem.invalidFields(errors);
        }
        return new NewMessage(body, visibility, List.copyOf(ids));
    }

    /**
     * No C0 control but tab and line breaks (PostgreSQL refuses NUL in text, and instances would refuse or
     * mangle the rest), and no lone UTF-16 surrogate, which is no character at all.
     */
    private static boolean printable(String text) {
        for (int i = 0; i < text.length(); ) {
            int c = text.codePointAt(i);
            if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F
                    || (c >= Character.MIN_SURROGATE && c <= Character.MAX_SURROGATE)) {
                return false;
            }
            i += Character.charCount(c);
        }
        return true;
    }

    /** An id as an error message may repeat it: quoted, and cut short when it is long. */
    static String shown(String id) {
        return "\"" + (id.length() > 40 ? id.substring(0, 40) + "\u2026" : id) + "\"";
    }
}
