package dev.portal.access;

import java.util.Map;

import tools.jackson.databind.JsonNode;

/**
 * The {@code reason} every governance act carries (moderation, grants, permission changes): kept in the
 * history and shown to whom SPEC says, so it must be there and of a readable size.
 */
public final class Reason {
    /** Characters (code points), not bytes: a reason in any script has the same room. */
    public static final int MAX_LENGTH = 1000;

    private Reason() {
    }

    /** The body's {@code reason}, stripped; null with {@code errors.reason} said when it is missing, empty, not a string or too long. */
    public static String read(JsonNode body, Map<String, String> errors) {
        JsonNode value = body.get("reason");
        if (value == null || !value.isString() || value.stringValue().isBlank()) {
            errors.put("reason", "is required: a non-empty string of at most " + MAX_LENGTH + " characters");
            return null;
        }
        String reason = value.stringValue().strip();
        if (reason.codePointCount(0, reason.length()) > MAX_LENGTH) {
            errors.put("reason", "must be at most " + MAX_LENGTH + " characters");
            return null;
        }
        return reason;
    }
}
