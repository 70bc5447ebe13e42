package dev.portal.admin;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import dev.portal.access.AccessRules;
import dev.portal.access.PermissionLevel;
import dev.portal.account.Account;
import dev.portal.account.AccountService;
import dev.portal.audit.AuditLog;
import dev.portal.platform.ApiProblem;
import dev.portal.subscription.Subscription;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.JsonNode;

/**
 * Imports users with their linked identities (SPEC §4 {@code POST /v1/admin/users}), one or a batch, all or
 * nothing: every user, identity, history row and {@code user_imported} audit event of a request is written
 * in one transaction, or none is. An identity already linked to someone is refused (409
 * {@code identity_in_use}), never moved, so an import cannot take over an account that signs in already.
 */
@Service
public class ImportService {
    /** The reason in the permission and subscription history of an imported user. */
    static final String REASON = "import";
    /** One request's worth: a bot's user table moves over in batches of this size. */
    public static final int MAX_BATCH = 1000;
    /** A name or identity claimed by someone else between the check and the insert: check again, then say so. */
    private static final int ATTEMPTS = 3;

    private final AccountService accounts;
    private final ImportRepository imports;
    private final AuditLog audit;
    private final TransactionTemplate transaction;
    private final Clock clock;

    ImportService(AccountService accounts, ImportRepository imports, AuditLog audit, TransactionTemplate transaction,
            Clock clock) {
        this.accounts = accounts;
        this.imports = imports;
        this.audit = audit;
        this.transaction = transaction;
        this.clock = clock;
    }

    /**
     * One user from {@code body}; answers the account as stored. 403 unless the actor is Admin+ and the level
     * and tier are theirs to give, 400 {@code validation_failed} with {@code errors.<field>}, 409
     * {@code username_taken} or {@code identity_in_use}.
     */
    public Account importOne(Account actor, JsonNode body, String ip) {
        AccessRules.requireAdmin(actor);
        Instant now = clock.instant();
        Map<String, String> errors = new LinkedHashMap<>();
        UserImport user = UserImport.parse(body, now, "", errors);
        if (user == null) {
            throw ApiProblem.invalidFields(errors);
        }
        requireMayGive(actor, user, "");
        long id = write(actor, List.of(user), false, ip).get(0);
        return accounts.find(id).orElseThrow(() -> new IllegalStateException("imported user " + id + " is gone"));
    }

    /**
     * Up to {@link #MAX_BATCH} users from {@code {"users": [...]}}, all or none; answers their ids in order.
     * A refusal names the first entry at fault: {@code errors."users[3].username"} and {@code index: 3}.
     */
    public List<Long> importAll(Account actor, JsonNode body, String ip) {
        AccessRules.requireAdmin(actor);
        if (body == null || !body.isObject()) {
            throw ApiProblem.badRequest("malformed_request", "The body must be a JSON object.");
        }
        for (String name : body.propertyNames()) {
            if (!name.equals("users")) {
                throw ApiProblem.invalidFields(Map.of(name, "is not a field of an import; send {\"users\": [...]}"));
            }
        }
        JsonNode list = body.get("users");
        if (list == null || !list.isArray() || list.isEmpty() || list.size() > MAX_BATCH) {
            throw ApiProblem.invalidFields(Map.of("users", "must be a list of 1 to " + MAX_BATCH + " users"));
        }
        Instant now = clock.instant();
        List<UserImport> users = new ArrayList<>(list.size());
        Map<String, Integer> firstByName = new HashMap<>();
        Map<String, Integer> firstByIdentity = new HashMap<>();
        for (int i = 0; i < list.size(); i++) {
            String prefix = "users[" + i + "].";
            Map<String, String> errors = new LinkedHashMap<>();
            UserImport user = UserImport.parse(list.get(i), now, prefix, errors);
            if (user == null) {
                throw atIndex(ApiProblem.invalidFields(errors), i);
            }
            requireMayGive(actor, user, prefix, i);
            Integer earlier = firstByName.putIfAbsent(user.username().value().toLowerCase(Locale.ROOT), i);
            if (earlier != null) {
                throw atIndex(ApiProblem.invalidFields(Map.of(prefix + "username",
                        "repeats users[" + earlier + "].username (names are compared ignoring case)")), i);
            }
            for (int j = 0; j < user.identities().size(); j++) {
                earlier = firstByIdentity.putIfAbsent(user.identities().get(j).key(), i);
                if (earlier != null) {
                    throw atIndex(ApiProblem.invalidFields(Map.of(prefix + "linked_platforms[" + j + "]",
                            "is listed for users[" + earlier + "] too")), i);
                }
            }
            users.add(user);
        }
        return write(actor, users, true, ip);
    }

    private static void requireMayGive(Account actor, UserImport user, String prefix) {
        requireMayGive(actor, user, prefix, null);
    }

    /** SPEC §3 for an import: a level strictly below the caller's (so they can act on whom they made); Lifetime only from an Owner. */
    private static void requireMayGive(Account actor, UserImport user, String prefix, Integer index) {
        if (user.permissionLevel() >= actor.permissionLevel()) {
            throw atIndex(new ApiProblem(HttpStatus.FORBIDDEN, "forbidden",
                    "You may import users only below your own level (" + prefix + "permission_level)."), index);
        }
        if (user.subscriptionTier() == Subscription.LIFETIME && !actor.isAtLeast(PermissionLevel.OWNER)) {
            throw atIndex(new ApiProblem(HttpStatus.FORBIDDEN, "forbidden",
                    "Only an owner may grant Lifetime (" + prefix + "subscription_tier)."), index);
        }
    }

    private List<Long> write(Account actor, List<UserImport> users, boolean bulk, String ip) {
        DuplicateKeyException last = null;
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            try {
                return transaction.execute(status -> writeOnce(actor, users, bulk, ip));
            } catch (DuplicateKeyException e) {
                // Someone claimed a name or identity since the check; the next attempt's check names it.
                last = e;
            }
        }
        throw last;
    }

    private List<Long> writeOnce(Account actor, List<UserImport> users, boolean bulk, String ip) {
        // The caller's level as the database has it now, not as a cached session saw it a notification ago.
        Account caller = accounts.findCurrent(actor.id()).orElseThrow(ApiProblem::unauthenticated);
        AccessRules.requireAdmin(caller);
        for (int i = 0; i < users.size(); i++) {
            requireMayGive(caller, users.get(i), bulk ? "users[" + i + "]." : "", bulk ? i : null);
        }
        refuseTaken(users, bulk);
        Instant now = clock.instant();
        List<Long> ids = imports.insertAll(users, caller.id(), now);
        List<Map.Entry<Long, Map<String, ?>>> events = new ArrayList<>(users.size());
        for (int i = 0; i < users.size(); i++) {
            UserImport u = users.get(i);
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("username", u.username().value());
            details.put("identities", u.identities().stream().map(identity -> {
                Map<String, Object> d = new LinkedHashMap<>();
                d.put("platform", identity.platform().key());
                d.put("platform_user_id", identity.platformUserId());
                if (!identity.instance().isEmpty()) {
                    d.put("instance", identity.instance());
                }
                return d;
            }).toList());
            details.put("permission_level", u.permissionLevel());
            details.put("subscription_tier", u.subscriptionTier());
            if (bulk) {
                details.put("batch_size", users.size());
            }
            events.add(Map.entry(ids.get(i), details));
        }
        audit.recordAll("user_imported", caller.id(), ip, events);
        return ids;
    }

    /** 409 for the first entry whose name or identity belongs to someone already; nothing is written. */
    private void refuseTaken(List<UserImport> users, boolean bulk) {
        Set<String> takenNames = imports.takenUsernames(users.stream().map(u -> u.username().value()).toList());
        Set<String> takenIdentities = imports.takenIdentities(
                users.stream().flatMap(u -> u.identities().stream()).toList());
        if (takenNames.isEmpty() && takenIdentities.isEmpty()) {
            return;
        }
        for (int i = 0; i < users.size(); i++) {
            UserImport u = users.get(i);
            String prefix = bulk ? "users[" + i + "]." : "";
            Integer index = bulk ? i : null;
            if (takenNames.contains(u.username().value().toLowerCase(Locale.ROOT))) {
                throw atIndex(new ApiProblem(HttpStatus.CONFLICT, "username_taken", "That username belongs to "
                        + "another Portal account (names are compared ignoring case); nothing was imported.",
                        Map.of("errors", Map.of(prefix + "username", "is already taken"))), index);
            }
            for (int j = 0; j < u.identities().size(); j++) {
                if (takenIdentities.contains(u.identities().get(j).key())) {
                    throw atIndex(new ApiProblem(HttpStatus.CONFLICT, "identity_in_use", "That account is linked to "
                            + "another Portal account; it is never moved by an import, and nothing was imported.",
                            Map.of("errors", Map.of(prefix + "linked_platforms[" + j + "]",
                                    "is linked to another Portal account"))), index);
                }
            }
        }
    }

    /** The same refusal with {@code index}: which entry of the batch it is about (null: not a batch). */
    private static ApiProblem atIndex(ApiProblem problem, Integer index) {
        if (index != null) {
            problem.properties().put("index", index);
        }
        return problem;
    }
}
