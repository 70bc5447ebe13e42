/** The e-mail change endpoints of /api (seed 004) and the records and page they answer with. */
package dev.portal.emailchange.web;
