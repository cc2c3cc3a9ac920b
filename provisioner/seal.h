/*
 * seal.h - the gateway's signed statements about a recording: PATH.seal
 * beside PATH, one JSON object a line, each signed with the gateway's
 * Ed25519 key. Only the gateway's privileged process holds that key;
 * anyone with the public key can check a seal.
 *
 *	open	the recording began: its exercise, the key of its chain
 *		(chain.h), the connection process writing it and the
 *		listener sealing it
 *	head	its first n lines were on disk, the chain's digest after
 *		line n was head (at most once a second while it grows)
 *	end	the session ended and the recording is whole: n lines
 *	gone	the writer went away without an end (killed, crashed):
 *		the last head it sealed, and why
 *
 * A seal signs the compact JSON object without "sig", keys sorted
 * (what jansson's JSON_COMPACT | JSON_SORT_KEYS writes); docs/
 * recording-format.md has the format for tool writers.
 */
#ifndef BREAKFIX_SEAL_H
#define BREAKFIX_SEAL_H

#include <stddef.h>

#include "chain.h"

#define SEAL_SUFFIX		".seal"
#define SEAL_LINE_MAX		1024	/* longest seal line read */
#define SEAL_NAME_MAX		127	/* a recording's file name */
#define SEAL_ID_MAX		64	/* an exercise id */
#define SEAL_WHY_MAX		127

enum seal_kind {
	SEAL_OPEN,
	SEAL_HEAD,
	SEAL_END,
	SEAL_GONE,
};

struct seal {
	enum seal_kind		 kind;
	char			 rec[SEAL_NAME_MAX + 1];	/* file name */
	char			 ex[SEAL_ID_MAX + 1];		/* open */
	unsigned char		 chain_key[CHAIN_KEY_LEN];	/* open */
	long			 pid;		/* open: the writer */
	unsigned long long	 start;		/* open: its start time, ticks
						   since boot (/proc/PID/stat) */
	long			 gw_pid;	/* open: the sealer, */
	unsigned long long	 gw_start;	/* and its start time */
	unsigned long long	 n;		/* head, end, gone */
	unsigned char		 head[CHAIN_DIGEST_LEN];
	long long		 t;		/* Unix time, ms */
	char			 why[SEAL_WHY_MAX + 1];	/* gone */
};

struct seal_key;

/*
 * The gateway's key pair: path (private, PEM, 0600) and path.pub
 * (public, PEM, 0644). Load it, or make it when neither file exists and
 * make is set. Returns the key (seal_key_free it), or NULL with *cause.
 */
struct seal_key	*seal_key_open(const char *path, int make, char **cause);

/* A public key (PEM) to check seals with; NULL with *cause on failure. */
struct seal_key	*seal_key_public(const char *path, char **cause);

void		 seal_key_free(struct seal_key *);

/*
 * The signed line for s, newline included (caller frees), or NULL with
 * *cause set. s->rec and s->ex must be plain: letters, digits, "-_.";
 * s->why UTF-8, and short enough escaped that the line (without its
 * newline) is at most SEAL_LINE_MAX, which is all a verifier reads.
 */
char		*seal_sign(struct seal_key *k, const struct seal *s,
		    char **cause);

/*
 * Parse one line (len bytes, no newline; any bytes) and check its
 * signature with k. Returns 0 with *s filled, or -1 with *cause saying
 * what is wrong with it.
 */
int		 seal_check(struct seal_key *k, const char *line, size_t len,
		    struct seal *s, char **cause);

/* "open", "head", "end", "gone". */
const char	*seal_kind_name(enum seal_kind);

#endif
