/** The v1 endpoint of the audit log, for admins. */
package dev.portal.audit.web;
