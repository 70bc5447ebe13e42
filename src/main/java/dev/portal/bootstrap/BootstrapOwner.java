package dev.portal.bootstrap;

import java.time.Clock;
import java.time.Instant;
import java.util.Map;

import dev.portal.access.PermissionLevel;
import dev.portal.access.PermissionRepository;
import dev.portal.account.UserRepository;
import dev.portal.account.Username;
import dev.portal.audit.AuditLog;
import dev.portal.platform.PortalProperties;
import dev.portal.session.ApiTokenService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * SPEC §3: at start, if {@code PORTAL_BOOTSTRAP_TOKEN} is set and no Owner exists, create user
 * {@code owner} at level Owner holding a personal access token whose value is that variable (stored
 * hashed, audited). Nodes starting together take an advisory lock, so exactly one creates it.
 */
@Component
class BootstrapOwner implements ApplicationRunner {
    private static final Logger log = LoggerFactory.getLogger(BootstrapOwner.class);
    static final String USERNAME = "owner";
    /** Below this a token is guessable; Portal still honours it, but says so. */
    static final int RECOMMENDED_LENGTH = 32;

    private final PortalProperties properties;
    private final UserRepository users;
    private final PermissionRepository permissions;
    private final ApiTokenService tokens;
    private final AuditLog audit;
    private final JdbcClient jdbc;
    private final TransactionTemplate transaction;
    private final Clock clock;

    BootstrapOwner(PortalProperties properties, UserRepository users, PermissionRepository permissions,
            ApiTokenService tokens, AuditLog audit, JdbcClient jdbc, TransactionTemplate transaction, Clock clock) {
        this.properties = properties;
        this.users = users;
        this.permissions = permissions;
        this.tokens = tokens;
        this.audit = audit;
        this.jdbc = jdbc;
        this.transaction = transaction;
        this.clock = clock;
    }

    @Override
    public void run(ApplicationArguments args) {
        String token = properties.bootstrapToken();
        if (token == null || token.isBlank()) {
            return;
        }
        Long created = transaction.execute(status -> {
            jdbc.sql("select pg_advisory_xact_lock(hashtext('portal.bootstrap-owner'))").query(Object.class).single();
            if (users.ownerExists()) {
                return null;
            }
            Instant now = clock.instant();
            String name = USERNAME;
            for (int n = 2; users.findIdByUsername(name).isPresent(); n++) {
                name = Username.alternative(USERNAME, n);
            }
            long id = users.insert(name, PermissionLevel.OWNER, now, now);
            permissions.record(id, PermissionLevel.USER, PermissionLevel.OWNER, null, "bootstrap", now);
            tokens.createWithValue(id, "bootstrap", token, null);
            audit.record("bootstrap_owner_created", null, id, null, Map.of("username", name));
            return id;
        });
        if (created != null) {
            log.info("Created the first Owner (user id {}) holding the token from PORTAL_BOOTSTRAP_TOKEN", created);
            if (token.length() < RECOMMENDED_LENGTH) {
                log.warn("PORTAL_BOOTSTRAP_TOKEN is shorter than {} characters; use a long random value", RECOMMENDED_LENGTH);
            }
        }
    }
}
