/*
 * check.h - run a scenario's checks in its guest and keep the results.
 *
 * Each check's `run` is a shell script run as root (through the admin
 * account's sudo) with the check's timeout; exit status 0 means fixed.
 */
#ifndef BREAKFIX_CHECK_H
#define BREAKFIX_CHECK_H

#include <stddef.h>
#include <time.h>

#include "scenario.h"

#define CHECK_OUTPUT_KEEP	2048	/* bytes of output kept per check */

struct guest;

struct check_result {
	const struct scenario_check	*check;
	int				 pass;
	int				 status;	/* -1 if none */
	int				 timed_out;
	long				 ms;
	char				*output;	/* capped */
};

/*
 * Run every check of sc on g, in order, into a new array *out of
 * sc->nchecks results (free with check_results_free). A check that fails
 * or times out is a result, not an error. Returns 0, or -1 with *cause
 * set when the guest could not be asked at all.
 */
int	 check_run_all(struct guest *g, const struct scenario *sc,
	    struct check_result **out, char **cause);
void	 check_results_free(struct check_result *, size_t n);

/*
 * Append one line to DIR/events.log: {"time": T, "event": "check",
 * "results": [{"id", "pass", "status", "timed_out", "ms"}...]}. Returns
 * 0, or -1 with *cause set.
 */
int	 check_log(const char *dir, time_t t, const struct check_result *r,
	    size_t n, char **cause);

#endif
