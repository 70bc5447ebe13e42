package dev.portal.signin;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Clock;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.oauth2.sdk.auth.ClientAuthentication;
import com.nimbusds.oauth2.sdk.auth.JWTAuthenticationClaimsSet;
import com.nimbusds.oauth2.sdk.auth.PrivateKeyJWT;
import com.nimbusds.oauth2.sdk.id.Audience;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.JWTID;
import dev.portal.platform.KeyFiles;
import dev.portal.platform.PortalProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * Portal as an AT Protocol OAuth client (https://atproto.com/specs/oauth). Normally a confidential
 * client: its {@code client_id} is the URL of its client metadata document
 * ({@code /oauth/bluesky/client-metadata.json}), it authenticates at the token endpoint with
 * {@code private_key_jwt}, signed by an ES256 key whose public half is at {@code /oauth/bluesky/jwks.json}.
 * The key is {@code PORTAL_SIGNIN_BLUESKY_KEY} (a private JWK) or one generated once into
 * {@code PORTAL_DATA_DIR/bluesky-client.jwk}. When the public URL is a loopback {@code http://} URL (a
 * developer's machine, which no authorization server can fetch metadata from), Portal is the spec's
 * loopback client instead: {@code client_id} {@code http://localhost?redirect_uri=...&scope=...}, a public
 * client with no client authentication.
 */
@Component
class BlueskyClient {
    static final String SCOPE = "atproto transition:generic";
    static final String METADATA_PATH = "/oauth/bluesky/client-metadata.json";
    static final String JWKS_PATH = "/oauth/bluesky/jwks.json";
    /** A client assertion is used at once; a minute covers clock drift between Portal and the server. */
    private static final long ASSERTION_SECONDS = 60;

    /**
     * {@code portal.signin.bluesky.*}.
     *
     * @param enabled offered unless {@code false}
     * @param plcUrl the PLC directory that resolves {@code did:plc} identities
     * @param key the client's ES256 private key as a JWK; empty generates one into the data directory
     * @param client {@code auto} (loopback client for a loopback http public URL, else confidential),
     *        {@code confidential} or {@code loopback}
     * @param clientName the name people see at their server when they approve
     */
    record Settings(Boolean enabled, String plcUrl, String key, String client, String clientName) {
    }

    enum Mode { CONFIDENTIAL, LOOPBACK }

    private final boolean enabled;
    private final URI plcUrl;
    private final String clientName;
    private final Mode mode;
    private final ECKey key;
    private final URI publicUrl;
    private final URI redirectUri;
    private final String clientId;
    private final Clock clock;

    BlueskyClient(Environment environment, PortalProperties properties, Clock clock) {
        Settings settings = Binder.get(environment).bind("portal.signin.bluesky", Settings.class)
                .orElse(new Settings(null, null, null, null, null));
        this.enabled = settings.enabled() == null || settings.enabled();
        this.plcUrl = URI.create(blank(settings.plcUrl()) ? "https://plc.directory" : stripSlash(settings.plcUrl().strip()));
        this.clientName = blank(settings.clientName()) ? "Portal" : settings.clientName().strip();
        this.publicUrl = URI.create(stripSlash(properties.publicUrl().toString()));
        this.redirectUri = SigninController.callbackUri(publicUrl, dev.portal.identity.Platform.BLUESKY);
        this.mode = mode(settings.client(), publicUrl);
        this.clock = clock;
        this.key = enabled ? key(settings.key(), properties) : null;
        if (enabled && mode == Mode.LOOPBACK && !"127.0.0.1".equals(publicUrl.getHost()) && !"[::1]".equals(publicUrl.getHost())) {
            // AT Protocol wants a loopback client's callback on an address, and Bluesky refuses localhost.
            org.slf4j.LoggerFactory.getLogger(BlueskyClient.class).warn("Bluesky sign-in as a loopback client needs "
                    + "PORTAL_PUBLIC_URL on 127.0.0.1 or [::1], not {}; Bluesky servers refuse its callback", publicUrl.getHost());
        }
        this.clientId = mode == Mode.LOOPBACK
                ? "http://localhost?redirect_uri=" + encode(redirectUri.toString()) + "&scope=" + encode(SCOPE)
                : publicUrl + METADATA_PATH;
    }

    private static Mode mode(String setting, URI publicUrl) {
        String value = blank(setting) ? "auto" : setting.strip().toLowerCase(Locale.ROOT);
        return switch (value) {
            case "confidential" -> Mode.CONFIDENTIAL;
            case "loopback" -> Mode.LOOPBACK;
            case "auto" -> "http".equals(publicUrl.getScheme()) && isLoopback(publicUrl.getHost())
                    ? Mode.LOOPBACK : Mode.CONFIDENTIAL;
            default -> throw new IllegalStateException(
                    "PORTAL_SIGNIN_BLUESKY_CLIENT must be auto, confidential or loopback");
        };
    }

    private static boolean isLoopback(String host) {
        return host != null && (host.equals("127.0.0.1") || host.equals("[::1]") || host.equals("localhost"));
    }

    private static ECKey key(String configured, PortalProperties properties) {
        String jwk = blank(configured)
                ? new String(KeyFiles.readOrCreate(properties.dataDir().resolve("bluesky-client.jwk"),
                        () -> generate().toJSONString().getBytes(StandardCharsets.UTF_8), "Bluesky client key"),
                        StandardCharsets.UTF_8)
                : configured.strip();
        try {
            JWK parsed = JWK.parse(jwk);
            if (!(parsed instanceof ECKey ec) || !Curve.P_256.equals(ec.getCurve()) || !ec.isPrivate()) {
                throw new IllegalStateException("PORTAL_SIGNIN_BLUESKY_KEY must be a private EC P-256 JWK");
            }
            if (ec.getKeyID() == null) {
                ec = new ECKey.Builder(ec).keyIDFromThumbprint().build();
            }
            return ec;
        } catch (ParseException | JOSEException e) {
            // The cause is dropped: its message may quote the key.
            throw new IllegalStateException("PORTAL_SIGNIN_BLUESKY_KEY (or bluesky-client.jwk) is not a JWK");
        }
    }

    /** A fresh ES256 key: the client's own (once), or a session's DPoP key (per sign-in). */
    static ECKey generate() {
        try {
            return new ECKeyGenerator(Curve.P_256).keyUse(KeyUse.SIGNATURE).algorithm(JWSAlgorithm.ES256)
                    .keyIDFromThumbprint(true).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException("EC P-256 is required by every Java runtime", e);
        }
    }

    boolean enabled() {
        return enabled;
    }

    URI plcUrl() {
        return plcUrl;
    }

    Mode mode() {
        return mode;
    }

    String clientId() {
        return clientId;
    }

    URI redirectUri() {
        return redirectUri;
    }

    /** private_key_jwt for a confidential client, its audience the authorization server's issuer; none for loopback. */
    ClientAuthentication authentication(String issuer) {
        if (mode == Mode.LOOPBACK) {
            return null;
        }
        Date now = Date.from(clock.instant());
        JWTAuthenticationClaimsSet claims = new JWTAuthenticationClaimsSet(new ClientID(clientId),
                new Audience(issuer).toSingleAudienceList(), Date.from(clock.instant().plusSeconds(ASSERTION_SECONDS)),
                null, now, new JWTID());
        try {
            return new PrivateKeyJWT(claims, JWSAlgorithm.ES256, key.toECPrivateKey(), key.getKeyID(), null);
        } catch (JOSEException e) {
            throw new IllegalStateException("the Bluesky client key cannot sign", e);
        }
    }

    /** The client metadata document, served at {@code client_id}. */
    Map<String, Object> metadata() {
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("client_id", publicUrl + METADATA_PATH);
        metadata.put("client_name", clientName);
        metadata.put("client_uri", publicUrl.toString());
        metadata.put("application_type", "web");
        metadata.put("grant_types", List.of("authorization_code", "refresh_token"));
        metadata.put("response_types", List.of("code"));
        metadata.put("redirect_uris", List.of(redirectUri.toString()));
        metadata.put("scope", SCOPE);
        metadata.put("dpop_bound_access_tokens", true);
        metadata.put("token_endpoint_auth_method", "private_key_jwt");
        metadata.put("token_endpoint_auth_signing_alg", "ES256");
        metadata.put("jwks_uri", publicUrl + JWKS_PATH);
        return metadata;
    }

    /** The public half of the client key. */
    Map<String, Object> jwks() {
        return new JWKSet(key.toPublicJWK()).toJSONObject(true);
    }

    private static boolean blank(String value) {
        return value == null || value.isBlank();
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    /** Percent-encoding with {@code %20} for spaces: a {@code +} in the client id would read as a space or not. */
    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
