/** Organizations a user creates and belongs to, with each member's role. */
package dev.portal.organization;
