package dev.portal.web;

import java.util.Locale;

import dev.portal.account.Account;
import dev.portal.session.Authentication;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.context.MessageSource;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ModelAttribute;

/**
 * What every page's model holds: {@code me}, the signed-in account (null when signed out), and {@code flash},
 * the notice a form's redirect names with {@code ?flash=<code>} (looked up in messages.properties, so a link
 * cannot make a page say anything else).
 */
// The pages' controllers only (dev.portal.web and below): never the APIs' (a @RestController is a @Controller
// too), whose requests must not pay for this, nor have a multipart body parsed early by getParameter.
@ControllerAdvice(basePackages = "dev.portal.web")
class PageModel {
    private final MessageSource messages;

    PageModel(MessageSource messages) {
        this.messages = messages;
    }

    @ModelAttribute("me")
    Account me(HttpServletRequest request) {
        Authentication auth = Authentication.of(request);
        return auth == null ? null : auth.account();
    }

    @ModelAttribute("flash")
    String flash(HttpServletRequest request) {
        String code = request.getParameter("flash");
        if (code == null || !code.matches("[a-z_]{1,40}")) {
            return null;
        }
        return messages.getMessage("flash." + code, null, null, Locale.ENGLISH);
    }
}
