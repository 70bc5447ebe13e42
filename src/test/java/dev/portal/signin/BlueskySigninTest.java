package dev.portal.signin;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.oauth2.sdk.dpop.DefaultDPoPProofFactory;
import com.nimbusds.oauth2.sdk.token.DPoPAccessToken;
import com.nimbusds.openid.connect.sdk.Nonce;
import dev.portal.identity.LinkedIdentity;
import dev.portal.identity.Platform;
import dev.portal.platform.SecretCipher;
import dev.portal.support.FakeAtproto;
import dev.portal.support.FakeMastodon;
import dev.portal.support.PortalTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.web.util.UriComponentsBuilder;
import tools.jackson.databind.JsonNode;

import static dev.portal.support.FakeAtproto.AUTH;
import static dev.portal.support.FakeAtproto.PDS;
import static dev.portal.support.FakeAtproto.PLC;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Bluesky through AT Protocol OAuth, end to end against {@link FakeAtproto}: a PLC directory, a PDS, an
 * authorization server with PAR, DPoP nonces and private_key_jwt, and handles resolved by DNS TXT or
 * their well-known document.
 */
class BlueskySigninTest extends PortalTest {
    private static final String PAR = "/oauth/par";
    private static final String TOKEN = "/oauth/token";
    private static final String PROFILE = "/xrpc/app.bsky.actor.getProfile";
    private static final String WELL_KNOWN_DID = "/.well-known/atproto-did";

    @Autowired
    SecretCipher cipher;

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
        return flow(start, credential, () -> { });
    }

    /** The browser's three steps; {@code beforeCallback} runs between the server's approval and Portal's callback. */
    private Flow flow(String start, Credential credential, Runnable beforeCallback) {
        Response login = get(start, credential);
        if (login.status() != 302) {
            return new Flow(login, null, null);
        }
        Response authorize = viaStandIn(atproto().port(), login.header("Location"));
        assertThat(authorize.status()).as(authorize.body()).isEqualTo(302);
        beforeCallback.run();
        Response callback = get(authorize.header("Location"), credential, "Cookie", "psignin=" + login.cookie("psignin"));
        return new Flow(login, authorize, callback);
    }

    private static String loginPath(String handleOrDid) {
        return "/v1/auth/bluesky/login?redirect=/home&handle=" + URLEncoder.encode(handleOrDid, StandardCharsets.UTF_8);
    }

    private Flow signIn(String handleOrDid) {
        return flow(loginPath(handleOrDid), Credential.NONE);
    }

    private Flow signIn(String handleOrDid, Runnable beforeCallback) {
        return flow(loginPath(handleOrDid), Credential.NONE, beforeCallback);
    }

    /** A sign-in that went through; answers its session. */
    private String signedInAs(String handleOrDid) {
        Flow flow = signIn(handleOrDid);
        assertThat(flow.login().status()).as(flow.login().body()).isEqualTo(302);
        assertThat(flow.callback().status()).as(flow.callback().body()).isEqualTo(302);
        return flow.session();
    }

    private Flow link(String handle, String session) {
        return flow("/v1/auth/bluesky/link?redirect=/account&handle=" + URLEncoder.encode(handle, StandardCharsets.UTF_8),
                Credential.session(session));
    }

    private JsonNode linked(String session, String platform) {
        return get("/v1/users/me", Credential.session(session)).json().get("linked_platforms").valueStream()
                .filter(p -> p.get("platform").stringValue().equals(platform)).findFirst().orElseThrow();
    }

    private List<String> platformsOf(String session) {
        return get("/v1/users/me", Credential.session(session)).json().get("linked_platforms").valueStream()
                .map(p -> p.get("platform").stringValue()).toList();
    }

    private long identitiesOf(String did) {
        return jdbc.sql("select count(*) from linked_identities where platform = 'bluesky' and platform_user_id = :did")
                .param("did", did).query(Long.class).single();
    }

    /** A refusal at the callback: the problem, no session, no identity stored for the DID. */
    private JsonNode assertRefused(Flow flow, int status, String code, String did) {
        assertThat(flow.login().status()).as(flow.login().body()).isEqualTo(302);
        JsonNode problem = assertProblem(flow.callback(), status, code);
        assertThat(flow.callback().cookie("psession")).isNull();
        assertThat(identitiesOf(did)).isZero();
        return problem;
    }

    /** A refusal at the start: the problem, and no flow bound to the browser. */
    private JsonNode assertRefusedAtStart(Response login, int status, String code) {
        JsonNode problem = assertProblem(login, status, code);
        assertThat(login.cookie("psignin")).isNull();
        assertThat(login.cookie("psession")).isNull();
        return problem;
    }

    private static <T> T timed(Duration limit, Supplier<T> work) {
        long started = System.nanoTime();
        T result = work.get();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("time taken").isLessThan(limit);
        return result;
    }

    /** The authorize redirect's callback URL with a parameter replaced (no values: removed). */
    private static String withParam(String url, String name, String... values) {
        return UriComponentsBuilder.fromUriString(url).replaceQueryParam(name, (Object[]) values).build().toUriString();
    }

    // ---- Signing in ----

    @Test
    void aPersonSignsInWithAHandleFromItsWellKnownDocument() {
        FakeAtproto.Account account = atproto().account(handle("alice"));

        Flow flow = signIn(account.handle());

        assertThat(flow.login().status()).as(flow.login().body()).isEqualTo(302);
        assertThat(flow.callback().status()).as(flow.callback().body()).isEqualTo(302);
        assertThat(flow.callback().header("Location")).isEqualTo("/home");
        JsonNode me = get("/v1/users/me", Credential.session(flow.session())).json();
        assertThat(me.get("linked_platforms")).hasSize(1);
        JsonNode linked = me.get("linked_platforms").get(0);
        assertThat(linked.get("platform").stringValue()).isEqualTo("bluesky");
        assertThat(linked.get("platform_user_id").stringValue()).isEqualTo(account.did());
        assertThat(linked.get("platform_username").stringValue()).isEqualTo(account.handle());
        assertThat(me.get("avatar_url").stringValue()).isEqualTo(account.avatar());
        assertThat(atproto().requests(account.handle(), WELL_KNOWN_DID)).isPositive();
    }

    @Test
    void aPersonSignsInWithAHandleFromDnsTxt() {
        FakeAtproto.Account account = atproto().account(handle("txt"), false);
        dns().txt("_atproto." + account.handle(), "did=" + account.did());

        String session = signedInAs(account.handle());

        JsonNode linked = linked(session, "bluesky");
        assertThat(linked.get("platform_user_id").stringValue()).isEqualTo(account.did());
        assertThat(linked.get("platform_username").stringValue()).isEqualTo(account.handle());
        assertThat(atproto().requests(account.handle(), WELL_KNOWN_DID)).as("TXT answered; no well-known fetch").isZero();
    }

    @Test
    void aDidTypedDirectlySignsInUnderTheHandleThatResolvesBackToIt() {
        FakeAtproto.Account account = atproto().account(handle("bydid"));

        String session = signedInAs(account.did());

        JsonNode linked = linked(session, "bluesky");
        assertThat(linked.get("platform_user_id").stringValue()).isEqualTo(account.did());
        assertThat(linked.get("platform_username").stringValue()).isEqualTo(account.handle());
        assertThat(atproto().lastParParameters()).containsEntry("login_hint", account.handle());
    }

    @Test
    void aDidWhoseDocumentNamesAHandleThatDoesNotResolveBackSignsInUnderTheDid() {
        // The document says at://<handle>, but the handle has neither a TXT record nor a well-known document.
        FakeAtproto.Account account = atproto().account(handle("unverified"), false);

        String session = signedInAs(account.did());

        JsonNode linked = linked(session, "bluesky");
        assertThat(linked.get("platform_user_id").stringValue()).isEqualTo(account.did());
        assertThat(linked.get("platform_username").stringValue()).isEqualTo(account.did());
        assertThat(atproto().lastParParameters()).containsEntry("login_hint", account.did());
    }

    @Test
    void anAtSignUpperCaseAndAnAtUriAreTheSameHandle() {
        FakeAtproto.Account account = atproto().account(handle("Mixed"));
        long id = userIdOf(signedInAs(account.handle()));

        for (String typed : List.of("@" + account.handle().toUpperCase(Locale.ROOT), " " + account.handle() + " ",
                "at://" + account.handle())) {
            String session = signedInAs(typed);
            assertThat(userIdOf(session)).as(typed).isEqualTo(id);
            assertThat(linked(session, "bluesky").get("platform_username").stringValue()).isEqualTo(account.handle());
            assertThat(atproto().lastParParameters()).containsEntry("login_hint", account.handle());
        }
        assertThat(identitiesOf(account.did())).isEqualTo(1);
    }

    @Test
    void theAuthorizationRequestIsPushedWithPkceStateLoginHintAndAClientAssertion() {
        FakeAtproto.Account account = atproto().account(handle("par"));

        Flow flow = signIn(account.handle());

        assertThat(flow.callback().status()).as(flow.callback().body()).isEqualTo(302);
        String clientId = url("/oauth/bluesky/client-metadata.json");
        Map<String, String> par = atproto().lastParParameters();
        assertThat(par).containsEntry("response_type", "code")
                .containsEntry("client_id", clientId)
                .containsEntry("redirect_uri", url("/v1/auth/bluesky/callback"))
                .containsEntry("scope", "atproto transition:generic")
                .containsEntry("code_challenge_method", "S256")
                .containsEntry("login_hint", account.handle())
                // The state is the one the browser's flow cookie carries.
                .containsEntry("state", flow.login().cookie("psignin"))
                .containsEntry("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
                .containsKey("client_assertion");
        assertThat(par.get("code_challenge")).matches("[A-Za-z0-9_-]{43}");
        Map<String, Object> assertion = atproto().lastParClientAssertion();
        assertThat(assertion).containsEntry("aud", atproto().issuer()).containsEntry("iss", clientId)
                .containsEntry("sub", clientId);
        assertThat(String.valueOf(assertion.get("jti"))).isNotBlank();
        assertThat(((Number) assertion.get("exp")).longValue()).isGreaterThan(((Number) assertion.get("iat")).longValue());
        // The browser carries only the pushed request's handle, nothing of the request itself.
        Map<String, String> authorize = DiscordSigninTest.query(flow.login().header("Location"));
        assertThat(flow.login().header("Location")).startsWith(atproto().issuer() + "/oauth/authorize?");
        assertThat(authorize.keySet()).containsExactlyInAnyOrder("client_id", "request_uri");
        assertThat(authorize.get("client_id")).isEqualTo(clientId);
    }

    @Test
    void dpopNonceChallengesAreAnsweredAtParTokenAndPds() {
        FakeAtproto.Account account = atproto().account(handle("nonce"));

        // Every request without the current nonce is challenged; Portal comes to PAR and the PDS with none.
        assertThat(signIn(account.handle()).callback().status()).isEqualTo(302);

        assertThat(atproto().requests(AUTH, PAR)).as("challenged, then accepted").isEqualTo(2);
        assertThat(atproto().parCount()).isEqualTo(1);
        assertThat(atproto().requests(AUTH, TOKEN)).as("PAR's nonce carried to the token request").isEqualTo(1);
        assertThat(atproto().tokenCount()).isEqualTo(1);
        assertThat(atproto().requests(PDS, PROFILE)).as("challenged, then served").isEqualTo(2);
        assertThat(atproto().profileCount()).isEqualTo(1);

        // A nonce that changed between PAR and the token request: challenged at the token endpoint too.
        atproto().reset();
        Flow rotated = signIn(account.handle(), () -> atproto().rotateNonces());

        assertThat(rotated.callback().status()).as(rotated.callback().body()).isEqualTo(302);
        assertThat(atproto().requests(AUTH, TOKEN)).isEqualTo(2);
        assertThat(atproto().tokenCount()).isEqualTo(1);
    }

    // ---- What the authorization server reads about Portal ----

    @Test
    void theClientMetadataDocumentDescribesAConfidentialDpopClient() {
        Response response = get("/oauth/bluesky/client-metadata.json", Credential.NONE);

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.header("Content-Type")).startsWith("application/json");
        JsonNode metadata = response.json();
        assertThat(metadata.get("client_id").stringValue()).isEqualTo(url("/oauth/bluesky/client-metadata.json"));
        assertThat(metadata.get("application_type").stringValue()).isEqualTo("web");
        assertThat(metadata.get("grant_types").valueStream().map(JsonNode::stringValue))
                .containsExactlyInAnyOrder("authorization_code", "refresh_token");
        assertThat(metadata.get("response_types").valueStream().map(JsonNode::stringValue)).containsExactly("code");
        assertThat(metadata.get("redirect_uris").valueStream().map(JsonNode::stringValue))
                .containsExactly(url("/v1/auth/bluesky/callback"));
        assertThat(metadata.get("scope").stringValue()).isEqualTo("atproto transition:generic");
        assertThat(metadata.get("dpop_bound_access_tokens").booleanValue()).isTrue();
        assertThat(metadata.get("token_endpoint_auth_method").stringValue()).isEqualTo("private_key_jwt");
        assertThat(metadata.get("token_endpoint_auth_signing_alg").stringValue()).isEqualTo("ES256");
        assertThat(metadata.get("jwks_uri").stringValue()).isEqualTo(url("/oauth/bluesky/jwks.json"));
        assertThat(metadata.get("client_name").stringValue()).isNotBlank();
    }

    @Test
    void theJwksHoldsOnePublicP256Key() {
        Response response = get("/oauth/bluesky/jwks.json", Credential.NONE);

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.header("Content-Type")).startsWith("application/json");
        JsonNode keys = response.json().get("keys");
        assertThat(keys).hasSize(1);
        JsonNode key = keys.get(0);
        assertThat(key.get("kty").stringValue()).isEqualTo("EC");
        assertThat(key.get("crv").stringValue()).isEqualTo("P-256");
        assertThat(key.get("kid").stringValue()).isNotBlank();
        assertThat(key.has("x") && key.has("y")).isTrue();
        assertThat(key.has("d")).as("no private part").isFalse();
        assertThat(response.body()).doesNotContain("\"d\"");
    }

    // ---- Refusals at the callback ----

    @Test
    void anAnswerFromAnotherIssuerOrWithoutOneIsRefused() {
        FakeAtproto.Account account = atproto().account(handle("iss"));

        for (String iss : new String[] {"http://evil.test:" + atproto().port(), null}) {
            atproto().issuerInCallback(iss);

            Flow flow = signIn(account.handle());

            assertRefused(flow, 400, "issuer_mismatch", account.did());
            assertThat(atproto().requests(AUTH, TOKEN)).as("the code goes nowhere").isZero();
        }
    }

    @Test
    void aTokenForAnotherAccountThanTheOneAskedForIsRefused() {
        FakeAtproto.Account asked = atproto().account(handle("asked"));
        FakeAtproto.Account other = atproto().account(handle("other"));

        Flow otherSub = signIn(asked.handle(), () -> atproto().tokenSubject(other.did()));
        assertRefused(otherSub, 400, "subject_mismatch", asked.did());
        assertThat(identitiesOf(other.did())).isZero();

        atproto().reset();
        Flow noSub = signIn(asked.handle(), () -> atproto().tokenSubject(null));
        assertRefused(noSub, 400, "subject_mismatch", asked.did());
    }

    @Test
    void anotherAccountApprovingAtTheServerIsRefused() {
        FakeAtproto.Account asked = atproto().account(handle("wanted"));
        FakeAtproto.Account approving = atproto().account(handle("approver"));
        atproto().approvingAccount(approving);

        Flow flow = signIn(asked.handle());

        assertRefused(flow, 400, "subject_mismatch", asked.did());
        assertThat(identitiesOf(approving.did())).isZero();
    }

    @Test
    void aServerThatKeepsDemandingNewNoncesIsGivenUpOnAfterOneRetry() {
        FakeAtproto.Account account = atproto().account(handle("stubborn"));
        atproto().alwaysChallenge(true);

        Response atPar = signIn(account.handle()).login();

        assertRefusedAtStart(atPar, 502, "provider_unavailable");
        assertThat(atproto().requests(AUTH, PAR)).isEqualTo(2);
        assertThat(atproto().parCount()).isZero();

        atproto().reset();
        Flow atToken = signIn(account.handle(), () -> atproto().alwaysChallenge(true));

        assertRefused(atToken, 502, "provider_unavailable", account.did());
        assertThat(atproto().requests(AUTH, TOKEN)).isEqualTo(2);
        assertThat(atproto().tokenCount()).isZero();
    }

    @Test
    void aStateWorksOnce() {
        FakeAtproto.Account account = atproto().account(handle("replay"));
        Flow flow = signIn(account.handle());
        assertThat(flow.callback().status()).isEqualTo(302);

        Response replay = get(flow.authorize().header("Location"), Credential.NONE,
                "Cookie", "psignin=" + flow.login().cookie("psignin"));

        assertProblem(replay, 400, "invalid_state");
        assertThat(replay.cookie("psession")).isNull();
        assertThat(atproto().tokenCount()).isEqualTo(1);
    }

    @Test
    void anAuthorizationCodeWorksOnce() {
        FakeAtproto.Account account = atproto().account(handle("code"));
        Flow first = signIn(account.handle());
        assertThat(first.callback().status()).isEqualTo(302);
        String code = DiscordSigninTest.query(first.authorize().header("Location")).get("code");

        // A second flow of the same browser, its callback carrying the first flow's code.
        Response login = get(loginPath(account.handle()), Credential.NONE);
        Response authorize = viaStandIn(atproto().port(), login.header("Location"));
        Response callback = get(withParam(authorize.header("Location"), "code", code), Credential.NONE,
                "Cookie", "psignin=" + login.cookie("psignin"));

        assertProblem(callback, 400, "signin_failed");
        assertThat(callback.cookie("psession")).isNull();
        assertThat(atproto().requests(AUTH, TOKEN)).as("the server was asked, and refused").isEqualTo(2);
        assertThat(atproto().tokenCount()).isEqualTo(1);
    }

    @Test
    void aSignInDeclinedAtTheServerEndsWithSigninFailed() {
        FakeAtproto.Account account = atproto().account(handle("declines"));
        Response login = get(loginPath(account.handle()), Credential.NONE);
        Response authorize = viaStandIn(atproto().port(), login.header("Location"));
        // What the server sends when the person says no: the error, the state and the issuer, no code.
        String declined = UriComponentsBuilder.fromUriString(withParam(authorize.header("Location"), "code"))
                .queryParam("error", "access_denied").build().toUriString();

        Response callback = get(declined, Credential.NONE, "Cookie", "psignin=" + login.cookie("psignin"));

        assertRefused(new Flow(login, authorize, callback), 400, "signin_failed", account.did());
        assertThat(atproto().requests(AUTH, TOKEN)).isZero();
    }

    // ---- Refusals at the start: where the account lives ----

    @Test
    void aHandleOnAPrivateAddressIsRefusedBeforeAnyConnection() {
        String host = handle("evil").replace(".test", ".net");
        dns().map(host, "10.0.0.9");

        // Nothing listens at 10.0.0.9: a connection attempt would take the 3 s connect timeout, not this second.
        Response login = timed(Duration.ofSeconds(1), () -> get(loginPath(host), Credential.NONE));

        assertRefusedAtStart(login, 400, "host_not_allowed");
    }

    @Test
    void aDidWebOnAPrivateAddressIsRefused() {
        assertRefusedAtStart(timed(Duration.ofSeconds(1), () -> get(loginPath("did:web:10.0.0.9"), Credential.NONE)),
                400, "host_not_allowed");
        dns().map("web-private.example.net", "10.0.0.9");
        assertRefusedAtStart(timed(Duration.ofSeconds(1), () -> get(loginPath("did:web:WEB-Private.example.net"),
                Credential.NONE)), 400, "host_not_allowed");
        // Ports are AT Protocol's development form: only for hosts an operator allowed.
        assertRefusedAtStart(get(loginPath("did:web:localhost%3A22"), Credential.NONE), 400, "invalid_handle");
    }

    @Test
    void aDidDocumentNamingAPdsOnAPrivateAddressIsRefused() {
        FakeAtproto.Account account = atproto().account(handle("privatepds"));
        String pds = handle("pds").replace(".test", ".net");
        dns().map(pds, "10.0.0.9");

        for (String endpoint : List.of("https://" + pds, "http://10.0.0.9", "http://[fd00::9]:8080")) {
            atproto().documentPds(endpoint);

            Response login = timed(Duration.ofSeconds(1), () -> get(loginPath(account.handle()), Credential.NONE));

            assertRefusedAtStart(login, 400, "host_not_allowed");
        }
        assertThat(atproto().requests(PDS, "/.well-known/oauth-protected-resource")).isZero();
    }

    @Test
    void aPdsWhoseMetadataDescribesAnotherResourceIsRefused() {
        FakeAtproto.Account account = atproto().account(handle("otherresource"));
        atproto().resourceNamed("http://elsewhere.test:" + atproto().port());

        Response login = get(loginPath(account.handle()), Credential.NONE);

        // RFC 9728 §3.3: metadata that is not the PDS's own names no authorization server Portal may trust.
        assertRefusedAtStart(login, 502, "provider_unavailable");
        assertThat(atproto().parCount()).isZero();
    }

    @Test
    void aPdsOrSignInServerOnPlainHttpIsRefusedUnlessAllowed() {
        FakeAtproto.Account account = atproto().account(handle("plainpds"));
        dns().map("plain-pds.example.net", "93.184.216.34");
        atproto().documentPds("http://plain-pds.example.net");

        Response login = timed(Duration.ofSeconds(1), () -> get(loginPath(account.handle()), Credential.NONE));

        // Tokens would travel in the clear: refused before anything is sent there.
        assertRefusedAtStart(login, 400, "host_not_allowed");
        assertThat(login.json().get("detail").stringValue()).contains("not an https address");
    }

    @Test
    void aPlcDirectoryRedirectingToAPrivateAddressIsRefused() {
        FakeAtproto.Account account = atproto().account(handle("redirected"));
        atproto().redirectTo(PLC, "http://10.0.0.9/x");

        Response login = timed(Duration.ofSeconds(1), () -> get(loginPath(account.handle()), Credential.NONE));

        assertRefusedAtStart(login, 400, "host_not_allowed");
        assertThat(atproto().requests(PLC, "/" + account.did())).isEqualTo(1);
    }

    @Test
    void aSlowPdsAnswers504InTime() {
        FakeAtproto.Account account = atproto().account(handle("slowpds"));
        atproto().slow(PDS);

        Response login = timed(Duration.ofMillis(3_500), () -> get(loginPath(account.handle()), Credential.NONE));

        assertRefusedAtStart(login, 504, "provider_timeout");
    }

    @Test
    void aSlowTokenEndpointAnswers504InTime() {
        FakeAtproto.Account account = atproto().account(handle("slowtoken"));

        Flow flow = timed(Duration.ofMillis(5_000), () -> signIn(account.handle(), () -> atproto().slow(AUTH)));

        assertRefused(flow, 504, "provider_timeout", account.did());
        assertThat(atproto().requests(AUTH, TOKEN)).isEqualTo(1);
    }

    @Test
    void anEndlessAuthorizationServerAnswers502() {
        FakeAtproto.Account account = atproto().account(handle("endless"));
        atproto().endless(AUTH);

        Response login = timed(Duration.ofMillis(3_500), () -> get(loginPath(account.handle()), Credential.NONE));

        JsonNode problem = assertRefusedAtStart(login, 502, "provider_unavailable");
        assertThat(problem.get("detail").stringValue()).doesNotContain("127.0.0.1");
    }

    @Test
    void anUnknownHandleOrDidIsNotFound() {
        assertRefusedAtStart(get(loginPath(handle("nobody")), Credential.NONE), 400, "handle_not_found");
        assertRefusedAtStart(get(loginPath("did:plc:" + "a".repeat(24)), Credential.NONE), 400, "handle_not_found");
        // A handle whose domain does not exist at all (no TXT record, no address) is no account either.
        assertRefusedAtStart(get(loginPath(handle("nowhere").replace(".test", ".net")), Credential.NONE), 400,
                "handle_not_found");
    }

    @Test
    void aHandleWhoseDidDoesNotClaimItIsRefused() {
        FakeAtproto.Account claimed = atproto().account(handle("claimed"), false);
        FakeAtproto.Account owner = atproto().account(handle("owner"));
        // The handle's TXT names another account, whose document names its own handle.
        dns().txt("_atproto." + claimed.handle(), "did=" + owner.did());

        assertRefusedAtStart(get(loginPath(claimed.handle()), Credential.NONE), 400, "handle_mismatch");
        assertThat(atproto().requests(AUTH, PAR)).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"not a handle", "alice.local", "", "   ", "alice", "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
            "did:plc:TOOSHORT", "alice..test", "-alice.test"})
    void nonsenseIsNotAHandle(String typed) {
        assertRefusedAtStart(get(loginPath(typed), Credential.NONE), 400, "invalid_handle");
    }

    @Test
    void noHandleAtAllIsAskedFor() {
        assertRefusedAtStart(get("/v1/auth/bluesky/login", Credential.NONE), 400, "invalid_handle");
    }

    // ---- Linking ----

    @Test
    void aDiscordUserLinksBlueskyAndUnlinksItAgain() {
        String session = signInWithDiscord(uniqueDiscordId(), unique("x"));
        FakeAtproto.Account account = atproto().account(handle("linked"));

        Flow flow = link(account.handle(), session);

        assertThat(flow.callback().status()).as(flow.callback().body()).isEqualTo(302);
        assertThat(flow.callback().header("Location")).isEqualTo("/account");
        assertThat(flow.session()).as("linking issues no new session").isNull();
        assertThat(platformsOf(session)).containsExactly("discord", "bluesky");
        assertThat(linked(session, "bluesky").get("platform_username").stringValue()).isEqualTo(account.handle());
        // And the account is now reached with Bluesky too.
        assertThat(userIdOf(signedInAs(account.handle()))).isEqualTo(userIdOf(session));

        Response unlink = send("DELETE", "/v1/users/me/identities/bluesky", null, Credential.session(session));

        assertThat(unlink.status()).as(unlink.body()).isEqualTo(204);
        assertThat(platformsOf(session)).containsExactly("discord");
        assertThat(identitiesOf(account.did())).isZero();
    }

    @Test
    void theLastWayInIsNotUnlinked() {
        String session = signedInAs(atproto().account(handle("only")).handle());

        assertProblem(send("DELETE", "/v1/users/me/identities/bluesky", null, Credential.session(session)), 409,
                "last_identity");
        assertThat(platformsOf(session)).containsExactly("bluesky");
    }

    @Test
    void aBlueskyAccountOfAnotherPortalAccountIsNotLinked() {
        FakeAtproto.Account account = atproto().account(handle("taken"));
        String owner = signedInAs(account.handle());
        String other = signInWithDiscord(uniqueDiscordId(), unique("x"));

        Flow flow = link(account.handle(), other);

        assertProblem(flow.callback(), 409, "identity_in_use");
        assertThat(platformsOf(other)).containsExactly("discord");
        assertThat(platformsOf(owner)).containsExactly("bluesky");
    }

    @Test
    void aSecondBlueskyAccountIsNotLinked() {
        FakeAtproto.Account first = atproto().account(handle("first"));
        FakeAtproto.Account second = atproto().account(handle("second"));
        String session = signedInAs(first.handle());

        Flow flow = link(second.handle(), session);

        assertProblem(flow.callback(), 409, "platform_already_linked");
        assertThat(linked(session, "bluesky").get("platform_user_id").stringValue()).isEqualTo(first.did());
        assertThat(identitiesOf(second.did())).isZero();
    }

    // ---- What is kept ----

    private record StoredTokens(byte[] accessToken, byte[] refreshToken, byte[] tokenKey, OffsetDateTime expiresAt) {
    }

    @Test
    void theTokensAreKeptSealedWithTheKeyTheyAreBoundTo() throws Exception {
        FakeAtproto.Account account = atproto().account(handle("sealed"));
        signedInAs(account.handle());
        Map<String, Object> issued = atproto().lastTokenResponse();

        StoredTokens stored = jdbc.sql("""
                select access_token, refresh_token, token_key, token_expires_at from linked_identities
                where platform = 'bluesky' and platform_user_id = :did
                """).param("did", account.did()).query((rs, row) -> new StoredTokens(rs.getBytes("access_token"),
                rs.getBytes("refresh_token"), rs.getBytes("token_key"), rs.getObject("token_expires_at", OffsetDateTime.class)))
                .single();

        String context = LinkedIdentity.tokenContext(Platform.BLUESKY, "", account.did());
        String accessToken = cipher.open(stored.accessToken(), context).orElseThrow();
        String refreshToken = cipher.open(stored.refreshToken(), context).orElseThrow();
        ECKey key = ECKey.parse(cipher.open(stored.tokenKey(), context).orElseThrow());
        assertThat(accessToken).isEqualTo(issued.get("access_token"));
        assertThat(refreshToken).isEqualTo(issued.get("refresh_token"));
        assertThat(key.isPrivate()).isTrue();
        assertThat(latin1(stored.accessToken())).doesNotContain(accessToken);
        assertThat(latin1(stored.refreshToken())).doesNotContain(refreshToken);
        assertThat(latin1(stored.tokenKey())).doesNotContain("\"d\"", "\"kty\"", key.getD().toString());
        assertThat(stored.expiresAt().toInstant()).isCloseTo(clock.instant().plusSeconds(3600), within(60, ChronoUnit.SECONDS));

        // The sealed key is the one the token is bound to: with it, the token reads the profile at the PDS.
        assertThat(getProfile(accessToken, key, account.did()).status()).isEqualTo(200);
    }

    private static String latin1(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    /** {@code app.bsky.actor.getProfile} with a DPoP-bound token, answering the PDS's nonce challenge once. */
    private Response getProfile(String accessToken, ECKey key, String did) throws Exception {
        URI endpoint = URI.create(atproto().pdsUrl() + PROFILE);
        Nonce nonce = null;
        Response answer = null;
        for (int attempt = 0; attempt < 2; attempt++) {
            String proof = new DefaultDPoPProofFactory(key, JWSAlgorithm.ES256)
                    .createDPoPJWT("GET", endpoint, new DPoPAccessToken(accessToken), nonce).serialize();
            answer = viaStandIn(atproto().port(), endpoint + "?actor=" + URLEncoder.encode(did, StandardCharsets.UTF_8),
                    "Authorization", "DPoP " + accessToken, "DPoP", proof);
            if (answer.status() != 401 || answer.header("DPoP-Nonce") == null) {
                return answer;
            }
            nonce = new Nonce(answer.header("DPoP-Nonce"));
        }
        return answer;
    }

    @Test
    void aSignInIsAudited() {
        FakeAtproto.Account account = atproto().account(handle("audited"));
        long id = userIdOf(signedInAs(account.handle()));
        signedInAs(account.handle());

        List<JsonNode> events = jdbc.sql("""
                select details::text from audit_events where action = 'signin' and target_id = :id order by id
                """).param("id", id).query(String.class).list().stream().map(json::readTree).toList();

        assertThat(events).hasSize(2);
        assertThat(events).allSatisfy(e -> assertThat(e.get("platform").stringValue()).isEqualTo("bluesky"));
        assertThat(events.get(0).get("new_user").booleanValue()).isTrue();
        assertThat(events.get(1).get("new_user").booleanValue()).isFalse();
    }

    // ---- Done when ----

    @Test
    void aPersonSignsInWithMastodonAndLinksABlueskyHandleToTheSameAccount() {
        String instance = unique("w").toLowerCase(Locale.ROOT).replace('_', '-') + ".mastodon.test";
        FakeMastodon.Account person = FakeMastodon.Account.random();
        mastodon().nextAccount(instance, person);
        Response login = get("/v1/auth/mastodon/login?redirect=/account&instance="
                + URLEncoder.encode(mastodon().url(instance), StandardCharsets.UTF_8), Credential.NONE);
        assertThat(login.status()).as(login.body()).isEqualTo(302);
        Response approved = viaStandIn(mastodon().port(), login.header("Location"));
        assertThat(approved.status()).as(approved.body()).isEqualTo(302);
        Response callback = get(approved.header("Location"), Credential.NONE, "Cookie", "psignin=" + login.cookie("psignin"));
        assertThat(callback.status()).as(callback.body()).isEqualTo(302);
        String session = callback.cookie("psession");
        FakeAtproto.Account account = atproto().account(handle("walk"));

        Flow linked = link(account.handle(), session);

        assertThat(linked.callback().status()).as(linked.callback().body()).isEqualTo(302);
        assertThat(platformsOf(session)).containsExactly("mastodon", "bluesky");
        assertThat(linked(session, "mastodon").get("platform_username").stringValue())
                .startsWith(person.username() + "@" + instance);
        assertThat(linked(session, "bluesky").get("platform_user_id").stringValue()).isEqualTo(account.did());
        assertThat(linked(session, "bluesky").get("platform_username").stringValue()).isEqualTo(account.handle());
        // Either way in is the same account.
        assertThat(userIdOf(signedInAs(account.handle()))).isEqualTo(userIdOf(session));
    }
}
