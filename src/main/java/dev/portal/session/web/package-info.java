/** A user's own sessions and personal access tokens over v1. */
package dev.portal.session.web;
