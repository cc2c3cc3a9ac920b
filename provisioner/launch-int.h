/*
 * launch-int.h - the steps of a launch, shared by launch.c and the pool
 * (pool.c), which boots members ahead of time and adopts one for `up`.
 *
 * A struct launch holds one launch in progress: the exercise being made
 * and what it needs on the way. Steps return 0, or -1 with *cause set;
 * after a failure, launch_abandon removes what was made.
 */
#ifndef BREAKFIX_LAUNCH_INT_H
#define BREAKFIX_LAUNCH_INT_H

#include "launch.h"

struct image;

struct launch {
	struct vm_conn			*conn;
	const struct scenario		*sc;	/* NULL: a pool member */
	const struct launch_opts	*o;
	struct exercise			*ex;
	struct image			*img;
	char				*disk;	/* the files in ex's directory */
	char				*log;
	char				*known_hosts;
	char				*admin_key;
	struct admin			*admin;	/* once breakfix is in */
	long long			 start;	/* util_now_ms at launch_init */
};

/*
 * Start a launch of an exercise of the given shape: a new record (state
 * "creating", a fresh id "<name>-XXXX") with, when sc is not NULL, the
 * scenario, candidate and expiry from sc and o. Nothing is made yet.
 */
void	 launch_init(struct launch *l, struct vm_conn *conn,
	    const struct scenario *sc, const struct exercise_shape *shape,
	    const char *name, const struct launch_opts *o);

/* Free what l holds, the exercise too (unless taken: l->ex = NULL). */
void	 launch_release(struct launch *l);

/*
 * Forget what was made: destroy the domain, remove the directory (once
 * the launch had files in it) and the password; the record in l->ex
 * stays in memory, for launch_new_id to start over.
 */
void	 launch_abandon(struct launch *l);

/* A fresh id for l->ex, and the domain and directory that go with it. */
void	 launch_new_id(struct launch *l, const char *name);

/* A progress note through o->note, if any. */
void	 launch_note(const struct launch_opts *o, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* Has the person waiting asked to stop? */
int	 launch_cancelled(const struct launch *l);

/* l->disk, l->log and l->known_hosts from l->ex's directory. */
void	 launch_files(struct launch *l);

/* The directory, a free port and the overlay. */
int	 launch_prepare_vm(struct launch *l, char **cause);

/* Define and start the domain, falling back from KVM to TCG (auto). */
int	 launch_boot(struct launch *l, char **cause);

/*
 * Wait at most timeout_s for the guest agent, the admin channel (stops
 * early if the VM dies or the wait is cancelled); sets l->admin.
 */
int	 launch_wait_admin(struct launch *l, int timeout_s, char **cause);

/*
 * Learn the guest's SSH host keys over l->admin (a first boot makes
 * them) and write them to l->known_hosts.
 */
int	 launch_learn_keys(struct launch *l, char **cause);

/* Wait for the guest's boot to finish (units still starting). */
void	 launch_wait_booted(struct launch *l);

/* The candidate's credentials and the scenario's copy, in the directory. */
int	 launch_personalise(struct launch *l, char **cause);

/* The guest's clock from the host's (after a restore from memory). */
int	 launch_set_clock(struct launch *l, char **cause);

/*
 * The rest of `up`: boot a new VM unless l->admin already answers (an
 * adopted pool member), then the candidate's account, the faults and
 * the checks, and the record saved as "ready". On failure everything
 * made is removed and *console_tail (if not NULL) gets the console's
 * last lines. Returns 0 with *out set (taken from l), or -1.
 */
int	 launch_run(struct launch *l, struct exercise **out,
	    char **console_tail, char **cause);

#endif
