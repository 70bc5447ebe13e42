package dev.portal.signin;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

import dev.portal.support.FakeAtproto;
import dev.portal.support.Nodes;
import dev.portal.support.PortalTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A Portal whose public URL is a loopback http URL (a developer's machine, which no Bluesky server can
 * fetch client metadata from) is AT Protocol's loopback client: client_id {@code http://localhost?...},
 * no client authentication, and no key file written, yet the whole sign-in works.
 */
class BlueskyLoopbackClientTest extends PortalTest {
    @TempDir
    Path dataDir;

    @Test
    void aLoopbackPublicUrlSignsInAsTheSpecsLoopbackClient() throws Exception {
        int port = Nodes.freePort();
        String callback = "http://127.0.0.1:" + port + "/v1/auth/bluesky/callback";
        FakeAtproto.Account account = atproto().account(unique("loop").toLowerCase(Locale.ROOT).replace('_', '-') + ".test");
        try (Nodes.Node node = startNode(port, dataDir, "--portal.signin.bluesky.client=auto",
                "--portal.signin.bluesky.key=")) {
            Response login = get(node.url("/v1/auth/bluesky/login?handle=" + account.handle()), Credential.NONE);
            assertThat(login.status()).as(login.body()).isEqualTo(302);
            Response authorize = viaStandIn(atproto().port(), login.header("Location"));
            assertThat(authorize.status()).as(authorize.body()).isEqualTo(302);
            Response finished = get(authorize.header("Location"), Credential.NONE, "Cookie", "psignin=" + login.cookie("psignin"));

            assertThat(finished.status()).as(finished.body()).isEqualTo(302);
            Map<String, String> par = atproto().lastParParameters();
            assertThat(par.get("client_id")).isEqualTo("http://localhost?redirect_uri="
                    + URLEncoder.encode(callback, StandardCharsets.UTF_8) + "&scope=atproto%20transition%3Ageneric");
            assertThat(URLDecoder.decode(par.get("redirect_uri"), StandardCharsets.UTF_8)).isEqualTo(callback);
            assertThat(par).doesNotContainKey("client_assertion");
            assertThat(atproto().lastParClientAssertion()).isEmpty();
            JsonNode me = get(node.url("/v1/users/me"), Credential.session(finished.cookie("psession"))).json();
            assertThat(me.get("linked_platforms").get(0).get("platform_user_id").stringValue()).isEqualTo(account.did());
            // With no key given, one was generated into the data directory, owner-only.
            Path keyFile = dataDir.resolve("bluesky-client.jwk");
            assertThat(keyFile).exists();
            assertThat(Files.getPosixFilePermissions(keyFile)).containsExactlyInAnyOrder(
                    java.nio.file.attribute.PosixFilePermission.OWNER_READ, java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
        }
    }
}
