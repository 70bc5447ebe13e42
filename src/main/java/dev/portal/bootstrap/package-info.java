/** The first Owner, created at start from PORTAL_BOOTSTRAP_TOKEN when no Owner exists. */
package dev.portal.bootstrap;
