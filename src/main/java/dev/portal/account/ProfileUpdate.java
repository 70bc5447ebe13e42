package dev.portal.account;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.portal.platform.ApiProblem;
import tools.jackson.databind.JsonNode;

/**
 * The writable fields of {@code POST /v1/users/me/update}, each null when absent. Unknown and read-only
 * fields ({@code id}, {@code permission_level}, ...) are ignored, never written.
 *
 * <p>Two kinds of failure: a field of the wrong JSON type, null, or absurd length makes the request
 * malformed (400, nothing written); a well-formed value that breaks a rule (too short, taken) fails
 * that field alone under {@code errors} while the others are saved.
 */
public record ProfileUpdate(String username, String avatarSource) {
    /** Far beyond any field's own limit: a string this long is an attack or a bug, not a typo. */
    static final int HARD_MAX_LENGTH = 1024;

    public static ProfileUpdate parse(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw ApiProblem.badRequest("malformed_request", "The body must be a JSON object.");
        }
        Map<String, String> errors = new LinkedHashMap<>();
        String username = stringField(body, "username", errors);
        String avatarSource = stringField(body, "avatar_source", errors);
        if (!errors.isEmpty()) {
            throw ApiProblem.invalidFields(errors);
        }
        return new ProfileUpdate(username, avatarSource);
    }

    private static String stringField(JsonNode body, String name, Map<String, String> errors) {
        JsonNode value = body.get(name);
        if (value == null) {
            return null;
        }
        if (!value.isString()) {
            errors.put(name, "must be a string");
            return null;
        }
        if (value.stringValue().length() > HARD_MAX_LENGTH) {
            errors.put(name, "is too long");
            return null;
        }
        return value.stringValue();
    }
}
