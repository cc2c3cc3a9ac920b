/*
 * pool.h - exercises booted ahead of time, so that `up` takes seconds.
 *
 * A cold boot under TCG takes about a minute; a domain restored from its
 * managed save answers SSH in a few seconds. One saved image cannot seed
 * many domains (libvirt refuses a changed UUID), so the pool is a set of
 * complete exercises-to-be: each its own persistent domain with its own
 * overlay, port and id, booted once and then saved (warm) or left
 * running (hot). `up` claims one, gives it the scenario and candidate,
 * starts it and injects the faults; then a background `pool fill` boots
 * a replacement. Members made from an older build of their image are
 * stale: never claimed, removed by the next fill.
 *
 * Files, under <state>:
 *	exercises/<id>/		a member's directory (state filling, pooled)
 *	pool/claim.lock		flock: one claim or removal at a time
 *	pool/fill.lock		flock: one fill at a time; holds its pid
 *	pool/fill.log		what background fills said
 *	pool/settings.json	the settings `pool set` keeps
 *
 * Settings: the default, else pool/settings.json, else the environment:
 *	size	BREAKFIX_POOL_SIZE	members to keep (default 2; 0: off)
 *	hot	BREAKFIX_POOL_HOT	of which left running (default 0)
 *	disk	BREAKFIX_POOL_DISK	most disk the pool may use (default 8G)
 */
#ifndef BREAKFIX_POOL_H
#define BREAKFIX_POOL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "exercise.h"
#include "launch.h"
#include "vm.h"

#define POOL_SIZE_DEFAULT	2
#define POOL_SIZE_MAX		32
#define POOL_DISK_DEFAULT	(8ULL << 30)
#define POOL_SETTINGS_FILE	"settings.json"

/* Where a setting came from. */
enum pool_from {
	POOL_FROM_DEFAULT,
	POOL_FROM_SETTINGS,		/* pool/settings.json */
	POOL_FROM_ENV,
};

struct pool_config {
	int		 size;
	int		 hot;
	uint64_t	 disk;		/* bytes */
	enum pool_from	 size_from, hot_from, disk_from;
};

/* One member, as pool_list sees it. */
struct pool_member {
	char		*id;
	char		*image;
	char		*state;		/* filling, pooled */
	enum vm_state	 vm;
	int		 has_domain;
	int		 stale;		/* older image build, or lost */
	uint64_t	 disk;		/* overlay + saved memory, bytes */
	time_t		 created;
	struct exercise_shape shape;	/* .image points at image */
};

/* --- pool-config.c: the settings ------------------------------------ */

/*
 * The settings in effect; a bad value is an error naming the variable
 * or the file. Returns 0, or -1 with *cause set.
 */
int	 pool_config_load(struct pool_config *c, char **cause);

/*
 * How to name where a setting came from: "default", "pool set", or var
 * (or "the environment" when var is NULL).
 */
const char *pool_config_from(enum pool_from from, const char *var);

/*
 * Keep settings in pool/settings.json for every later command: size and
 * hot when not -1, disk (a size, "8G") when not NULL; the others stay as
 * the file had them. Returns 0 with *kept holding what the file now
 * says (the environment aside), or -1 with *cause set (nothing written).
 */
int	 pool_config_set(int size, int hot, const char *disk,
	    struct pool_config *kept, char **cause);

/* --- pool.c: the members -------------------------------------------- */

/*
 * The image's current build stamp, "<image>@<built at>". Returns 0 with
 * *stamp set (caller frees), or -1 with *cause set.
 */
int	 pool_stamp(const char *image, char **stamp, char **cause);

/* Every member, oldest first. Returns 0, or -1 with *cause set. */
int	 pool_list(struct vm_conn *conn, struct pool_member **out, size_t *n,
	    char **cause);
void	 pool_members_free(struct pool_member *, size_t n);

/*
 * Take a member of the given shape and accel choice for an exercise:
 * running ones first, then saved. Never the same member twice, however
 * many claim at once. Returns 0 with *id set (caller frees), or with *id
 * NULL and *why saying why none could be had (caller frees); -1 with
 * *cause set.
 */
int	 pool_claim(struct vm_conn *conn, const struct exercise_shape *shape,
	    enum vm_accel accel, char **id, char **why,
	    char **cause);

/*
 * Bring the pool of the default shape up to c->size members (c->hot of
 * them running), first removing stale ones; stop early at c->disk.
 * Only one fill runs at a time: *busy says another holds it (returns 0).
 * Returns the members made, or -1 with *cause set.
 */
int	 pool_fill(struct vm_conn *conn, const struct pool_config *c,
	    const struct launch_opts *o, int *busy, char **cause);

/*
 * Stop a running fill, then remove every member. Returns the number
 * removed, or -1 with *cause set.
 */
int	 pool_drain(struct vm_conn *conn, char **cause);

/* The pid of the running fill; -1 if one runs but its pid is not yet
 * known; 0 if none runs. */
int	 pool_filling(void);

/*
 * Start `breakfix pool fill` in the background, detached, its output
 * appended to pool/fill.log. Nothing happens if the pool is off.
 */
void	 pool_refill_later(void);

/*
 * `up` through the pool: claim a member when one fits sc and adopt it
 * for the exercise (a cold boot when none fits or it does not come up,
 * with a note), then refill in the background. Same contract as
 * launch_up.
 */
int	 pool_up(struct vm_conn *conn, const struct scenario *sc,
	    const struct launch_opts *o, struct exercise **out,
	    char **console_tail, char **cause);

#endif
