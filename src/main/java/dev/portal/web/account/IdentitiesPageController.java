package dev.portal.web.account;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;

import dev.portal.identity.LinkedIdentity;
import dev.portal.identity.Platform;
import dev.portal.platform.ClientAddress;
import dev.portal.session.Authentication;
import dev.portal.signin.SigninProviders;
import dev.portal.signin.SigninService;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;

/** {@code /account/identities}: the linked platforms, unlinking one (never the last way in), linking another. */
@Controller
class IdentitiesPageController {
    static final String BACK = "/account/identities";

    private final SigninService signin;
    private final SigninProviders providers;
    private final ClientAddress clientAddress;

    IdentitiesPageController(SigninService signin, SigninProviders providers, ClientAddress clientAddress) {
        this.signin = signin;
        this.providers = providers;
        this.clientAddress = clientAddress;
    }

    /** A linked identity as the table shows it; {@code unlinkable} false when it is the last way to sign in. */
    record IdentityRow(long id, String platform, String username, String instance, String linkedAt, boolean unlinkable) {
    }

    /** A platform that can be linked: its name and where the link flow starts. */
    record LinkButton(String key, String name, String linkUrl) {
    }

    @GetMapping(BACK)
    String page(Authentication auth, @RequestParam(required = false) String error, Model model) {
        Set<Platform> offered = providers.offeredSet();
        List<LinkedIdentity> linked = auth.account().identities();
        model.addAttribute("identities", linked.stream().map(i -> new IdentityRow(i.id(), i.platform().displayName(),
                i.platformUsername(), i.platform() == Platform.MASTODON ? i.instance() : null,
                i.linkedAt() == null ? null : i.linkedAt().toString(),
                // The same rule SigninService applies: another identity on an offered platform must remain.
                linked.stream().anyMatch(o -> o.id() != i.id() && offered.contains(o.platform())))).toList());
        // Back here after the provider, with the notice; a refused link replaces it with ?error= (SigninController).
        String back = URLEncoder.encode(BACK + "?flash=linked", StandardCharsets.UTF_8);
        // Mastodon accounts live on many servers, so another one may always be linked; the rest once each.
        model.addAttribute("linkButtons", providers.offeredPlatforms().stream()
                .filter(p -> p != Platform.MASTODON && p != Platform.BLUESKY)
                .filter(p -> linked.stream().noneMatch(i -> i.platform() == p))
                .map(p -> new LinkButton(p.key(), p.displayName(), "/v1/auth/" + p.key() + "/link?redirect=" + back))
                .toList());
        model.addAttribute("mastodon", offered.contains(Platform.MASTODON));
        model.addAttribute("bluesky", offered.contains(Platform.BLUESKY)
                && linked.stream().noneMatch(i -> i.platform() == Platform.BLUESKY));
        model.addAttribute("redirect", BACK + "?flash=linked");
        model.addAttribute("linkError", "identity_in_use".equals(error)
                ? "That account is already linked to another Portal account. Sign in with it and unlink it there first."
                : null);
        return "account/identities";
    }

    @PostMapping(BACK + "/{id}/unlink")
    String unlink(Authentication auth, @PathVariable long id, HttpServletRequest request) {
        // The 409 last_identity (and 404 for another's id) come back as error pages with the API's status.
        signin.unlinkIdentity(auth.requireSession().account().id(), id, providers.offeredSet(), clientAddress.of(request));
        return "redirect:" + BACK + "?flash=unlinked";
    }
}
