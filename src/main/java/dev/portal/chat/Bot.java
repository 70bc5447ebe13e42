package dev.portal.chat;

import java.time.Instant;

public record Bot(long id, String platform, String platformBotId, String name, Instant createdAt) {
}
