package dev.portal.avatar;

import java.net.http.HttpResponse;
import java.util.Set;

import dev.portal.support.AvatarFixtures;
import dev.portal.support.ImageHost;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code POST /api/user/avatar/from-url} (SECURITY item 22): every spelling of a refused address and every
 * redirect into one is refused with 400 and no connection (a listening loopback socket counts what reaches
 * it); an allowed stand-in host's image becomes the avatar; a non-image, an oversized or slow answer and a
 * failing host are refused, nothing stored; and the fetches are rate-limited per user.
 */
class AvatarFromUrlTest extends AvatarFixtures {
    /** A listening socket on the loopback address, not allowed for anything: any connection is a failure. */
    private ImageHost forbidden;

    @BeforeEach
    void listen() {
        forbidden = new ImageHost("127.0.0.1");
        forbidden.serve("/a.png", "image/png", png(10, 10));
    }

    @AfterEach
    void close() throws Exception {
        forbidden.close();
    }

    private Response fromUrl(String url, Credential credential) {
        return post("/api/user/avatar/from-url", json.writeValueAsString(java.util.Map.of("url", url)), credential);
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "127.1", "0x7F.1", "0x7f.0.0.1", "017700000001", "2130706433", "0177.0.0.1",
            "127.0.0.1.", "[::1]", "[::ffff:127.0.0.1]", "[0:0:0:0:0:ffff:7f00:1]", "0.0.0.0", "0", "[::]", "localhost"})
    void everySpellingOfThisMachineIsRefusedWithNoConnection(String host) {
        long id = createUser(0);
        int before = forbidden.connections();
        int hostBefore = imageHost().connections();

        Response refused = fromUrl("http://" + host + ":" + forbidden.port() + "/a.png", signedIn(id));
        // The stand-in's own port, allowed for *.images.test only, is no more reachable by address.
        Response byAddress = fromUrl("http://" + host + ":" + imageHost().port() + "/a.png", signedIn(id));

        assertProblem(refused, 400, "host_not_allowed");
        assertProblem(byAddress, 400, "host_not_allowed");
        assertThat(forbidden.connections()).as("connections made").isEqualTo(before);
        assertThat(imageHost().connections()).as("connections made").isEqualTo(hostBefore);
        assertThat(uploadKey(id)).isNull();
    }

    /** Private, shared, link-local, unique-local, multicast and mapped forms: refused before any connection is tried. */
    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.1", "10.255.255.254", "172.16.0.1", "172.31.255.1", "192.168.1.1", "100.64.0.1",
            "100.127.255.254", "169.254.169.254", "[::ffff:a9fe:a9fe]", "[::ffff:169.254.169.254]", "[::ffff:10.0.0.1]",
            "[fc00::1]", "[fd12:3456::1]", "[fe80::1]", "224.0.0.1", "[ff02::1]", "255.255.255.255"})
    void privateAndSpecialAddressesAreRefused(String host) {
        long id = createUser(0);

        assertProblem(fromUrl("http://" + host + "/a.png", signedIn(id)), 400, "host_not_allowed");
        assertThat(uploadKey(id)).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"ftp://a.images.test/a.png", "file:///etc/passwd", "gopher://a.images.test:70/", "javascript:alert(1)",
            "data:image/png;base64,iVBORw0KGgo=", "//a.images.test/a.png", "/relative.png"})
    void otherSchemesAreRefused(String url) {
        long id = createUser(0);

        Response refused = fromUrl(url, signedIn(id));

        assertThat(refused.status()).as(refused.body()).isEqualTo(400);
        assertThat(refused.json().get("code").stringValue()).isIn("host_not_allowed", "validation_failed");
        assertThat(uploadKey(id)).isNull();
    }

    @Test
    void userinfoIsRefusedEvenOnAnAllowedHost() {
        long id = createUser(0);
        String path = "/" + unique("userinfo") + ".png";
        imageHost().serve(path, "image/png", png(10, 10));
        int before = imageHost().connections();

        Response refused = fromUrl("http://user:pass@a.images.test:" + imageHost().port() + path, signedIn(id));

        assertProblem(refused, 400, "host_not_allowed");
        assertThat(imageHost().connections()).isEqualTo(before);
    }

    @Test
    void aNameThatResolvesToAPrivateAddressIsRefused() {
        long id = createUser(0);
        String name = unique("private") + ".example.test";
        dns().map(name, "10.1.2.3");
        String mixed = unique("mixed") + ".example.test";
        dns().map(mixed, "192.168.0.7", "fd00::7");

        assertProblem(fromUrl("http://" + name + "/a.png", signedIn(id)), 400, "host_not_allowed");
        assertProblem(fromUrl("https://" + mixed + "/a.png", signedIn(id)), 400, "host_not_allowed");
        assertThat(uploadKey(id)).isNull();
    }

    @Test
    void aRedirectChainIntoARefusedAddressIsRefusedWithNoConnectionThere() {
        long id = createUser(0);
        String start = "/" + unique("hop") + ".png";
        String middle = "/" + unique("hop") + ".png";
        imageHost().on(start, (s, head) -> ImageHost.redirect(s, imageHost().url("b", middle)));
        imageHost().on(middle, (s, head) -> ImageHost.redirect(s, "http://127.1:" + forbidden.port() + "/a.png"));
        int before = forbidden.connections();

        Response refused = fromUrl(imageHost().url("a", start), signedIn(id));

        assertProblem(refused, 400, "host_not_allowed");
        assertThat(forbidden.connections()).isEqualTo(before);
        assertThat(uploadKey(id)).isNull();
    }

    @Test
    void aRedirectToAPrivateNameOrAMetadataAddressIsRefused() {
        long id = createUser(0);
        String toMetadata = "/" + unique("meta") + ".png";
        imageHost().on(toMetadata, (s, head) -> ImageHost.redirect(s, "http://169.254.169.254/latest/meta-data/"));

        assertProblem(fromUrl(imageHost().url("a", toMetadata), signedIn(id)), 400, "host_not_allowed");
        assertThat(uploadKey(id)).isNull();
    }

    @Test
    void moreThanThreeRedirectsAreRefused() {
        long id = createUser(0);
        String loop = "/" + unique("loop") + ".png";
        imageHost().on(loop, (s, head) -> ImageHost.redirect(s, imageHost().url("loop", loop)));

        Response refused = fromUrl(imageHost().url("loop", loop), signedIn(id));

        assertThat(refused.status()).isEqualTo(502);
        assertThat(uploadKey(id)).isNull();
    }

    @Test
    void anImageFromAnAllowedHostBecomesTheAvatarThroughRedirects() {
        long id = createUser(0);
        Credential session = signedIn(id);
        String image = "/" + unique("good") + ".png";
        String redirect = "/" + unique("go") + ".png";
        // The declared type is wrong on purpose: the content decides.
        imageHost().serve(image, "text/html", jpeg(200, 300));
        imageHost().on(redirect, (s, head) -> ImageHost.redirect(s, imageHost().url("cdn", image)));

        Response set = fromUrl(imageHost().url("www", redirect), session);

        assertThat(set.status()).as(set.body()).isEqualTo(200);
        String key = uploadKey(id);
        assertThat(set.json().get("avatarUrl").stringValue()).isEqualTo(url("/avatars/" + key + "/256.png"));
        assertThat(avatarSource(id)).isEqualTo("upload");
        HttpResponse<byte[]> served = getBytes("/avatars/" + key + "/512.png");
        assertThat(served.statusCode()).isEqualTo(200);
        assertThat(served.headers().firstValue("Content-Type")).hasValue("image/png");
        assertThat(get("/v1/users/me", session).json().get("avatar_source").stringValue()).isEqualTo("upload");
    }

    @Test
    void aBearerTokenWorksAndNoCredentialIs401() {
        long id = createUser(0);
        String image = "/" + unique("bearer") + ".png";
        imageHost().serve(image, "image/png", png(30, 30));
        String token = apiTokenService.create(id, "from-url", null, "127.0.0.1").value();

        assertProblem(fromUrl(imageHost().url("a", image), Credential.NONE), 401, "unauthenticated");
        Response byToken = fromUrl(imageHost().url("a", image), Credential.bearer(token));

        assertThat(byToken.status()).as(byToken.body()).isEqualTo(200);
        assertThat(uploadKey(id)).isNotNull();
    }

    @Test
    void aNonImageIs415() {
        long id = createUser(0);
        Set<String> before = blobFiles();
        String page = "/" + unique("page") + ".png";
        imageHost().serve(page, "image/png", bytes("<html><script>alert(1)</script></html>"));

        assertProblem(fromUrl(imageHost().url("a", page), signedIn(id)), 415, "unsupported_media_type");
        assertThat(uploadKey(id)).isNull();
        assertThat(blobFiles()).isEqualTo(before);
    }

    @Test
    void aDeclaredOrStreamedBodyOverTheCapIs413() {
        long id = createUser(0);
        String declared = "/" + unique("big") + ".png";
        String endless = "/" + unique("endless") + ".png";
        imageHost().on(declared, (s, head) -> {
            s.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: " + (9 * 1024 * 1024)
                    + "\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            s.getOutputStream().write(png(8, 8));
            s.getOutputStream().flush();
            Thread.sleep(3_000);
        });
        imageHost().on(endless, (s, head) -> {
            var out = s.getOutputStream();
            out.write("HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nTransfer-Encoding: chunked\r\n\r\n"
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            byte[] chunk = new byte[64 * 1024];
            for (int i = 0; i < 1024; i++) { // 64 MiB at most, if nobody stops reading
                out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                out.write(chunk);
                out.write("\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            }
            out.write("0\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        });

        assertProblem(fromUrl(imageHost().url("a", declared), signedIn(id)), 413, "payload_too_large");
        assertProblem(fromUrl(imageHost().url("a", endless), signedIn(id)), 413, "payload_too_large");
        assertThat(uploadKey(id)).isNull();
    }

    @Test
    void aFailingHostIs502() {
        long id = createUser(0);
        String missing = "/" + unique("missing") + ".png";
        imageHost().on(missing, (s, head) -> ImageHost.respond(s, 404, "image/png", png(10, 10), ""));

        JsonNode problem = assertProblem(fromUrl(imageHost().url("a", missing), signedIn(id)), 502, "avatar_fetch_failed");

        assertThat(problem.get("detail").stringValue()).contains("404");
        assertThat(uploadKey(id)).isNull();
    }

    @Test
    void aSlowHostIs504() {
        long id = createUser(0);
        String slow = "/" + unique("slow") + ".png";
        imageHost().on(slow, (s, head) -> {
            Thread.sleep(4_000);
            ImageHost.respond(s, 200, "image/png", png(10, 10), "");
        });

        assertProblem(fromUrl(imageHost().url("a", slow), signedIn(id)), 504, "provider_timeout");
        assertThat(uploadKey(id)).isNull();
    }

    @Test
    void aMissingOrMalformedUrlIs400() {
        Credential session = signedIn(createUser(0));

        assertThat(assertProblem(post("/api/user/avatar/from-url", "{}", session), 400, "validation_failed")
                .get("errors").get("url")).isNotNull();
        assertProblem(fromUrl("http://exa mple.com/a b.png", session), 400, "validation_failed");
    }

    @Test
    void fetchesAreRateLimitedPerUser() {
        Credential session = signedIn(createUser(0));

        for (int i = 0; i < 10; i++) {
            assertThat(fromUrl("http://127.0.0.1/" + i + ".png", session).status()).isEqualTo(400);
        }
        Response limited = fromUrl("http://127.0.0.1/again.png", session);

        assertProblem(limited, 429, "rate_limited");
        assertThat(Integer.parseInt(limited.header("Retry-After"))).isPositive();
        // Another user has a bucket of their own.
        assertThat(fromUrl("http://127.0.0.1/x.png", signedIn(createUser(0))).status()).isEqualTo(400);
    }
}
