package dev.portal.message;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.portal.support.FakeMastodon;
import dev.portal.support.PortalTest;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the message tests share: a user with a session, Mastodon accounts linked to them through Portal's own
 * link flow against {@link FakeMastodon} (so each has a real token stored sealed, which the stand-in
 * accepts), and posting.
 */
abstract class MessageTestBase extends PortalTest {

    /** A Portal user and their browser session. */
    record User(long id, String username, Credential session) {
    }

    /** A Mastodon account linked to a Portal user: its identity id (the mastodonProviderId) and where it is. */
    record Linked(String id, String host, String instance, FakeMastodon.Account account) {
    }

    User newUser() {
        String name = unique("msg");
        long id = createUser(name, 0);
        return new User(id, name, signedIn(id));
    }

    /** A Mastodon instance of the stand-in no other test has used. */
    static String newInstance() {
        return unique("mm").replace('_', '-').replace("--", "-").toLowerCase(java.util.Locale.ROOT) + ".mastodon.test";
    }

    /** Links a fresh account on {@code host} to the user, as the browser would: Portal, the instance, Portal. */
    Linked linkMastodon(User user, String host) {
        FakeMastodon.Account account = FakeMastodon.Account.random();
        Response start = get("/v1/auth/mastodon/link?redirect=/home&instance="
                + URLEncoder.encode(mastodon().url(host), StandardCharsets.UTF_8), user.session());
        assertThat(start.status()).as(start.body()).isEqualTo(302);
        mastodon().nextAccount(host, account);
        String callback = browse(start.header("Location"));
        Response done = get(callback, user.session(), "Cookie", "psignin=" + start.cookie("psignin"));
        assertThat(done.status()).as(done.body()).isEqualTo(302);
        assertThat(done.header("Location")).isEqualTo("/home");
        String instance = host + ":" + mastodon().port();
        long identityId = jdbc.sql("""
                select id from linked_identities
                 where user_id = :userId and platform = 'mastodon' and instance = :instance and platform_user_id = :account
                """).param("userId", user.id()).param("instance", instance).param("account", account.id())
                .query(Long.class).single();
        return new Linked(String.valueOf(identityId), host, instance, account);
    }

    /** The authorize page of the stand-in, reached over a bare socket with the instance's Host; answers its Location. */
    private static String browse(String url) {
        URI uri = URI.create(url);
        String request = "GET " + uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery())
                + " HTTP/1.1\r\nHost: " + uri.getRawAuthority() + "\r\nConnection: close\r\n\r\n";
        try (Socket socket = new Socket("127.0.0.1", mastodon().port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String[] lines = answer.substring(0, answer.indexOf("\r\n\r\n")).split("\r\n");
            assertThat(lines[0]).as(answer).contains(" 302 ");
            Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                headers.put(lines[i].substring(0, colon), lines[i].substring(colon + 1).strip());
            }
            return headers.get("Location");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code POST /api/messages} with this JSON body. */
    Response postMessage(Credential credential, String body) {
        return post("/api/messages", body, credential);
    }

    /** A message body as JSON, cross-posted to {@code ids}. */
    String messageJson(String body, String visibility, List<String> ids) {
        Map<String, Object> map = new java.util.LinkedHashMap<>();
        map.put("body", body);
        if (visibility != null) {
            map.put("visibility", visibility);
        }
        if (ids != null) {
            map.put("mastodonProviderIds", ids);
        }
        return json.writeValueAsString(map);
    }

    long messageRows(long userId) {
        return jdbc.sql("select count(*) from messages where user_id = :u").param("u", userId).query(Long.class).single();
    }

    /** The cross-post entry of the answer for this identity. */
    static JsonNode crossPost(JsonNode message, Linked linked) {
        return message.get("crossPosts").valueStream()
                .filter(c -> c.get("mastodonProviderId").stringValue().equals(linked.id())).findFirst().orElseThrow();
    }
}
