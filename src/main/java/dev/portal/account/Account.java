package dev.portal.account;

import java.time.Instant;
import java.util.List;

import dev.portal.access.PermissionLevel;
import dev.portal.identity.LinkedIdentity;
import dev.portal.identity.Platform;
import dev.portal.moderation.Restrictions;
import dev.portal.subscription.Subscription;

/**
 * Everything an authenticated request needs to know about a user, read in one go and cached per node
 * (see {@link AccountService}). Time-dependent facts (state, effective tier) are computed from end
 * times at the moment of asking, so a cached account never outlives a timeout or a subscription.
 */
public record Account(
        long id,
        String username,
        String avatarSource,
        String avatarUploadKey,
        String avatarUploadUrl,
        Subscription subscription,
        int permissionLevel,
        Instant permissionSince,
        String prefix,
        Instant lastActivityAt,
        Instant createdAt,
        Instant updatedAt,
        List<LinkedIdentity> identities,
        Restrictions restrictions,
        Profile profile) {

    public int stateAt(Instant now) {
        return restrictions.stateAt(now);
    }

    public Subscription subscriptionAt(Instant now) {
        return subscription.effectiveAt(now);
    }

    public boolean canActOn(Account target) {
        return PermissionLevel.canActOn(id, permissionLevel, target.id, target.permissionLevel);
    }

    public boolean isAtLeast(int level) {
        return permissionLevel >= level;
    }

    public String avatarUrl() {
        return AvatarSource.resolve(avatarSource, identities, avatarUploadUrl);
    }

    public LinkedIdentity discordIdentity() {
        return identities.stream().filter(i -> i.platform() == Platform.DISCORD).findFirst().orElse(null);
    }

    Account withLastActivityAt(Instant at) {
        return new Account(id, username, avatarSource, avatarUploadKey, avatarUploadUrl, subscription, permissionLevel, permissionSince,
                prefix, at, createdAt, updatedAt, identities, restrictions, profile);
    }
}
