package dev.portal.session;

import java.util.ArrayList;
import java.util.List;

import dev.portal.support.PortalTest;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/**
 * A new session records where its client is (country, region, city) from the GeoIP database; the
 * tests run on MaxMind's test database, and the test proxy 127.0.0.1 forwards the client's address.
 */
class SessionPlacesTest extends PortalTest {

    private String signInFrom(String discordId, String username, String... forwardedFor) {
        String[] headers = forwardedFor.length == 0 ? new String[0] : new String[] {"X-Forwarded-For", forwardedFor[0]};
        SignIn signIn = signInWithDiscord(discordId, username, null, "/", headers);
        assertThat(signIn.callback().status()).as(signIn.callback().body()).isEqualTo(302);
        return signIn.session();
    }

    private static List<JsonNode> list(JsonNode array) {
        List<JsonNode> items = new ArrayList<>();
        array.forEach(items::add);
        return items;
    }

    private static String text(JsonNode session, String field) {
        return session.get(field).isNull() ? null : session.get(field).stringValue();
    }

    @Test
    void aSignInFromAPublicAddressRecordsCountryRegionAndCity() {
        String session = signInFrom(uniqueDiscordId(), unique("london"), "81.2.69.142");

        JsonNode mine = get("/v1/users/me/sessions", Credential.session(session)).json().get(0);

        assertThat(text(mine, "ip")).isEqualTo("81.2.69.142");
        assertThat(text(mine, "country")).isEqualTo("GB");
        assertThat(text(mine, "region")).isEqualTo("England");
        assertThat(text(mine, "city")).isEqualTo("London");
    }

    @Test
    void eachSignInRecordsThePlaceItCameFrom() {
        String discordId = uniqueDiscordId();
        String name = unique("traveller");
        signInFrom(discordId, name, "81.2.69.142");
        String second = signInFrom(discordId, name, "2.125.160.216");

        JsonNode sessions = get("/v1/users/me/sessions", Credential.session(second)).json();

        // The region is the most specific subdivision the database knows: a county below England here.
        assertThat(list(sessions)).extracting(s -> text(s, "ip"), s -> text(s, "country"), s -> text(s, "region"),
                s -> text(s, "city")).containsExactlyInAnyOrder(
                        tuple("81.2.69.142", "GB", "England", "London"),
                        tuple("2.125.160.216", "GB", "West Berkshire", "Boxford"));
    }

    @Test
    void aSessionFromALocalAddressHasNoPlace() {
        String session = signInFrom(uniqueDiscordId(), unique("local"));

        JsonNode mine = get("/v1/users/me/sessions", Credential.session(session)).json().get(0);

        assertThat(text(mine, "ip")).isEqualTo("127.0.0.1");
        assertThat(mine.get("country").isNull()).isTrue();
        assertThat(mine.get("region").isNull()).isTrue();
        assertThat(mine.get("city").isNull()).isTrue();
    }

    @Test
    void anOwnerSeesThePlacesInSessionHistory() {
        String discordId = uniqueDiscordId();
        String name = unique("watched");
        signInFrom(discordId, name, "81.2.69.142");
        String session = signInFrom(discordId, name, "2.125.160.216");
        long userId = get("/v1/users/me", Credential.session(session)).json().get("id").longValue();

        JsonNode history = get("/v1/users/" + userId, signedIn(createUser(3))).json().get("session_history");

        assertThat(list(history)).extracting(s -> text(s, "country"), s -> text(s, "region"), s -> text(s, "city"))
                .containsExactly(tuple("GB", "West Berkshire", "Boxford"), tuple("GB", "England", "London"));
    }
}
