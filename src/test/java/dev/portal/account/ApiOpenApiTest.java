package dev.portal.account;

import java.util.ArrayList;
import java.util.List;

import dev.portal.support.PortalTest;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/** Every /api endpoint (seed 004 and what the issue adds) is in {@code /v3/api-docs}, with the seed's field names. */
class ApiOpenApiTest extends PortalTest {
    /** Method and path of each /api endpoint, as OpenAPI spells paths. */
    private static final List<String> ENDPOINTS = List.of(
            "get /api/user", "patch /api/user/update", "get /api/user/settings",
            "post /api/user/avatar/upload", "post /api/user/avatar/from-url",
            "get /api/user/identities", "delete /api/user/identities", "post /api/user/identities/verify",
            "get /api/user/organizations", "post /api/user/organizations",
            "post /api/user/change-email/request", "get /api/user/change-email/confirm",
            "post /api/user/delete", "get /api/user/export",
            "get /api/user/{username}/messages", "post /api/messages", "delete /api/messages/{id}",
            "get /api/profiles/{username}", "get /api/profiles/{username}/messages",
            "get /avatars/{key}/{size}.png");

    @Test
    void everyApiEndpointIsDescribed() {
        JsonNode paths = get("/v3/api-docs", Credential.NONE).json().get("paths");
        List<String> missing = new ArrayList<>();
        for (String endpoint : ENDPOINTS) {
            String method = endpoint.substring(0, endpoint.indexOf(' '));
            String path = endpoint.substring(endpoint.indexOf(' ') + 1);
            JsonNode operation = paths.has(path) ? paths.get(path).get(method) : null;
            if (operation == null || !operation.has("summary")) {
                missing.add(endpoint);
            }
        }
        assertThat(missing).as("endpoints missing from /v3/api-docs, or without a summary").isEmpty();
    }

    @Test
    void theUserSchemaHasTheSeedsFields() {
        JsonNode schemas = get("/v3/api-docs", Credential.NONE).json().get("components").get("schemas");
        List<String> fields = new ArrayList<>();
        schemas.get("ApiUser").get("properties").propertyNames().forEach(fields::add);
        assertThat(fields).containsExactlyInAnyOrder("id", "username", "email", "displayName", "bio", "avatarUrl",
                "emailVerified", "customerStatus", "defaultVisibility", "createdAt");
    }
}
