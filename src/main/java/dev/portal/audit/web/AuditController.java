package dev.portal.audit.web;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.portal.access.AccessRules;
import dev.portal.audit.AuditLog;
import dev.portal.platform.ApiProblem;
import dev.portal.platform.V1Time;
import dev.portal.session.Authentication;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** SPEC §3–4: "who did this, and when" — the audit log for Admin+, newest first, filtered and paged. */
@RestController
@Tag(name = "v1 governance")
class AuditController {
    static final int DEFAULT_LIMIT = 50;
    static final int MAX_LIMIT = 200;

    private final AuditLog audit;
    private final JsonMapper json;

    AuditController(AuditLog audit, JsonMapper json) {
        this.audit = audit;
        this.json = json;
    }

    record V1AuditEvent(long id, @JsonProperty("created_at") String createdAt, @JsonProperty("actor_id") Long actorId,
            @JsonProperty("target_id") Long targetId, String action, String ip, JsonNode details) {
    }

    /** {@code next_cursor} is null on the last page; pass it as {@code cursor} for the next. */
    record V1AuditPage(List<V1AuditEvent> events, @JsonProperty("next_cursor") String nextCursor) {
    }

    @GetMapping(path = "/v1/audit", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Read the audit log (Admin+)", description = "Newest first. Filters: actor and target (user ids), "
            + "action, since and until (ISO-8601 UTC; since inclusive, until exclusive). limit 1-200 (default 50).")
    V1AuditPage events(@Parameter(hidden = true) Authentication auth, @RequestParam(required = false) String actor,
            @RequestParam(required = false) String target, @RequestParam(required = false) String action,
            @RequestParam(required = false) String since, @RequestParam(required = false) String until,
            @RequestParam(required = false) String cursor, @RequestParam(required = false) String limit) {
        AccessRules.requireAdmin(auth.account());
        Map<String, String> errors = new LinkedHashMap<>();
        Long actorId = id(actor, "actor", errors);
        Long targetId = id(target, "target", errors);
        Long before = id(cursor, "cursor", errors);
        Instant from = time(since, "since", errors);
        Instant to = time(until, "until", errors);
        if (action != null && (action.isEmpty() || action.length() > 64)) {
            errors.put("action", "must be an action name, at most 64 characters");
        }
        int size = DEFAULT_LIMIT;
        if (limit != null) {
            Long parsed = id(limit, "limit", errors);
            if (parsed != null && (parsed < 1 || parsed > MAX_LIMIT)) {
                errors.put("limit", "must be 1 to " + MAX_LIMIT);
            } else if (parsed != null) {
                size = parsed.intValue();
            }
        }
        if (!errors.isEmpty()) {
            throw ApiProblem.invalidFields(errors);
        }
        // One more than asked tells whether there is a next page.
        List<AuditLog.Event> found = audit.find(actorId, targetId, action, from, to, before, size + 1);
        List<V1AuditEvent> page = found.stream().limit(size).map(e -> new V1AuditEvent(e.id(), V1Time.format(e.createdAt()),
                e.actorId(), e.targetId(), e.action(), e.ip(), json.readTree(e.details()))).toList();
        String next = found.size() > size ? Long.toString(page.get(page.size() - 1).id()) : null;
        return new V1AuditPage(page, next);
    }

    private static Long id(String value, String field, Map<String, String> errors) {
        if (value == null) {
            return null;
        }
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            errors.put(field, "must be a whole number");
            return null;
        }
    }

    private static Instant time(String value, String field, Map<String, String> errors) {
        if (value == null) {
            return null;
        }
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            errors.put(field, "must be an ISO-8601 UTC time such as 2027-01-01T00:00:00Z");
            return null;
        }
    }
}
