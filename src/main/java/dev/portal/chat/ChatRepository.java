package dev.portal.chat;

import java.util.List;

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
}
