/** {@code POST /v1/admin/users} and {@code POST /v1/admin/users/import}. */
package dev.portal.admin.web;
