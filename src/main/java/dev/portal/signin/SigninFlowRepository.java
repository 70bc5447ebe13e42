package dev.portal.signin;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

import dev.portal.platform.Db;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

@Repository
class SigninFlowRepository {
    private static final TypeReference<Map<String, String>> DATA = new TypeReference<>() {
    };
    private final JdbcClient jdbc;
    private final JsonMapper json;

    SigninFlowRepository(JdbcClient jdbc, JsonMapper json) {
        this.jdbc = jdbc;
        this.json = json;
    }

    /**
     * A started sign-in or link.
     *
     * @param linkUserId the signed-in user who asked to link an identity; null for a sign-in
     * @param data what the provider decided at the start (see {@link SigninProvider.Started#flowData})
     */
    record SigninFlow(String platform, String codeVerifier, String nonce, String redirect, Long linkUserId,
            Map<String, String> data, Instant expiresAt) {
    }

    void insert(byte[] stateHash, SigninFlow flow, Instant now) {
        // Flows abandoned half way are swept as new ones start; the table stays small.
        jdbc.sql("""
                delete from signin_flows where expires_at < :now
                """).param("now", Db.ts(now)).update();
        jdbc.sql("""
                insert into signin_flows (state_hash, platform, code_verifier, nonce, redirect, link_user_id, provider_data,
                                          created_at, expires_at)
                values (:stateHash, :platform, :verifier, :nonce, :redirect, :linkUserId, cast(:data as jsonb), :now, :expiresAt)
                """)
                .param("stateHash", stateHash).param("platform", flow.platform()).param("verifier", flow.codeVerifier())
                .param("nonce", flow.nonce()).param("redirect", flow.redirect()).param("linkUserId", flow.linkUserId())
                .param("data", json.writeValueAsString(flow.data())).param("now", Db.ts(now))
                .param("expiresAt", Db.ts(flow.expiresAt())).update();
    }

    /** Takes the flow for good: a state can be used once, however the callback ends. */
    Optional<SigninFlow> take(byte[] stateHash) {
        return jdbc.sql("""
                delete from signin_flows where state_hash = :stateHash
                returning platform, code_verifier, nonce, redirect, link_user_id, provider_data::text as data, expires_at
                """).param("stateHash", stateHash)
                .query((rs, row) -> new SigninFlow(rs.getString("platform"), rs.getString("code_verifier"),
                        rs.getString("nonce"), rs.getString("redirect"), Db.nullableLong(rs, "link_user_id"),
                        json.readValue(rs.getString("data"), DATA), Db.instant(rs, "expires_at")))
                .optional();
    }
}
