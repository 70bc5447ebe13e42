package dev.portal.signin;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;

import dev.portal.platform.ApiProblem;
import dev.portal.platform.Secrets;
import dev.portal.support.PortalTest;
import org.junit.jupiter.api.Test;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.mock.web.MockHttpServletRequest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Each platform's settings bind from the environment variable names the README gives, over its real defaults. */
class ProviderSettingsTest {

    private static StandardEnvironment environment(Map<String, Object> variables) {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().addFirst(new SystemEnvironmentPropertySource("test-env", variables));
        return environment;
    }

    @Test
    void environmentVariablesOverrideTheProvidersRealEndpointsFieldByField() {
        ProviderSettings github = ProviderSettings.bind(environment(Map.of("PORTAL_SIGNIN_GITHUB_CLIENT_ID", "id",
                "PORTAL_SIGNIN_GITHUB_CLIENT_SECRET", "secret", "PORTAL_SIGNIN_GITHUB_API_URL", "http://proxy.internal/gh/")),
                "github", GithubProvider.DEFAULTS);

        assertThat(github.hasCredentials()).isTrue();
        assertThat(github.authorizeUrl()).isEqualTo("https://github.com/login/oauth/authorize");
        assertThat(github.tokenUrl()).isEqualTo("https://github.com/login/oauth/access_token");
        assertThat(github.api("/user").toString()).isEqualTo("http://proxy.internal/gh/user");
        assertThat(github.scope()).isEqualTo("read:user");
    }

    @Test
    void aPlatformWithoutBothCredentialsIsNotOffered() {
        ProviderSettings onlyId = ProviderSettings.bind(environment(Map.of("PORTAL_SIGNIN_X_CLIENT_ID", "id")), "x",
                XProvider.DEFAULTS);

        assertThat(onlyId.hasCredentials()).isFalse();
        assertThat(ProviderSettings.bind(environment(Map.of()), "linkedin", LinkedinProvider.DEFAULTS).issuer())
                .isEqualTo("https://www.linkedin.com/oauth");
    }

    @Test
    void telegramsMaximumAgeComesFromItsVariable() {
        Instant now = Instant.parse("2026-11-24T12:00:00Z");
        TelegramProvider telegram = new TelegramProvider(environment(Map.of("PORTAL_SIGNIN_TELEGRAM_BOT_TOKEN", "1:abc",
                "PORTAL_SIGNIN_TELEGRAM_BOT_USERNAME", "@some_bot", "PORTAL_SIGNIN_TELEGRAM_MAX_AGE", "1h")), null,
                Clock.fixed(now, ZoneOffset.UTC));
        MockHttpServletRequest request = new MockHttpServletRequest("GET", "/v1/auth/telegram/callback");
        String authDate = Long.toString(now.minus(Duration.ofMinutes(61)).getEpochSecond());
        request.setParameter("id", "42");
        request.setParameter("auth_date", authDate);
        request.setParameter("hash", PortalTest.hmacHex(Secrets.sha256("1:abc"), "auth_date=" + authDate + "\nid=42"));

        assertThat(telegram.offered()).isTrue();
        // 61 minutes old is fine by the default of a day, not by the configured hour.
        assertThatThrownBy(() -> telegram.finish(new SigninProvider.Callback(request, null, null)))
                .isInstanceOfSatisfying(ApiProblem.class, e -> assertThat(e.code()).isEqualTo("signin_expired"));
        assertThatThrownBy(() -> new TelegramProvider(environment(Map.of("PORTAL_SIGNIN_TELEGRAM_BOT_USERNAME",
                "not a bot\"><script>")), null, Clock.systemUTC())).hasMessageContaining("PORTAL_SIGNIN_TELEGRAM_BOT_USERNAME");
    }

    private static dev.portal.platform.PortalProperties properties(String publicUrl, java.nio.file.Path dataDir) {
        return new dev.portal.platform.PortalProperties(java.net.URI.create(publicUrl), dataDir, "", 10, java.util.List.of(),
                java.util.List.of(), "", new dev.portal.platform.PortalProperties.Session(Duration.ofDays(7),
                Duration.ofDays(30)), null, "");
    }

    @Test
    void mastodonAndBlueskyAreOfferedUnlessTheirVariablesSayFalse(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dataDir) {
        StandardEnvironment off = environment(Map.of("PORTAL_SIGNIN_MASTODON_ENABLED", "false",
                "PORTAL_SIGNIN_BLUESKY_ENABLED", "false"));
        StandardEnvironment on = environment(Map.of());
        dev.portal.platform.PortalProperties properties = properties("https://portal.example.org", dataDir);

        assertThat(new MastodonProvider(off, null, null, null, properties).offered()).isFalse();
        assertThat(new MastodonProvider(on, null, null, null, properties).offered()).isTrue();
        assertThat(new BlueskyClient(off, properties, Clock.systemUTC()).enabled()).isFalse();
        // Off, no client key is made; on, one is, into the data directory.
        assertThat(dataDir.resolve("bluesky-client.jwk")).doesNotExist();
        BlueskyClient client = new BlueskyClient(on, properties, Clock.systemUTC());
        assertThat(client.enabled()).isTrue();
        assertThat(dataDir.resolve("bluesky-client.jwk")).exists();
        assertThat(new BlueskyClient(on, properties, Clock.systemUTC()).jwks())
                .as("the generated key is kept and used again").isEqualTo(client.jwks());
    }

    @Test
    void blueskysSettingsBindFromTheirVariables(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dataDir) {
        String key = BlueskyTestKeys.clientKey();
        BlueskyClient client = new BlueskyClient(environment(Map.of("PORTAL_SIGNIN_BLUESKY_KEY", key,
                "PORTAL_SIGNIN_BLUESKY_PLC_URL", "https://plc.internal/", "PORTAL_SIGNIN_BLUESKY_CLIENT", "confidential",
                "PORTAL_SIGNIN_BLUESKY_CLIENT_NAME", "Our Community")),
                properties("http://127.0.0.1:8080", dataDir), Clock.systemUTC());

        assertThat(client.mode()).isEqualTo(BlueskyClient.Mode.CONFIDENTIAL);
        assertThat(client.plcUrl().toString()).isEqualTo("https://plc.internal");
        assertThat(client.clientId()).isEqualTo("http://127.0.0.1:8080/oauth/bluesky/client-metadata.json");
        assertThat(client.metadata()).containsEntry("client_name", "Our Community");
        assertThat(dataDir.resolve("bluesky-client.jwk")).as("a given key writes no file").doesNotExist();
        assertThat(new BlueskyClient(environment(Map.of()), properties("http://127.0.0.1:8080", dataDir), Clock.systemUTC())
                .mode()).as("auto on a loopback public URL").isEqualTo(BlueskyClient.Mode.LOOPBACK);
        assertThatThrownBy(() -> new BlueskyClient(environment(Map.of("PORTAL_SIGNIN_BLUESKY_KEY", "{\"kty\":\"oct\"}")),
                properties("https://portal.example.org", dataDir), Clock.systemUTC()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("PORTAL_SIGNIN_BLUESKY_KEY")
                .hasMessageNotContaining("oct");
    }

    @Test
    void deniedMastodonInstancesAreReadAsInstancesAreWritten() {
        MastodonProvider mastodon = new MastodonProvider(environment(Map.of("PORTAL_SIGNIN_MASTODON_DENIED_INSTANCES",
                "Bad.Example, https://bücher.example/ ,evil@worse.example")), null, null, null,
                properties("https://portal.example.org", java.nio.file.Path.of("unused")));

        assertThat(mastodon.isDenied("bad.example")).isTrue();
        assertThat(mastodon.isDenied("sub.bad.example")).isTrue();
        assertThat(mastodon.isDenied("notbad.example")).isFalse();
        assertThat(mastodon.isDenied("xn--bcher-kva.example")).isTrue();
        assertThat(mastodon.isDenied("worse.example")).isTrue();
    }
}
