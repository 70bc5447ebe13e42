package dev.portal.chat.web;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import dev.portal.account.web.V1History;
import dev.portal.chat.ChatRepository;
import dev.portal.chat.ChatService;
import dev.portal.chat.Owned;
import dev.portal.platform.ApiProblem;
import dev.portal.platform.ClientAddress;
import dev.portal.session.Authentication;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * A user's own chats and bots (SPEC §4): list, add, remove. Entries have the shapes of the elevated
 * view's {@code chats[]} and {@code bots[]}. Someone else's id answers 404, as one that does not exist.
 */
@RestController
@RequestMapping(path = "/v1/users/me", produces = MediaType.APPLICATION_JSON_VALUE)
@Tag(name = "v1 own chats and bots", description = "The Discord guilds, Telegram groups and bots you own")
class OwnChatsController {
    /** Discord snowflakes, Telegram's negative group ids, and the like. */
    private static final Pattern PLATFORM_ID = Pattern.compile("[A-Za-z0-9_.:@-]{1,64}");
    static final int MAX_LABEL = 200;

    private final ChatRepository chats;
    private final ChatService service;
    private final ClientAddress clientAddress;

    OwnChatsController(ChatRepository chats, ChatService service, ClientAddress clientAddress) {
        this.chats = chats;
        this.service = service;
        this.clientAddress = clientAddress;
    }

    @GetMapping("/chats")
    @Operation(summary = "List your chats", description = "Oldest first: id, platform, platform_chat_id, title, created_at.")
    List<V1History.V1Chat> listChats(@Parameter(hidden = true) Authentication auth) {
        return chats.chatsOf(auth.account().id()).stream().map(V1History.V1Chat::of).toList();
    }

    @PostMapping(path = "/chats", consumes = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Add a chat you own", description = "{\"platform\": \"discord\", \"platform_chat_id\": \"...\", "
            + "\"title\": \"...\"}: 201, or 200 when it is yours already; 409 when it is another account's.")
    ResponseEntity<V1History.V1Chat> addChat(@Parameter(hidden = true) Authentication auth,
            @RequestBody(required = false) JsonNode body, HttpServletRequest request) {
        ChatService.Added added = add(Owned.CHAT, auth, body, request);
        V1History.V1Chat chat = chats.chatsOf(auth.account().id()).stream().filter(c -> c.id() == added.id())
                .findFirst().map(V1History.V1Chat::of).orElseThrow();
        return ResponseEntity.status(added.created() ? HttpStatus.CREATED : HttpStatus.OK).body(chat);
    }

    @DeleteMapping("/chats/{id}")
    @Operation(summary = "Remove one of your chats")
    ResponseEntity<Void> removeChat(@Parameter(hidden = true) Authentication auth, @PathVariable long id,
            HttpServletRequest request) {
        return remove(Owned.CHAT, auth, id, request);
    }

    @GetMapping("/bots")
    @Operation(summary = "List your bots", description = "Oldest first: id, platform, platform_bot_id, name, created_at.")
    List<V1History.V1Bot> listBots(@Parameter(hidden = true) Authentication auth) {
        return chats.botsOf(auth.account().id()).stream().map(V1History.V1Bot::of).toList();
    }

    @PostMapping(path = "/bots", consumes = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Add a bot you own", description = "{\"platform\": \"discord\", \"platform_bot_id\": \"...\", "
            + "\"name\": \"...\"}: 201, or 200 when it is yours already; 409 when it is another account's.")
    ResponseEntity<V1History.V1Bot> addBot(@Parameter(hidden = true) Authentication auth,
            @RequestBody(required = false) JsonNode body, HttpServletRequest request) {
        ChatService.Added added = add(Owned.BOT, auth, body, request);
        V1History.V1Bot bot = chats.botsOf(auth.account().id()).stream().filter(b -> b.id() == added.id())
                .findFirst().map(V1History.V1Bot::of).orElseThrow();
        return ResponseEntity.status(added.created() ? HttpStatus.CREATED : HttpStatus.OK).body(bot);
    }

    @DeleteMapping("/bots/{id}")
    @Operation(summary = "Remove one of your bots")
    ResponseEntity<Void> removeBot(@Parameter(hidden = true) Authentication auth, @PathVariable long id,
            HttpServletRequest request) {
        return remove(Owned.BOT, auth, id, request);
    }

    private ChatService.Added add(Owned kind, Authentication auth, JsonNode body, HttpServletRequest request) {
        if (body == null || !body.isObject()) {
            throw ApiProblem.badRequest("malformed_request", "The body must be a JSON object.");
        }
        Map<String, String> errors = new LinkedHashMap<>();
        String platform = text(body, "platform");
        if (platform == null || !kind.allows(platform)) {
            errors.put("platform", "must be one of " + String.join(", ", kind.platforms().stream().sorted().toList()));
        }
        String platformId = text(body, kind.idField());
        if (platformId == null || !PLATFORM_ID.matcher(platformId).matches()) {
            errors.put(kind.idField(), "is required: 1-64 of A-Z a-z 0-9 _ . : @ -");
        }
        JsonNode labelNode = body.get(kind.labelField());
        String label = null;
        if (labelNode != null && !labelNode.isNull()) {
            if (!labelNode.isString() || labelNode.stringValue().length() > MAX_LABEL) {
                errors.put(kind.labelField(), "must be a string of at most " + MAX_LABEL + " characters, or null");
            } else {
                label = labelNode.stringValue().strip();
            }
        }
        if (!errors.isEmpty()) {
            throw ApiProblem.invalidFields(errors);
        }
        return service.add(kind, auth.account().id(), platform, platformId, label, clientAddress.of(request));
    }

    private ResponseEntity<Void> remove(Owned kind, Authentication auth, long id, HttpServletRequest request) {
        if (!service.remove(kind, auth.account().id(), id, clientAddress.of(request))) {
            throw ApiProblem.notFound("No such " + kind.noun() + ".");
        }
        return ResponseEntity.noContent().build();
    }

    private static String text(JsonNode body, String field) {
        JsonNode value = body.get(field);
        return value == null || !value.isString() ? null : value.stringValue();
    }
}
