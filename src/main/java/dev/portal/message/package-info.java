/** Messages people post on /api (seed 004), and their cross-posting to the author's Mastodon accounts. */
package dev.portal.message;
