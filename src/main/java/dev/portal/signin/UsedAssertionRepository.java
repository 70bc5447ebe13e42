package dev.portal.signin;

import java.time.Instant;

import dev.portal.platform.Db;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Signed sign-in payloads already accepted, so each is accepted once, on every node. */
@Repository
class UsedAssertionRepository {
    private final JdbcClient jdbc;

    UsedAssertionRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** True the first time a digest is claimed; false for a replay. Expired claims are swept as new ones come. */
    boolean claim(byte[] digest, String platform, Instant expiresAt, Instant now) {
        jdbc.sql("""
                delete from used_signin_assertions where expires_at < :now
                """).param("now", Db.ts(now)).update();
        return jdbc.sql("""
                insert into used_signin_assertions (digest, platform, expires_at) values (:digest, :platform, :expiresAt)
                on conflict (digest) do nothing
                """).param("digest", digest).param("platform", platform).param("expiresAt", Db.ts(expiresAt))
                .update() == 1;
    }
}
