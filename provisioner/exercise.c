/*
 * exercise.c - an exercise's record: its directory, files and
 * exercise.json.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "config.h"
#include "diag.h"
#include "disks.h"
#include "exercise.h"
#include "scenario.h"
#include "util.h"

#define EX_TAIL_BYTES	8192	/* of the console, for exercise_console_tail */
#define EX_CONSOLE_COPIES 10	/* console.log.N virtlogd may have rotated */

/* Indexed by enum exercise_file. */
static const char *const ex_files[] = {
	[EXERCISE_RECORD] = "exercise.json",
	[EXERCISE_DISK] = "disk.qcow2",
	[EXERCISE_KNOWN_HOSTS] = "known_hosts",
	[EXERCISE_CONSOLE] = "console.log",
	[EXERCISE_SCENARIO] = "scenario.yaml",
	[EXERCISE_EVENTS] = "events.log",
	[EXERCISE_PASSWORD] = "password",
	[EXERCISE_AUTHORIZED_KEYS] = "authorized_keys",
	[EXERCISE_RELAY_KEY] = "candidate_ed25519",
	[EXERCISE_RELAY_PUB] = "candidate_ed25519.pub",
	[EXERCISE_AUDIT] = "audit.log",
	[EXERCISE_SESSIONS] = "sessions",
	[EXERCISE_FIRST_LOGIN] = "sessions/first-login",
	[EXERCISE_ADMIN_BASELINE] = "admin.fingerprint",
};

int
exercise_valid_id(const char *id)
{
	size_t	 len = strlen(id);

	return len > 0 && len <= EXERCISE_ID_MAX && id[0] != '-' &&
	    strspn(id, "abcdefghijklmnopqrstuvwxyz0123456789-") == len;
}

long
exercise_review_gid(void)
{
	struct group	*gr = getgrnam(REVIEW_GROUP);

	return gr != NULL ? (long)gr->gr_gid : -1;
}

int
exercise_create(const char *dir, enum exercise_file f, int append,
    int reviewers, char **cause)
{
	char	*path = exercise_path(dir, f);
	long	 gid = reviewers ? exercise_review_gid() : -1;
	int	 fd;

	fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC |
	    (append ? O_APPEND : O_TRUNC), 0600);
	if (fd == -1 || fchown(fd, 0, gid == -1 ? 0 : (gid_t)gid) != 0 ||
	    fchmod(fd, gid == -1 ? 0600 : 0640) != 0) {
		xasprintf(cause, "cannot write '%s': %s", path,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		fd = -1;
	}
	free(path);
	return fd;
}

char *
exercise_dir(const char *id)
{
	char	*sub, *dir;

	xasprintf(&sub, "exercises/%s", id);
	dir = config_path(sub);
	free(sub);
	return dir;
}

char *
exercise_path(const char *dir, enum exercise_file f)
{
	return util_path(dir, ex_files[f]);
}

char *
exercise_domain(const char *id)
{
	char	*name;

	xasprintf(&name, VM_NAME_PREFIX "%s", id);
	return name;
}

const char *
exercise_id_of(const char *domain)
{
	if (strncmp(domain, VM_NAME_PREFIX, sizeof VM_NAME_PREFIX - 1) == 0)
		return domain + sizeof VM_NAME_PREFIX - 1;
	return domain;
}

int
exercise_mkdir(const char *dir, char **cause)
{
	return config_mkdir("exercises", 0711, cause) != 0 ||
	    util_mkdir(dir, 0711, 0, cause) != 0 ? -1 : 0;
}

void
exercise_remove_dir(const char *dir)
{
	size_t	 i;
	char	*p, *tmp;

	for (i = 0; i < nitems(ex_files); i++) {
		if (i == EXERCISE_SESSIONS || i == EXERCISE_FIRST_LOGIN)
			continue;
		p = exercise_path(dir, (enum exercise_file)i);
		unlink(p);
		free(p);
	}
	p = exercise_path(dir, EXERCISE_RECORD);
	xasprintf(&tmp, "%s.tmp", p);	/* util_write_json's */
	unlink(tmp);
	free(tmp);
	free(p);
	p = exercise_path(dir, EXERCISE_CONSOLE);
	for (i = 0; i < EX_CONSOLE_COPIES; i++) {	/* virtlogd's */
		xasprintf(&tmp, "%s.%zu", p, i);
		unlink(tmp);
		free(tmp);
	}
	free(p);
	disks_remove(dir);
	p = exercise_path(dir, EXERCISE_SESSIONS);
	rmdir(p);
	free(p);
	rmdir(dir);
}

char *
exercise_recording(const char *dir, time_t when, long pid)
{
	struct tm	 tm;
	char		 stamp[32], *sessions, *path;

	gmtime_r(&when, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
	sessions = exercise_path(dir, EXERCISE_SESSIONS);
	xasprintf(&path, "%s/%s-%ld.cast", sessions, stamp, pid);
	free(sessions);
	return path;
}

int
exercise_recordings(const char *dir, char ***paths, size_t *n, char **cause)
{
	glob_t	 g;
	char	*sessions, *pattern;
	size_t	 i;
	int	 r;

	*paths = NULL;
	*n = 0;
	sessions = exercise_path(dir, EXERCISE_SESSIONS);
	xasprintf(&pattern, "%s/*.cast", sessions);
	free(sessions);
	r = glob(pattern, 0, NULL, &g);
	free(pattern);
	if (r == GLOB_NOMATCH)
		return 0;
	if (r != 0) {
		xasprintf(cause, "cannot list the recordings in '%s'", dir);
		return -1;
	}
	*paths = xreallocarray(NULL, g.gl_pathc, sizeof **paths);
	for (i = 0; i < g.gl_pathc; i++)
		(*paths)[i] = xstrdup(g.gl_pathv[i]);
	*n = g.gl_pathc;
	globfree(&g);
	return 0;
}

static json_t *
ex_forwards_json(const struct exercise *ex)
{
	json_t	*a = json_array();
	size_t	 i;

	for (i = 0; i < ex->nforwards; i++)
		json_array_append_new(a, json_pack("{s:i, s:i}", "guest",
		    (int)ex->forwards[i].guest, "host",
		    (int)ex->forwards[i].host));
	return a;
}

/* {"seed": N, "values": {name: value}}, or null without variables. */
json_t *
exercise_variant_json(const struct exercise_variant *v)
{
	json_t	*values;
	size_t	 i;

	if (v->n == 0)
		return json_null();
	values = json_object();
	for (i = 0; i < v->n; i++)
		json_object_set_new(values, v->names[i],
		    json_string(v->values[i]));
	return json_pack("{s:I, s:o}", "seed", (json_int_t)v->seed, "values",
	    values);
}

static json_t *
ex_to_json(const struct exercise *ex)
{
	const struct vm_meta	*m = &ex->meta;
	json_t			*j;

	j = json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:s?, s:s?, s:s?, "
	    "s:s, s:I, s:I, s:I, s:i, s:s, s:i, s:i, s:i, s:i, s:s?, s:s?, "
	    "s:I, s:i, s:I, s:I}",
	    "format", 1, "id", ex->id, "domain", ex->domain, "state", ex->state,
	    "uri", ex->uri, "image", ex->image, "scenario", m->scenario,
	    "scenario_file", m->scenario_file, "candidate", m->candidate,
	    "dir", m->dir, "created", (json_int_t)m->created,
	    "expires", (json_int_t)m->expires, "downed", (json_int_t)ex->downed,
	    "port", (int)m->port, "accel", vm_accel_name(m->accel),
	    "boot_ms", ex->boot_ms, "faults_ms", ex->faults_ms,
	    "vm_ms", ex->vm_ms, "ready_ms", ex->ready_ms, "launch", ex->launch,
	    "pool", m->pool,
	    "memory", (json_int_t)ex->shape.memory, "vcpus",
	    (int)ex->shape.vcpus, "disk", (json_int_t)ex->shape.disk,
	    "crashed", (json_int_t)ex->crashed);
	json_object_set_new(j, "forwards", ex_forwards_json(ex));
	json_object_set_new(j, "variant", exercise_variant_json(&ex->variant));
	return j;
}

int
exercise_save(const struct exercise *ex, char **cause)
{
	json_t	*j = ex_to_json(ex);
	char	*path = exercise_path(ex->meta.dir, EXERCISE_RECORD);
	int	 rc;

	/* Root's; reviewers read it (report), nobody else. */
	rc = util_write_json(j, path, 0640, exercise_review_gid(), cause);
	json_decref(j);
	free(path);
	return rc;
}

static char *
ex_json_str(json_t *o, const char *key)
{
	const char	*v = json_string_value(json_object_get(o, key));

	return xstrdup(v != NULL ? v : "");
}

static json_int_t
ex_json_int(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

/* The variant of a record: bounded, strings only; the rest is left. */
static void
ex_variant_from_json(struct exercise_variant *v, json_t *o)
{
	json_t		*values = json_object_get(o, "values"), *val;
	json_int_t	 seed = ex_json_int(o, "seed");
	const char	*name;

	if (!json_is_object(o) || seed < 0 || seed > UINT32_MAX)
		return;
	v->seed = seed;
	json_object_foreach(values, name, val) {
		if (v->n == EXERCISE_VARIABLES_MAX || !json_is_string(val))
			break;
		v->names = xreallocarray(v->names, v->n + 1, sizeof *v->names);
		v->values = xreallocarray(v->values, v->n + 1,
		    sizeof *v->values);
		v->names[v->n] = xstrdup(name);
		v->values[v->n++] = xstrdup(json_string_value(val));
	}
}

char *
exercise_variant_line(const struct exercise_variant *v)
{
	char	*out, *next;
	size_t	 i;

	if (v->n == 0)
		return xstrdup("none (the scenario has no variables)");
	xasprintf(&out, "seed %u:", v->seed);
	for (i = 0; i < v->n; i++) {
		xasprintf(&next, "%s %s=%s", out, v->names[i], v->values[i]);
		free(out);
		out = next;
	}
	return out;
}

void
exercise_variant_release(struct exercise_variant *v)
{
	size_t	 i;

	for (i = 0; i < v->n; i++) {
		free(v->names[i]);
		free(v->values[i]);
	}
	free(v->names);
	free(v->values);
	memset(v, 0, sizeof *v);
}

/* Forwards with ports in range; the rest of a damaged record is left. */
static void
ex_forwards_from_json(struct exercise *ex, json_t *a)
{
	json_int_t	 g, h;
	size_t		 i;

	if (!json_is_array(a))
		return;
	for (i = 0; i < json_array_size(a) && i < EXERCISE_FORWARDS_MAX; i++) {
		g = ex_json_int(json_array_get(a, i), "guest");
		h = ex_json_int(json_array_get(a, i), "host");
		if (g < 1 || g > 65535 || h < 1 || h > 65535)
			continue;
		ex->forwards = xreallocarray(ex->forwards, ex->nforwards + 1,
		    sizeof *ex->forwards);
		ex->forwards[ex->nforwards].guest = (unsigned)g;
		ex->forwards[ex->nforwards++].host = (unsigned)h;
	}
}

static void
ex_from_json(struct exercise *ex, json_t *j)
{
	struct vm_meta	*m = &ex->meta;
	const char	*accel = json_string_value(json_object_get(j, "accel"));

	ex->id = ex_json_str(j, "id");
	ex->domain = ex_json_str(j, "domain");
	ex->state = ex_json_str(j, "state");
	ex->uri = ex_json_str(j, "uri");
	ex->image = ex_json_str(j, "image");
	ex->launch = ex_json_str(j, "launch");
	ex->downed = (time_t)ex_json_int(j, "downed");
	ex->crashed = (time_t)ex_json_int(j, "crashed");
	ex->boot_ms = (int)ex_json_int(j, "boot_ms");
	ex->faults_ms = (int)ex_json_int(j, "faults_ms");
	ex->ready_ms = (int)ex_json_int(j, "ready_ms");
	ex->vm_ms = (int)ex_json_int(j, "vm_ms");
	ex->shape.image = ex->image;
	ex->shape.memory = (uint64_t)ex_json_int(j, "memory");
	ex->shape.vcpus = (unsigned)ex_json_int(j, "vcpus");
	ex->shape.disk = (uint64_t)ex_json_int(j, "disk");
	m->id = xstrdup(ex->id);
	m->scenario = ex_json_str(j, "scenario");
	m->scenario_file = ex_json_str(j, "scenario_file");
	m->candidate = ex_json_str(j, "candidate");
	m->dir = ex_json_str(j, "dir");
	m->pool = ex_json_str(j, "pool");
	m->created = (time_t)ex_json_int(j, "created");
	m->expires = (time_t)ex_json_int(j, "expires");
	m->port = (unsigned)ex_json_int(j, "port");
	m->accel = accel != NULL && strcmp(accel, "kvm") == 0 ? VM_ACCEL_KVM :
	    VM_ACCEL_TCG;
	ex_forwards_from_json(ex, json_object_get(j, "forwards"));
	ex_variant_from_json(&ex->variant, json_object_get(j, "variant"));
}

int
exercise_load(const char *id, struct exercise **out, char **cause)
{
	json_error_t	 jerr;
	json_t		*j;
	char		*dir, *path;

	*out = NULL;
	if (!exercise_valid_id(id)) {
		xasprintf(cause, "no exercise '%s'", id);
		return -1;
	}
	dir = exercise_dir(id);
	path = exercise_path(dir, EXERCISE_RECORD);
	free(dir);
	if ((j = json_load_file(path, 0, &jerr)) == NULL) {
		if (access(path, F_OK) != 0)
			xasprintf(cause, "no exercise '%s'", id);
		else
			xasprintf(cause, "%s:%d: %s", path, jerr.line,
			    jerr.text);
		free(path);
		return -1;
	}
	free(path);
	*out = xcalloc(1, sizeof **out);
	ex_from_json(*out, j);
	json_decref(j);
	return 0;
}

void
exercise_free(struct exercise *ex)
{
	if (ex == NULL)
		return;
	vm_meta_release(&ex->meta);
	free(ex->id);
	free(ex->domain);
	free(ex->state);
	free(ex->uri);
	free(ex->image);
	free(ex->launch);
	free(ex->forwards);
	exercise_variant_release(&ex->variant);
	if (ex->password != NULL) {
		explicit_bzero(ex->password, strlen(ex->password));
		free(ex->password);
	}
	free(ex);
}

const struct exercise_forward *
exercise_forward(const struct exercise_forward *v, size_t n, unsigned guest)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (v[i].guest == guest)
			return &v[i];
	}
	return NULL;
}

static int
ex_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Does de name an exercise directory with a record? */
static int
ex_has_record(const struct dirent *de)
{
	char	*dir, *p;
	int	 r;

	if (de->d_name[0] == '.')
		return 0;
	dir = exercise_dir(de->d_name);
	p = exercise_path(dir, EXERCISE_RECORD);
	r = access(p, F_OK) == 0;
	free(p);
	free(dir);
	return r;
}

int
exercise_list_ids(char ***ids, size_t *n, char **cause)
{
	char		*parent = config_path("exercises");
	struct dirent	*de;
	DIR		*d;
	int		 rc = -1;

	*ids = NULL;
	*n = 0;
	if ((d = opendir(parent)) == NULL) {
		if (errno == ENOENT)
			rc = 0;
		else
			xasprintf(cause, "cannot read '%s': %s", parent,
			    strerror(errno));
		goto out;
	}
	while ((de = readdir(d)) != NULL) {
		if (!ex_has_record(de))
			continue;
		*ids = xreallocarray(*ids, *n + 1, sizeof **ids);
		(*ids)[(*n)++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (*n > 1)
		qsort(*ids, *n, sizeof **ids, ex_name_cmp);
	rc = 0;
out:
	free(parent);
	return rc;
}

int
exercise_list_up(struct vm_conn *conn, struct vm_entry **out, size_t *n,
    size_t *pooled, char **cause)
{
	struct vm_entry	*v = NULL;
	char		*mine;
	size_t		 nv = 0, i;

	*out = NULL;
	*n = 0;
	if (pooled != NULL)
		*pooled = 0;
	if (vm_list(conn, &v, &nv, cause) != 0)
		return -1;
	mine = exercise_dir("");
	for (i = 0; i < nv; i++) {
		/* Another state directory's (another breakfix): not ours. */
		if (strncmp(v[i].meta.dir, mine, strlen(mine)) != 0) {
			free(v[i].name);
			vm_meta_release(&v[i].meta);
			continue;
		}
		if (*v[i].meta.pool != '\0') {
			if (pooled != NULL)
				(*pooled)++;
			free(v[i].name);
			vm_meta_release(&v[i].meta);
			continue;
		}
		v[(*n)++] = v[i];
	}
	*out = v;
	free(mine);
	return 0;
}

int
exercise_vm_state(struct vm_conn *conn, struct exercise *ex,
    enum vm_state *st, char **cause)
{
	struct vm_meta	 m;
	int		 r;

	memset(&m, 0, sizeof m);
	r = vm_lookup(conn, ex->domain, &m, st, cause);
	vm_meta_release(&m);
	if (r != 0 || *st != VM_STATE_CRASHED || ex->crashed != 0)
		return r;
	free(ex->state);
	ex->state = xstrdup("crashed");
	ex->crashed = time(NULL);
	return exercise_save(ex, cause);
}

struct scenario *
exercise_scenario(const char *dir, struct diag **d)
{
	struct scenario	*sc;
	char		*path = exercise_path(dir, EXERCISE_SCENARIO);

	*d = diag_new(path);
	sc = scenario_load(path, *d);
	free(path);
	return sc;
}

/* The last n lines of buf (in place). */
static void
ex_last_lines(char *buf, int n)
{
	size_t	 len = strlen(buf);
	char	*p;

	for (p = buf + len; p > buf; p--) {
		if (p[-1] == '\n' && p != buf + len && --n == 0)
			break;
	}
	memmove(buf, p, strlen(p) + 1);
}

char *
exercise_console_tail(const char *dir, int n)
{
	char	*path = exercise_path(dir, EXERCISE_CONSOLE), *buf = NULL;
	long	 size;
	FILE	*fp;
	size_t	 got;

	if ((fp = fopen(path, "r")) == NULL)
		goto out;
	fseek(fp, 0, SEEK_END);
	size = ftell(fp);
	fseek(fp, size > EX_TAIL_BYTES ? size - EX_TAIL_BYTES : 0, SEEK_SET);
	buf = xmalloc(EX_TAIL_BYTES + 1);
	got = fread(buf, 1, EX_TAIL_BYTES, fp);
	buf[got] = '\0';
	fclose(fp);
	util_defang(buf);
	ex_last_lines(buf, n);
out:
	free(path);
	return buf;
}
