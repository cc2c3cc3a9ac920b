/*
 * gateway.h - the candidate's way in: an SSH server that relays one
 * interactive terminal to the exercise's VM and records it.
 *
 * The listener (gateway.c) runs as root to bind, hold the keys, fork,
 * and answer what its connection processes ask of it (gw-monitor.h):
 * every connection gets its own process (gw-session.h), which drops to
 * the unprivileged GATEWAY_USER before it reads a byte from the network.
 * See docs/security.md.
 *
 * Files, under <state>/gateway/:
 *	host_ed25519(.pub)	the gateway's host key (made on first start;
 *				missing later, it is an error: candidates
 *				would be told of a new key)
 *	seal_ed25519(.pub)	the key that seals recordings (seal.h): the
 *				private half root's alone, the public half
 *				for anyone who checks a recording
 *	gateway.json		where it listens, its fingerprint, its pid
 *	audit.log		attempts on exercises that do not exist
 *	gateway.log		its log, when not in the foreground
 */
#ifndef BREAKFIX_GATEWAY_H
#define BREAKFIX_GATEWAY_H

#include <sys/types.h>

#include <stdint.h>

#define GATEWAY_PORT		2222
#define GATEWAY_LOGIN_GRACE	20	/* seconds to log in, by default */
#define GATEWAY_STARTUPS	"10:30:50"	/* see struct gateway_opts */
#define GATEWAY_MAX_TRIES	3	/* failed authentications a connection */
#define GATEWAY_IDLE		(30 * 60)	/* seconds without input */
#define GATEWAY_KEEPALIVE	30	/* seconds */
#define GATEWAY_RECORD_MIN	(64ULL << 10)	/* smallest --record-max */


struct gateway_opts {
	const char	*listen;	/* address, default 0.0.0.0 */
	unsigned	 port;		/* default GATEWAY_PORT */
	const char	*advertise;	/* host name to tell candidates */
	int		 foreground;
	int		 new_host_key;	/* make one though there was one */
	int		 login_grace;	/* seconds to log in */
	uint64_t	 record_max;	/* bytes of output a recording keeps
					   (RECORD_OUTPUT_MAX by default) */
	/*
	 * Connections not logged in yet, as OpenSSH's MaxStartups: from
	 * startups[0] on, a new one is refused with probability
	 * startups[1] %, rising to 100 % at startups[2].
	 */
	int		 startups[3];
};

/* What one connection's process needs from the listener. */
struct gateway_ctx {
	uid_t		 uid;		/* GATEWAY_USER */
	gid_t		 gid;
	const char	*source;	/* the peer's address */
	int		 monitor;	/* socket to the listener (gw-proto.h) */
	int		 login_grace;	/* seconds */
	uint64_t	 record_max;	/* gateway_opts' */
};

/*
 * Run the gateway until SIGTERM or SIGINT. Returns 0 after a clean stop,
 * -1 with *cause set if it could not start.
 */
int	 gateway_run(const struct gateway_opts *o, char **cause);

/*
 * Serve one connection, in a process the listener started for it
 * (`breakfix gateway --connection SOURCE` and the listener's options
 * that concern a connection, o here; the client's socket and the
 * listener's on descriptors 3 and 4). Does not return unless it cannot
 * start: then -1 with *cause set.
 */
int	 gateway_connection(const char *source, const struct gateway_opts *o,
	    char **cause);

/*
 * "START:RATE:FULL" into startups (0 <= RATE <= 100, 0 < START <=
 * FULL). Returns 0, or -1 if s is not that.
 */
int	 gateway_parse_startups(const char *s, int *startups);

/* Where the gateway's seal key is (its public half: the same + ".pub"). */
char	*gateway_seal_key_path(void);

/*
 * Where the running gateway listens, as it wrote in gateway.json:
 * *host (caller frees), *port, *fingerprint ("SHA256:...", caller
 * frees). Returns 0, or -1 with *cause set when no gateway is running.
 */
int	 gateway_info(char **host, unsigned *port, char **fingerprint,
	    char **cause);

#endif
