package dev.portal.account.web;

import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.portal.account.Account;

/** What anyone signed in may see of anyone (seed 001, public): exactly these four fields. */
public record V1PublicUser(
        long id,
        String username,
        @JsonProperty("avatar_url") String avatarUrl,
        @JsonProperty("subscription_tier") int subscriptionTier) {

    static V1PublicUser of(Account a, Instant now) {
        return new V1PublicUser(a.id(), a.username(), a.avatarUrl(), a.subscriptionAt(now).tier());
    }
}
