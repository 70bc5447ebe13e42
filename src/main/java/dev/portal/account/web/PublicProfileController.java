package dev.portal.account.web;

import java.time.Clock;

import dev.portal.account.Account;
import dev.portal.account.AccountService;
import dev.portal.platform.ApiProblem;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** Public profiles (seed 004 points to them): no authentication, nothing private. */
@RestController
@RequestMapping(path = "/api/profiles", produces = MediaType.APPLICATION_JSON_VALUE)
@Tag(name = "api public profiles", description = "Anyone's public profile; no authentication needed")
class PublicProfileController {
    private final AccountService accounts;
    private final Clock clock;

    PublicProfileController(AccountService accounts, Clock clock) {
        this.accounts = accounts;
        this.clock = clock;
    }

    @GetMapping("/{username}")
    @Operation(summary = "Get a user's public profile",
            description = "By Portal username, ignoring case. A banned or unknown user answers 404 alike.")
    ApiPublicProfile profile(@PathVariable String username) {
        return ApiPublicProfile.of(publicAccount(accounts, username, clock));
    }

    /** The user a public page is about; 404 for an unknown or banned user alike, so a ban is not announced. */
    static Account publicAccount(AccountService accounts, String username, Clock clock) {
        return accounts.findPublic(username, clock.instant())
                .orElseThrow(() -> ApiProblem.notFound("No such user."));
    }
}
