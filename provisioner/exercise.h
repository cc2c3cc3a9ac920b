/*
 * exercise.h - an exercise's record: its directory, the files in it, and
 * exercise.json. What the launch (launch.h), the pool (pool.h), the
 * gateway and the reviewer's tools all read; nothing here starts or
 * stops a VM.
 *
 * Exercise <id> lives in <state>/exercises/<id>/, which holds
 *
 *	exercise.json		the record (kept after `down`, for reviewers),
 *				with the ports forwarded for host checks
 *	disk.qcow2		the VM's overlay on the base image (removed
 *				at down)
 *	disk-<name>.qcow2	the scenario's extra disks (disks.h; removed
 *				at down)
 *	known_hosts		the VM's own SSH host key, learned over its
 *				guest agent at up, for every SSH login into it
 *				(removed at down)
 *	console.log		the VM's serial console, through virtlogd
 *				(capped, rotated to console.log.N; kept)
 *	scenario.yaml		the scenario as it was at launch, a variant's
 *				`seed: N` added at its end (kept)
 *	events.log		check results and what happened to the admin
 *				channel, one JSON object a line (kept)
 *	admin.fingerprint	what the admin channel stood on at up
 *				(admin_fingerprint), for every check to compare
 *	password		the candidate's password, salted hash
 *	authorized_keys		the candidate's own public keys, if given
 *	candidate_ed25519	the key the gateway logs in to the VM with, as
 *				the candidate's account (.pub beside it)
 *	audit.log		the gateway's connections, failures and ends
 *	sessions/		recordings: <UTC time>-<pid>.cast, .chain and
 *				.commands beside each; first-login
 *
 * credentials.h says who may read and write the candidate's files. A
 * pool member (pool.h) is an exercise-to-be: the same directory and
 * domain naming, state "filling" then "pooled", no scenario yet.
 *
 * The same facts live in the libvirt domain's metadata (vm.h); the
 * record survives the domain.
 */
#ifndef BREAKFIX_EXERCISE_H
#define BREAKFIX_EXERCISE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "admin.h"
#include "vm.h"

#define EXERCISE_ADMIN_USER	ADMIN_USER
#define EXERCISE_ID_MAX		64

/* The files of an exercise directory (exercise_path names them). */
enum exercise_file {
	EXERCISE_RECORD,
	EXERCISE_DISK,
	EXERCISE_KNOWN_HOSTS,
	EXERCISE_CONSOLE,
	EXERCISE_SCENARIO,
	EXERCISE_EVENTS,
	EXERCISE_PASSWORD,
	EXERCISE_AUTHORIZED_KEYS,
	EXERCISE_RELAY_KEY,
	EXERCISE_RELAY_PUB,
	EXERCISE_AUDIT,
	EXERCISE_SESSIONS,
	EXERCISE_FIRST_LOGIN,
	EXERCISE_ADMIN_BASELINE,
};

/*
 * A port of the guest that the host reaches through 127.0.0.1:host (a
 * forward added to the running VM for the scenario's host checks).
 */
struct exercise_forward {
	unsigned	 guest;
	unsigned	 host;
};
#define EXERCISE_FORWARDS_MAX	64	/* one per host check at most */

/*
 * The variant of a scenario with variables (variables.h): its seed
 * (`up --seed` launches it again) and each variable's value, in the
 * scenario's order; n is 0 for a scenario without variables.
 */
struct exercise_variant {
	uint32_t	 seed;
	char		**names;
	char		**values;
	size_t		 n;
};
#define EXERCISE_VARIABLES_MAX	32

/* What a VM is made of: fixed when its domain is defined. */
struct exercise_shape {
	const char	*image;
	uint64_t	 memory;	/* bytes */
	unsigned	 vcpus;
	uint64_t	 disk;		/* bytes */
	size_t		 ndisks;	/* more disks (vm: disks:) */
};

struct exercise {
	char		*id;
	char		*domain;
	char		*state;		/* creating, ready, crashed, down;
					   filling, pooled, claimed */
	char		*uri;		/* the libvirt it lives on */
	char		*image;
	char		*launch;	/* cold, warm (restored), hot */
	struct exercise_shape shape;	/* .image points at image */
	struct vm_meta	 meta;		/* meta.pool: stamp while pooled */
	time_t		 downed;	/* 0 while up */
	time_t		 crashed;	/* when its VM was found crashed, or 0 */
	int		 boot_ms;	/* domain start to SSH answering */
	int		 vm_ms;		/* up to a booted guest, before faults */
	int		 ready_ms;	/* all of up, for the record */
	int		 faults_ms;	/* applying and proving the faults */
	char		*password;	/* in clear: only right after up */
	struct exercise_forward *forwards; /* for host checks; "forwards" */
	size_t		 nforwards;
	struct exercise_variant variant; /* "variant" */
};

/*
 * Is id an exercise id: a lowercase slug of at most EXERCISE_ID_MAX
 * characters? Anything else never reaches a path.
 */
int	 exercise_valid_id(const char *id);

/*
 * The group that reads what reviewers need (the record, the scenario,
 * events.log, recordings: REVIEW_GROUP), or -1 while it does not exist
 * (those files are then root's alone). Nothing else in an exercise
 * directory is readable but by root.
 */
long	 exercise_review_gid(void);

/*
 * Open the file f of the exercise directory dir for writing, made if
 * missing, never through a link: truncated, or appended to when append
 * is set. Root's; readable by the reviewers' group when reviewers is
 * set (0640), else by root alone (0600). Returns the descriptor, or -1
 * with *cause set.
 */
int	 exercise_create(const char *dir, enum exercise_file f, int append,
	    int reviewers, char **cause);

/* <state>/exercises/<id>, newly allocated. */
char	*exercise_dir(const char *id);

/* The file f of the exercise directory dir, newly allocated. */
char	*exercise_path(const char *dir, enum exercise_file f);

/* The domain of exercise id, "breakfix-<id>", newly allocated. */
char	*exercise_domain(const char *id);

/* The exercise id of a breakfix domain's name (points into name). */
const char *exercise_id_of(const char *domain);

/*
 * Make <state>/exercises/ and dir. QEMU runs as another user and must
 * reach the overlay, so both can be traversed (not listed) by others.
 * Returns 0, or -1 with *cause set.
 */
int	 exercise_mkdir(const char *dir, char **cause);

/*
 * Remove every file breakfix puts in dir, the sessions/ directory if it
 * is empty (no candidate got in), then dir if it is empty.
 */
void	 exercise_remove_dir(const char *dir);

/*
 * The path of a new recording in dir's sessions/, for a session that
 * started at when, in process pid; newly allocated.
 */
char	*exercise_recording(const char *dir, time_t when, long pid);

/*
 * The recordings in dir's sessions/, sorted (oldest first). Returns 0
 * with *paths (free each and the array; NULL when none) and *n set, or
 * -1 with *cause set.
 */
int	 exercise_recordings(const char *dir, char ***paths, size_t *n,
	    char **cause);

/* Write ex's record (atomically). Returns 0, or -1 with *cause set. */
int	 exercise_save(const struct exercise *ex, char **cause);

/*
 * Read the record of exercise id. Returns 0, or -1 with *cause set ("no
 * exercise 'id'" for an id with no record, or none that is valid).
 */
int	 exercise_load(const char *id, struct exercise **out, char **cause);

/* Ids of every exercise with a record, sorted. */
int	 exercise_list_ids(char ***ids, size_t *n, char **cause);

/*
 * The exercises of this state directory whose domains exist on conn
 * (those of another are another breakfix's), pool members left out:
 * their entries (free with vm_entries_free), and in *pooled (if not
 * NULL) how many pool members there were. Returns 0, or -1 with *cause.
 */
int	 exercise_list_up(struct vm_conn *conn, struct vm_entry **out,
	    size_t *n, size_t *pooled, char **cause);

void	 exercise_free(struct exercise *);

/*
 * The variant as reviewers read it: "seed 7: port=20501 user=svc-623",
 * or "none (...)" without variables. Newly allocated. Values are held
 * to a safe character set when drawn (variables.h); a record written
 * by hand is the reader's to defang.
 */
char	*exercise_variant_line(const struct exercise_variant *v);

/* {"seed": N, "values": {name: value}}, or JSON null when n is 0. */
typedef struct json_t json_t;
json_t	*exercise_variant_json(const struct exercise_variant *v);

/* Free what v holds and empty it (n 0); v itself is the caller's. */
void	 exercise_variant_release(struct exercise_variant *v);

/* The forward to guest port guest among the n of v, or NULL. */
const struct exercise_forward *exercise_forward(
	    const struct exercise_forward *v, size_t n, unsigned guest);

/*
 * The state of ex's domain on conn (vm_lookup's answer). A VM found
 * crashed is written to the record the first time: state "crashed",
 * and when it was noticed. Returns 0, 1 if ex has no domain, or -1
 * with *cause set.
 */
int	 exercise_vm_state(struct vm_conn *conn, struct exercise *ex,
	    enum vm_state *st, char **cause);

/*
 * The scenario the exercise in dir was launched with (its copy there).
 * *d gets what reading it found (diag.h; caller frees). Returns the
 * scenario (scenario_free it), or NULL when it could not be read.
 */
struct diag;
struct scenario;
struct scenario *exercise_scenario(const char *dir, struct diag **d);

/* The last n lines of the exercise's console log, or NULL. */
char	*exercise_console_tail(const char *dir, int n);

#endif
