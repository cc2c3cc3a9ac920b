/*
 * gateway.h - the candidate's way in: an SSH server that relays one
 * interactive terminal to the exercise's VM and records it.
 *
 * The listener (gateway.c) runs as root only to bind, hold the host key
 * and fork: every connection gets its own process (gw-session.c), which
 * drops to the unprivileged GATEWAY_USER before it reads a byte from the
 * network. See docs/security.md.
 *
 * Files, under <state>/gateway/:
 *	host_ed25519(.pub)	the gateway's host key (made on first start)
 *	chain.key		the recordings' HMAC key (record.h)
 *	gateway.json		where it listens, its fingerprint, its pid
 *	audit.log		attempts on exercises that do not exist
 *	gateway.log		its log, when not in the foreground
 */
#ifndef BREAKFIX_GATEWAY_H
#define BREAKFIX_GATEWAY_H

#include <sys/types.h>

#define GATEWAY_PORT		2222
#define GATEWAY_LOGIN_GRACE	60	/* seconds to authenticate */
#define GATEWAY_MAX_TRIES	3	/* failed authentications a connection */
#define GATEWAY_IDLE		(30 * 60)	/* seconds without input */
#define GATEWAY_KEEPALIVE	30	/* seconds */
#define GATEWAY_CHAIN_KEY_LEN	32

/* Exit status of a connection's process that ended in failed logins. */
#define GATEWAY_EXIT_AUTHFAIL	3

struct gateway_opts {
	const char	*listen;	/* address, default 0.0.0.0 */
	unsigned	 port;		/* default GATEWAY_PORT */
	const char	*advertise;	/* host name to tell candidates */
	int		 foreground;
};

/* What one connection's process needs from the listener. */
struct gateway_ctx {
	uid_t		 uid;		/* GATEWAY_USER */
	gid_t		 gid;
	unsigned char	 chain_key[GATEWAY_CHAIN_KEY_LEN];
	const char	*source;	/* the peer's address */
};

/*
 * Run the gateway until SIGTERM or SIGINT. Returns 0 after a clean stop,
 * -1 with *cause set if it could not start.
 */
int	 gateway_run(const struct gateway_opts *o, char **cause);

/*
 * Where the running gateway listens, as it wrote in gateway.json:
 * *host (caller frees), *port, *fingerprint ("SHA256:...", caller
 * frees). Returns 0, or -1 with *cause set when no gateway is running.
 */
int	 gateway_info(char **host, unsigned *port, char **fingerprint,
	    char **cause);

/*
 * One connection on fd (gw-session.c), in a child of the listener; bind
 * is the listener's ssh_bind. Never returns: exits 0, or
 * GATEWAY_EXIT_AUTHFAIL after failed logins, or 1.
 */
typedef struct ssh_bind_struct *ssh_bind;
void	 gateway_session(ssh_bind bind, int fd, const struct gateway_ctx *ctx)
	    __attribute__((noreturn));

#endif
