/** What a user pays for (Basic, Trial, Premium, Lifetime), until when, and how that changed. */
package dev.portal.subscription;
