package dev.portal.web.admin;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.portal.access.AccessRules;
import dev.portal.access.PermissionLevel;
import dev.portal.access.PermissionService;
import dev.portal.access.Reason;
import dev.portal.account.Account;
import dev.portal.account.AccountService;
import dev.portal.account.web.UserViews;
import dev.portal.account.web.V1UserDetail;
import dev.portal.identity.Platform;
import dev.portal.moderation.ModerationKind;
import dev.portal.moderation.ModerationService;
import dev.portal.moderation.web.V1ModerationRequest;
import dev.portal.platform.ApiProblem;
import dev.portal.platform.ClientAddress;
import dev.portal.platform.V1Time;
import dev.portal.session.Authentication;
import dev.portal.session.SessionService;
import dev.portal.subscription.Grant;
import dev.portal.subscription.SubscriptionService;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code /admin/users} and {@code /admin/users/{id}} with its forms. The forms shown follow {@link AccessRules};
 * every post asks the same rules again through the services the v1 endpoints use, so a hidden form is not the check.
 */
@Controller
class AdminUsersController {
    static final int DEFAULT_PAGE = 50;
    static final int MAX_PAGE = 200;

    private final AccountService accounts;
    private final UserViews views;
    private final ModerationService moderation;
    private final SubscriptionService subscriptions;
    private final PermissionService permissions;
    private final SessionService sessions;
    private final ClientAddress clientAddress;
    private final JsonMapper json;
    private final Clock clock;

    AdminUsersController(AccountService accounts, UserViews views, ModerationService moderation,
            SubscriptionService subscriptions, PermissionService permissions, SessionService sessions,
            ClientAddress clientAddress, JsonMapper json, Clock clock) {
        this.accounts = accounts;
        this.views = views;
        this.moderation = moderation;
        this.subscriptions = subscriptions;
        this.permissions = permissions;
        this.sessions = sessions;
        this.clientAddress = clientAddress;
        this.json = json;
        this.clock = clock;
    }

    /** A row of the list: what the viewer may see of each user (state and level only for those they can act on). */
    record UserRow(long id, String username, String avatarUrl, int tier, Integer state, Integer level) {
    }

    /** The names the pages show for the numbers v1 uses (SPEC §2), indexed by the number. */
    @org.springframework.web.bind.annotation.ModelAttribute
    void names(Model model) {
        model.addAttribute("tierNames", List.of("Basic", "Trial", "Premium", "Lifetime"));
        model.addAttribute("stateNames", List.of("Active", "Timed out", "Banned"));
        model.addAttribute("levelNames", List.of("User", "Moderator", "Admin", "Owner"));
    }

    @GetMapping("/admin")
    String admin(Authentication auth) {
        StaffOnly.requireModerator(auth);
        return "redirect:/admin/users";
    }

    @GetMapping("/admin/users")
    String list(Authentication auth, Model model, HttpServletResponse response,
            @RequestParam(required = false) String query, @RequestParam(required = false) String platform,
            @RequestParam(required = false) String state, @RequestParam(required = false) String tier,
            @RequestParam(required = false) String permission, @RequestParam(required = false) String cursor,
            @RequestParam(required = false) String limit) {
        Account viewer = auth.account();
        StaffOnly.requireModerator(auth);
        Instant now = clock.instant();
        String q = blankToNull(query);
        boolean listing = viewer.isAtLeast(PermissionLevel.ADMIN);
        model.addAttribute("listing", listing);
        model.addAttribute("query", q);
        model.addAttribute("platforms", List.of(Platform.values()));
        Map<String, String> errors = new LinkedHashMap<>();
        List<UserRow> rows = new ArrayList<>();
        String next = null;
        if (!listing) {
            // Listing users is Admin+ (SPEC §3); a Moderator acts on users they know, so finds one by exact username.
            if (q != null) {
                accounts.findIdByUsername(q).flatMap(accounts::find).ifPresent(a -> rows.add(row(viewer, a, now)));
            }
        } else {
            String platformKey = blankToNull(platform);
            if (q != null && q.length() > 64) {
                errors.put("query", "must be at most 64 characters");
            }
            if (platformKey != null && Platform.fromKey(platformKey).isEmpty()) {
                errors.put("platform", "must be one of the platforms listed");
            }
            Integer stateValue = number(state, "state", 0, 2, errors);
            Integer tierValue = number(tier, "tier", 0, 3, errors);
            Integer levelValue = number(permission, "permission", 0, 3, errors);
            Integer after = number(cursor, "cursor", 0, Integer.MAX_VALUE, errors);
            Integer size = number(limit, "limit", 1, MAX_PAGE, errors);
            model.addAttribute("platform", platformKey);
            model.addAttribute("state", stateValue);
            model.addAttribute("tier", tierValue);
            model.addAttribute("permission", levelValue);
            model.addAttribute("limit", size);
            if (errors.isEmpty()) {
                int pageSize = size == null ? DEFAULT_PAGE : size;
                List<Long> ids = accounts.search(q, platformKey, stateValue, tierValue, levelValue,
                        after == null ? null : after.longValue(), pageSize + 1, now);
                for (long id : ids.subList(0, Math.min(pageSize, ids.size()))) {
                    accounts.find(id).ifPresent(a -> rows.add(row(viewer, a, now)));
                }
                next = ids.size() > pageSize ? Long.toString(ids.get(pageSize - 1)) : null;
            } else {
                response.setStatus(HttpStatus.BAD_REQUEST.value());
            }
        }
        model.addAttribute("errors", errors);
        model.addAttribute("rows", rows);
        model.addAttribute("searched", q != null || listing);
        model.addAttribute("next", next == null ? null : org.springframework.web.util.UriComponentsBuilder
                .fromPath("/admin/users").queryParamIfPresent("query", java.util.Optional.ofNullable(q))
                .queryParamIfPresent("platform", java.util.Optional.ofNullable(blankToNull(platform)))
                .queryParamIfPresent("state", java.util.Optional.ofNullable(blankToNull(state)))
                .queryParamIfPresent("tier", java.util.Optional.ofNullable(blankToNull(tier)))
                .queryParamIfPresent("permission", java.util.Optional.ofNullable(blankToNull(permission)))
                .queryParamIfPresent("limit", java.util.Optional.ofNullable(blankToNull(limit)))
                .queryParam("cursor", next).encode().build().toUriString());
        return "admin/users";
    }

    private static UserRow row(Account viewer, Account a, Instant now) {
        boolean full = viewer.canActOn(a);
        return new UserRow(a.id(), a.username(), a.avatarUrl(), a.subscriptionAt(now).tier(),
                full ? a.stateAt(now) : null, full ? a.permissionLevel() : null);
    }

    @GetMapping("/admin/users/{id}")
    String user(Authentication auth, @PathVariable String id, Model model) {
        Account viewer = auth.account();
        StaffOnly.requireModerator(auth);
        return userPage(viewer, target(id), model, null);
    }

    /** The values a failed form is shown again with, and the messages per field. */
    record Failed(String form, Map<String, String> errors, Map<String, String> values, String conflict) {
    }

    @PostMapping("/admin/users/{id}/moderation")
    String moderate(Authentication auth, @PathVariable String id, Model model, HttpServletRequest request,
            HttpServletResponse response, @RequestParam(required = false) String action,
            @RequestParam(required = false) String reason, @RequestParam(required = false) String duration) {
        Account viewer = auth.account();
        StaffOnly.requireModerator(auth);
        Account target = target(id);
        // Who first, as in v1: someone who may not act learns nothing from the faults of their form.
        AccessRules.requireMayModerate(viewer, target);
        Map<String, String> values = values("action", action, "reason", reason, "duration", duration);
        ObjectNode body = json.createObjectNode();
        putText(body, "action", action);
        putText(body, "reason", reason);
        Map<String, String> errors = new LinkedHashMap<>();
        String minutes = blankToNull(duration);
        long maxMinutes = ModerationKind.MAX_DURATION.toMinutes();
        if (minutes != null) {
            try {
                long m = Long.parseLong(minutes);
                if (m < 1 || m > maxMinutes) {
                    errors.put("duration", "must be a whole number of minutes from 1 to " + maxMinutes);
                } else {
                    body.put("duration_seconds", m * 60);
                }
            } catch (NumberFormatException e) {
                errors.put("duration", "must be a whole number of minutes from 1 to " + maxMinutes);
            }
        }
        ModerationService.Command command = null;
        try {
            command = V1ModerationRequest.parse(body);
        } catch (ApiProblem problem) {
            // A duration the form could not read is reported as such, not as a missing one.
            renamed(fieldErrors(problem), Map.of("duration_seconds", "duration")).forEach(errors::putIfAbsent);
        }
        if (!errors.isEmpty()) {
            return failed(viewer, target, model, response, new Failed("moderation", errors, values, null));
        }
        try {
            moderation.act(viewer, target, command, clientAddress.of(request));
        } catch (ApiProblem problem) {
            return conflictOr(problem, viewer, target, model, response, "moderation", values);
        }
        return "redirect:/admin/users/" + target.id() + "?flash=moderated";
    }

    @PostMapping("/admin/users/{id}/subscription")
    String subscription(Authentication auth, @PathVariable String id, Model model, HttpServletRequest request,
            HttpServletResponse response, @RequestParam(required = false) String tier,
            @RequestParam(name = "expires", required = false) String expires,
            @RequestParam(required = false) String reason) {
        Account viewer = auth.account();
        StaffOnly.requireModerator(auth);
        Account target = target(id);
        AccessRules.requireMayBan(viewer, target);
        Map<String, String> values = values("tier", tier, "expires", expires, "reason", reason);
        ObjectNode body = json.createObjectNode();
        Map<String, String> errors = new LinkedHashMap<>();
        try {
            body.put("tier", Integer.parseInt(tier == null ? "" : tier.strip()));
        } catch (NumberFormatException e) {
            putText(body, "tier", tier);
        }
        String date = blankToNull(expires);
        if (date != null) {
            try {
                // The subscription ends as that day begins, in UTC (the form's date has no zone of its own).
                body.put("expires_at", V1Time.format(LocalDate.parse(date).atStartOfDay(ZoneOffset.UTC).toInstant()));
            } catch (DateTimeParseException e) {
                errors.put("expires", "must be a date such as 2027-01-31");
                body.put("expires_at", "not-a-date");
            }
        }
        putText(body, "reason", reason);
        Grant grant = null;
        try {
            grant = Grant.parse(body, clock.instant());
        } catch (ApiProblem problem) {
            Map<String, String> found = renamed(fieldErrors(problem), Map.of("expires_at", "expires"));
            found.forEach(errors::putIfAbsent);
        }
        if (!errors.isEmpty()) {
            return failed(viewer, target, model, response, new Failed("subscription", errors, values, null));
        }
        try {
            subscriptions.grant(viewer, target.id(), grant, clientAddress.of(request));
        } catch (ApiProblem problem) {
            return conflictOr(problem, viewer, target, model, response, "subscription", values);
        }
        return "redirect:/admin/users/" + target.id() + "?flash=granted";
    }

    @PostMapping("/admin/users/{id}/level")
    String level(Authentication auth, @PathVariable String id, Model model, HttpServletRequest request,
            HttpServletResponse response, @RequestParam(required = false) String level,
            @RequestParam(required = false) String reason) {
        Account viewer = auth.account();
        StaffOnly.requireModerator(auth);
        Account target = target(id);
        AccessRules.requireMaySetPermission(viewer, target, PermissionLevel.USER);
        Map<String, String> values = values("level", level, "reason", reason);
        Map<String, String> errors = new LinkedHashMap<>();
        Integer wanted = null;
        try {
            wanted = Integer.parseInt(level == null ? "" : level.strip());
        } catch (NumberFormatException e) {
            // reported below
        }
        if (wanted == null || wanted < PermissionLevel.USER || wanted >= PermissionLevel.OWNER) {
            errors.put("level", "must be User, Moderator or Admin");
        }
        ObjectNode body = json.createObjectNode();
        putText(body, "reason", reason);
        String why = Reason.read(body, errors);
        if (!errors.isEmpty()) {
            return failed(viewer, target, model, response, new Failed("level", errors, values, null));
        }
        try {
            permissions.change(viewer, target.id(), wanted, why, clientAddress.of(request));
        } catch (ApiProblem problem) {
            return conflictOr(problem, viewer, target, model, response, "level", values);
        }
        return "redirect:/admin/users/" + target.id() + "?flash=level_changed";
    }

    /**
     * An Owner's impersonation: the session is made and its token shown this once, as a created API token is. The
     * browser keeps the Owner's own session; the Owner opens the token elsewhere (a private window, a script).
     */
    @PostMapping("/admin/users/{id}/impersonate")
    String impersonate(Authentication auth, @PathVariable String id, Model model, HttpServletRequest request) {
        Account viewer = auth.account();
        StaffOnly.requireModerator(auth);
        AccessRules.requireMayImpersonateAnyone(viewer);
        Account target = target(id);
        AccessRules.requireMayImpersonate(viewer, target);
        SessionService.Impersonation session = sessions.impersonate(viewer.id(), target.id(), clientAddress.of(request),
                request.getHeader("User-Agent"));
        model.addAttribute("target", target);
        model.addAttribute("token", session.token());
        model.addAttribute("sessionId", session.id());
        model.addAttribute("expiresAt", V1Time.format(session.expiresAt()));
        return "admin/impersonation";
    }

    private Account target(String id) {
        long value;
        try {
            value = Long.parseLong(id);
        } catch (NumberFormatException e) {
            throw ApiProblem.notFound("No such user.");
        }
        return accounts.find(value).orElseThrow(() -> ApiProblem.notFound("No such user."));
    }

    private String failed(Account viewer, Account target, Model model, HttpServletResponse response, Failed failed) {
        response.setStatus(failed.conflict() != null ? HttpStatus.CONFLICT.value() : HttpStatus.BAD_REQUEST.value());
        return userPage(viewer, target, model, failed);
    }

    /** A 409 from a service is shown on the page beside the form; anything else (403, 404) is the error page. */
    private String conflictOr(ApiProblem problem, Account viewer, Account target, Model model,
            HttpServletResponse response, String form, Map<String, String> values) {
        if (problem.status() == HttpStatus.CONFLICT) {
            Account now = accounts.find(target.id()).orElse(target);
            return failed(viewer, now, model, response, new Failed(form, Map.of(), values, problem.getMessage()));
        }
        if (problem.status() == HttpStatus.BAD_REQUEST && !fieldErrors(problem).isEmpty()) {
            return failed(viewer, target, model, response, new Failed(form, fieldErrors(problem), values, null));
        }
        throw problem;
    }

    private String userPage(Account viewer, Account target, Model model, Failed failed) {
        Object view = views.userView(viewer, target);
        boolean elevated = view instanceof V1UserDetail;
        boolean mayModerate = viewer.isAtLeast(PermissionLevel.MODERATOR) && viewer.canActOn(target);
        boolean mayBan = viewer.isAtLeast(PermissionLevel.ADMIN) && viewer.canActOn(target);
        boolean owner = viewer.isAtLeast(PermissionLevel.OWNER);
        model.addAttribute("target", target);
        model.addAttribute("view", view);
        model.addAttribute("elevated", elevated);
        model.addAttribute("mayModerate", mayModerate);
        model.addAttribute("mayBan", mayBan);
        model.addAttribute("mayGrantLifetime", mayBan && owner);
        model.addAttribute("maySetLevel", owner && viewer.canActOn(target));
        model.addAttribute("mayImpersonate", AccessRules.mayImpersonate(viewer, target));
        Failed none = new Failed("", Map.of(), Map.of(), null);
        Failed shown = failed == null ? none : failed;
        for (String form : List.of("moderation", "subscription", "level")) {
            model.addAttribute(form + "Form", form.equals(shown.form()) ? shown : none);
        }
        Instant now = clock.instant();
        Instant until = target.restrictions().bannedAt(now) ? target.restrictions().bannedUntil()
                : target.restrictions().timedOutAt(now) ? target.restrictions().timedOutUntil() : null;
        // A permanent ban ends at Instant.MAX, which has no date to show.
        model.addAttribute("stateUntil", until == null || Instant.MAX.equals(until) ? null : V1Time.format(until));
        model.addAttribute("permanent", Instant.MAX.equals(until));
        return "admin/user";
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> fieldErrors(ApiProblem problem) {
        Object errors = problem.properties().get("errors");
        return errors instanceof Map<?, ?> map ? new LinkedHashMap<>((Map<String, String>) map) : new LinkedHashMap<>();
    }

    private static Map<String, String> renamed(Map<String, String> errors, Map<String, String> names) {
        Map<String, String> out = new LinkedHashMap<>();
        errors.forEach((k, v) -> out.put(names.getOrDefault(k, k), v));
        return out;
    }

    private static Map<String, String> values(String... pairs) {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            out.put(pairs[i], pairs[i + 1] == null ? "" : pairs[i + 1]);
        }
        return out;
    }

    private static void putText(ObjectNode body, String field, String value) {
        if (value != null && !value.isBlank()) {
            body.put(field, value);
        }
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }

    private static Integer number(String value, String field, int min, int max, Map<String, String> errors) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            int parsed = Integer.parseInt(value.strip());
            if (parsed >= min && parsed <= max) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        errors.put(field, "must be a whole number from " + min + " to " + max);
        return null;
    }
}
