package dev.portal.emailchange;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

import dev.portal.mail.Mail;
import dev.portal.platform.ApiTime;

/**
 * The two mails of a request. The link goes only to the new address; the old address hears that a change
 * was asked for, to which (masked) address, and what to do if it was not its owner, but never gets the link.
 */
final class EmailChangeMails {
    static final String CONFIRM_PATH = "/api/user/change-email/confirm";

    private EmailChangeMails() {
    }

    static String link(URI publicUrl, String token) {
        String base = publicUrl.toString().replaceAll("/+$", "");
        return base + CONFIRM_PATH + "?token=" + URLEncoder.encode(token, StandardCharsets.UTF_8);
    }

    static Mail confirmation(EmailAddress to, String username, String link, java.time.Instant expiresAt) {
        return new Mail(to.value(), "Confirm your new e-mail address", """
                Hello %s,

                someone (hopefully you) asked Portal to use this address for the account %s.
                To confirm, open this link:

                %s

                The link works once, until %s (UTC). If you did not ask for this, ignore this mail:
                nothing changes unless the link is opened.
                """.formatted(username, username, link, ApiTime.format(expiresAt)));
    }

    static Mail notice(EmailAddress oldAddress, String username, EmailAddress requested) {
        return new Mail(oldAddress.value(), "Your Portal e-mail address is being changed", """
                Hello %s,

                someone signed in to the Portal account %s asked to change its e-mail address
                from this one to %s. A confirmation link was sent to that address; the change
                happens only if it is opened.

                If this was you, there is nothing to do. If it was not, sign in to Portal, end the
                sessions and tokens you do not recognise, and ask for a change back to this address.
                """.formatted(username, username, requested.masked()));
    }
}
