package dev.portal.session.web;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.portal.platform.V1Time;
import dev.portal.session.ApiToken;
import dev.portal.session.SessionRecord;

/** The v1 shapes of a user's own sessions and tokens. A token's value appears only in {@link V1NewToken}. */
final class V1OwnCredentials {
    private V1OwnCredentials() {
    }

    /** {@code impersonated_by}: the Owner holding the session when it is an impersonation of you, else null. */
    record V1Session(long id, String platform, String ip, @JsonProperty("user_agent") String userAgent, String country,
            String region, String city, @JsonProperty("created_at") String createdAt,
            @JsonProperty("last_seen_at") String lastSeenAt, @JsonProperty("expires_at") String expiresAt,
            @JsonProperty("impersonated_by") Long impersonatedBy, boolean current) {
        static V1Session of(SessionRecord s, long currentId) {
            return new V1Session(s.id(), s.platform(), s.ip(), s.userAgent(), s.country(), s.region(), s.city(),
                    V1Time.format(s.createdAt()), V1Time.format(s.lastSeenAt()), V1Time.format(s.expiresAt()),
                    s.impersonatedBy(), s.id() == currentId);
        }
    }

    record V1Token(long id, String name, @JsonProperty("created_at") String createdAt,
            @JsonProperty("expires_at") String expiresAt, @JsonProperty("last_used_at") String lastUsedAt) {
        static V1Token of(ApiToken t) {
            return new V1Token(t.id(), t.name(), V1Time.format(t.createdAt()), V1Time.format(t.expiresAt()),
                    V1Time.format(t.lastUsedAt()));
        }
    }

    /** The answer to creating a token: the only time its value is shown. */
    record V1NewToken(long id, String name, String token, @JsonProperty("created_at") String createdAt,
            @JsonProperty("expires_at") String expiresAt) {
    }

    record V1Revoked(int revoked) {
    }
}
