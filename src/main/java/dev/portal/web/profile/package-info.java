/** Public profile pages, {@code /u/{username}}: no sign-in needed, nothing private. */
package dev.portal.web.profile;
