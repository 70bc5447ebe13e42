package dev.portal.moderation.web;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.portal.moderation.ModerationKind;
import dev.portal.moderation.ModerationService;
import dev.portal.platform.ApiProblem;
import io.swagger.v3.oas.annotations.media.Schema;
import tools.jackson.databind.JsonNode;

/**
 * {@code {"action": "timeout", "reason": "...", "duration_seconds": 600}}. Every field is judged and every
 * failure reported under {@code errors.<field>} at once (400 {@code validation_failed}); unknown fields
 * are ignored.
 */
public record V1ModerationRequest(
        @Schema(allowableValues = {"timeout", "untimeout", "ban", "unban", "warn", "note"}) String action,
        @Schema(description = "1-1000 characters; the user sees it (notes excepted)") String reason,
        @JsonProperty("duration_seconds")
        @Schema(description = "Required for a timeout, optional for a ban (none: permanent), refused otherwise; "
                + "1 to 315360000 (10 years)") Long durationSeconds) {

    public static ModerationService.Command parse(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw ApiProblem.badRequest("malformed_request", "The body must be a JSON object.");
        }
        Map<String, String> errors = new LinkedHashMap<>();
        JsonNode actionNode = body.get("action");
        ModerationKind kind = null;
        if (actionNode == null || !actionNode.isString()) {
            errors.put("action", "is required: one of timeout, untimeout, ban, unban, warn, note");
        } else {
            kind = ModerationKind.parse(actionNode.stringValue()).orElse(null);
            if (kind == null) {
                errors.put("action", "must be one of timeout, untimeout, ban, unban, warn, note");
            }
        }
        String reason = dev.portal.access.Reason.read(body, errors);
        JsonNode durationNode = body.get("duration_seconds");
        Duration duration = null;
        if (durationNode != null && !durationNode.isNull()) {
            long max = ModerationKind.MAX_DURATION.toSeconds();
            if (!durationNode.isIntegralNumber() || !durationNode.canConvertToLong()
                    || durationNode.longValue() < 1 || durationNode.longValue() > max) {
                errors.put("duration_seconds", "must be a whole number of seconds from 1 to " + max);
            } else if (kind != null && !kind.allowsDuration()) {
                errors.put("duration_seconds", "is only for a timeout or a ban");
            } else {
                duration = Duration.ofSeconds(durationNode.longValue());
            }
        } else if (kind != null && kind.requiresDuration()) {
            errors.put("duration_seconds", "is required for a timeout");
        }
        if (!errors.isEmpty()) {
            throw ApiProblem.invalidFields(errors);
        }
        return new ModerationService.Command(kind, reason, duration);
    }
}
