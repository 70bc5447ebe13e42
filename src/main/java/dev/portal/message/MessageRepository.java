package dev.portal.message;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.portal.platform.Db;
import dev.portal.platform.Keyset;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

@Repository
public class MessageRepository {
    private final JdbcClient jdbc;

    MessageRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    Message insert(long userId, String body, String visibility, Instant now) {
        long id = jdbc.sql("""
                insert into messages (user_id, body, visibility, created_at)
                values (:userId, :body, :visibility, :now) returning id
                """).param("userId", userId).param("body", body).param("visibility", visibility)
                .param("now", Db.ts(now)).query(Long.class).single();
        return new Message(id, userId, body, visibility, now);
    }

    /** True if the message was the author's and is gone; another's or an unknown one alike answer false. */
    boolean delete(long userId, long messageId) {
        return jdbc.sql("delete from messages where id = :id and user_id = :userId")
                .param("id", messageId).param("userId", userId).update() == 1;
    }

    /** The author's messages older than {@code before} (null: from the newest), newest first, at most {@code limit}. */
    List<Message> page(long userId, Keyset before, int limit) {
        return jdbc.sql("""
                select * from messages
                 where user_id = :userId
                   and (cast(:beforeAt as timestamptz) is null
                        or (created_at, id) < (cast(:beforeAt as timestamptz), cast(:beforeId as bigint)))
                 order by created_at desc, id desc
                 limit :limit
                """).param("userId", userId).param("beforeAt", before == null ? null : Db.ts(before.createdAt()))
                .param("beforeId", before == null ? null : before.id()).param("limit", limit)
                .query(MessageRepository::message).list();
    }

    /** The same for the author's public messages alone, which the partial index {@code messages_public_by_author} serves. */
    List<Message> publicPage(long userId, Keyset before, int limit) {
        return jdbc.sql("""
                select * from messages
                 where user_id = :userId and visibility = 'public'
                   and (cast(:beforeAt as timestamptz) is null
                        or (created_at, id) < (cast(:beforeAt as timestamptz), cast(:beforeId as bigint)))
                 order by created_at desc, id desc
                 limit :limit
                """).param("userId", userId).param("beforeAt", before == null ? null : Db.ts(before.createdAt()))
                .param("beforeId", before == null ? null : before.id()).param("limit", limit)
                .query(MessageRepository::message).list();
    }

    /** The cross-posts of these messages, by message id, each list in the order they were recorded. */
    Map<Long, List<CrossPost>> crossPostsOf(Collection<Long> messageIds) {
        Map<Long, List<CrossPost>> byMessage = new LinkedHashMap<>();
        if (messageIds.isEmpty()) {
            return byMessage;
        }
        jdbc.sql("""
                select * from message_crossposts where message_id in (:ids) order by message_id, created_at, identity_id
                """).param("ids", List.copyOf(messageIds)).query(MessageRepository::crossPost).list()
                .forEach(c -> byMessage.computeIfAbsent(c.messageId(), k -> new java.util.ArrayList<>()).add(c));
        return byMessage;
    }

    /**
     * Records where a message went. The message may have been deleted (or its author) while the instances
     * answered: then there is nothing to record, and the answer still says what was posted.
     */
    void insertCrossPost(CrossPost post) {
        jdbc.sql("""
                insert into message_crossposts (message_id, identity_id, instance, status_id, status_url, posted, error,
                                                created_at)
                select :messageId, :identityId, :instance, :statusId, :statusUrl, :posted, :error, :now
                where exists (select 1 from messages where id = :messageId)
                on conflict (message_id, identity_id) do nothing
                """).param("messageId", post.messageId()).param("identityId", post.identityId())
                .param("instance", post.instance()).param("statusId", post.statusId())
                .param("statusUrl", post.statusUrl()).param("posted", post.posted()).param("error", post.error())
                .param("now", Db.ts(post.createdAt())).update();
    }

    /** The user's Mastodon identities among {@code identityIds}, with their sealed tokens. */
    List<MastodonAccount> mastodonAccounts(long userId, Collection<Long> identityIds) {
        if (identityIds.isEmpty()) {
            return List.of();
        }
        return jdbc.sql("""
                select id, instance, platform_user_id, access_token from linked_identities
                 where user_id = :userId and platform = 'mastodon' and id in (:ids)
                """).param("userId", userId).param("ids", List.copyOf(identityIds))
                .query((rs, row) -> new MastodonAccount(rs.getLong("id"), rs.getString("instance"),
                        rs.getString("platform_user_id"), rs.getBytes("access_token")))
                .list();
    }

    private static Message message(ResultSet rs, int row) throws SQLException {
        return new Message(rs.getLong("id"), rs.getLong("user_id"), rs.getString("body"), rs.getString("visibility"),
                Db.instant(rs, "created_at"));
    }

    private static CrossPost crossPost(ResultSet rs, int row) throws SQLException {
        return new CrossPost(rs.getLong("message_id"), rs.getLong("identity_id"), rs.getString("instance"),
                rs.getString("status_id"), rs.getString("status_url"), rs.getBoolean("posted"), rs.getString("error"),
                Db.instant(rs, "created_at"));
    }
}
