/** The /api endpoints listing and creating the caller's organizations (seed 004). */
package dev.portal.organization.web;
