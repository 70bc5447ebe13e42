package dev.portal.signin;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import dev.portal.identity.LinkedIdentity;
import dev.portal.identity.Platform;
import dev.portal.platform.SecretCipher;
import dev.portal.support.PortalTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;

/** The item 5: a provider's tokens are kept sealed with AES-GCM, bound to their identity. */
class ProviderTokensAtRestTest extends PortalTest {
    @Autowired
    SecretCipher cipher;

    private record Stored(byte[] accessToken, String platformUserId) {
    }

    private Stored stored(long userId, String platform) {
        return jdbc.sql("select access_token, platform_user_id from linked_identities where user_id = :id and platform = :p")
                .param("id", userId).param("p", platform)
                .query((rs, row) -> new Stored(rs.getBytes("access_token"), rs.getString("platform_user_id"))).single();
    }

    @Test
    void theAccessTokenIsStoredSealedAndStillWorksAtTheProvider() throws Exception {
        String githubId = uniqueDiscordId();
        long id = userIdOf(signedInWith("github", githubId, Map.of("login", unique("sealed"))));

        Stored stored = stored(id, "github");
        String context = LinkedIdentity.tokenContext(Platform.GITHUB, "", githubId);
        String token = cipher.open(stored.accessToken(), context).orElseThrow();

        assertThat(new String(stored.accessToken(), StandardCharsets.ISO_8859_1)).doesNotContain(token);
        // What was sealed is the provider's real token: GitHub's API still answers with it.
        HttpResponse<String> user = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(providerApis().baseUrl("github") + "/api/user")).header("Authorization", "Bearer " + token)
                .header("User-Agent", "test").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(user.statusCode()).isEqualTo(200);
        assertThat(user.body()).contains("\"id\":" + githubId);
        // Bound to its row: the same bytes do not open as another identity's.
        assertThat(cipher.open(stored.accessToken(), LinkedIdentity.tokenContext(Platform.GITHUB, "", "1"))).isEmpty();
    }

    @Test
    void aLaterSignInReplacesTheStoredToken() {
        String discordId = uniqueDiscordId();
        long id = userIdOf(signInWithDiscord(discordId, unique("first")));
        byte[] first = stored(id, "discord").accessToken();

        signInWithDiscord(discordId, unique("second"));

        byte[] second = stored(id, "discord").accessToken();
        String context = LinkedIdentity.tokenContext(Platform.DISCORD, "", discordId);
        assertThat(cipher.open(second, context)).isPresent().isNotEqualTo(cipher.open(first, context));
    }

    @Test
    void aPlatformThatGivesNoTokenKeepsNone() {
        Response callback = telegramCallback("/v1/auth/telegram/login", Credential.NONE,
                telegramQuery(telegramUser(uniqueDiscordId().substring(0, 10), unique("notoken"))));
        long id = userIdOf(callback.cookie("psession"));

        assertThat(stored(id, "telegram").accessToken()).isNull();
    }
}
