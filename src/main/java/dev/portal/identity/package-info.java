/** Platform identities (Discord, Telegram, ...) linked to a user; each belongs to at most one user. */
package dev.portal.identity;
