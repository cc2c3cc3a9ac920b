/*
 * pool.c - exercises booted ahead of time: list, claim, fill, drain.
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "admin.h"
#include "config.h"
#include "image.h"
#include "keys.h"
#include "launch-int.h"
#include "log.h"
#include "pool.h"
#include "scenario.h"
#include "units.h"
#include "util.h"

#define POOL_LOCK_FD	3	/* where a refill gets its fill lock */

/* Disk a member takes when none exists to measure: memory + overlay. */
#define POOL_OVERLAY_GUESS	(256ULL << 20)
#define POOL_BOOT_TIMEOUT	300	/* seconds to the agent, cold, TCG */
#define POOL_RESTORE_S		60	/* seconds to the agent, restored */
/* Where qemu:///system keeps managed saves. */
#define POOL_SAVE_DIR		"/var/lib/libvirt/qemu/save"

int
pool_stamp(const char *image, char **stamp, char **cause)
{
	struct image	*img;

	if (image_load(image, &img, cause) != 0)
		return -1;
	xasprintf(stamp, "%s@%s", img->name, img->built_at);
	image_free(img);
	return 0;
}

/* Open (making it) and flock <state>/pool/name. Returns the fd, or -1. */
static int
pool_lock(const char *name, int how, char **cause)
{
	char	*path, *sub;
	int	 fd = -1;

	xasprintf(&path, "pool/%s", name);
	sub = path;
	path = config_path(sub);
	free(sub);
	if (config_mkdir("pool", 0700, cause) != 0)
		goto out;
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1) {
		xasprintf(cause, "cannot open '%s': %s", path,
		    strerror(errno));
		goto out;
	}
	if (flock(fd, how) == -1) {
		if (errno != EWOULDBLOCK)
			xasprintf(cause, "cannot lock '%s': %s", path,
			    strerror(errno));
		close(fd);
		fd = -1;
	}
out:
	free(path);
	return fd;
}

int
pool_filling(void)
{
	char	*path = config_path("pool/fill.lock"), buf[32];
	ssize_t	 n;
	int	 fd, pid = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) != -1) {
		if (flock(fd, LOCK_SH | LOCK_NB) == -1 &&
		    errno == EWOULDBLOCK) {
			/* Held, but maybe before the pid is written. */
			pid = -1;
			if ((n = read(fd, buf, sizeof buf - 1)) > 0) {
				buf[n] = '\0';
				if (atoi(buf) > 1)
					pid = atoi(buf);
			}
		}
		close(fd);
	}
	free(path);
	return pid;
}

/* Bytes on disk of path, or 0. */
static uint64_t
pool_du(const char *path)
{
	struct stat	 st;

	return stat(path, &st) == 0 ? (uint64_t)st.st_blocks * 512 : 0;
}

static uint64_t
pool_member_disk(const struct exercise *ex)
{
	static const enum exercise_file files[] = { EXERCISE_DISK,
	    EXERCISE_CONSOLE, EXERCISE_KNOWN_HOSTS, EXERCISE_RECORD };
	uint64_t	 n = 0;
	size_t		 i;
	char		*p;

	for (i = 0; i < nitems(files); i++) {
		p = exercise_path(ex->meta.dir, files[i]);
		n += pool_du(p);
		free(p);
	}
	xasprintf(&p, POOL_SAVE_DIR "/%s.save", ex->domain);
	n += pool_du(p);
	free(p);
	return n;
}

static int
pool_member_cmp(const void *a, const void *b)
{
	const struct pool_member *ma = a, *mb = b;

	if (ma->created != mb->created)
		return ma->created < mb->created ? -1 : 1;
	return strcmp(ma->id, mb->id);
}

/* Fill m from its record; stale if lost, broken or of an older build. */
static void
pool_member_read(struct vm_conn *conn, const struct exercise *ex,
    int filler, struct pool_member *m)
{
	struct vm_meta	 meta;
	char		*stamp = NULL, *err = NULL;
	int		 r;

	memset(&meta, 0, sizeof meta);
	m->id = xstrdup(ex->id);
	m->image = xstrdup(ex->image);
	m->state = xstrdup(ex->state);
	m->created = ex->meta.created;
	m->shape = ex->shape;
	m->shape.image = m->image;
	m->disk = pool_member_disk(ex);
	r = vm_lookup(conn, ex->domain, &meta, &m->vm, &err);
	m->has_domain = r == 0;
	free(err);		/* unreadable is as good as lost: stale */
	err = NULL;
	if (pool_stamp(ex->image, &stamp, &err) != 0 ||
	    strcmp(stamp, ex->meta.pool) != 0 || !m->has_domain)
		m->stale = 1;
	else if (strcmp(ex->state, "filling") == 0)
		m->stale = !filler;
	else
		m->stale = m->vm != VM_STATE_SAVED && m->vm != VM_STATE_RUNNING;
	free(stamp);
	free(err);
	vm_meta_release(&meta);
}

/* pool_list, with "filling" members taken as live or not. */
static int
pool_list_as(struct vm_conn *conn, int filler, struct pool_member **out,
    size_t *n, char **cause)
{
	struct pool_member	*v = NULL;
	struct exercise		*ex;
	char			**ids = NULL, *err = NULL;
	size_t			  nids = 0, i;

	*out = NULL;
	*n = 0;
	if (exercise_list_ids(&ids, &nids, cause) != 0)
		return -1;
	for (i = 0; i < nids; i++) {
		if (exercise_load(ids[i], &ex, &err) != 0) {
			free(err);	/* half made: not ours to judge */
			err = NULL;
		} else {
			if (*ex->meta.pool != '\0' &&
			    (strcmp(ex->state, "pooled") == 0 ||
			    strcmp(ex->state, "filling") == 0)) {
				v = xreallocarray(v, *n + 1, sizeof *v);
				memset(&v[*n], 0, sizeof v[*n]);
				pool_member_read(conn, ex, filler, &v[(*n)++]);
			}
			exercise_free(ex);
		}
		free(ids[i]);
	}
	free(ids);
	if (*n > 1)
		qsort(v, *n, sizeof *v, pool_member_cmp);
	*out = v;
	return 0;
}

int
pool_list(struct vm_conn *conn, struct pool_member **out, size_t *n,
    char **cause)
{
	return pool_list_as(conn, pool_filling() != 0, out, n, cause);
}

void
pool_members_free(struct pool_member *v, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		free(v[i].id);
		free(v[i].image);
		free(v[i].state);
	}
	free(v);
}

static int
pool_shape_equal(const struct exercise_shape *a,
    const struct exercise_shape *b)
{
	return strcmp(a->image, b->image) == 0 && a->memory == b->memory &&
	    a->vcpus == b->vcpus && a->disk == b->disk &&
	    a->ndisks == b->ndisks;
}

/* Set the record of member id to state, if it is still "pooled". */
static int
pool_take(const char *id, const char *state, char **cause)
{
	struct exercise	*ex;
	int		 rc = -1;

	if (exercise_load(id, &ex, cause) != 0)
		return -1;
	if (strcmp(ex->state, "pooled") != 0)
		xasprintf(cause, "pool member %s is %s", id, ex->state);
	else {
		free(ex->state);
		ex->state = xstrdup(state);
		rc = exercise_save(ex, cause);
	}
	exercise_free(ex);
	return rc;
}

int
pool_claim(struct vm_conn *conn, const struct exercise_shape *shape,
    enum vm_accel accel, char **id, char **why, char **cause)
{
	struct pool_member	*v = NULL, *best = NULL;
	struct exercise		*ex;
	size_t			 n = 0, i, fits = 0, filling = 0, stale = 0;
	int			 fd, rc = -1;

	*id = *why = NULL;
	if ((fd = pool_lock("claim.lock", LOCK_EX, cause)) == -1)
		return -1;
	if (pool_list(conn, &v, &n, cause) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		stale += v[i].stale;
		if (v[i].stale || !pool_shape_equal(&v[i].shape, shape))
			continue;
		fits++;
		if (strcmp(v[i].state, "pooled") != 0) {
			filling++;
			continue;
		}
		if (accel != VM_ACCEL_AUTO) {
			if (exercise_load(v[i].id, &ex, cause) != 0)
				goto out;
			if (ex->meta.accel != accel) {
				exercise_free(ex);
				continue;
			}
			exercise_free(ex);
		}
		if (best == NULL || (v[i].vm == VM_STATE_RUNNING &&
		    best->vm != VM_STATE_RUNNING))
			best = &v[i];
	}
	if (best != NULL) {
		if (pool_take(best->id, "claimed", cause) != 0)
			goto out;
		*id = xstrdup(best->id);
	} else if (n == 0)
		*why = xstrdup("the pool is empty");
	else if (stale == n)
		*why = xstrdup("its members are stale (an older image build, "
		    "or lost); the next fill replaces them");
	else if (fits == 0)
		*why = xstrdup("no member fits this scenario's VM (image, "
		    "memory, vCPUs, disk, extra disks)");
	else if (filling == fits)
		*why = xstrdup("its members are still booting");
	else
		*why = xstrdup("no member uses the asked accelerator");
	rc = 0;
out:
	pool_members_free(v, n);
	close(fd);
	return rc;
}

/* Remove a member whole: domain, saved memory and directory. */
static int
pool_discard(struct vm_conn *conn, const char *id, char **cause)
{
	char	*domain = exercise_domain(id), *dir = exercise_dir(id);
	int	 rc;

	if ((rc = vm_destroy(conn, domain, cause)) == 0)
		exercise_remove_dir(dir);
	free(domain);
	free(dir);
	return rc;
}

/*
 * Make a member of the given shape: define and boot a VM, learn its own
 * host key over its agent, wait until it has finished booting, then
 * save its memory (unless hot: left running). The record says "pooled" and carries stamp. On failure
 * nothing is left. Returns 0 with *id set (caller frees), or -1.
 */
static int
pool_make(struct vm_conn *conn, const struct exercise_shape *shape,
    const char *stamp, int hot, const struct launch_opts *o, char **id,
    char **cause)
{
	struct launch	 l;
	int		 timeout = o->boot_timeout, rc = -1;

	*id = NULL;
	launch_init(&l, conn, NULL, shape, "ex", o);
	free(l.ex->state);
	l.ex->state = xstrdup("filling");
	free(l.ex->meta.pool);
	l.ex->meta.pool = xstrdup(stamp);
	l.ex->launch = xstrdup(hot ? "hot" : "warm");
	if (timeout == 0)
		timeout = POOL_BOOT_TIMEOUT;
	if (launch_prepare_vm(&l, cause) != 0 || launch_boot(&l, cause) != 0 ||
	    launch_wait_admin(&l, timeout, cause) != 0 ||
	    launch_learn_keys(&l, cause) != 0)
		goto out;
	launch_wait_booted(&l);
	admin_close(l.admin);
	l.admin = NULL;
	if (!hot && vm_managed_save(conn, l.ex->domain, cause) != 0)
		goto out;
	free(l.ex->state);
	l.ex->state = xstrdup("pooled");
	if (exercise_save(l.ex, cause) != 0)
		goto out;
	*id = xstrdup(l.ex->id);
	rc = 0;
out:
	if (rc != 0)
		launch_abandon(&l);
	launch_release(&l);
	return rc;
}

/* Remove stale members (every "filling" one: the caller fills). */
static void
pool_remove_stale(struct vm_conn *conn, const struct launch_opts *o)
{
	struct pool_member	*v = NULL;
	char			*err = NULL;
	size_t			 n = 0, i;
	int			 fd;

	if ((fd = pool_lock("claim.lock", LOCK_EX, &err)) == -1 ||
	    pool_list_as(conn, 0, &v, &n, &err) != 0) {
		log_warn("%s", err);
		free(err);
		if (fd != -1)
			close(fd);
		return;
	}
	for (i = 0; i < n; i++) {
		if (!v[i].stale)
			continue;
		if (pool_discard(conn, v[i].id, &err) != 0) {
			log_warn("%s", err);
			free(err);
			err = NULL;
			continue;
		}
		launch_note(o, "removed stale pool member %s", v[i].id);
	}
	pool_members_free(v, n);
	close(fd);
}

/* How the pool stands: members of shape, hot ones, disk used. */
struct pool_count {
	int		 have;
	int		 hot;
	uint64_t	 used;		/* by every member */
	uint64_t	 each;		/* a member's share, or a guess */
};

static int
pool_count(struct vm_conn *conn, const struct exercise_shape *shape,
    struct pool_count *pc, char **cause)
{
	struct pool_member	*v = NULL;
	size_t			 n = 0, i;

	memset(pc, 0, sizeof *pc);
	if (pool_list_as(conn, 1, &v, &n, cause) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		pc->used += v[i].disk;
		if (v[i].stale || !pool_shape_equal(&v[i].shape, shape))
			continue;
		pc->have++;
		pc->hot += v[i].vm == VM_STATE_RUNNING;
	}
	pc->each = n > 0 ? pc->used / n : shape->memory + POOL_OVERLAY_GUESS;
	pool_members_free(v, n);
	return 0;
}

/* Would another member stay within c->disk? If not, say so. */
static int
pool_room(const struct pool_config *c, const struct pool_count *pc)
{
	char	 b1[UNITS_BUFSZ], b2[UNITS_BUFSZ], b3[UNITS_BUFSZ];

	if (pc->used + pc->each <= c->disk)
		return 1;
	log_warn("the pool stops at %d of %d members: another would pass "
	    "BREAKFIX_POOL_DISK (%s used, %s each, %s allowed)", pc->have,
	    c->size, units_format_human(pc->used, b1),
	    units_format_human(pc->each, b2), units_format_human(c->disk, b3));
	return 0;
}

/* Write pid into the fill lock open at fd. */
static void
pool_note_filler(int fd, pid_t pid)
{
	char	 buf[32];

	snprintf(buf, sizeof buf, "%d\n", (int)pid);
	if (ftruncate(fd, 0) != 0 || pwrite(fd, buf, strlen(buf), 0) < 0)
		log_warn("cannot note the fill's pid: %s", strerror(errno));
}

/*
 * The fill lock handed over by pool_refill_later (POOL_LOCK_FD, held
 * since before the up that started us returned), locked again to be
 * sure; else -1.
 */
static int
pool_fill_lock_inherited(void)
{
	const char	*v = getenv("BREAKFIX_FILL_LOCK_FD");
	struct stat	 held, st;
	char		*path;
	int		 same;

	if (v == NULL || strcmp(v, "3") != 0)
		return -1;
	unsetenv("BREAKFIX_FILL_LOCK_FD");
	path = config_path("pool/fill.lock");
	same = fstat(POOL_LOCK_FD, &held) == 0 && stat(path, &st) == 0 &&
	    held.st_dev == st.st_dev && held.st_ino == st.st_ino;
	free(path);
	if (!same || flock(POOL_LOCK_FD, LOCK_EX | LOCK_NB) == -1) {
		close(POOL_LOCK_FD);
		return -1;
	}
	(void)fcntl(POOL_LOCK_FD, F_SETFD, FD_CLOEXEC);
	return POOL_LOCK_FD;
}

/* Hold fill.lock, with our pid in it; -1 with *busy if another fills. */
static int
pool_fill_lock(int *busy, char **cause)
{
	int	 fd;

	*busy = 0;
	if ((fd = pool_fill_lock_inherited()) == -1 &&
	    (fd = pool_lock("fill.lock", LOCK_EX | LOCK_NB, cause)) == -1) {
		*busy = *cause == NULL;
		return -1;
	}
	pool_note_filler(fd, getpid());
	return fd;
}

int
pool_fill(struct vm_conn *conn, const struct pool_config *c,
    const struct launch_opts *o, int *busy, char **cause)
{
	struct exercise_shape	 shape;
	struct pool_count	 pc;
	char			*stamp = NULL, *id = NULL;
	int			 fd, hot, made = 0, rc = -1;

	if ((fd = pool_fill_lock(busy, cause)) == -1)
		return *busy ? 0 : -1;
	shape.image = SCENARIO_DEFAULT_IMAGE;
	shape.memory = SCENARIO_DEFAULT_MEMORY;
	shape.vcpus = SCENARIO_DEFAULT_VCPUS;
	shape.disk = SCENARIO_DEFAULT_DISK;
	shape.ndisks = 0;
	if (pool_stamp(shape.image, &stamp, cause) != 0)
		goto out;
	pool_remove_stale(conn, o);
	for (;;) {
		if (pool_count(conn, &shape, &pc, cause) != 0)
			goto out;
		if (pc.have >= c->size || !pool_room(c, &pc))
			break;
		if (o->cancelled != NULL && o->cancelled()) {
			xasprintf(cause, "interrupted");
			goto out;
		}
		hot = pc.hot < c->hot;
		launch_note(o, "pool member %d of %d (%s): booting",
		    pc.have + 1, c->size, hot ? "hot" : "warm");
		if (pool_make(conn, &shape, stamp, hot, o, &id, cause) != 0)
			goto out;
		launch_note(o, "pool member %s is ready", id);
		free(id);
		made++;
	}
	rc = made;
out:
	free(stamp);
	close(fd);
	return rc;
}

int
pool_drain(struct vm_conn *conn, char **cause)
{
	struct pool_member	*v = NULL;
	size_t			 n = 0, i;
	int			 fill, claim = -1, pid, removed = 0, rc = -1;
	int			 tries;

	/* Held but no pid yet: a refill being handed its lock, briefly. */
	for (tries = 0; (pid = pool_filling()) == -1 && tries < 30; tries++)
		usleep(100000);
	if (pid > 0) {
		log_info("stopping the running fill (pid %d)", pid);
		kill(pid, SIGTERM);
	}
	if ((fill = pool_lock("fill.lock", LOCK_EX, cause)) == -1 ||
	    (claim = pool_lock("claim.lock", LOCK_EX, cause)) == -1 ||
	    pool_list_as(conn, 0, &v, &n, cause) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		if (pool_discard(conn, v[i].id, cause) != 0)
			goto out;
		removed++;
	}
	rc = removed;
out:
	pool_members_free(v, n);
	if (claim != -1)
		close(claim);
	if (fill != -1)
		close(fill);
	return rc;
}

/*
 * In the refill's grandchild: input from /dev/null, output to the
 * pool's fill.log, the fill lock at fd 3 (named in the environment for
 * pool_fill_lock) and nothing else open; then the fill itself.
 */
static void
pool_refill_exec(const char *exe, const char *const *argv, int lock)
{
	char	*log = config_path("pool/fill.log");
	int	 fd;

	if ((fd = open("/dev/null", O_RDONLY)) != -1) {
		dup2(fd, 0);
		close(fd);
	}
	if ((fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600)) != -1) {
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
	}
	if (lock == POOL_LOCK_FD)
		(void)fcntl(lock, F_SETFD, 0);
	else if (dup2(lock, POOL_LOCK_FD) == -1)
		_exit(127);
	closefrom(POOL_LOCK_FD + 1);	/* pipes of whoever ran us */
	setenv("BREAKFIX_FILL_LOCK_FD", "3", 1);
	execv(exe, (char *const *)argv);
	_exit(127);
}

/*
 * The fill lock is taken here, before up returns, and handed to the
 * fill: a drain that follows at once finds the fill (its pid is in the
 * lock file) and stops it, rather than missing it and having it boot
 * members after the drain.
 */
void
pool_refill_later(void)
{
	struct pool_config	 c;
	char			*err = NULL, exe[PATH_MAX];
	const char		*argv[9];
	ssize_t			 len;
	pid_t			 pid, g;
	int			 lock;

	if (pool_config_load(&c, &err) != 0) {
		log_warn("%s", err);
		free(err);
		return;
	}
	if (c.size == 0 || pool_filling() != 0)
		return;
	if ((len = readlink("/proc/self/exe", exe, sizeof exe - 1)) <= 0)
		return;
	exe[len] = '\0';
	if ((lock = pool_lock("fill.lock", LOCK_EX | LOCK_NB, &err)) == -1) {
		if (err != NULL)	/* else a fill runs already */
			log_warn("%s", err);
		free(err);
		return;
	}
	/* Until the refill's pid is in, no earlier fill's pid is. */
	if (ftruncate(lock, 0) != 0)
		log_warn("cannot empty the fill lock: %s", strerror(errno));
	argv[0] = "breakfix";
	argv[1] = "pool";
	argv[2] = "fill";
	argv[3] = "--connect";
	argv[4] = config_connect();
	argv[5] = "--state-dir";
	argv[6] = config_state_dir();
	argv[7] = NULL;
	fflush(NULL);
	if ((pid = fork()) == -1) {
		log_warn("cannot start the pool's refill: %s", strerror(errno));
		close(lock);
		return;
	}
	if (pid == 0) {
		/* A grandchild in its own session outlives us quietly. */
		setsid();
		if ((g = fork()) != 0) {
			if (g > 0)
				pool_note_filler(lock, g);
			_exit(0);
		}
		pool_refill_exec(exe, argv, lock);
	}
	close(lock);
	waitpid(pid, NULL, 0);
	log_info("refilling the pool in the background (log: %s/pool/"
	    "fill.log)", config_state_dir());
}

/* The claimed member's id, domain, port and files become l's exercise. */
static int
pool_take_over(struct launch *l, const char *id, char **cause)
{
	struct exercise	*ex = l->ex, *pm = NULL;

	if (exercise_load(id, &pm, cause) != 0)
		return -1;
	free(ex->id);
	free(ex->domain);
	free(ex->meta.id);
	free(ex->meta.dir);
	ex->id = xstrdup(pm->id);
	ex->domain = xstrdup(pm->domain);
	ex->meta.id = xstrdup(pm->id);
	ex->meta.dir = xstrdup(pm->meta.dir);
	ex->meta.port = pm->meta.port;
	ex->meta.accel = pm->meta.accel;
	exercise_free(pm);
	launch_files(l);
	return keys_admin_paths(&l->admin_key, NULL, cause);
}

/*
 * Adopt the claimed member id for l's exercise: start it from its saved
 * memory (warm) or find it running (hot), and wait for its agent (its
 * host key was learned when it was made).
 */
static int
pool_adopt(struct launch *l, const char *id, char **cause)
{
	struct exercise	*ex = l->ex;
	struct vm_meta	 m;
	enum vm_state	 st;
	int		 r, rc = -1;

	memset(&m, 0, sizeof m);
	if (pool_take_over(l, id, cause) != 0 ||
	    launch_personalise(l, cause) != 0)
		goto out;
	if ((r = vm_lookup(l->conn, ex->domain, &m, &st, cause)) != 0) {
		if (r == 1)
			xasprintf(cause, "its domain is gone");
		goto out;
	}
	free(ex->launch);
	ex->launch = xstrdup(st == VM_STATE_RUNNING ? "hot" : "warm");
	if (st == VM_STATE_SAVED) {
		launch_note(l->o, "starting pool member %s from its saved memory",
		    ex->id);
		if (vm_start(l->conn, ex->domain, cause) != 0)
			goto out;
	} else if (st != VM_STATE_RUNNING) {
		xasprintf(cause, "its domain is %s", vm_state_name(st));
		goto out;
	} else
		launch_note(l->o, "taking running pool member %s", ex->id);
	/* Booted to the end before it was saved; a hot one kept its time. */
	if (vm_set_meta(l->conn, ex->domain, &ex->meta, ex->meta.accel,
	    cause) != 0 || launch_wait_admin(l, POOL_RESTORE_S, cause) != 0 ||
	    (st == VM_STATE_SAVED && launch_set_clock(l, cause) != 0))
		goto out;
	rc = 0;
out:
	vm_meta_release(&m);
	return rc;
}

/* A member that fits l's scenario, claimed; NULL when none (noted why). */
static char *
pool_claim_for(struct launch *l)
{
	char	*id = NULL, *why = NULL, *err = NULL;

	if (pool_claim(l->conn, &l->ex->shape, l->o->accel, &id, &why,
	    &err) != 0) {
		log_warn("cannot use the pool: %s", err);
		free(err);
	} else if (id == NULL)
		launch_note(l->o, "no VM ready in the pool (%s): booting a new "
		    "one", why);
	free(why);
	return id;
}

int
pool_up(struct vm_conn *conn, const struct scenario *sc,
    const struct launch_opts *o, struct exercise **out, char **console_tail,
    char **cause)
{
	struct exercise_shape	 shape;
	struct pool_config	 c;
	struct launch		 l;
	char			*id = NULL, *err = NULL;
	int			 rc;

	if (pool_config_load(&c, &err) != 0) {
		log_warn("%s; the pool is not used", err);
		free(err);
		err = NULL;
		c.size = 0;
	}
	launch_shape_of(sc, &shape);
	launch_init(&l, conn, sc, &shape, sc->name, o);
	if (c.size > 0)
		id = pool_claim_for(&l);
	if (id != NULL && pool_adopt(&l, id, &err) != 0) {
		launch_note(l.o, "pool member %s did not come up (%s); booting "
		    "a new VM instead", id, err);
		free(err);
		launch_abandon(&l);
		launch_new_id(&l, sc->name);
	}
	rc = launch_run(&l, out, console_tail, cause);
	launch_release(&l);
	free(id);
	if (c.size > 0)
		pool_refill_later();
	return rc;
}
