/*
 * exercise.h - one candidate's exercise: a scenario running in its own
 * VM, with its own directory <state>/exercises/<id>/ holding
 *
 *	exercise.json	the record (kept after `down`, for reviewers)
 *	disk.qcow2	the VM's overlay on the base image (removed at down)
 *	known_hosts	the guest's host keys, for breakfix's admin login
 *	console.log	the VM's serial console (kept)
 *	scenario.yaml	the scenario as it was at launch (kept)
 *	events.log	what happened, one JSON object a line (kept)
 *
 * A pool member (pool.h) is an exercise-to-be: same directory and domain
 * naming, state "filling" then "pooled", no scenario yet; `up` claims it
 * and starts it from its saved memory instead of booting.
 *
 * The same facts live in the libvirt domain's metadata (vm.h); the
 * record survives the domain.
 */
#ifndef BREAKFIX_EXERCISE_H
#define BREAKFIX_EXERCISE_H

#include <stdint.h>
#include <time.h>

#include "scenario.h"
#include "vm.h"

#define EXERCISE_ADMIN_USER	"breakfix"

enum exercise_accel_choice {
	EXERCISE_ACCEL_AUTO,
	EXERCISE_ACCEL_KVM,
	EXERCISE_ACCEL_TCG,
};

/* What a VM is made of: fixed when its domain is defined. */
struct exercise_shape {
	const char	*image;
	uint64_t	 memory;	/* bytes */
	unsigned	 vcpus;
	uint64_t	 disk;		/* bytes */
};

struct exercise_opts {
	const char			*candidate;	/* may be NULL */
	const char			*candidate_key;	/* pubkey file, or NULL */
	time_t				 ttl;		/* 0: default */
	enum exercise_accel_choice	 accel;
	int				 boot_timeout;	/* seconds; 0: default */
	/* A pool member claimed for this exercise (pool.h), or NULL. */
	const char			*pool_id;
	/* Progress for the person waiting; msg is one line. */
	void				(*note)(const char *msg, void *arg);
	void				 *arg;
	/* Polled during long waits: non-zero stops them (Ctrl-C). */
	int				(*cancelled)(void);
};

struct exercise {
	char		*id;
	char		*domain;
	char		*state;		/* creating, ready, failed, down */
	char		*uri;		/* the libvirt it lives on */
	char		*image;
	char		*launch;	/* cold, warm (restored), hot */
	struct exercise_shape shape;	/* .image points at image */
	struct vm_meta	 meta;		/* meta.pool: stamp while pooled */
	time_t		 downed;	/* 0 while up */
	int		 boot_ms;	/* domain start to SSH answering */
	int		 vm_ms;		/* up to a booted guest, before faults */
	int		 ready_ms;	/* all of up, for the record */
	int		 faults_ms;	/* applying and proving the faults */
	char		*password;	/* in clear: only right after up */
};

/* The shape of the VM sc asks for. */
void	 exercise_shape_of(const struct scenario *sc,
	    struct exercise_shape *shape);

/*
 * Create an exercise from sc on conn, wait until breakfix can log in to
 * it, apply the scenario's faults (each proven) and run its checks, which
 * must all fail. On failure everything made is removed again (domain, overlay,
 * directory); *console_tail, if not NULL, receives the last lines of the
 * VM's console for the user (caller frees). With o->pool_id, the pool
 * member is started instead of a new VM; if it does not come up, a new
 * VM is booted after all (with a note). Returns 0 with *out set, or -1
 * with *cause set.
 */
int	 exercise_up(struct vm_conn *conn, const struct scenario *sc,
	    const struct exercise_opts *o, struct exercise **out,
	    char **console_tail, char **cause);

/*
 * Tear down the exercise id: destroy and undefine its domain, remove its
 * overlay and keys; keep the record (state "down") and console log.
 * Idempotent. *was_up says whether anything was running. Returns 0, or
 * -1 with *cause set (including "no exercise 'id'").
 */
int	 exercise_down(struct vm_conn *conn, const char *id, int *was_up,
	    char **cause);

/*
 * Log in to the running exercise as the admin, checking its host key,
 * waiting at most timeout_s. Returns the connection (guest_close it), or
 * NULL with *cause set.
 */
struct guest;
struct guest	*exercise_connect(const struct exercise *ex, int timeout_s,
		    char **cause);

/*
 * Make a pool member of the given shape: define and boot a VM, wait until
 * it has finished booting, then save its memory (unless hot: left
 * running). The record says state "pooled" and carries stamp, which
 * tells a member made from an older build of the image. On failure
 * nothing is left. Returns 0 with *id set (caller frees), or -1 with
 * *cause set.
 */
int	 exercise_pool_make(struct vm_conn *conn,
	    const struct exercise_shape *shape, const char *stamp, int hot,
	    const struct exercise_opts *o, char **id, char **cause);

/*
 * Remove an exercise or pool member whole: domain, saved state and
 * directory. For members that never held a candidate. Returns 0, or -1
 * with *cause set.
 */
int	 exercise_discard(struct vm_conn *conn, const char *id, char **cause);

/* Write ex's record (atomically). Returns 0, or -1 with *cause set. */
int	 exercise_save(const struct exercise *ex, char **cause);

/* Read the record of exercise id. Returns 0, or -1 with *cause set. */
int	 exercise_load(const char *id, struct exercise **out, char **cause);

/* Ids of every exercise with a record, sorted. */
int	 exercise_list_ids(char ***ids, size_t *n, char **cause);

void	 exercise_free(struct exercise *);

/* The last n lines of the exercise's console log, or NULL. */
char	*exercise_console_tail(const char *dir, int n);

/*
 * Can VMs on conn get a memory hard limit? libvirt then also raises
 * QEMU's locked-memory limit, which a libvirtd without CAP_SYS_RESOURCE
 * (in a container) cannot: such domains would not start. *why says
 * which (caller frees).
 */
int	 exercise_can_hard_limit(struct vm_conn *conn, char **why);

/* The accel chosen for "auto" on conn, and why (caller frees *why). */
enum vm_accel exercise_auto_accel(struct vm_conn *conn, char **why);

#endif
