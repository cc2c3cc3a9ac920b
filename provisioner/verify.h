/*
 * verify.h - checking a recording: is every line of PATH the one the
 * gateway sealed (PATH.seal, seal.h), and did its end get sealed?
 *
 * The chain beside it (PATH.chain, chain.h) names the first line that
 * differs when only the .cast was edited; the seals, signed by a key
 * only the gateway's listener holds, decide. docs/recording-format.md
 * lists the answers and what each usually means.
 */
#ifndef BREAKFIX_VERIFY_H
#define BREAKFIX_VERIFY_H

#include <stddef.h>

#include "seal.h"

enum verify_verdict {
	VERIFY_INTACT,		/* every line sealed, and the end */
	VERIFY_LIVE,		/* intact so far; its session goes on */
	VERIFY_CUT,		/* what is there is sealed, but the session
				   ended without its end being sealed */
	VERIFY_ALTERED,		/* a line, the chain or the seals differ */
};

struct verify_result {
	enum verify_verdict	 verdict;
	unsigned long long	 lines;		/* in the .cast */
	unsigned long long	 sealed;	/* lines the seals cover */
	long long		 sealed_at;	/* the last seal, Unix ms */
	char			*why;		/* ALTERED, CUT: what and where;
						   caller frees */
	char			 name[SEAL_NAME_MAX + 1];	/* as sealed */
	char			 exercise[SEAL_ID_MAX + 1];
};

/*
 * Check path with its chain and seals against the public key k. Never
 * trusts a file: lines of any length and any bytes are fine.
 *
 * Returns 0 with *res filled, or -1 with *cause set if a file cannot be
 * read (the recording itself missing is that too).
 */
int	 verify_recording(const char *path, struct seal_key *k,
	    struct verify_result *res, char **cause);

/* "intact", "live", "cut short", "ALTERED". */
const char *verify_verdict_name(enum verify_verdict);

#endif
