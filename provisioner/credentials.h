/*
 * credentials.h - how a candidate gets into an exercise, kept in its
 * directory (exercise.h) for the gateway: the password's salted hash
 * (password.h), the candidate's own public keys when given (up
 * --candidate-key), the relay key the gateway logs in to the VM with
 * as the candidate's account, sessions/ for the recordings and
 * audit.log.
 *
 * The secrets (the hash, the keys) are root's alone, 0600: the
 * gateway's listener decides logins and hands a connection only what
 * its one session needs (gw-monitor.h). sessions/ and audit.log are
 * root's too, readable by the group REVIEW_GROUP, which can read the
 * evidence and change none of it.
 */
#ifndef BREAKFIX_CREDENTIALS_H
#define BREAKFIX_CREDENTIALS_H

#include <sys/types.h>

#include "config.h"

/*
 * The gateway user's ids, creating the system account (no login, no
 * home) when it does not exist. Returns 0, or -1 with *cause set.
 */
int	 credentials_gateway_ids(uid_t *uid, gid_t *gid, char **cause);

/*
 * The reviewers' group's id, creating the system group when it does
 * not exist. Returns 0, or -1 with *cause set.
 */
int	 credentials_review_gid(gid_t *gid, char **cause);

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
