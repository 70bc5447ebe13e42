package dev.portal.chat;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import dev.portal.platform.Db;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

@Repository
public class ChatRepository {
    private final JdbcClient jdbc;

    ChatRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public List<Chat> chatsOf(long userId) {
        return jdbc.sql("""
                select * from chats where user_id = :userId order by created_at, id
                """).param("userId", userId)
                .query((rs, row) -> new Chat(rs.getLong("id"), rs.getString("platform"), rs.getString("platform_chat_id"),
                        rs.getString("title"), Db.instant(rs, "created_at")))
                .list();
    }

    public List<Bot> botsOf(long userId) {
        return jdbc.sql("""
                select * from bots where user_id = :userId order by created_at, id
                """).param("userId", userId)
                .query((rs, row) -> new Bot(rs.getLong("id"), rs.getString("platform"), rs.getString("platform_bot_id"),
                        rs.getString("name"), Db.instant(rs, "created_at")))
                .list();
    }

    /** Who owns a platform's chat or bot, by its id there. */
    Optional<Long> ownerOf(Owned kind, String platform, String platformId) {
        return jdbc.sql("select user_id from " + kind.table + " where platform = :platform and " + kind.idColumn + " = :id")
                .param("platform", platform).param("id", platformId).query(Long.class).optional();
    }

    Optional<Long> idOf(Owned kind, String platform, String platformId) {
        return jdbc.sql("select id from " + kind.table + " where platform = :platform and " + kind.idColumn + " = :id")
                .param("platform", platform).param("id", platformId).query(Long.class).optional();
    }

    long count(Owned kind, long userId) {
        return jdbc.sql("select count(*) from " + kind.table + " where user_id = :userId").param("userId", userId)
                .query(Long.class).single();
    }

    long insert(Owned kind, long userId, String platform, String platformId, String label, Instant now) {
        return jdbc.sql("insert into " + kind.table + " (user_id, platform, " + kind.idColumn + ", " + kind.labelColumn
                        + ", created_at) values (:userId, :platform, :id, :label, :now) returning id")
                .param("userId", userId).param("platform", platform).param("id", platformId).param("label", label)
                .param("now", Db.ts(now)).query(Long.class).single();
    }

    /** The removed row's platform and id there, if it was this user's. */
    Optional<String[]> delete(Owned kind, long userId, long id) {
        return jdbc.sql("delete from " + kind.table + " where id = :id and user_id = :userId returning platform, "
                        + kind.idColumn + " as platform_id")
                .param("id", id).param("userId", userId)
                .query((rs, row) -> new String[] {rs.getString("platform"), rs.getString("platform_id")}).optional();
    }
}
