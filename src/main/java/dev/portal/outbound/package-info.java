/** The one guarded HTTP client for every request to a host a user chose: addresses checked, connections pinned, redirects re-checked, time and size bounded. */
package dev.portal.outbound;
