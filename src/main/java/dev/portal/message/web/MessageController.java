package dev.portal.message.web;

import java.time.Clock;
import java.util.List;

import dev.portal.account.Account;
import dev.portal.account.AccountService;
import dev.portal.message.MessageService;
import dev.portal.message.NewMessage;
import dev.portal.platform.ApiProblem;
import dev.portal.session.Authentication;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/** Messages on /api (seed 004): post (with Mastodon cross-posting), delete, and the listings. */
@RestController
@Tag(name = "api messages", description = "Messages, cross-posted to the author's Mastodon accounts on request")
class MessageController {
    private final MessageService messages;
    private final AccountService accounts;
    private final Clock clock;

    MessageController(MessageService messages, AccountService accounts, Clock clock) {
        this.messages = messages;
        this.accounts = accounts;
        this.clock = clock;
    }

    @PostMapping(path = "/api/messages", consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Post a message, optionally cross-posted to your Mastodon accounts",
            description = "Session or Bearer. body: 1 to maxMessageLength characters (your setting, at most 10,000); "
                    + "visibility public or private (default: your defaultVisibility); mastodonProviderIds: up to 10 "
                    + "ids of your own Mastodon identities (GET /api/user/identities). The message is stored first; "
                    + "then each instance gets it as a status (private: followers only) with the token from your "
                    + "Mastodon sign-in. crossPosts says per identity whether it was posted, with the status URL, or "
                    + "why not; an instance that is down or slow does not fail the others or the message (201 "
                    + "within about 5 s whatever the instances do). An id that is not one of your Mastodon "
                    + "identities is 400 validation_failed (errors.mastodonProviderIds) and nothing is stored or "
                    + "posted. At most 30 writes a minute per user (PORTAL_MESSAGES_WRITES_PER_MINUTE), then 429.",
            responses = @ApiResponse(responseCode = "201", description = "Stored; crossPosts says where it went"))
    ResponseEntity<ApiMessage> post(@Parameter(hidden = true) Authentication auth,
            @RequestBody(required = false)
            @io.swagger.v3.oas.annotations.parameters.RequestBody(content = @Content(schema = @Schema(implementation = PostMessageRequest.class)))
            JsonNode body) {
        Account author = auth.account();
        messages.countWrite(author);
        NewMessage request = NewMessage.parse(body, author.profile());
        MessageService.Posted posted = messages.post(author, request);
        return ResponseEntity.status(HttpStatus.CREATED)
                .body(ApiMessage.of(posted.message(), author, posted.crossPosts()));
    }

    @DeleteMapping("/api/messages/{id}")
    @Operation(summary = "Delete one of your messages",
            description = "Session or Bearer; 204. Someone else's message and an unknown id answer 404 alike. "
                    + "Statuses already cross-posted stay on their Mastodon instances.",
            responses = @ApiResponse(responseCode = "204", description = "Deleted"))
    ResponseEntity<Void> delete(@Parameter(hidden = true) Authentication auth, @PathVariable String id) {
        messages.countWrite(auth.account());
        messages.delete(auth.account(), id);
        return ResponseEntity.noContent().build();
    }

    @GetMapping(path = "/api/user/{username}/messages", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "A user's messages, newest first",
            description = "Session only (a Bearer token gets 403 session_required). The author sees all their "
                    + "messages with crossPosts; anyone else the public ones, without crossPosts. An unknown or "
                    + "banned user answers 404. limit 1-100 (default 20); cursor from nextCursor (null on the "
                    + "last page); a bad one is 400 validation_failed.")
    ApiMessagePage userMessages(@Parameter(hidden = true) Authentication auth, @PathVariable String username,
            @RequestParam(required = false) String cursor, @RequestParam(required = false) String limit) {
        Account viewer = auth.requireSession().account();
        boolean own = viewer.username().equalsIgnoreCase(username);
        Account author = own ? viewer : publicAccount(username);
        return ApiMessagePage.of(messages.page(author, own, cursor, limit), author, own);
    }

    @GetMapping(path = "/api/profiles/{username}/messages", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "A user's public messages, newest first",
            description = "No authentication. Public messages only, without crossPosts. An unknown or banned user "
                    + "answers 404. limit 1-100 (default 20); cursor from nextCursor (null on the last page).")
    ApiMessagePage publicMessages(@PathVariable String username, @RequestParam(required = false) String cursor,
            @RequestParam(required = false) String limit) {
        Account author = publicAccount(username);
        return ApiMessagePage.of(messages.page(author, false, cursor, limit), author, false);
    }

    /** 404 for an unknown or banned user alike, so a ban is not announced. */
    private Account publicAccount(String username) {
        return accounts.findPublic(username, clock.instant()).orElseThrow(() -> ApiProblem.notFound("No such user."));
    }

    /** Documents the body; it is read as JSON so that each field is judged on its own. */
    record PostMessageRequest(
            @Schema(description = "1 to maxMessageLength characters", requiredMode = Schema.RequiredMode.REQUIRED) String body,
            @Schema(allowableValues = {"public", "private"}, description = "Default: your defaultVisibility") String visibility,
            @ArraySchema(maxItems = 10, schema = @Schema(description = "The id of one of your Mastodon identities"))
            List<String> mastodonProviderIds) {
    }
}
