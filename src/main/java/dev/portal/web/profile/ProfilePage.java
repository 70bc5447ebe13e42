package dev.portal.web.profile;

import java.time.Clock;

import dev.portal.account.Account;
import dev.portal.account.AccountService;
import dev.portal.message.MessagePage;
import dev.portal.message.MessageService;
import dev.portal.platform.ApiProblem;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;

/**
 * {@code /u/{username}}: the public profile and the public messages, newest first, a page at a time. An unknown
 * or banned user is 404 alike, as on {@code GET /api/profiles/{username}}, so a ban is not announced.
 */
@Controller
class ProfilePage {
    private final AccountService accounts;
    private final MessageService messages;
    private final Clock clock;

    ProfilePage(AccountService accounts, MessageService messages, Clock clock) {
        this.accounts = accounts;
        this.messages = messages;
        this.clock = clock;
    }

    @GetMapping("/u/{username}")
    String profile(@PathVariable String username, @RequestParam(required = false) String cursor, Model model) {
        Account user = accounts.findPublic(username, clock.instant())
                .orElseThrow(() -> ApiProblem.notFound("No such user."));
        // Public messages only, even when the author is the one looking.
        MessagePage page = messages.page(user, false, cursor, null);
        model.addAttribute("user", user);
        model.addAttribute("messages", page.messages());
        model.addAttribute("nextCursor", page.nextCursor());
        model.addAttribute("firstPage", cursor == null || cursor.isEmpty());
        return "profile/profile";
    }
}
