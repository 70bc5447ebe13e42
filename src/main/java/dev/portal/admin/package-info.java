/** Bringing users over from elsewhere (a bot's own user table): checked whole, written all at once or not at all. */
package dev.portal.admin;
