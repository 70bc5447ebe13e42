/** The v1 user endpoints (seeds 000–003) and the records they answer with, mapped field by field from accounts. */
package dev.portal.account.web;
