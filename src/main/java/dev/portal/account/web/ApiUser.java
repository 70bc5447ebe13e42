package dev.portal.account.web;

import java.time.Instant;

import dev.portal.account.Account;
import dev.portal.account.Profile;
import dev.portal.platform.ApiTime;
import dev.portal.subscription.Subscription;
import io.swagger.v3.oas.annotations.media.Schema;

/** The current user on /api, {@code GET /api/user} (seed 004); also the answer of {@code PATCH /api/user/update}. */
public record ApiUser(
        @Schema(description = "The user's id, as a string", example = "42") String id,
        String username,
        String email,
        String displayName,
        String bio,
        String avatarUrl,
        boolean emailVerified,
        @Schema(description = "free (Basic, or a lapsed tier), trial, subscriber:premium or subscriber:lifetime; "
                + "any value but free grants subscriber features", example = "subscriber:premium")
        String customerStatus,
        @Schema(allowableValues = {"public", "private"}) String defaultVisibility,
        @Schema(example = "2025-03-12T18:00:00.000Z") String createdAt) {

    public static ApiUser of(Account a, Instant now) {
        Profile p = a.profile();
        return new ApiUser(Long.toString(a.id()), a.username(), p.email(), p.displayName(), p.bio(), a.avatarUrl(),
                p.emailVerified(), customerStatus(a.subscriptionAt(now)), p.defaultVisibility(),
                ApiTime.format(a.createdAt()));
    }

    /** Seed 004's subscriber gating word for a tier as it stands now (a lapsed tier has already read as Basic). */
    static String customerStatus(Subscription effective) {
        return switch (effective.tier()) {
            case Subscription.TRIAL -> "trial";
            case Subscription.PREMIUM -> "subscriber:premium";
            case Subscription.LIFETIME -> "subscriber:lifetime";
            default -> "free";
        };
    }
}
