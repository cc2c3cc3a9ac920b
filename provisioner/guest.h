/*
 * guest.h - breakfix's own way into a guest: an SSH client (libssh) that
 * logs in as the admin account with the host's admin key.
 *
 * Every wait has a deadline; nothing here can block forever on a guest
 * that never comes up or stops answering.
 */
#ifndef BREAKFIX_GUEST_H
#define BREAKFIX_GUEST_H

#include <stddef.h>

struct guest;

/* The result of one command run in the guest. */
struct guest_result {
	int		 status;	/* exit status; -1 if killed/unknown */
	char		*out;		/* stdout, NUL-terminated, capped */
	size_t		 outlen;
	char		*err;		/* stderr, NUL-terminated, capped */
	size_t		 errlen;
	int		 timed_out;	/* the command hit its timeout */
	int		 tampered;	/* admin_exec: no nonce came back */
};

#define GUEST_OUTPUT_MAX	(1024 * 1024)	/* per stream; rest dropped */

/*
 * Connect to host:port as user with the private key at keyfile, checking
 * the server's host key against known_hosts if it is not NULL (an OpenSSH
 * known_hosts file), and retrying until timeout_ms has passed: a booting
 * guest refuses or drops connections for a while. progress, if not NULL,
 * is called about once a second with the milliseconds waited so far; if
 * it returns non-zero the wait stops there (Ctrl-C, a VM that died).
 * A host key that does not match is not retried. Returns the connection,
 * or NULL with *cause set to the most telling failure: the last answer
 * seen (a refused key, an error), or that the deadline came, when no
 * answer came first or a later attempt got further than it.
 */
struct guest	*guest_connect(const char *host, unsigned port,
		    const char *user, const char *keyfile,
		    const char *known_hosts, int timeout_ms,
		    int (*progress)(int waited_ms, void *arg), void *arg,
		    char **cause);

/* Disconnect and free; NULL is accepted. */
void		 guest_close(struct guest *);

/*
 * Run command (through the login shell) with stdin_data (may be NULL) as
 * its standard input, collect its output and exit status into *res
 * (release with guest_result_release). A command still running after
 * timeout_ms is abandoned: its channel is closed and res->timed_out set.
 * Returns 0 when the command ran (whatever its exit status), -1 with
 * *cause set when it could not be run or the connection failed.
 */
int		 guest_exec(struct guest *, const char *command,
		    const char *stdin_data, int timeout_ms,
		    struct guest_result *res, char **cause);

/*
 * guest_exec of script as root: through sudo (the connection's user must
 * have it without a password) and /bin/sh -c.
 */
int		 guest_exec_root(struct guest *, const char *script,
		    const char *stdin_data, int timeout_ms,
		    struct guest_result *res, char **cause);

/*
 * Copy len bytes to path in the guest, created with mode (via a command
 * run under the connection's user: cat > path). Returns 0 or -1 with
 * *cause set.
 */
int		 guest_upload(struct guest *, const char *path,
		    const void *data, size_t len, int mode, char **cause);

void		 guest_result_release(struct guest_result *);

/*
 * The libssh session under g, for callers that open their own channels
 * (the gateway's interactive relay). g keeps owning it.
 */
typedef struct ssh_session_struct *ssh_session;
ssh_session	 guest_ssh(struct guest *g);

#endif
