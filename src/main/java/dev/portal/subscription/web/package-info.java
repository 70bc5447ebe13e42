/** The v1 subscription endpoint: granting, changing and ending a user's tier. */
package dev.portal.subscription.web;
