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

#include "config.h"
#include "image.h"
#include "log.h"
#include "pool.h"
#include "scenario.h"
#include "units.h"
#include "util.h"

/* Disk a member takes when none exists to measure: memory + overlay. */
#define POOL_OVERLAY_GUESS	(256ULL << 20)
/* Where qemu:///system keeps managed saves. */
#define POOL_SAVE_DIR		"/var/lib/libvirt/qemu/save"

/* A number from 0 to max, or -1. */
static int
pool_number(const char *v, int max)
{
	char	*end;
	long	 n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (*v < '0' || *v > '9' || *end != '\0' || errno != 0 || n > max)
		return -1;
	return (int)n;
}

static void
pool_defaults(struct pool_config *c)
{
	memset(c, 0, sizeof *c);
	c->size = POOL_SIZE_DEFAULT;
	c->disk = POOL_DISK_DEFAULT;
}

static char *
pool_settings_path(void)
{
	return config_path("pool/" POOL_SETTINGS_FILE);
}

/*
 * The settings file into c, over the defaults. A missing file is no
 * settings; anything else wrong with it is an error naming it.
 */
static int
pool_settings_read(struct pool_config *c, char **cause)
{
	char		*path = pool_settings_path(), *err = NULL;
	json_error_t	 jerr;
	json_t		*j = NULL, *v;
	const char	*key;
	int		 rc = -1;

	if (access(path, F_OK) != 0 && errno == ENOENT) {
		rc = 0;
		goto out;
	}
	if ((j = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr)) ==
	    NULL) {
		xasprintf(cause, "%s:%d:%d: %s", path, jerr.line, jerr.column,
		    jerr.text);
		goto out;
	}
	if (!json_is_object(j)) {
		xasprintf(cause, "%s: expected an object", path);
		goto out;
	}
	json_object_foreach(j, key, v) {
		if (strcmp(key, "size") == 0 || strcmp(key, "hot") == 0) {
			if (!json_is_integer(v) || json_integer_value(v) < 0 ||
			    json_integer_value(v) > POOL_SIZE_MAX) {
				xasprintf(cause, "%s: '%s' must be a number "
				    "from 0 to %d", path, key, POOL_SIZE_MAX);
				goto out;
			}
			*(*key == 's' ? &c->size : &c->hot) =
			    (int)json_integer_value(v);
			*(*key == 's' ? &c->size_from : &c->hot_from) =
			    POOL_FROM_SETTINGS;
		} else if (strcmp(key, "disk") == 0) {
			if (!json_is_string(v) || units_parse_size(
			    json_string_value(v), &c->disk, &err) != 0) {
				xasprintf(cause, "%s: 'disk' must be a size "
				    "such as \"8G\"%s%s", path, err ? ": " : "",
				    err ? err : "");
				goto out;
			}
			c->disk_from = POOL_FROM_SETTINGS;
		} else {
			xasprintf(cause, "%s: unknown key '%s' (size, hot or "
			    "disk)", path, key);
			goto out;
		}
	}
	rc = 0;
out:
	json_decref(j);
	free(err);
	free(path);
	return rc;
}

/* The environment's settings into c, over the file's. */
static int
pool_settings_env(struct pool_config *c, char **cause)
{
	const char	*v;
	char		*err = NULL;

	if ((v = getenv("BREAKFIX_POOL_SIZE")) != NULL && *v != '\0') {
		if ((c->size = pool_number(v, POOL_SIZE_MAX)) == -1) {
			xasprintf(cause, "BREAKFIX_POOL_SIZE='%s': expected a "
			    "number from 0 to %d", v, POOL_SIZE_MAX);
			return -1;
		}
		c->size_from = POOL_FROM_ENV;
	}
	if ((v = getenv("BREAKFIX_POOL_HOT")) != NULL && *v != '\0') {
		if ((c->hot = pool_number(v, c->size)) == -1) {
			xasprintf(cause, "BREAKFIX_POOL_HOT='%s': expected a "
			    "number from 0 to %d", v, c->size);
			return -1;
		}
		c->hot_from = POOL_FROM_ENV;
	}
	if ((v = getenv("BREAKFIX_POOL_DISK")) != NULL && *v != '\0') {
		if (units_parse_size(v, &c->disk, &err) != 0) {
			xasprintf(cause, "BREAKFIX_POOL_DISK='%s': %s", v, err);
			free(err);
			return -1;
		}
		c->disk_from = POOL_FROM_ENV;
	}
	return 0;
}

int
pool_config(struct pool_config *c, char **cause)
{
	pool_defaults(c);
	if (pool_settings_read(c, cause) != 0 ||
	    pool_settings_env(c, cause) != 0)
		return -1;
	/*
	 * A smaller size from the environment (BREAKFIX_POOL_SIZE=0 to
	 * turn the pool off) caps the kept hot; a file at odds with itself
	 * is an error.
	 */
	if (c->hot > c->size) {
		if (c->hot_from == c->size_from) {
			xasprintf(cause, "%d hot of %d members: hot cannot be "
			    "more than the size (%s)", c->hot, c->size,
			    pool_config_from(c->size_from, NULL));
			return -1;
		}
		c->hot = c->size;
	}
	return 0;
}

const char *
pool_config_from(enum pool_from from, const char *var)
{
	switch (from) {
	case POOL_FROM_SETTINGS:
		return "pool set";
	case POOL_FROM_ENV:
		return var != NULL ? var : "the environment";
	default:
		return "default";
	}
}

int
pool_set(int size, int hot, const char *disk, struct pool_config *kept,
    char **cause)
{
	struct pool_config	 c;
	char			*path = NULL, *err = NULL;
	char			 buf[UNITS_BUFSZ];
	uint64_t		 bytes;
	json_t			*j = NULL;
	int			 rc = -1;

	/* What the file says now, without the environment's say. */
	pool_defaults(&c);
	if (pool_settings_read(&c, cause) != 0)
		goto out;
	if (size >= 0)
		c.size = size;
	if (hot >= 0)
		c.hot = hot;
	if (disk != NULL) {
		if (units_parse_size(disk, &bytes, &err) != 0) {
			xasprintf(cause, "--disk '%s': %s", disk, err);
			goto out;
		}
		c.disk = bytes;
	}
	if (c.hot > c.size) {
		xasprintf(cause, "%d hot of %d members: hot cannot be more "
		    "than the size", c.hot, c.size);
		goto out;
	}
	if (config_mkdir("pool", 0700, cause) != 0)
		goto out;
	path = pool_settings_path();
	j = json_pack("{s:i, s:i, s:s}", "size", c.size, "hot", c.hot,
	    "disk", units_format_size(c.disk, buf));
	if (util_write_json(j, path, 0644, cause) != 0)
		goto out;
	*kept = c;
	rc = 0;
out:
	json_decref(j);
	free(err);
	free(path);
	return rc;
}

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
	char	*path;
	int	 fd = -1;

	xasprintf(&path, "%s/pool/%s", config_state_dir(), name);
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
	static const char *const files[] = {
		"disk.qcow2", "console.log", "known_hosts", "exercise.json"
	};
	uint64_t	 n = 0;
	size_t		 i;
	char		*p;

	for (i = 0; i < nitems(files); i++) {
		xasprintf(&p, "%s/%s", ex->meta.dir, files[i]);
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
	    a->vcpus == b->vcpus && a->disk == b->disk;
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
    enum exercise_accel_choice accel, char **id, char **why, char **cause)
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
		if (accel != EXERCISE_ACCEL_AUTO) {
			if (exercise_load(v[i].id, &ex, cause) != 0)
				goto out;
			if ((ex->meta.accel == VM_ACCEL_KVM) !=
			    (accel == EXERCISE_ACCEL_KVM)) {
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
		    "memory, vCPUs, disk)");
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

/* Remove stale members (every "filling" one: the caller fills). */
static void
pool_remove_stale(struct vm_conn *conn, const struct exercise_opts *o)
{
	struct pool_member	*v = NULL;
	char			*err = NULL, *msg;
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
		if (exercise_discard(conn, v[i].id, &err) != 0) {
			log_warn("%s", err);
			free(err);
			err = NULL;
			continue;
		}
		xasprintf(&msg, "removed stale pool member %s", v[i].id);
		if (o->note != NULL)
			o->note(msg, o->arg);
		free(msg);
	}
	pool_members_free(v, n);
	close(fd);
}

int
pool_fill(struct vm_conn *conn, const struct pool_config *c,
    const struct exercise_opts *o, int *busy, char **cause)
{
	struct exercise_shape	 shape;
	struct pool_member	*v = NULL;
	char			*stamp = NULL, *id = NULL, *msg, pid[32];
	char			 b1[UNITS_BUFSZ], b2[UNITS_BUFSZ];
	char			 b3[UNITS_BUFSZ];
	uint64_t		 used, each;
	size_t			 n = 0, i;
	int			 fd, have, hot, made = 0, rc = -1;

	*busy = 0;
	if ((fd = pool_lock("fill.lock", LOCK_EX | LOCK_NB, cause)) == -1) {
		if (*cause != NULL)
			return -1;
		*busy = 1;
		return 0;
	}
	snprintf(pid, sizeof pid, "%d\n", (int)getpid());
	if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, strlen(pid), 0) < 0)
		log_warn("cannot note the fill's pid: %s", strerror(errno));
	shape.image = SCENARIO_DEFAULT_IMAGE;
	shape.memory = SCENARIO_DEFAULT_MEMORY;
	shape.vcpus = SCENARIO_DEFAULT_VCPUS;
	shape.disk = SCENARIO_DEFAULT_DISK;
	if (pool_stamp(shape.image, &stamp, cause) != 0)
		goto out;
	pool_remove_stale(conn, o);
	for (;;) {
		if (pool_list_as(conn, 1, &v, &n, cause) != 0)
			goto out;
		have = hot = 0;
		used = 0;
		for (i = 0; i < n; i++) {
			used += v[i].disk;
			if (v[i].stale || !pool_shape_equal(&v[i].shape,
			    &shape))
				continue;
			have++;
			hot += v[i].vm == VM_STATE_RUNNING;
		}
		each = n > 0 ? used / n : shape.memory + POOL_OVERLAY_GUESS;
		pool_members_free(v, n);
		v = NULL;
		n = 0;
		if (have >= c->size)
			break;
		if (used + each > c->disk) {
			log_warn("the pool stops at %d of %d members: another "
			    "would pass BREAKFIX_POOL_DISK (%s used, %s each, "
			    "%s allowed)", have, c->size,
			    units_format_human(used, b1),
			    units_format_human(each, b2),
			    units_format_human(c->disk, b3));
			break;
		}
		if (o->cancelled != NULL && o->cancelled()) {
			xasprintf(cause, "interrupted");
			goto out;
		}
		xasprintf(&msg, "pool member %d of %d (%s): booting", have + 1,
		    c->size, hot < c->hot ? "hot" : "warm");
		if (o->note != NULL)
			o->note(msg, o->arg);
		free(msg);
		if (exercise_pool_make(conn, &shape, stamp, hot < c->hot, o,
		    &id, cause) != 0)
			goto out;
		xasprintf(&msg, "pool member %s is ready", id);
		if (o->note != NULL)
			o->note(msg, o->arg);
		free(msg);
		free(id);
		made++;
	}
	rc = made;
out:
	pool_members_free(v, n);
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

	if ((pid = pool_filling()) > 0) {
		log_info("stopping the running fill (pid %d)", pid);
		kill(pid, SIGTERM);
	}
	if ((fill = pool_lock("fill.lock", LOCK_EX, cause)) == -1 ||
	    (claim = pool_lock("claim.lock", LOCK_EX, cause)) == -1 ||
	    pool_list_as(conn, 0, &v, &n, cause) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		if (exercise_discard(conn, v[i].id, cause) != 0)
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

void
pool_refill_later(void)
{
	struct pool_config	 c;
	char			*err = NULL, *log, exe[PATH_MAX];
	const char		*argv[9];
	ssize_t			 len;
	pid_t			 pid;
	int			 fd;

	if (pool_config(&c, &err) != 0) {
		log_warn("%s", err);
		free(err);
		return;
	}
	if (c.size == 0 || pool_filling() != 0)
		return;
	if ((len = readlink("/proc/self/exe", exe, sizeof exe - 1)) <= 0)
		return;
	exe[len] = '\0';
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
		return;
	}
	if (pid == 0) {
		/* A grandchild in its own session outlives us quietly. */
		setsid();
		if (fork() != 0)
			_exit(0);
		log = config_path("pool/fill.log");
		if ((fd = open("/dev/null", O_RDONLY)) != -1) {
			dup2(fd, 0);
			close(fd);
		}
		if ((fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600)) !=
		    -1) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		closefrom(3);	/* pipes of whoever ran us: not ours to hold */
		execv(exe, (char *const *)argv);
		_exit(127);
	}
	waitpid(pid, NULL, 0);
	log_info("refilling the pool in the background (log: %s/pool/"
	    "fill.log)", config_state_dir());
}

int
pool_up(struct vm_conn *conn, const struct scenario *sc,
    struct exercise_opts *o, struct exercise **out, char **console_tail,
    char **cause)
{
	struct exercise_shape	 shape;
	struct pool_config	 c;
	char			*id = NULL, *why = NULL, *err = NULL;
	int			 rc;

	if (pool_config(&c, &err) != 0) {
		log_warn("%s; the pool is not used", err);
		free(err);
		err = NULL;
		c.size = 0;
	}
	if (c.size > 0) {
		exercise_shape_of(sc, &shape);
		if (pool_claim(conn, &shape, o->accel, &id, &why, &err) != 0) {
			log_warn("cannot use the pool: %s", err);
			free(err);
		} else if (id == NULL)
			log_info("no VM ready in the pool (%s): booting a new "
			    "one", why);
		free(why);
	}
	o->pool_id = id;
	rc = exercise_up(conn, sc, o, out, console_tail, cause);
	o->pool_id = NULL;
	free(id);
	if (c.size > 0)
		pool_refill_later();
	return rc;
}
