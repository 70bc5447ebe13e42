/** The /api endpoints of messages: posting, deleting, and the author's and the public listings. */
package dev.portal.message.web;
