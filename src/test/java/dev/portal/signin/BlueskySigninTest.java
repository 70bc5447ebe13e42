package dev.portal.signin;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

import dev.portal.support.FakeAtproto;
import dev.portal.support.PortalTest;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bluesky through AT Protocol OAuth, end to end against {@link FakeAtproto}: a PLC directory, a PDS, an
 * authorization server with PAR, DPoP nonces and private_key_jwt, and handles resolved by DNS TXT or
 * their well-known document.
 */
class BlueskySigninTest extends PortalTest {

    /** The three steps a browser takes: Portal's login, the server's authorize page, Portal's callback. */
    record Flow(Response login, Response authorize, Response callback) {
        String session() {
            return callback.cookie("psession");
        }
    }

    static String handle(String stem) {
        return unique(stem).toLowerCase(Locale.ROOT).replace('_', '-') + ".test";
    }

    private Flow flow(String start, Credential credential) {
        Response login = get(start, credential);
        if (login.status() != 302) {
            return new Flow(login, null, null);
        }
        Response authorize = viaStandIn(atproto().port(), login.header("Location"));
        assertThat(authorize.status()).as(authorize.body()).isEqualTo(302);
        Response callback = get(authorize.header("Location"), credential, "Cookie", "psignin=" + login.cookie("psignin"));
        return new Flow(login, authorize, callback);
    }

    private Flow signIn(String handleOrDid) {
        return flow("/v1/auth/bluesky/login?redirect=/home&handle=" + URLEncoder.encode(handleOrDid, StandardCharsets.UTF_8),
                Credential.NONE);
    }

    @Test
    void aPersonSignsInWithTheirHandle() {
        FakeAtproto.Account account = atproto().account(handle("alice"));

        Flow flow = signIn(account.handle());

        assertThat(flow.login().status()).as(flow.login().body()).isEqualTo(302);
        assertThat(flow.callback().status()).as(flow.callback().body()).isEqualTo(302);
        assertThat(flow.callback().header("Location")).isEqualTo("/home");
        JsonNode me = get("/v1/users/me", Credential.session(flow.session())).json();
        JsonNode linked = me.get("linked_platforms").get(0);
        assertThat(linked.get("platform").stringValue()).isEqualTo("bluesky");
        assertThat(linked.get("platform_user_id").stringValue()).isEqualTo(account.did());
        assertThat(linked.get("platform_username").stringValue()).isEqualTo(account.handle());
        assertThat(me.get("avatar_url").stringValue()).isEqualTo(account.avatar());
        Map<String, String> par = atproto().lastParParameters();
        assertThat(par).containsEntry("login_hint", account.handle()).containsEntry("code_challenge_method", "S256")
                .containsEntry("client_id", url("/oauth/bluesky/client-metadata.json"));
        assertThat(atproto().lastParClientAssertion()).containsEntry("aud", atproto().issuer());
    }
}
