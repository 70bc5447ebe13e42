/** Uploaded avatars: checked and re-encoded images in a blob store, served by Portal, removed when replaced. */
package dev.portal.avatar;
