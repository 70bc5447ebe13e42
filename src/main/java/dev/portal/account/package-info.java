/** Who a user is: the account, its username and avatar, and the v1 views of it. */
package dev.portal.account;
