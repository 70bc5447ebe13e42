package dev.portal.moderation;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Moderation settings ({@code portal.moderation.*}, {@code PORTAL_MODERATION_*}).
 *
 * @param showActor whether a member's own list ({@code GET /v1/users/me/moderation}) names the moderator
 *        of each act; off by default so that moderators are not singled out for retaliation
 */
@ConfigurationProperties("portal.moderation")
public record ModerationProperties(@DefaultValue("false") boolean showActor) {
}
