package dev.portal.web.admin;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.portal.audit.AuditLog;
import dev.portal.platform.V1Time;
import dev.portal.session.Authentication;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;

/** {@code /admin/audit}: the audit log for Admin+ (others get 404), newest first, filtered, "Older" by the cursor. */
@Controller
class AdminAuditController {
    static final int DEFAULT_PAGE = 50;
    static final int MAX_PAGE = 200;

    private final AuditLog audit;

    AdminAuditController(AuditLog audit) {
        this.audit = audit;
    }

    /** An event as the page shows it: details as the stored JSON text, escaped by the template like any text. */
    record EventRow(long id, String createdAt, Long actorId, Long targetId, String action, String ip, String details) {
    }

    @GetMapping("/admin/audit")
    String events(Authentication auth, Model model, HttpServletResponse response,
            @RequestParam(required = false) String actor, @RequestParam(required = false) String target,
            @RequestParam(required = false) String action, @RequestParam(required = false) String since,
            @RequestParam(required = false) String until, @RequestParam(required = false) String cursor,
            @RequestParam(required = false) String limit) {
        StaffOnly.requireAdmin(auth);
        Map<String, String> errors = new LinkedHashMap<>();
        Long actorId = id(actor, "actor", errors);
        Long targetId = id(target, "target", errors);
        Long before = id(cursor, "cursor", errors);
        Instant from = time(since, "since", errors);
        Instant to = time(until, "until", errors);
        String actionName = blankToNull(action);
        if (actionName != null && actionName.length() > 64) {
            errors.put("action", "must be an action name, at most 64 characters");
        }
        Long size = id(limit, "limit", errors);
        if (size != null && (size < 1 || size > MAX_PAGE)) {
            errors.put("limit", "must be 1 to " + MAX_PAGE);
        }
        model.addAttribute("actor", blankToNull(actor));
        model.addAttribute("target", blankToNull(target));
        model.addAttribute("action", actionName);
        model.addAttribute("since", blankToNull(since));
        model.addAttribute("until", blankToNull(until));
        model.addAttribute("limit", errors.containsKey("limit") ? null : size);
        model.addAttribute("errors", errors);
        List<EventRow> rows = List.of();
        String next = null;
        if (errors.isEmpty()) {
            int pageSize = size == null ? DEFAULT_PAGE : size.intValue();
            // One more than shown tells whether there is an older page.
            List<AuditLog.Event> found = audit.find(actorId, targetId, actionName, from, to, before, pageSize + 1);
            rows = found.stream().limit(pageSize).map(e -> new EventRow(e.id(), V1Time.format(e.createdAt()), e.actorId(),
                    e.targetId(), e.action(), e.ip(), e.details())).toList();
            next = found.size() > pageSize ? Long.toString(rows.get(rows.size() - 1).id()) : null;
        } else {
            response.setStatus(HttpStatus.BAD_REQUEST.value());
        }
        model.addAttribute("rows", rows);
        model.addAttribute("next", next == null ? null : org.springframework.web.util.UriComponentsBuilder
                .fromPath("/admin/audit").queryParamIfPresent("actor", java.util.Optional.ofNullable(blankToNull(actor)))
                .queryParamIfPresent("target", java.util.Optional.ofNullable(blankToNull(target)))
                .queryParamIfPresent("action", java.util.Optional.ofNullable(actionName))
                .queryParamIfPresent("since", java.util.Optional.ofNullable(blankToNull(since)))
                .queryParamIfPresent("until", java.util.Optional.ofNullable(blankToNull(until)))
                .queryParamIfPresent("limit", java.util.Optional.ofNullable(blankToNull(limit)))
                .queryParam("cursor", next).encode().build().toUriString());
        return "admin/audit";
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }

    private static Long id(String value, String field, Map<String, String> errors) {
        String text = blankToNull(value);
        if (text == null) {
            return null;
        }
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            errors.put(field, "must be a whole number");
            return null;
        }
    }

    private static Instant time(String value, String field, Map<String, String> errors) {
        String text = blankToNull(value);
        if (text == null) {
            return null;
        }
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            errors.put(field, "must be an ISO-8601 UTC time such as 2027-01-01T00:00:00Z");
            return null;
        }
    }
}
