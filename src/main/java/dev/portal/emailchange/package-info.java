/** Changing a user's e-mail address: a single-use link mailed to the new address, a notice to the old one. */
package dev.portal.emailchange;
