/** The append-only record of every privileged or security-relevant act. */
package dev.portal.audit;
