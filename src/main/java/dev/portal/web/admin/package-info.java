/**
 * The staff pages ({@code /admin/users}, {@code /admin/users/{id}}, {@code /admin/audit}): server-rendered forms over
 * the same services and rules ({@link dev.portal.access.AccessRules}) as the v1 governance endpoints.
 */
package dev.portal.web.admin;
