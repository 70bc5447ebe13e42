/** Chats (Discord guilds, Telegram groups) and bots that users own. */
package dev.portal.chat;
