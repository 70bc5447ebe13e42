package dev.portal.signin;

import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

import dev.portal.account.Account;
import dev.portal.account.AccountService;
import dev.portal.account.UserRepository;
import dev.portal.account.Username;
import dev.portal.audit.AuditLog;
import dev.portal.identity.IdentityRepository;
import dev.portal.identity.LinkedIdentity;
import dev.portal.platform.ApiProblem;
import dev.portal.platform.CacheInvalidation;
import dev.portal.session.SessionService;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Turns "the provider says this is platform user X" into a Portal user and a new session. Identities are
 * keyed by (platform, platform user id), never by e-mail or name; the first sign-in creates the user.
 */
@Service
class SigninService {
    /** Two first sign-ins of one identity, or two users wanting one name, race: the unique index decides. */
    private static final int ATTEMPTS = 5;
    private static final int USERNAME_ALTERNATIVES = 50;

    private final UserRepository users;
    private final IdentityRepository identities;
    private final AccountService accounts;
    private final SessionService sessions;
    private final AuditLog audit;
    private final CacheInvalidation invalidation;
    private final TransactionTemplate transaction;
    private final Clock clock;

    SigninService(UserRepository users, IdentityRepository identities, AccountService accounts, SessionService sessions,
            AuditLog audit, CacheInvalidation invalidation, TransactionTemplate transaction, Clock clock) {
        this.users = users;
        this.identities = identities;
        this.accounts = accounts;
        this.sessions = sessions;
        this.audit = audit;
        this.invalidation = invalidation;
        this.transaction = transaction;
        this.clock = clock;
    }

    record SignedIn(Account account, SessionService.Issued session, boolean created) {
    }

    SignedIn signIn(ProviderProfile profile, String ip, String userAgent) {
        FoundUser found = findOrCreate(profile);
        invalidation.invalidate("user", found.userId());
        Account account = accounts.find(found.userId()).orElseThrow();
        Instant now = clock.instant();
        if (account.restrictions().bannedAt(now)) {
            audit.record("signin_refused_banned", account.id(), account.id(), ip, Map.of("platform", profile.platform().key()));
            throw ApiProblem.restricted("banned", "This account is banned.", account.restrictions().bannedUntil());
        }
        SessionService.Issued session = sessions.create(account.id(), profile.platform().key(), ip, userAgent);
        audit.record("signin", account.id(), account.id(), ip,
                Map.of("platform", profile.platform().key(), "session_id", session.id(), "new_user", found.created()));
        return new SignedIn(account, session, found.created());
    }

    private record FoundUser(long userId, boolean created) {
    }

    private FoundUser findOrCreate(ProviderProfile profile) {
        DuplicateKeyException last = null;
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            try {
                return transaction.execute(status -> {
                    Instant now = clock.instant();
                    Optional<LinkedIdentity> existing = identities.find(profile.platform(), "", profile.platformUserId());
                    if (existing.isPresent()) {
                        identities.refresh(existing.get().id(), profile.platformUsername(), profile.avatarUrl(), now);
                        return new FoundUser(existing.get().userId(), false);
                    }
                    long userId = users.insert(freeUsername(profile.platformUsername()), 0, null, now);
                    identities.insert(userId, profile.platform(), "", profile.platformUserId(), profile.platformUsername(),
                            profile.avatarUrl(), now);
                    return new FoundUser(userId, true);
                });
            } catch (DuplicateKeyException e) {
                last = e;
            }
        }
        throw last;
    }

    private String freeUsername(String platformUsername) {
        String candidate = Username.candidateFrom(platformUsername);
        for (int n = 1; n <= USERNAME_ALTERNATIVES; n++) {
            String name = n == 1 ? candidate : Username.alternative(candidate, n);
            if (users.findIdByUsername(name).isEmpty()) {
                return name;
            }
        }
        return Username.alternative(candidate.substring(0, Math.min(candidate.length(), 20)),
                (int) (Math.abs(clock.millis()) % 1_000_000_000));
    }
}
