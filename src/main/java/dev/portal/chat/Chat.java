package dev.portal.chat;

import java.time.Instant;

public record Chat(long id, String platform, String platformChatId, String title, Instant createdAt) {
}
