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
        String name = claims.getStringClaim("name");
        if (name == null) {
            String given = claims.getStringClaim("given_name");
            String family = claims.getStringClaim("family_name");
            name = given == null ? family : family == null ? given : given + " " + family;
        }
        return new ProviderProfile(Platform.LINKEDIN, claims.getSubject().getValue(), name,
                claims.getStringClaim("picture"), name, "", null);
    }
}
