/*
 * inject.h - put a scenario's faults into its guest, and prove that each
 * one took: a fault that silently did nothing would make every check
 * meaningless.
 *
 * Each fault kind becomes two shell scripts run as root: one that applies
 * it and one that exits 0 only if the guest now shows the fault. Some
 * kinds also feed data on standard input (a file's content).
 */
#ifndef BREAKFIX_INJECT_H
#define BREAKFIX_INJECT_H

#include "scenario.h"

#define INJECT_TIMEOUT_MS	(5 * 60 * 1000)	/* per apply or proof */

struct admin;

/* The scripts for one fault. */
struct inject_plan {
	char	*apply;
	char	*proof;		/* NULL: the apply script's exit is the proof */
	char	*input;		/* standard input for both, or NULL */
};

/*
 * The plan for f, newly allocated (release with inject_plan_release).
 * Pure: tested as golden text. Returns 0, or -1 with *cause set.
 */
int	 inject_plan(const struct scenario_fault *f, struct inject_plan *p,
	    char **cause);
void	 inject_plan_release(struct inject_plan *p);

/*
 * Apply f through the admin channel a and prove it. Returns 0, or -1 with *cause naming the
 * fault and what failed (with the first line of the guest's stderr).
 */
int	 inject_apply(struct admin *a, const struct scenario_fault *f,
	    char **cause);

/*
 * Run script as root through a with timeout_ms. *status gets its exit
 * status (-1 if it timed out). Returns 0 if it ran, -1 with *cause
 * otherwise, an answer without its nonce included (admin.h).
 * *err, if not NULL, gets the first line of its stderr (caller frees).
 */
int	 inject_root(struct admin *a, const char *script, const char *input,
	    int timeout_ms, int *status, char **err, char **cause);

/*
 * Run script as root through a; what names it in *cause when it fails ("what
 * failed (exit 3): first line of stderr", "what timed out"). Returns 0
 * if it exited 0, -1 with *cause set otherwise.
 */
int	 inject_step(struct admin *a, const char *what, const char *script,
	    const char *input, int timeout_ms, char **cause);

#endif
