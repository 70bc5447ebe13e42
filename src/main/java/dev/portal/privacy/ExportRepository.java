package dev.portal.privacy;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The sections of a data export, each assembled by PostgreSQL as one JSON array of one user's rows. Every
 * column is named on purpose: token hashes, sealed provider tokens and keys are never selected.
 */
@Repository
class ExportRepository {
    private final JdbcClient jdbc;

    ExportRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    private String section(String sql, long userId) {
        return jdbc.sql(sql).param("userId", userId).query(String.class).single();
    }

    String identities(long userId) {
        return section("""
                select coalesce(json_agg(json_build_object(
                    'id', id::text, 'provider', platform, 'providerUserId', platform_user_id,
                    'providerUsername', platform_username, 'instanceName', nullif(instance, ''),
                    'avatarUrl', platform_avatar_url, 'createdAt', portal_api_time(linked_at),
                    'lastAuthenticatedAt', portal_api_time(last_authenticated_at)) order by linked_at, id), '[]')::text
                from linked_identities where user_id = :userId
                """, userId);
    }

    String sessions(long userId) {
        return section("""
                select coalesce(json_agg(json_build_object(
                    'id', id::text, 'platform', platform, 'ip', ip, 'userAgent', user_agent, 'country', country,
                    'region', region, 'city', city, 'createdAt', portal_api_time(created_at),
                    'lastSeenAt', portal_api_time(last_seen_at), 'expiresAt', portal_api_time(expires_at),
                    'revokedAt', portal_api_time(revoked_at), 'revokedReason', revoked_reason)
                    order by created_at desc, id desc), '[]')::text
                from sessions where user_id = :userId
                """, userId);
    }

    String apiTokens(long userId) {
        return section("""
                select coalesce(json_agg(json_build_object(
                    'id', id::text, 'name', name, 'createdAt', portal_api_time(created_at),
                    'expiresAt', portal_api_time(expires_at), 'lastUsedAt', portal_api_time(last_used_at),
                    'revokedAt', portal_api_time(revoked_at)) order by created_at desc, id desc), '[]')::text
                from api_tokens where user_id = :userId
                """, userId);
    }

    String subscriptionHistory(long userId) {
        return section("""
                select coalesce(json_agg(json_build_object(
                    'id', id::text, 'fromTier', from_tier, 'toTier', to_tier, 'expiresAt', portal_api_time(expires_at),
                    'grantedBy', granted_by::text, 'reason', reason, 'createdAt', portal_api_time(created_at))
                    order by created_at desc, id desc), '[]')::text
                from subscription_changes where user_id = :userId
                """, userId);
    }

    String permissionHistory(long userId) {
        return section("""
                select coalesce(json_agg(json_build_object(
                    'id', id::text, 'fromLevel', from_level, 'toLevel', to_level, 'changedBy', changed_by::text,
                    'reason', reason, 'createdAt', portal_api_time(created_at))
                    order by created_at desc, id desc), '[]')::text
                from permission_changes where user_id = :userId
                """, userId);
    }

    String chats(long userId) {
        return section("""
                select coalesce(json_agg(json_build_object(
                    'id', id::text, 'platform', platform, 'platformChatId', platform_chat_id, 'title', title,
                    'createdAt', portal_api_time(created_at)) order by created_at, id), '[]')::text
                from chats where user_id = :userId
                """, userId);
    }

    String bots(long userId) {
        return section("""
                select coalesce(json_agg(json_build_object(
                    'id', id::text, 'platform', platform, 'platformBotId', platform_bot_id, 'name', name,
                    'createdAt', portal_api_time(created_at)) order by created_at, id), '[]')::text
                from bots where user_id = :userId
                """, userId);
    }

    String organizations(long userId) {
        return section("""
                select coalesce(json_agg(json_build_object(
                    'id', o.id::text, 'name', o.name, 'slug', o.slug, 'role', m.role,
                    'createdAt', portal_api_time(o.created_at), 'joinedAt', portal_api_time(m.joined_at))
                    order by o.name, o.id), '[]')::text
                from organization_members m join organizations o on o.id = m.organization_id
                where m.user_id = :userId
                """, userId);
    }

    /** Every message, private ones too, each with where it was cross-posted. */
    String messages(long userId) {
        return section("""
                select coalesce(json_agg(json_build_object(
                    'id', m.id::text, 'body', m.body, 'visibility', m.visibility,
                    'createdAt', portal_api_time(m.created_at),
                    'crossPosts', (select coalesce(json_agg(json_build_object(
                                       'mastodonProviderId', c.identity_id::text, 'instanceName', c.instance,
                                       'posted', c.posted, 'url', c.status_url, 'error', c.error,
                                       'createdAt', portal_api_time(c.created_at)) order by c.created_at), '[]')
                                   from message_crossposts c where c.message_id = m.id))
                    order by m.created_at desc, m.id desc), '[]')::text
                from messages m where m.user_id = :userId
                """, userId);
    }

    /** E-mail changes asked for and not yet superseded (the token is never included, only its times). */
    String emailChanges(long userId) {
        return section("""
                select coalesce(json_agg(json_build_object(
                    'id', id::text, 'newEmail', new_email, 'oldEmail', old_email,
                    'createdAt', portal_api_time(created_at), 'expiresAt', portal_api_time(expires_at),
                    'usedAt', portal_api_time(used_at)) order by created_at desc, id desc), '[]')::text
                from email_changes where user_id = :userId
                """, userId);
    }

    /**
     * Audit events the user did or that were done to them. The IP is shown only where the user acted (another
     * person's address is theirs, not this user's); the other actor only when moderators are shown to members.
     * Notes moderators wrote about the user are left out, as everywhere a member looks.
     */
    String auditEvents(long userId, boolean showActors) {
        return jdbc.sql("""
                select coalesce(json_agg(json_build_object(
                    'id', id::text, 'action', action,
                    'actorId', case when actor_id = :userId or :showActors then actor_id::text end,
                    'targetId', target_id::text, 'ip', case when actor_id = :userId then ip end,
                    'details', details, 'createdAt', portal_api_time(created_at)) order by id desc), '[]')::text
                from audit_events
                where (actor_id = :userId or target_id = :userId)
                  and not (action = 'moderation_note' and actor_id is distinct from :userId)
                """).param("userId", userId).param("showActors", showActors).query(String.class).single();
    }
}
