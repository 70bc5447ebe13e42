package dev.portal.account;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.portal.support.PortalTest;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code GET /api/profiles/{username}}: anyone may read it, and it holds nothing private. */
class PublicProfileTest extends PortalTest {

    @Test
    void anyoneSeesTheFivePublicFieldsAndNothingElse() {
        String name = unique("public");
        long id = createUser(name, 0);
        linkDiscord(id, uniqueDiscordId(), unique("disc"));
        changeInSql("update users set email = 'secret@example.com', display_name = 'Shown', bio = 'About me', "
                + "subscription_tier = 3 where id = :id", "id", id);

        Response response = get("/api/profiles/" + name.toUpperCase(), Credential.NONE);

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        JsonNode profile = response.json();
        List<String> fields = new ArrayList<>();
        profile.propertyNames().forEach(fields::add);
        assertThat(fields).containsExactly("username", "displayName", "bio", "avatarUrl", "createdAt");
        assertThat(profile.get("username").stringValue()).isEqualTo(name);
        assertThat(profile.get("displayName").stringValue()).isEqualTo("Shown");
        assertThat(profile.get("avatarUrl").stringValue()).startsWith("https://cdn.discordapp.com/avatars/");
        assertThat(response.body()).doesNotContain("secret@example.com", "lifetime", Long.toString(id) + ",");
    }

    @Test
    void aBannedUserAndAnUnknownOneAnswerTheSame404() {
        String name = unique("banned");
        long id = createUser(name, 0);
        moderate(id, "ban", null);
        JsonNode banned = assertProblem(get("/api/profiles/" + name, Credential.NONE), 404, "not_found");
        JsonNode unknown = assertProblem(get("/api/profiles/" + unique("nobody"), Credential.NONE), 404, "not_found");
        assertThat(banned.get("detail")).isEqualTo(unknown.get("detail"));
        assertProblem(get("/api/profiles/" + "x".repeat(300), Credential.NONE), 404, "not_found");
    }

    @Test
    void aTemporaryBanHidesTheProfileOnlyWhileInForce() {
        String name = unique("tempban");
        long id = createUser(name, 0);
        moderate(id, "ban", Duration.ofHours(1));
        assertProblem(get("/api/profiles/" + name, Credential.NONE), 404, "not_found");
        clock.advance(Duration.ofHours(2));
        assertThat(get("/api/profiles/" + name, Credential.NONE).status()).isEqualTo(200);
    }
}
