package dev.portal.platform;

import dev.portal.support.PortalTest;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/** SPEC §1 and §5: health, the API description, problem responses, request ids. */
class PlatformTest extends PortalTest {

    @org.springframework.beans.factory.annotation.Autowired
    DatabaseConfig.EmbeddedDatabase embeddedDatabase;
    @org.springframework.beans.factory.annotation.Autowired
    com.zaxxer.hikari.HikariDataSource dataSource;

    @Test
    void givenADatabaseUrlPortalUsesThatServerAndStartsNone() {
        assertThat(embeddedDatabase.server()).isEmpty();
        assertThat(dataSource.getJdbcUrl()).isEqualTo(
                dev.portal.support.TestDatabase.jdbcUrl());
    }

    @Test
    void healthReportsTheDatabase() {
        Response health = get("/actuator/health", Credential.NONE);
        Response readiness = get("/actuator/health/readiness", Credential.NONE);
        Response liveness = get("/actuator/health/liveness", Credential.NONE);

        assertThat(health.status()).isEqualTo(200);
        assertThat(health.json().get("status").stringValue()).isEqualTo("UP");
        assertThat(readiness.json().get("status").stringValue()).isEqualTo("UP");
        assertThat(liveness.json().get("status").stringValue()).isEqualTo("UP");
    }

    @Test
    void openApiDescribesTheV1EndpointsWithTheSeedsFieldNames() {
        JsonNode api = get("/v3/api-docs", Credential.NONE).json();

        assertThat(api.get("openapi").stringValue()).startsWith("3.");
        JsonNode paths = api.get("paths");
        assertThat(paths.has("/v1/users/me")).isTrue();
        assertThat(paths.has("/v1/users/{user_id}")).isTrue();
        assertThat(paths.get("/v1/users/me/update").has("post")).isTrue();
        assertThat(paths.get("/v1/users/me/update").has("patch")).isTrue();
        assertThat(paths.has("/v1/users/profile/{username}")).isTrue();
        assertThat(paths.has("/v1/auth/{platform}/login")).isTrue();
        assertThat(paths.has("/v1/auth/logout")).isTrue();
        assertThat(paths.get("/v1/users/me/tokens").has("post")).isTrue();
        assertThat(paths.has("/v1/users/me/sessions/revoke-others")).isTrue();
        JsonNode schemas = api.get("components").get("schemas");
        assertThat(schemas.get("V1User").get("properties").propertyNames()).contains("avatar_url", "subscription_tier",
                "permission_level", "subscription_expires_at", "linked_platforms", "last_activity_at", "permission_since");
        assertThat(schemas.get("V1UserDetail").get("properties").propertyNames()).contains("moderation_actions", "chats",
                "bots", "subscription_history", "permission_history", "session_history");
        assertThat(schemas.get("V1Profile").get("properties").propertyNames()).contains("discord_id", "prefix", "source",
                "punishments", "guilds");
        assertThat(schemas.get("V1PublicUser").get("properties").propertyNames()).containsExactlyInAnyOrder("id",
                "username", "avatar_url", "subscription_tier");
    }

    @Test
    void docsPageServesTheInteractiveDescription() {
        Response docs = get("/docs", Credential.NONE);
        String location = docs.header("Location");
        Response page = docs.status() == 302 ? get(location, Credential.NONE) : docs;

        assertThat(page.status()).isEqualTo(200);
        assertThat(page.body()).containsIgnoringCase("swagger-ui");
    }

    @Test
    void unknownPathsAndMethodsAnswerProblems() {
        assertProblem(get("/v1/nothing-here", Credential.NONE), 404, "not_found");
        assertProblem(send("DELETE", "/v1/users/me", null, Credential.bearer(BOOTSTRAP_TOKEN)), 405, "method_not_allowed");
    }

    @Test
    void everyResponseCarriesARequestId() {
        Response response = get("/v1/users/me", Credential.NONE);
        Response echoed = get("/actuator/health", Credential.NONE, "X-Request-Id", "client-chosen-id-42");
        Response forged = get("/actuator/health", Credential.NONE, "X-Request-Id", "bad id <script>");

        assertThat(response.header("X-Request-Id")).matches("[0-9a-f]{16}");
        assertThat(echoed.header("X-Request-Id")).isEqualTo("client-chosen-id-42");
        assertThat(forged.header("X-Request-Id")).matches("[0-9a-f]{16}");
    }
}
