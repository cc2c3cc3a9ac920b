/*
 * launch.h - bringing an exercise up and taking it down.
 *
 * Up: a VM for the scenario (booted here, or a pool member's restored
 * by pool_up, pool.h), breakfix's admin channel (admin.h) and the VM's
 * own SSH host key learned over it, the candidate's account
 * and briefing, every fault applied and proven, and every check run,
 * which must all fail. The record and the files it names are
 * exercise.h's.
 */
#ifndef BREAKFIX_LAUNCH_H
#define BREAKFIX_LAUNCH_H

#include <time.h>

#include "exercise.h"
#include "scenario.h"
#include "vm.h"

struct launch_opts {
	const char	*candidate;	/* may be NULL */
	const char	*candidate_key;	/* pubkey file, or NULL */
	time_t		 ttl;		/* 0: default */
	enum vm_accel	 accel;		/* VM_ACCEL_AUTO, _KVM or _TCG */
	int		 boot_timeout;	/* seconds; 0: default */
	/* Progress for the person waiting; msg is one line. */
	void		(*note)(const char *msg, void *arg);
	void		 *arg;
	/* Polled during long waits: non-zero stops them (Ctrl-C). */
	int		(*cancelled)(void);
};

/* The shape of the VM sc asks for; shape->image points into sc. */
void	 launch_shape_of(const struct scenario *sc,
	    struct exercise_shape *shape);

/*
 * Create an exercise from sc on conn: boot a new VM, wait until its
 * guest agent answers and learn its host key, set up the candidate, apply the scenario's faults
 * (each proven) and run its checks, which must all fail. On failure
 * everything made is removed again (domain, overlay, directory);
 * *console_tail, if not NULL, receives the last lines of the VM's
 * console for the user (caller frees). Returns 0 with *out set, or -1
 * with *cause set.
 */
int	 launch_up(struct vm_conn *conn, const struct scenario *sc,
	    const struct launch_opts *o, struct exercise **out,
	    char **console_tail, char **cause);

/*
 * Tear down the exercise id: destroy and undefine its domain, remove its
 * overlay and keys; keep the record (state "down") and console log.
 * Idempotent. *was_up says whether anything was running. Returns 0, or
 * -1 with *cause set (including "no exercise 'id'").
 */
int	 launch_down(struct vm_conn *conn, const char *id, int *was_up,
	    char **cause);

/*
 * The admin channel into the running exercise ex on conn (admin_open):
 * its guest agent, else SSH as the admin within ssh_timeout_ms, checking
 * the host key the exercise learned at up. conn may be NULL (SSH only).
 * Returns the channel (admin_close it), or NULL with *cause set.
 */
struct admin;
struct admin	*launch_admin(struct vm_conn *conn, const struct exercise *ex,
		    int ssh_timeout_ms, char **cause);

#endif
