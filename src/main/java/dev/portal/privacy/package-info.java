/** What Portal holds about a person, handed over whole (the data export) or erased whole (account deletion). */
package dev.portal.privacy;
