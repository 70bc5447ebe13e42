package dev.portal.signin;

import dev.portal.identity.Platform;
import dev.portal.platform.ApiProblem;
import dev.portal.platform.ClientAddress;
import dev.portal.session.Authentication;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Unlinking a platform from one's own account (linking is a sign-in flow: {@code /v1/auth/{platform}/link}). */
@RestController
@Tag(name = "v1 sign-in")
class LinkedIdentitiesController {
    private final SigninService signin;
    private final SigninProviders providers;
    private final ClientAddress clientAddress;
    private final dev.portal.outbound.GuardedHttp http;

    LinkedIdentitiesController(SigninService signin, SigninProviders providers, ClientAddress clientAddress,
            dev.portal.outbound.GuardedHttp http) {
        this.http = http;
        this.signin = signin;
        this.providers = providers;
        this.clientAddress = clientAddress;
    }

    /** The instance as sign-in keys it, however it is written ({@code alice@host}, a URL, Unicode); unknown forms match nothing. */
    private String instanceKey(String written) {
        try {
            return MastodonInstance.parse(written, http.allowedHosts()).key();
        } catch (ApiProblem e) {
            return written.strip();
        }
    }

    @DeleteMapping("/v1/users/me/identities/{platform}")
    @Operation(summary = "Unlink a platform from your account", description = "204 when done; 404 if none is linked; "
            + "409 last_identity when no other offered platform would be left to sign in with. Mastodon accounts on "
            + "several servers: ?instance=mastodon.social unlinks only that one (without it, all of them).")
    ResponseEntity<Void> unlink(@Parameter(hidden = true) Authentication auth, @PathVariable String platform,
            @RequestParam(required = false) String instance, HttpServletRequest request) {
        Platform known = Platform.fromKey(platform)
                .orElseThrow(() -> ApiProblem.notFound("No " + platform + " account is linked to this account."));
        String onInstance = instance == null || instance.isBlank() ? null : instanceKey(instance);
        signin.unlink(auth.account().id(), known, onInstance, providers.offeredSet(), clientAddress.of(request));
        return ResponseEntity.noContent().build();
    }
}
