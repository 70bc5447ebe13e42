/** Signing in through a platform: the OAuth 2 flow with state and PKCE, and finding or creating the user. */
package dev.portal.signin;
