package dev.portal.identity;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import dev.portal.platform.Db;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

@Repository
public class IdentityRepository {
    private final JdbcClient jdbc;

    IdentityRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** Oldest first: the first is the "earliest linked platform" that avatars fall back to. */
    public List<LinkedIdentity> findByUser(long userId) {
        return jdbc.sql("""
                select * from linked_identities where user_id = :userId order by linked_at, id
                """).param("userId", userId).query(IdentityRepository::map).list();
    }

    public Optional<LinkedIdentity> findById(long identityId) {
        return jdbc.sql("select * from linked_identities where id = :id").param("id", identityId)
                .query(IdentityRepository::map).optional();
    }

    /**
     * The identity's stored tokens, still sealed; {@code lock} holds the row until the transaction ends.
     * Empty when the identity is gone. (A refresh does not lock: it claims {@link #claimRefresh} instead.)
     */
    public Optional<SealedTokens> tokens(long identityId, boolean lock) {
        return jdbc.sql("""
                select access_token, refresh_token, token_expires_at, token_key from linked_identities where id = :id
                """ + (lock ? " for update" : "")).param("id", identityId)
                .query((rs, row) -> new SealedTokens(rs.getBytes("access_token"), rs.getBytes("refresh_token"),
                        Db.instant(rs, "token_expires_at"), rs.getBytes("token_key"))).optional();
    }

    /** A provider's tokens as stored: sealed with {@link LinkedIdentity#tokenContext}; any may be null. */
    public record SealedTokens(byte[] accessToken, byte[] refreshToken, Instant expiresAt, byte[] proofKey) {
    }

    public Optional<LinkedIdentity> find(Platform platform, String instance, String platformUserId) {
        return jdbc.sql("""
                select * from linked_identities
                where platform = :platform and instance = :instance and platform_user_id = :platformUserId
                """)
                .param("platform", platform.key()).param("instance", instance).param("platformUserId", platformUserId)
                .query(IdentityRepository::map).optional();
    }

    /** The user whose identity on {@code platform} has this username now (most recently seen wins). */
    public Optional<LinkedIdentity> findByPlatformUsername(Platform platform, String platformUsername) {
        return jdbc.sql("""
                select * from linked_identities
                where platform = :platform and lower(platform_username) = lower(:name)
                order by last_authenticated_at desc nulls last, id desc
                limit 1
                """).param("platform", platform.key()).param("name", platformUsername)
                .query(IdentityRepository::map).optional();
    }

    public long insert(long userId, Platform platform, String instance, String platformUserId, String platformUsername,
            String platformAvatarUrl, Instant now) {
        return jdbc.sql("""
                insert into linked_identities (user_id, platform, instance, platform_user_id, platform_username,
                                               platform_avatar_url, linked_at, last_authenticated_at)
                values (:userId, :platform, :instance, :platformUserId, :platformUsername, :avatarUrl, :now, :now)
                returning id
                """)
                .param("userId", userId).param("platform", platform.key()).param("instance", instance)
                .param("platformUserId", platformUserId).param("platformUsername", platformUsername)
                .param("avatarUrl", platformAvatarUrl).param("now", Db.ts(now))
                .query(Long.class).single();
    }

    /** A sign-in refreshes what the platform says about the person now. */
    public void refresh(long identityId, String platformUsername, String platformAvatarUrl, Instant now) {
        jdbc.sql("""
                update linked_identities
                set platform_username = :platformUsername, platform_avatar_url = :avatarUrl, last_authenticated_at = :now
                where id = :id
                """)
                .param("platformUsername", platformUsername).param("avatarUrl", platformAvatarUrl)
                .param("now", Db.ts(now)).param("id", identityId).update();
    }

    /**
     * Keeps the provider's tokens for the identity, already sealed ({@code SecretCipher}, with
     * {@link LinkedIdentity#tokenContext} as the context); null clears one.
     */
    public void storeTokens(long identityId, byte[] accessToken, byte[] refreshToken, Instant expiresAt, byte[] proofKey) {
        jdbc.sql("""
                update linked_identities set access_token = :access, refresh_token = :refresh, token_expires_at = :expires,
                                             token_key = :key
                where id = :id
                """).param("access", accessToken).param("refresh", refreshToken).param("expires", Db.ts(expiresAt))
                .param("key", proofKey).param("id", identityId).update();
    }

    /**
     * Claims the identity's token refresh until {@code until}: one short statement, no lock held after it.
     * Succeeds only if nobody holds a live lease and the stored refresh token is still {@code sealedRefresh},
     * the bytes just read (sealing uses a random nonce, so tokens stored since then never compare equal).
     */
    public boolean claimRefresh(long identityId, byte[] sealedRefresh, Instant now, Instant until) {
        return jdbc.sql("""
                update linked_identities set refreshing_until = :until
                where id = :id and (refreshing_until is null or refreshing_until < :now) and refresh_token = :refresh
                """).param("until", Db.ts(until)).param("id", identityId).param("now", Db.ts(now))
                .param("refresh", sealedRefresh).update() == 1;
    }

    /**
     * Stores the refreshed tokens (sealed, as {@link #storeTokens}) and ends the lease taken with
     * {@link #claimRefresh} until {@code until}, in one statement; a lease someone else holds now is left alone.
     */
    public void storeRefreshedTokens(long identityId, byte[] accessToken, byte[] refreshToken, Instant expiresAt,
            byte[] proofKey, Instant until) {
        jdbc.sql("""
                update linked_identities set access_token = :access, refresh_token = :refresh, token_expires_at = :expires,
                                             token_key = :key,
                                             refreshing_until = case when refreshing_until = :until then null
                                                                     else refreshing_until end
                where id = :id
                """).param("access", accessToken).param("refresh", refreshToken).param("expires", Db.ts(expiresAt))
                .param("key", proofKey).param("until", Db.ts(until)).param("id", identityId).update();
    }

    /** Ends the lease taken with {@link #claimRefresh} until {@code until}, if it is still that one. */
    public void releaseRefresh(long identityId, Instant until) {
        jdbc.sql("""
                update linked_identities set refreshing_until = null where id = :id and refreshing_until = :until
                """).param("id", identityId).param("until", Db.ts(until)).update();
    }

    public int delete(List<Long> identityIds) {
        return jdbc.sql("""
                delete from linked_identities where id in (:ids)
                """).param("ids", identityIds).update();
    }

    private static LinkedIdentity map(ResultSet rs, int row) throws SQLException {
        return new LinkedIdentity(rs.getLong("id"), rs.getLong("user_id"),
                Platform.fromKey(rs.getString("platform")).orElseThrow(), rs.getString("platform_user_id"),
                rs.getString("instance"), rs.getString("platform_username"), rs.getString("platform_avatar_url"),
                Db.instant(rs, "linked_at"), Db.instant(rs, "last_authenticated_at"));
    }
}
