/*
 * check.h - run a scenario's checks and keep the results, with what
 * happened to the admin channel they ran over.
 *
 * A guest check's `run` is a shell script run as root through the admin
 * channel (admin.h) with the check's timeout; exit status 0 means
 * fixed. An answer without its nonce is "tampered" and never a pass.
 *
 * A host check (`http`, `tcp`) is a probe (probe.h) from the host to
 * the guest's port, through the forward on 127.0.0.1 the exercise
 * records for it (exercise.h); the candidate can make it pass only by
 * really serving the thing. Before each one, QEMU is asked whether the
 * forward is there (it is added again if it is gone), and a TCP check
 * passes only once QEMU has seen the guest accept the connection.
 */
#ifndef BREAKFIX_CHECK_H
#define BREAKFIX_CHECK_H

#include <stddef.h>
#include <time.h>

#include "scenario.h"

#define CHECK_OUTPUT_KEEP	2048	/* bytes of output kept per check */

struct admin;
struct exercise_forward;
struct vm_conn;

/* Where checks run: the guest's admin channel, and the host's forwards. */
struct check_target {
	struct admin			*admin;
	struct vm_conn			*conn;	/* NULL: host checks fail,
						   unless direct */
	const char			*domain;
	const struct exercise_forward	*forwards;
	size_t				 nforwards;
	/*
	 * Tests only: the forwards' host ports are the services themselves
	 * (no QEMU between): nothing to verify, and a connect is an accept.
	 */
	int				 direct;
};

struct check_result {
	const struct scenario_check	*check;
	int				 host;		/* ran on the host */
	int				 pass;
	int				 status;	/* -1 if none; host
							   checks: 0 or 1 */
	int				 http_status;	/* -1 if none */
	int				 timed_out;
	int				 tampered;	/* no nonce came back */
	long				 ms;
	char				*output;	/* capped, UTF-8 */
};

/*
 * Run every check of sc on t, in order, into a new array *out of
 * sc->nchecks results (free with check_results_free). A check that
 * fails, times out or comes back without its nonce is a result, not an
 * error; so is a host check whose forward is missing or cannot be
 * verified. Returns 0, or -1 with *cause set when the admin channel
 * failed.
 */
int	 check_run_all(const struct check_target *t, const struct scenario *sc,
	    struct check_result **out, char **cause);

/* t for exercise ex: its domain and forwards, with a and conn. */
struct exercise;
void	 check_target_init(struct check_target *t, struct admin *a,
	    struct vm_conn *conn, const struct exercise *ex);

/* "host" or "guest". */
const char *check_where(const struct check_result *);
void	 check_results_free(struct check_result *, size_t n);

/*
 * Append one line to DIR/events.log: {"time": T, "event": "check",
 * "channel": channel, "results": [{"id", "where", "pass", "status",
 * "timed_out", "tampered", "ms"}...]}. Returns 0, or -1 with *cause
 * set.
 */
int	 check_log(const char *dir, time_t t, const char *channel,
	    const struct check_result *r, size_t n, char **cause);

/*
 * Append {"time": T, "event": "admin", "status": status, "detail":
 * detail} to DIR/events.log: the admin channel "lost", a "fallback" to
 * SSH, "altered" since up, an answer "tampered". Returns 0, or -1 with
 * *cause set.
 */
int	 check_log_admin(const char *dir, time_t t, const char *status,
	    const char *detail, char **cause);

/*
 * Keep the admin channel's fingerprint (admin_fingerprint), taken
 * through a, as DIR's baseline. Returns 0, or -1 with *cause set.
 */
int	 check_admin_baseline(struct admin *a, const char *dir, char **cause);

/*
 * Compare the admin channel's fingerprint now, through a, with DIR's
 * baseline. Returns how many things changed (with their names in
 * *changed, caller frees; NULL when none), or -1 with *cause set (no
 * baseline, or the fingerprint could not be taken).
 */
int	 check_admin_changes(struct admin *a, const char *dir,
	    char **changed, char **cause);

#endif
