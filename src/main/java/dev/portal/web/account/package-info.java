/** The member's own pages under {@code /account}: profile, linked accounts, sessions, tokens, moderation, e-mail, export, deletion. */
package dev.portal.web.account;
