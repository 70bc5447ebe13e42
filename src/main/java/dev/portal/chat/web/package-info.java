/** The v1 endpoints of a user's own chats and bots. */
package dev.portal.chat.web;
