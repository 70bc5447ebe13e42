package dev.portal.signin;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import com.nimbusds.oauth2.sdk.AccessTokenResponse;
import com.nimbusds.oauth2.sdk.AuthorizationCode;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.AuthorizationRequest;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.auth.ClientSecretPost;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import dev.portal.identity.LinkedIdentity;
import dev.portal.identity.Platform;
import dev.portal.outbound.AllowedHosts;
import dev.portal.outbound.GuardedHttp;
import dev.portal.platform.ApiProblem;
import dev.portal.platform.PortalProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Mastodon, on whatever instance a person names ({@code ?instance=alice@mastodon.social}). No operator
 * registers anything: on first use of an instance Portal registers its application there
 * ({@link MastodonApps}), then runs the authorization-code flow with {@code state} and PKCE S256 and reads
 * {@code /api/v1/accounts/verify_credentials}. Every request goes through the {@link GuardedHttp} client,
 * since the instance is the user's choice. The identity is (account id, instance); its name is
 * {@code username@instance}; the access token is kept sealed for posting later.
 */
@Component
class MastodonProvider implements SigninProvider {
    /** What Portal registers and asks for: who the person is, and posting on their behalf (cross-posting). */
    static final String SCOPES = "read:accounts write:statuses";
    private static final Pattern ACCOUNT_ID = Pattern.compile("[0-9A-Za-z_-]{1,64}");
    private static final Pattern USERNAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    /**
     * {@code portal.signin.mastodon.*}.
     *
     * @param enabled offered unless {@code false}
     * @param deniedInstances instances (and their subdomains) nobody may sign in from
     * @param appName the application name people see on their instance when they approve
     */
    record Settings(Boolean enabled, List<String> deniedInstances, String appName) {
    }

    private final boolean enabled;
    private final List<String> denied;
    private final String appName;
    private final MastodonApps apps;
    private final GuardedHttp http;
    private final JsonMapper json;
    private final PortalProperties properties;

    MastodonProvider(Environment environment, MastodonApps apps, GuardedHttp http, JsonMapper json,
            PortalProperties properties) {
        Settings settings = Binder.get(environment).bind("portal.signin.mastodon", Settings.class)
                .orElse(new Settings(null, null, null));
        this.enabled = settings.enabled() == null || settings.enabled();
        this.denied = settings.deniedInstances() == null ? List.of() : settings.deniedInstances().stream()
                .map(String::strip).filter(s -> !s.isEmpty()).map(MastodonProvider::deniedHost).toList();
        this.appName = settings.appName() == null || settings.appName().isBlank() ? "Portal" : settings.appName().strip();
        this.apps = apps;
        this.http = http;
        this.json = json;
        this.properties = properties;
    }

    @Override
    public Platform platform() {
        return Platform.MASTODON;
    }

    @Override
    public boolean offered() {
        return enabled;
    }

    @Override
    public String input() {
        return "instance";
    }

    @Override
    public Started start(Start start) {
        MastodonInstance instance = MastodonInstance.parse(start.request().getParameter("instance"), http.allowedHosts());
        if (isDenied(instance.host())) {
            throw new ApiProblem(HttpStatus.FORBIDDEN, "instance_denied",
                    "Signing in from " + instance.host() + " is not allowed here.");
        }
        // Refused addresses are refused before anything else, the per-instance registration limit included.
        http.check(instance.endpoint("/"));
        MastodonApps.App app = apps.at(instance, start.callbackUri(), SCOPES, appName, properties.publicUrl().toString());
        URI authorize = new AuthorizationRequest.Builder(new ResponseType(ResponseType.Value.CODE),
                new ClientID(app.clientId()))
                .endpointURI(instance.endpoint("/oauth/authorize"))
                .redirectionURI(start.callbackUri())
                .scope(Scope.parse(SCOPES))
                .state(new State(start.state()))
                .codeChallenge(new CodeVerifier(start.codeVerifier()), CodeChallengeMethod.S256)
                .build().toURI();
        return new Started(authorize, null, null, Map.of("instance", instance.key(), "origin", instance.origin().toString(),
                "client_id", app.clientId()));
    }

    /** A denied entry as people would write an instance, read the same way (so {@code bücher.example} is its xn-- form). */
    private static String deniedHost(String entry) {
        try {
            return MastodonInstance.parse(entry.replaceFirst("(?i)^http://", "https://"), new AllowedHosts(List.of())).host();
        } catch (ApiProblem e) {
            throw new IllegalStateException("PORTAL_SIGNIN_MASTODON_DENIED_INSTANCES: '" + entry + "' is not an instance");
        }
    }

    /** An instance listed, or a subdomain of one listed. */
    boolean isDenied(String host) {
        return denied.stream().anyMatch(d -> host.equals(d) || host.endsWith("." + d));
    }

    @Override
    public ProviderProfile finish(Callback callback) {
        String code = callback.param("code");
        if (callback.param("error") != null || code == null || code.isEmpty() || code.length() > 2048) {
            throw ApiProblem.badRequest("signin_failed", "The sign-in was not completed at your Mastodon server; start again.");
        }
        String key = callback.flow().data().get("instance");
        MastodonInstance instance = MastodonInstance.stored(key, callback.flow().data().get("origin"));
        // The app the code was issued to; one registered anew meanwhile has another secret.
        MastodonApps.App app = apps.find(key, callback.callbackUri(), SCOPES)
                .filter(a -> a.clientId().equals(callback.flow().data().get("client_id")))
                .orElseThrow(() -> MastodonApps.unknownApp(key));
        String party = "The Mastodon server " + key;

        TokenRequest request = new TokenRequest(instance.endpoint("/oauth/token"),
                new ClientSecretPost(new ClientID(app.clientId()), new Secret(app.clientSecret())),
                new AuthorizationCodeGrant(new AuthorizationCode(code), callback.callbackUri(),
                        new CodeVerifier(callback.flow().codeVerifier())));
        HTTPRequest tokenRequest = request.toHTTPRequest();
        tokenRequest.setAccept("application/json");
        AccessTokenResponse tokens = OAuthProvider.tokens(sendNimbus(tokenRequest, party), party);
        String accessToken = tokens.getTokens().getAccessToken().getValue();

        return account(instance, accessToken, party).withTokens(new ProviderProfile.Tokens(accessToken, null, null, null));
    }

    /** Re-verifying: {@code verify_credentials} at the identity's instance with the stored token. */
    @Override
    public ProviderProfile currentProfile(LinkedIdentity identity, ProviderProfile.Tokens tokens) {
        MastodonInstance instance = MastodonInstance.ofKey(identity.instance(), http.allowedHosts());
        return account(instance, tokens.accessToken(), "The Mastodon server " + instance.key());
    }

    /** Who the token belongs to, read at {@code verify_credentials}; 401 is a token the instance no longer takes. */
    private ProviderProfile account(MastodonInstance instance, String accessToken, String party) {
        String key = instance.key();
        GuardedHttp.Response answer = http.send(GuardedHttp.Request.get(instance.endpoint("/api/v1/accounts/verify_credentials"),
                "Authorization", "Bearer " + accessToken, "Accept", "application/json"), party);
        if (answer.status() == 401) {
            throw new TokenRefused(party + " did not accept the token (status 401).");
        }
        if (answer.status() != 200) {
            throw GuardedHttp.unavailable(party + " did not say who signed in (status " + answer.status() + ").");
        }
        JsonNode account = answer.json(json, party + "'s answer about who signed in could not be read.");
        String id = OAuthProvider.text(account, "id");
        String username = OAuthProvider.text(account, "username");
        if (id == null || !ACCOUNT_ID.matcher(id).matches() || username == null || !USERNAME.matcher(username).matches()) {
            throw GuardedHttp.unavailable(party + "'s account has no id or username.");
        }
        String avatar = OAuthProvider.text(account, "avatar");
        return new ProviderProfile(Platform.MASTODON, id, username + "@" + key,
                avatar != null && avatar.startsWith("https://") && avatar.length() <= 2048 ? avatar : null, username, key,
                null);
    }

    private HTTPResponse sendNimbus(HTTPRequest request, String party) {
        try {
            return request.send(http.nimbus(party));
        } catch (java.io.IOException e) {
            throw GuardedHttp.unavailable(party + " could not be reached.");
        }
    }
}
