/** What moderators did to a user, and the state (active, timed out, banned) that follows from it. */
package dev.portal.moderation;
