/*
 * gw-proto.h - what a gateway connection process (gw-session.h) may ask
 * of the listener, which keeps root for these answers alone (OpenSSH's
 * privilege separation is the model): who may log in, the files of a
 * session, seals on its recording, lines in the audit log.
 *
 * One SOCK_SEQPACKET socket pair per connection. Every message is one
 * struct gw_msg, exactly; an answer may carry file descriptors. The
 * listener trusts nothing in a request (the process that sent it faces
 * the network): gw_proto_valid is all a request must pass before its
 * fields are looked at, and the fuzzer feeds it anything.
 *
 *	request (child)		answer (listener)
 *	AUTH_PASSWORD user text	RESULT ok or not
 *	AUTH_KEY user text	RESULT ok or not; flags GW_PROTO_PROBE:
 *				only "may this key sign?"
 *	SESSION			RESULT, and when ok the session: its
 *				facts in text (JSON) and the files in
 *				GW_FD_* order
 *	SEAL n head [END]	no answer
 *	AUDIT user text		no answer; user is the event name
 */
#ifndef BREAKFIX_GW_PROTO_H
#define BREAKFIX_GW_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "chain.h"

#define GW_PROTO_USER_MAX	64
#define GW_PROTO_TEXT_MAX	4096

enum gw_proto_type {
	GW_PROTO_AUTH_PASSWORD = 1,
	GW_PROTO_AUTH_KEY,
	GW_PROTO_SESSION,
	GW_PROTO_SEAL,
	GW_PROTO_AUDIT,
	GW_PROTO_RESULT,
};

#define GW_PROTO_PROBE	0x1		/* AUTH_KEY: only asking */
#define GW_PROTO_END	0x2		/* SEAL: the session's end */
#define GW_PROTO_OK	0x4		/* RESULT: yes */

/* The files a SESSION answer carries, in this order. */
enum gw_fd {
	GW_FD_CAST,		/* the recording, to write */
	GW_FD_CHAIN,		/* its chain, to write */
	GW_FD_COMMANDS,		/* its commands log, to write */
	GW_FD_RELAY_KEY,	/* the key to log in to the VM with, to read */
	GW_FD_KNOWN_HOSTS,	/* the VM's host keys, to read */
	GW_FD_SCENARIO,		/* the scenario, for the hints, to read */
	GW_FD_COUNT,
};

struct gw_msg {
	uint32_t		 type;
	uint32_t		 flags;
	uint64_t		 n;			/* SEAL: lines */
	unsigned char		 head[CHAIN_DIGEST_LEN];	/* SEAL */
	char			 user[GW_PROTO_USER_MAX + 1];
	char			 text[GW_PROTO_TEXT_MAX + 1];
};

/*
 * Is m, as received (len bytes), a well-formed message: the whole
 * struct, a known type, known flags, both strings terminated within
 * their fields? 1 or 0.
 */
int	 gw_proto_valid(const struct gw_msg *m, size_t len);

/*
 * Send m with nfds descriptors (may be 0). Returns 0, or -1 with errno
 * set.
 */
int	 gw_proto_send(int sock, const struct gw_msg *m, const int *fds,
	    size_t nfds);

/*
 * Receive one message into m and up to maxfds descriptors into fds
 * (*nfds says how many came; more are closed). Returns 1 for a message
 * (check it with gw_proto_valid), 0 at end of file, -1 with errno set.
 */
int	 gw_proto_recv(int sock, struct gw_msg *m, size_t *len, int *fds,
	    size_t maxfds, size_t *nfds);

/*
 * A request and its answer (child side): 0 with *answer (valid, RESULT)
 * and the descriptors, or -1 with *cause set.
 */
int	 gw_proto_call(int sock, const struct gw_msg *req,
	    struct gw_msg *answer, int *fds, size_t maxfds, size_t *nfds,
	    char **cause);

/* A message of type with user and text (either may be NULL), zeroed. */
void	 gw_proto_init(struct gw_msg *m, enum gw_proto_type type,
	    const char *user, const char *text);

#endif
