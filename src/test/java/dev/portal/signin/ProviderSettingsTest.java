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
}
