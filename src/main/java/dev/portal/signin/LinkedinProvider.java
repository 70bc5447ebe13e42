package dev.portal.signin;

import java.time.Clock;

import com.nimbusds.oauth2.sdk.auth.ClientAuthentication;
import com.nimbusds.oauth2.sdk.auth.ClientSecretPost;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.openid.connect.sdk.claims.IDTokenClaimsSet;
import dev.portal.identity.Platform;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * LinkedIn ("Sign In with LinkedIn using OpenID Connect"): issuer {@code https://www.linkedin.com/oauth},
 * the client secret in the request body, and no PKCE (LinkedIn answers {@code invalid_client} to a
 * verifier from a web app). LinkedIn has no user names: the member's name is shown and a Portal
 * username is derived from it.
 */
@Component
class LinkedinProvider extends OidcProvider {
    static final ProviderSettings DEFAULTS = ProviderSettings.defaults(null, null, null,
            "https://www.linkedin.com/oauth", "openid profile");

    LinkedinProvider(Environment environment, ProviderHttp http, JsonMapper json, Clock clock) {
        super(Platform.LINKEDIN, "LinkedIn", ProviderSettings.bind(environment, "linkedin", DEFAULTS), http, json, clock);
    }

    @Override
    protected boolean usesPkce() {
        return false;
    }

    @Override
    protected ClientAuthentication clientAuthentication() {
        return new ClientSecretPost(new ClientID(settings.clientId()), new Secret(settings.clientSecret()));
    }

    @Override
    protected ProviderProfile profile(IDTokenClaimsSet claims) {
        return profile(claims.getSubject().getValue(), claims.getStringClaim("name"), claims.getStringClaim("given_name"),
                claims.getStringClaim("family_name"), claims.getStringClaim("picture"));
    }

    @Override
    protected ProviderProfile profileFromUserInfo(JsonNode claims) {
        return profile(text(claims, "sub"), text(claims, "name"), text(claims, "given_name"), text(claims, "family_name"),
                text(claims, "picture"));
    }

    private static ProviderProfile profile(String subject, String name, String given, String family, String picture) {
        if (name == null) {
            name = given == null ? family : family == null ? given : given + " " + family;
        }
        return new ProviderProfile(Platform.LINKEDIN, subject, name, picture, name, "", null);
    }

    /** Refresh tokens come only to apps LinkedIn has approved for them; with one stored, it is used. */
    @Override
    public boolean refreshes() {
        return true;
    }
}
