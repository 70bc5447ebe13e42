package dev.portal.privacy;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.portal.account.Account;
import dev.portal.account.web.ApiUser;
import dev.portal.moderation.ModerationAction;
import dev.portal.moderation.ModerationProperties;
import dev.portal.moderation.ModerationService;
import dev.portal.platform.ApiTime;
import dev.portal.subscription.Subscription;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code GET /api/user/export}: everything Portal holds about the caller, as one JSON document in /api's
 * style (camelCase, string ids, millisecond timestamps). Read in one repeatable-read transaction, so the
 * sections agree with each other. Secrets (token hashes, sealed provider tokens, keys) are never included.
 */
@Service
public class DataExport {
    /** Bumped when a section changes shape, so that an importer can tell versions apart. */
    static final int FORMAT_VERSION = 1;

    private final ExportRepository sections;
    private final ModerationService moderation;
    private final ModerationProperties moderationSettings;
    private final JsonMapper json;
    private final Clock clock;

    DataExport(ExportRepository sections, ModerationService moderation, ModerationProperties moderationSettings,
            JsonMapper json, Clock clock) {
        this.sections = sections;
        this.moderation = moderation;
        this.moderationSettings = moderationSettings;
        this.json = json;
        this.clock = clock;
    }

    @Transactional(readOnly = true, isolation = org.springframework.transaction.annotation.Isolation.REPEATABLE_READ)
    public Map<String, Object> of(Account me) {
        Instant now = clock.instant();
        long id = me.id();
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("formatVersion", FORMAT_VERSION);
        document.put("exportedAt", ApiTime.format(now));
        document.put("user", ApiUser.of(me, now));
        document.put("account", account(me, now));
        document.put("identities", parse(sections.identities(id)));
        document.put("sessions", parse(sections.sessions(id)));
        document.put("apiTokens", parse(sections.apiTokens(id)));
        document.put("moderationActions", moderationActions(moderation.visibleTo(id)));
        document.put("subscriptionHistory", parse(sections.subscriptionHistory(id)));
        document.put("permissionHistory", parse(sections.permissionHistory(id)));
        document.put("chats", parse(sections.chats(id)));
        document.put("bots", parse(sections.bots(id)));
        document.put("organizations", parse(sections.organizations(id)));
        document.put("messages", parse(sections.messages(id)));
        document.put("emailChanges", parse(sections.emailChanges(id)));
        document.put("auditEvents", parse(sections.auditEvents(id, moderationSettings.showActor())));
        return document;
    }

    /** What the /api user object leaves out: authority, subscription, settings and bookkeeping. */
    private static Map<String, Object> account(Account me, Instant now) {
        Subscription s = me.subscriptionAt(now);
        Map<String, Object> account = new LinkedHashMap<>();
        account.put("permissionLevel", me.permissionLevel());
        account.put("permissionSince", ApiTime.format(me.permissionSince()));
        account.put("state", me.stateAt(now));
        account.put("subscriptionTier", s.tier());
        account.put("subscriptionExpiresAt", ApiTime.format(s.expiresAt()));
        account.put("subscriptionGrantedBy", s.grantedBy() == null ? null : Long.toString(s.grantedBy()));
        account.put("avatarSource", me.avatarSource());
        account.put("prefix", me.prefix());
        account.put("settings", me.profile().settings());
        account.put("lastActivityAt", ApiTime.format(me.lastActivityAt()));
        account.put("updatedAt", ApiTime.format(me.updatedAt()));
        return account;
    }

    /** The member's own view of what moderators did (the moderator only when members are shown them). */
    private List<Map<String, Object>> moderationActions(List<ModerationAction> actions) {
        return actions.stream().map(m -> {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("id", Long.toString(m.id()));
            entry.put("action", m.action());
            entry.put("reason", m.reason());
            if (moderationSettings.showActor()) {
                entry.put("actorId", m.actorId() == null ? null : Long.toString(m.actorId()));
            }
            entry.put("createdAt", ApiTime.format(m.createdAt()));
            entry.put("expiresAt", ApiTime.format(m.expiresAt()));
            return entry;
        }).toList();
    }

    private JsonNode parse(String section) {
        return json.readTree(section);
    }
}
