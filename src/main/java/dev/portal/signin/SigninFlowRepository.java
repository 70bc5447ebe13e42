package dev.portal.signin;

import java.time.Instant;
import java.util.Optional;

import dev.portal.platform.Db;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

@Repository
class SigninFlowRepository {
    private final JdbcClient jdbc;

    SigninFlowRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    record SigninFlow(String platform, String codeVerifier, String redirect, Long linkUserId, Instant expiresAt) {
    }

    void insert(byte[] stateHash, String platform, String codeVerifier, String redirect, Long linkUserId, Instant now,
            Instant expiresAt) {
        // Flows abandoned half way are swept as new ones start; the table stays small.
        jdbc.sql("""
                delete from signin_flows where expires_at < :now
                """).param("now", Db.ts(now)).update();
        jdbc.sql("""
                insert into signin_flows (state_hash, platform, code_verifier, redirect, link_user_id, created_at, expires_at)
                values (:stateHash, :platform, :verifier, :redirect, :linkUserId, :now, :expiresAt)
                """)
                .param("stateHash", stateHash).param("platform", platform).param("verifier", codeVerifier)
                .param("redirect", redirect).param("linkUserId", linkUserId).param("now", Db.ts(now))
                .param("expiresAt", Db.ts(expiresAt)).update();
    }

    /** Takes the flow for good: a state can be used once, however the callback ends. */
    Optional<SigninFlow> take(byte[] stateHash) {
        return jdbc.sql("""
                delete from signin_flows where state_hash = :stateHash
                returning platform, code_verifier, redirect, link_user_id, expires_at
                """).param("stateHash", stateHash)
                .query((rs, row) -> new SigninFlow(rs.getString("platform"), rs.getString("code_verifier"),
                        rs.getString("redirect"), Db.nullableLong(rs, "link_user_id"), Db.instant(rs, "expires_at")))
                .optional();
    }
}
