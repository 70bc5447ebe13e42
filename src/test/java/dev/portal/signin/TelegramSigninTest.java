package dev.portal.signin;

import java.time.Duration;
import java.util.Map;

import dev.portal.support.PortalTest;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/** SECURITY item 11: Telegram's Login Widget payload is believed only when Telegram signed it, lately, once. */
class TelegramSigninTest extends PortalTest {

    private String telegramId() {
        return uniqueDiscordId().substring(0, 12);
    }

    @Test
    void theLoginPageServesTheWidgetForTheBotAndBindsAFlowToTheBrowser() {
        Response page = get("/v1/auth/telegram/login?redirect=/welcome", Credential.NONE);

        assertThat(page.status()).isEqualTo(200);
        assertThat(page.header("Content-Type")).startsWith("text/html");
        assertThat(page.body()).contains("https://telegram.org/js/telegram-widget.js", "data-telegram-login=\"portal_test_bot\"",
                "data-auth-url=\"" + url("/v1/auth/telegram/callback") + "\"");
        assertThat(page.header("Content-Security-Policy")).contains("script-src https://telegram.org", "frame-ancestors 'none'");
        assertThat(page.header("Cache-Control")).isEqualTo("no-store");
        assertThat(page.cookie("psignin")).hasSizeGreaterThanOrEqualTo(43);
    }

    @Test
    void aSignedRecentPayloadSignsInAndCreatesTheUser() {
        String id = telegramId();
        String name = unique("tg");
        Response page = get("/v1/auth/telegram/login?redirect=/welcome", Credential.NONE);

        Response callback = get("/v1/auth/telegram/callback?" + telegramQuery(telegramUser(id, name)), Credential.NONE,
                "Cookie", "psignin=" + page.cookie("psignin"));

        assertThat(callback.status()).as(callback.body()).isEqualTo(302);
        assertThat(callback.header("Location")).isEqualTo("/welcome");
        JsonNode me = get("/v1/users/me", Credential.session(callback.cookie("psession"))).json();
        assertThat(me.get("username").stringValue()).isEqualTo(name);
        assertThat(me.get("avatar_url").stringValue()).isEqualTo("https://t.me/i/userpic/320/" + id + ".jpg");
        JsonNode linked = me.get("linked_platforms").get(0);
        assertThat(linked.get("platform").stringValue()).isEqualTo("telegram");
        assertThat(linked.get("platform_user_id").stringValue()).isEqualTo(id);
        assertThat(linked.get("platform_username").stringValue()).isEqualTo(name);
    }

    @Test
    void aUserWithoutAUsernameIsNamedAfterTheirName() {
        Response callback = telegramCallback("/v1/auth/telegram/login", Credential.NONE,
                telegramQuery(telegramUser(telegramId(), null)));

        assertThat(callback.status()).as(callback.body()).isEqualTo(302);
        JsonNode me = get("/v1/users/me", Credential.session(callback.cookie("psession"))).json();
        assertThat(me.get("username").stringValue()).startsWith("Tele_Gram");
        assertThat(me.get("linked_platforms").get(0).get("platform_username").isNull()).isTrue();
    }

    @Test
    void aChangedFieldIsRefused() {
        Map<String, String> fields = telegramUser(telegramId(), unique("tampered"));
        String hash = telegramHash(fields);
        fields.put("username", "someone_else");

        assertRefused(telegramQuery(fields, hash), "invalid_signature");
    }

    @Test
    void anAddedFieldIsRefused() {
        Map<String, String> fields = telegramUser(telegramId(), unique("added"));
        String query = telegramQuery(fields);

        assertRefused(query + "&is_admin=true", "invalid_signature");
        assertRefused("is_admin=true&" + query, "invalid_signature");
    }

    @Test
    void aRepeatedFieldIsRefused() {
        Map<String, String> fields = telegramUser(telegramId(), unique("twice"));

        assertRefused(telegramQuery(fields) + "&id=1", "invalid_signature");
    }

    @Test
    void anUnsignedPayloadIsRefused() {
        Map<String, String> fields = telegramUser(telegramId(), unique("unsigned"));
        String query = telegramQuery(fields);

        assertRefused(query.substring(0, query.indexOf("&hash=")), "invalid_signature");
        assertRefused(telegramQuery(fields, "00".repeat(32)), "invalid_signature");
        assertRefused(telegramQuery(fields, "not-hex"), "invalid_signature");
    }

    @Test
    void aPayloadSignedWithAnotherBotsTokenIsRefused() {
        Map<String, String> fields = telegramUser(telegramId(), unique("otherbot"));
        // The HMAC keyed with the token itself rather than its SHA-256, a classic mistake to accept.
        String wrongKey = hmacHex(TELEGRAM_BOT_TOKEN.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                telegramDataCheckString(fields));

        assertRefused(telegramQuery(fields, wrongKey), "invalid_signature");
    }

    @Test
    void aStalePayloadIsRefused() {
        Map<String, String> fields = telegramUser(telegramId(), unique("stale"));
        fields.put("auth_date", Long.toString(clock.instant().minus(Duration.ofDays(1)).minusSeconds(60).getEpochSecond()));

        assertRefused(telegramQuery(fields), "signin_expired");
    }

    @Test
    void aPayloadDatedInTheFutureIsRefused() {
        Map<String, String> fields = telegramUser(telegramId(), unique("future"));
        fields.put("auth_date", Long.toString(clock.instant().plus(Duration.ofMinutes(10)).getEpochSecond()));

        assertRefused(telegramQuery(fields), "signin_expired");
    }

    @Test
    void aPayloadIsAcceptedOnce() {
        String query = telegramQuery(telegramUser(telegramId(), unique("replay")));
        Response first = telegramCallback("/v1/auth/telegram/login", Credential.NONE, query);
        assertThat(first.status()).as(first.body()).isEqualTo(302);

        // Even from a browser with a fresh flow of its own, the same signed payload is not taken again.
        Response replay = telegramCallback("/v1/auth/telegram/login", Credential.NONE, query);

        assertProblem(replay, 400, "signin_replayed");
        assertThat(replay.cookie("psession")).isNull();
    }

    @Test
    void aPayloadWithoutTheBrowsersFlowIsRefused() {
        // Someone else's valid payload sent to a victim's browser must not sign the victim in as them.
        Response callback = get("/v1/auth/telegram/callback?" + telegramQuery(telegramUser(telegramId(), unique("csrf"))),
                Credential.NONE);

        assertProblem(callback, 400, "invalid_state");
        assertThat(callback.cookie("psession")).isNull();
    }

    private void assertRefused(String query, String code) {
        long users = jdbc.sql("select count(*) from users").query(Long.class).single();
        Response callback = telegramCallback("/v1/auth/telegram/login", Credential.NONE, query);

        assertProblem(callback, 400, code);
        assertThat(callback.cookie("psession")).isNull();
        assertThat(jdbc.sql("select count(*) from users").query(Long.class).single()).isEqualTo(users);
    }
}
