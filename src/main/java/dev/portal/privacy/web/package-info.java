/** {@code GET /api/user/export} and {@code POST /api/user/delete}. */
package dev.portal.privacy.web;
