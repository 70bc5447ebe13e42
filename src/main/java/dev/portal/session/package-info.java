/** How a request proves who it is: the psession cookie and personal access tokens, and their lifetimes. */
package dev.portal.session;
