/** The v1 moderation endpoints: acting on a user, and a member's own record. */
package dev.portal.moderation.web;
