/** Sending mail: over SMTP when {@code PORTAL_SMTP_URL} is set, else as {@code .eml} files in the data directory's outbox. */
package dev.portal.mail;
