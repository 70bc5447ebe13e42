package dev.portal.chat;

import java.util.Set;

/**
 * The two things a user owns on a platform, alike in everything but names: chats (a Discord guild, a
 * Telegram group) and bots. The table and column names come from here, never from a request.
 */
public enum Owned {
    CHAT("chats", "platform_chat_id", "title", Set.of("discord", "telegram")),
    BOT("bots", "platform_bot_id", "name", Set.of("discord", "telegram", "github", "mastodon", "bluesky", "linkedin", "x"));

    final String table;
    final String idColumn;
    final String labelColumn;
    private final Set<String> platforms;

    Owned(String table, String idColumn, String labelColumn, Set<String> platforms) {
        this.table = table;
        this.idColumn = idColumn;
        this.labelColumn = labelColumn;
        this.platforms = platforms;
    }

    /** The JSON field of the platform's id ({@code platform_chat_id}) and of the label ({@code title}). */
    public String idField() {
        return idColumn;
    }

    public String labelField() {
        return labelColumn;
    }

    public boolean allows(String platform) {
        return platforms.contains(platform);
    }

    public Set<String> platforms() {
        return platforms;
    }

    /** {@code chat} or {@code bot}, for messages and audit actions. */
    public String noun() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
