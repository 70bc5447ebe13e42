package dev.portal.web.account;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.portal.account.Account;
import dev.portal.account.AccountService;
import dev.portal.account.ApiProfileUpdate;
import dev.portal.account.AvatarSource;
import dev.portal.account.Profile;
import dev.portal.account.ProfileUpdate;
import dev.portal.avatar.AvatarService;
import dev.portal.avatar.web.AvatarController;
import dev.portal.identity.LinkedIdentity;
import dev.portal.identity.Platform;
import dev.portal.platform.ApiProblem;
import dev.portal.platform.ClientAddress;
import dev.portal.session.Authentication;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code /account}: the profile form and the avatar upload. The form's fields are judged one by one, as v1's
 * update does: the username by v1's rules, display name, bio and visibility by /api's; each valid field is
 * saved and each failing one is shown under itself (400).
 */
@Controller
class ProfilePageController {
    static final Map<String, String> LABELS = Map.of("username", "Username", "displayName", "Display name", "bio", "Bio",
            "defaultVisibility", "Default visibility", "avatarSource", "Avatar", "file", "The avatar");

    private final AccountService accounts;
    private final AvatarService avatars;
    private final ClientAddress clientAddress;

    ProfilePageController(AccountService accounts, AvatarService avatars, ClientAddress clientAddress) {
        this.accounts = accounts;
        this.avatars = avatars;
        this.clientAddress = clientAddress;
    }

    /** What the profile form shows: the stored values, or what was posted when it comes back with errors. */
    record ProfileForm(String username, String displayName, String bio, String defaultVisibility, String avatarSource) {
        static ProfileForm of(Account account) {
            Profile profile = account.profile();
            return new ProfileForm(account.username(), profile.displayName(), profile.bio(), profile.defaultVisibility(),
                    account.avatarSource() == null ? "" : account.avatarSource());
        }
    }

    /** One avatar the member may choose: the stored value, what to call it, and a preview (null when none). */
    record AvatarChoice(String value, String label, String previewUrl) {
        public String id() {
            return "avatar-" + (value.isEmpty() ? "earliest" : value);
        }
    }

    @GetMapping("/account")
    String page(Authentication auth, Model model) {
        return show(model, auth.account(), ProfileForm.of(auth.account()));
    }

    @PostMapping("/account")
    String save(Authentication auth, @RequestParam(required = false) String username,
            @RequestParam(required = false) String displayName, @RequestParam(required = false) String bio,
            @RequestParam(required = false) String defaultVisibility, @RequestParam(required = false) String avatarSource,
            HttpServletRequest request, HttpServletResponse response, Model model) {
        Account me = auth.account();
        String ip = clientAddress.of(request);
        Map<String, String> errors = new LinkedHashMap<>();
        ObjectNode apiFields = JsonNodeFactory.instance.objectNode();
        if (displayName != null) {
            apiFields.put("displayName", displayName);
        }
        if (bio != null) {
            // Browsers send a textarea's line breaks as CRLF; the bio keeps plain line breaks.
            apiFields.put("bio", bio.replace("\r\n", "\n"));
        }
        if (defaultVisibility != null) {
            apiFields.put("defaultVisibility", defaultVisibility);
        }
        ApiProfileUpdate apiUpdate = null;
        try {
            apiUpdate = ApiProfileUpdate.parse(apiFields);
        } catch (ApiProblem invalid) {
            errors.putAll(FieldErrors.of(invalid, "displayName"));
        }
        String wantedUsername = username == null ? null : username.strip();
        AccountService.UpdateResult result = accounts.update(me, new ProfileUpdate(wantedUsername, avatarSource), ip);
        if (result.errors() != null) {
            result.errors().forEach((field, message) -> errors.put(FieldErrors.formName(field), message));
        }
        if (apiUpdate != null && !apiFields.isEmpty()) {
            accounts.updateApiProfile(result.account(), apiUpdate, ip);
        }
        if (errors.isEmpty()) {
            return "redirect:/account?flash=saved";
        }
        Account now = accounts.find(me.id()).orElse(me);
        response.setStatus(HttpStatus.BAD_REQUEST.value());
        model.addAttribute("errors", FieldErrors.labelled(errors, LABELS));
        model.addAttribute("me", now);
        return show(model, now, new ProfileForm(username, displayName, bio, defaultVisibility,
                avatarSource == null ? "" : avatarSource));
    }

    @PostMapping("/account/avatar")
    String upload(Authentication auth, HttpServletRequest request, HttpServletResponse response, Model model) {
        Account me = auth.account();
        try {
            avatars.checkUploadRate(me);
            avatars.upload(me, AvatarController.fileOf(request), clientAddress.of(request));
        } catch (ApiProblem refused) {
            // A bad image, a wrong type (415), too large (413) or too many (429): said under the file field,
            // with the status the API would answer.
            if (refused.status().value() == 401 || refused.status().value() == 403 || refused.status().is5xxServerError()) {
                throw refused;
            }
            response.setStatus(refused.status().value());
            refused.headers().forEach(response::setHeader);
            model.addAttribute("errors", FieldErrors.labelled(Map.of("file", FieldErrors.of(refused, "file")
                    .values().iterator().next()), LABELS));
            return show(model, me, ProfileForm.of(me));
        }
        return "redirect:/account?flash=avatar_saved";
    }

    private String show(Model model, Account me, ProfileForm form) {
        model.addAttribute("form", form);
        model.addAttribute("avatarChoices", choices(me));
        return "account/profile";
    }

    /** Each linked platform's picture, Discord's six defaults when Discord is linked, the upload, and "earliest". */
    static List<AvatarChoice> choices(Account me) {
        List<AvatarChoice> choices = new ArrayList<>();
        List<LinkedIdentity> identities = me.identities();
        choices.add(new AvatarChoice("", "Earliest linked account",
                identities.isEmpty() ? null : identities.get(0).platformAvatarUrl()));
        List<Platform> seen = new ArrayList<>();
        for (LinkedIdentity identity : identities) {
            if (!seen.contains(identity.platform())) {
                seen.add(identity.platform());
                choices.add(new AvatarChoice(identity.platform().key(), identity.platform().displayName(),
                        identity.platformAvatarUrl()));
            }
        }
        if (seen.contains(Platform.DISCORD)) {
            for (int i = 0; i <= 5; i++) {
                choices.add(new AvatarChoice("discord_" + i, "Discord default " + (i + 1),
                        AvatarSource.DISCORD_DEFAULT_AVATAR.formatted(i)));
            }
        }
        if (me.avatarUploadUrl() != null) {
            choices.add(new AvatarChoice(AvatarSource.UPLOAD, "Your upload", me.avatarUploadUrl()));
        }
        return choices;
    }
}
