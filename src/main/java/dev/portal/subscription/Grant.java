package dev.portal.subscription;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.portal.platform.ApiProblem;
import tools.jackson.databind.JsonNode;

/**
 * The body of {@code POST /v1/users/{id}/subscription}, checked whole: any field wrong and nothing is
 * written (400 {@code validation_failed} with a message per field).
 *
 * @param tier 0 Basic, 1 Trial, 2 Premium, 3 Lifetime
 * @param expiresAt required, and in the future, for Trial and Premium; null for Basic and Lifetime
 */
public record Grant(int tier, Instant expiresAt, String reason) {
    /** Far beyond any real subscription, and inside what PostgreSQL's timestamptz and v1's format hold. */
    static final Instant LATEST_EXPIRY = Instant.parse("9999-12-31T23:59:59Z");

    public static Grant parse(JsonNode body, Instant now) {
        if (body == null || !body.isObject()) {
            throw ApiProblem.badRequest("malformed_request", "The body must be a JSON object.");
        }
        Map<String, String> errors = new LinkedHashMap<>();
        Integer tier = tier(body.get("tier"), errors);
        Instant expiresAt = expiresAt(body.get("expires_at"), tier, now, errors);
        String reason = dev.portal.access.Reason.read(body, errors);
        if (!errors.isEmpty()) {
            throw ApiProblem.invalidFields(errors);
        }
        return new Grant(tier, expiresAt, reason);
    }

    private static Integer tier(JsonNode value, Map<String, String> errors) {
        if (value == null || value.isNull()) {
            errors.put("tier", "is required");
        } else if (!value.isIntegralNumber() || !value.canConvertToInt() || value.intValue() < Subscription.BASIC
                || value.intValue() > Subscription.LIFETIME) {
            errors.put("tier", "must be 0 (Basic), 1 (Trial), 2 (Premium) or 3 (Lifetime)");
        } else {
            return value.intValue();
        }
        return null;
    }

    private static Instant expiresAt(JsonNode value, Integer tier, Instant now, Map<String, String> errors) {
        boolean given = value != null && !value.isNull();
        if (tier != null && !Subscription.tierExpires(tier)) {
            if (given) {
                errors.put("expires_at", "must be absent: Basic and Lifetime do not expire");
            }
            return null;
        }
        if (!given) {
            if (tier != null) {
                errors.put("expires_at", "is required for Trial and Premium");
            }
            return null;
        }
        if (!value.isString()) {
            errors.put("expires_at", "must be a string");
            return null;
        }
        String text = value.stringValue();
        Instant parsed;
        try {
            parsed = text.length() <= 40 && text.endsWith("Z") ? Instant.parse(text) : null;
        } catch (DateTimeParseException e) {
            parsed = null;
        }
        if (parsed == null) {
            errors.put("expires_at", "must be an ISO-8601 UTC time such as 2027-01-01T00:00:00Z");
        } else if (!parsed.isAfter(now)) {
            errors.put("expires_at", "must be in the future");
        } else if (parsed.isAfter(LATEST_EXPIRY)) {
            errors.put("expires_at", "is too far in the future");
        } else {
            return parsed;
        }
        return null;
    }

}
