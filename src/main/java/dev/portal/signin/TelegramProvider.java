package dev.portal.signin;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import dev.portal.identity.Platform;
import dev.portal.platform.ApiProblem;
import dev.portal.platform.Secrets;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;
import org.springframework.web.util.HtmlUtils;

/**
 * Telegram's Login Widget. {@code /login} serves a page with the widget for the configured bot; Telegram
 * sends the browser back to the callback with the user's fields and a {@code hash}: hex HMAC-SHA256 of
 * the fields but {@code hash}, sorted, {@code key=value} joined by newlines, keyed with SHA-256 of the
 * bot token. A payload is believed only if that hash matches (compared in constant time), its
 * {@code auth_date} is neither older than {@code PORTAL_SIGNIN_TELEGRAM_MAX_AGE} nor in the future, and
 * it was not accepted before. The widget cannot carry Portal's {@code state}, so the flow cookie set by
 * {@code /login} is what ties the callback to the browser that started it.
 */
@Component
class TelegramProvider implements SigninProvider {
    /** Telegram's own script and sign-in frame; nothing else runs on the page. */
    static final String WIDGET_SCRIPT = "https://telegram.org/js/telegram-widget.js?22";
    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src https://telegram.org; "
            + "frame-src https://oauth.telegram.org; img-src https://telegram.org https://t.me; base-uri 'none'; "
            + "form-action 'none'; frame-ancestors 'none'";
    /** Clocks drift: an auth_date this far ahead of Portal's clock is still taken as now. */
    static final Duration CLOCK_SKEW = Duration.ofSeconds(30);
    private static final Pattern BOT_USERNAME = Pattern.compile("[A-Za-z][A-Za-z0-9_]{3,31}");
    private static final Pattern HASH = Pattern.compile("[0-9a-fA-F]{64}");
    private static final Pattern ID = Pattern.compile("[0-9]{1,20}");
    private static final Pattern AUTH_DATE = Pattern.compile("[0-9]{1,12}");
    /** Real payloads have seven short fields; anything much bigger is not one. */
    private static final int MAX_FIELDS = 20;
    private static final int MAX_VALUE_LENGTH = 1024;

    /**
     * {@code portal.signin.telegram.*}.
     *
     * @param botToken the bot's token from BotFather; it keys the payload's HMAC and is never sent anywhere
     * @param botUsername the bot the widget names (its domain must be set with BotFather's /setdomain)
     * @param maxAge how old a payload's auth_date may be
     */
    record Settings(String botToken, String botUsername, Duration maxAge) {
    }

    private final Settings settings;
    private final UsedAssertionRepository used;
    private final Clock clock;
    private final byte[] key;

    TelegramProvider(Environment environment, UsedAssertionRepository used, Clock clock) {
        Settings bound = Binder.get(environment).bind("portal.signin.telegram", Settings.class)
                .orElse(new Settings(null, null, null));
        this.settings = new Settings(bound.botToken() == null ? "" : bound.botToken().strip(),
                bound.botUsername() == null ? "" : bound.botUsername().strip().replaceFirst("^@", ""),
                bound.maxAge() == null ? Duration.ofDays(1) : bound.maxAge());
        if (!settings.botUsername().isEmpty() && !BOT_USERNAME.matcher(settings.botUsername()).matches()) {
            throw new IllegalStateException("PORTAL_SIGNIN_TELEGRAM_BOT_USERNAME is not a Telegram bot username");
        }
        this.used = used;
        this.clock = clock;
        this.key = settings.botToken().isEmpty() ? null : Secrets.sha256(settings.botToken());
    }

    @Override
    public Platform platform() {
        return Platform.TELEGRAM;
    }

    @Override
    public boolean offered() {
        return key != null && !settings.botUsername().isEmpty();
    }

    @Override
    public boolean returnsState() {
        return false;
    }

    @Override
    public Started start(Start start) {
        String page = """
                <!doctype html>
                <html lang="en">
                <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
                <title>Sign in with Telegram</title></head>
                <body>
                <main>
                <h1>Sign in with Telegram</h1>
                <script async src="%s" data-telegram-login="%s" data-size="large" data-auth-url="%s"></script>
                <noscript><p>Telegram's sign-in button needs JavaScript.</p></noscript>
                </main>
                </body>
                </html>
                """.formatted(WIDGET_SCRIPT, HtmlUtils.htmlEscape(settings.botUsername()),
                HtmlUtils.htmlEscape(start.callbackUri().toString()));
        return Started.page(page, CONTENT_SECURITY_POLICY);
    }

    @Override
    public ProviderProfile finish(Callback callback) {
        Map<String, String> fields = fields(callback.request().getParameterMap());
        String hash = fields.remove("hash");
        if (hash == null || !HASH.matcher(hash).matches() || !signatureMatches(fields, hash)) {
            throw ApiProblem.badRequest("invalid_signature", "This Telegram sign-in is not signed by Telegram for this bot.");
        }
        String id = fields.get("id");
        String authDate = fields.get("auth_date");
        if (id == null || !ID.matcher(id).matches() || authDate == null || !AUTH_DATE.matcher(authDate).matches()) {
            throw ApiProblem.badRequest("invalid_signature", "This Telegram sign-in lacks the user's id or its date.");
        }
        Instant signedAt = Instant.ofEpochSecond(Long.parseLong(authDate));
        Instant now = clock.instant();
        if (signedAt.isAfter(now.plus(CLOCK_SKEW)) || signedAt.plus(settings.maxAge()).isBefore(now)) {
            throw ApiProblem.badRequest("signin_expired", "This Telegram sign-in is too old (or dated in the future); "
                    + "sign in again.");
        }
        if (!used.claim(Secrets.sha256("telegram:" + hash.toLowerCase()), platform().key(),
                signedAt.plus(settings.maxAge()).plus(CLOCK_SKEW), now)) {
            throw ApiProblem.badRequest("signin_replayed", "This Telegram sign-in was used already; sign in again.");
        }
        String username = fields.get("username");
        String fullName = (fields.getOrDefault("first_name", "") + " " + fields.getOrDefault("last_name", "")).strip();
        return new ProviderProfile(Platform.TELEGRAM, id, username, fields.get("photo_url"),
                username != null ? username : fullName, "", null);
    }

    /** One value per field, bounded; a repeated field could make two readers see two different payloads. */
    private static Map<String, String> fields(Map<String, String[]> parameters) {
        if (parameters.size() > MAX_FIELDS) {
            throw ApiProblem.badRequest("invalid_signature", "This is not a Telegram sign-in.");
        }
        Map<String, String> fields = new TreeMap<>();
        for (Map.Entry<String, String[]> parameter : parameters.entrySet()) {
            String[] values = parameter.getValue();
            if (values.length != 1 || values[0].length() > MAX_VALUE_LENGTH) {
                throw ApiProblem.badRequest("invalid_signature", "This is not a Telegram sign-in.");
            }
            fields.put(parameter.getKey(), values[0]);
        }
        return fields;
    }

    private boolean signatureMatches(Map<String, String> sortedFields, String hash) {
        String dataCheckString = sortedFields.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining("\n"));
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            byte[] expected = mac.doFinal(dataCheckString.getBytes(StandardCharsets.UTF_8));
            return MessageDigest.isEqual(expected, HexFormat.of().parseHex(hash));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required by every Java runtime", e);
        }
    }
}
