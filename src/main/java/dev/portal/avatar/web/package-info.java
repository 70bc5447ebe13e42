/** The avatar endpoints: upload and from-url on /api, and the images themselves under /avatars. */
package dev.portal.avatar.web;
