/** The v1 endpoint that sets permission levels. */
package dev.portal.access.web;
