package dev.portal.emailchange;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.portal.account.Account;
import dev.portal.account.AccountService;
import dev.portal.audit.AuditLog;
import dev.portal.mail.Mail;
import dev.portal.mail.Mailer;
import dev.portal.platform.ApiProblem;
import dev.portal.platform.CacheInvalidation;
import dev.portal.platform.PortalProperties;
import dev.portal.platform.RateLimiter;
import dev.portal.platform.Secrets;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * E-mail changes (SECURITY 19). A request stores a pending change bound to the account and to the address
 * it had, mails the single-use link to the new address and a notice to the old one; the link's token alone
 * applies the change, once, within {@link EmailChangeProperties#linkValidity()}.
 *
 * <p>Mail is sent between two short transactions, never inside one, so a slow SMTP server holds no database
 * connection. If a mail cannot be handed over, the request is answered 502 {@code mail_unavailable} and its
 * row deleted: the caller learns at once and may retry (nothing is queued, so no link turns up later).
 */
@Service
public class EmailChangeService {
    /** Longer than any token {@link Secrets#randomToken()} makes: refused without a query. */
    private static final int TOKEN_MAX = 100;

    private final EmailChangeRepository repository;
    private final AccountService accounts;
    private final AuditLog audit;
    private final Mailer mailer;
    private final RateLimiter rateLimiter;
    private final CacheInvalidation invalidation;
    private final TransactionTemplate transaction;
    private final PortalProperties portal;
    private final EmailChangeProperties properties;
    private final RateLimiter.Limit limit;
    private final Clock clock;

    EmailChangeService(EmailChangeRepository repository, AccountService accounts, AuditLog audit, Mailer mailer,
            RateLimiter rateLimiter, CacheInvalidation invalidation, TransactionTemplate transaction,
            PortalProperties portal, EmailChangeProperties properties, Clock clock) {
        this.repository = repository;
        this.accounts = accounts;
        this.audit = audit;
        this.mailer = mailer;
        this.rateLimiter = rateLimiter;
        this.invalidation = invalidation;
        this.transaction = transaction;
        this.portal = portal;
        this.properties = properties;
        this.limit = new RateLimiter.Limit("email-change", RateLimiter.Rate.perHour(properties.perHour()));
        this.clock = clock;
    }

    /** What a request answers: the address the link went to, and until when it works. */
    public record Requested(EmailAddress email, Instant expiresAt) {
    }

    /**
     * Asks for {@code me}'s address to become {@code email}: refuses the current address (400, field
     * {@code email}), spends one of the user's requests (429 when none is left, before any mail), supersedes
     * earlier links, and mails both addresses.
     */
    public Requested request(Account me, EmailAddress email, String ip) {
        if (email.sameAs(me.profile().email())) {
            throw sameAddress();
        }
        rateLimiter.consume(limit, Long.toString(me.id()));
        String token = Secrets.randomToken();
        Instant now = clock.instant();
        Instant expiresAt = now.plus(properties.linkValidity());
        Stored stored = transaction.execute(status -> {
            // The address as the database has it (the cached account may be a notification behind): the
            // notice goes there, and the request is bound to it.
            String current = repository.lockUserEmail(me.id()).orElseThrow(ApiProblem::unauthenticated).orElse(null);
            if (email.sameAs(current)) {
                throw sameAddress();
            }
            long inserted = repository.insert(me.id(), email.value(), current, Secrets.sha256(token), now, expiresAt);
            int superseded = repository.deleteOlder(me.id(), inserted);
            audit.record("email_change_requested", me.id(), me.id(), ip, Map.of("request", inserted,
                    "superseded", superseded, "notified", mailable(current) != null));
            return new Stored(inserted, current);
        });
        long id = stored.id();
        EmailAddress current = mailable(stored.oldEmail());
        try {
            // The old address first: no working link exists unless its owner has been told.
            if (current != null) {
                mailer.send(EmailChangeMails.notice(current, me.username(), email));
            }
            mailer.send(EmailChangeMails.confirmation(email, me.username(), EmailChangeMails.link(portal.publicUrl(), token),
                    expiresAt));
        } catch (Mailer.MailUnavailable e) {
            repository.delete(id);
            throw new ApiProblem(HttpStatus.BAD_GATEWAY, "mail_unavailable",
                    "The mail could not be sent; nothing was changed. Try again later.");
        }
        return new Requested(email, expiresAt);
    }

    /**
     * Applies the change the token names, in one transaction holding its row and the user's: unknown, used
     * or superseded tokens answer 400 {@code invalid_token}, expired ones 410 {@code token_expired}; a
     * {@code caller} (signed in) who is not the token's account 403 {@code wrong_account} with the token left
     * usable; an account whose address changed since the request 409 {@code email_changed} (the token is
     * spent: the request was about an address the account no longer has); a banned or timed-out account 403
     * {@code banned} / {@code timed_out} with the token left usable. Answers the updated account.
     */
    public Account confirm(String token, Account caller, String ip) {
        if (token == null || token.isBlank() || token.length() > TOKEN_MAX) {
            throw invalidToken();
        }
        Instant now = clock.instant();
        Outcome outcome = transaction.execute(status -> {
            PendingEmailChange change = repository.lockByHash(Secrets.sha256(token)).orElseThrow(EmailChangeService::invalidToken);
            if (change.usedAt() != null) {
                throw invalidToken();
            }
            if (!now.isBefore(change.expiresAt())) {
                throw new ApiProblem(HttpStatus.GONE, "token_expired", "This link has expired; ask for a new one.");
            }
            if (caller != null && caller.id() != change.userId()) {
                throw new ApiProblem(HttpStatus.FORBIDDEN, "wrong_account", "This link belongs to another account; "
                        + "sign out, or open it where that account is signed in.");
            }
            Optional<String> stored = repository.lockUserEmail(change.userId()).orElseThrow(EmailChangeService::invalidToken);
            if (!java.util.Objects.equals(stored.orElse(null), change.oldEmail())) {
                repository.markUsed(change.id(), now);
                return new Outcome(change.userId(), false);
            }
            Account account = accounts.findCurrent(change.userId()).orElseThrow(EmailChangeService::invalidToken);
            if (account.restrictions().bannedAt(now)) {
                throw ApiProblem.restricted("banned", "This account is banned.", account.restrictions().bannedUntil());
            }
            if (account.restrictions().timedOutAt(now)) {
                // As for a signed-in write: the link keeps working once the timeout ends (unless it expires first).
                throw ApiProblem.restricted("timed_out", "This account is timed out and may only read.",
                        account.restrictions().timedOutUntil());
            }
            repository.applyEmail(change.userId(), change.newEmail(), now);
            repository.markUsed(change.id(), now);
            audit.record("email_changed", change.userId(), change.userId(), ip, Map.of("request", change.id(),
                    "signedIn", caller != null));
            invalidation.invalidateAfterCommit("user", List.of(change.userId()));
            return new Outcome(change.userId(), true);
        });
        if (!outcome.applied()) {
            throw new ApiProblem(HttpStatus.CONFLICT, "email_changed", "The account's e-mail address changed after "
                    + "this link was asked for; ask for a new one.");
        }
        return accounts.find(outcome.userId()).orElseThrow(EmailChangeService::invalidToken);
    }

    private record Outcome(long userId, boolean applied) {
    }

    private record Stored(long id, String oldEmail) {
    }

    /**
     * The stored address if Portal can mail it; null for none, or for one that an import or SQL left in a
     * form no mail can go to (a notice cannot reach it, and it must not keep its user from changing it).
     */
    private static EmailAddress mailable(String stored) {
        if (stored == null) {
            return null;
        }
        try {
            return EmailAddress.of(stored);
        } catch (EmailAddress.Invalid e) {
            return null;
        }
    }

    private static ApiProblem sameAddress() {
        return ApiProblem.invalidFields(Map.of("email", "is already this account's address"));
    }

    private static ApiProblem invalidToken() {
        return ApiProblem.badRequest("invalid_token", "This link is not valid, or has been used already.");
    }
}
