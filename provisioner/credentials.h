/*
 * credentials.h - how a candidate gets into an exercise, kept in its
 * directory for the gateway:
 *
 *	password		the password's salted hash (password.h)
 *	authorized_keys		the candidate's own public keys (up
 *				--candidate-key), when given
 *	candidate_ed25519	the key the gateway logs in to the VM with,
 *				as the candidate's account (.pub beside it)
 *	sessions/		recordings, written by the gateway
 *	audit.log		connections, failures, disconnects (JSON lines)
 *
 * The gateway handles network input as the unprivileged system user
 * GATEWAY_USER; these files belong to root, group GATEWAY_USER, and are
 * readable (sessions/ and audit.log writable) by that group only.
 */
#ifndef BREAKFIX_CREDENTIALS_H
#define BREAKFIX_CREDENTIALS_H

#include <sys/types.h>

#define GATEWAY_USER	"breakfix-gw"

/*
 * The gateway user's ids, creating the system account (no login, no
 * home) when it does not exist. Returns 0, or -1 with *cause set.
 */
int	 credentials_gateway_ids(uid_t *uid, gid_t *gid, char **cause);

/*
 * Make the credentials in exercise directory dir; keyfile, if not NULL,
 * holds the candidate's public keys (authorized_keys lines). *password
 * gets the new password in clear, to be shown once (caller frees).
 * Returns 0, or -1 with *cause set.
 */
int	 credentials_make(const char *dir, const char *keyfile,
	    char **password, char **cause);

/* Remove what only a running exercise needs (keys, password hash). */
void	 credentials_remove(const char *dir);

/* The relay key's public line (caller frees), or NULL. */
char	*credentials_relay_pub(const char *dir);

#endif
