/** What every feature stands on: settings, the database, problem responses, request ids, client addresses and their places, sealed secrets and cache invalidation. */
package dev.portal.platform;
