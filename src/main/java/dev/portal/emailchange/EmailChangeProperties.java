package dev.portal.emailchange;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * E-mail changes ({@code portal.email-change.*}, {@code PORTAL_EMAIL_CHANGE_*} in the environment).
 *
 * @param linkValidity how long a confirmation link works (Supabase's default too)
 * @param perHour requests per user per hour (a burst of that many, then one every 60/perHour minutes); each
 *        sends up to two mails, so this bounds the mail one account can make Portal send
 */
@ConfigurationProperties("portal.email-change")
public record EmailChangeProperties(
        @DefaultValue("24h") Duration linkValidity,
        @DefaultValue("5") int perHour) {
}
