/** The web portal: server-rendered pages over the same services as the APIs, and what every page shares (layout, form tokens, security headers). */
package dev.portal.web;
