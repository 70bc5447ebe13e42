/** Who may do what: permission levels, the "can act on" rule, and how levels changed. */
package dev.portal.access;
