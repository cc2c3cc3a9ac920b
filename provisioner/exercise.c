/*
 * exercise.c - one candidate's exercise: create, wait, record, tear down.
 */
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <dirent.h>
#include <stdarg.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "candidate.h"
#include "check.h"
#include "credentials.h"
#include "config.h"
#include "exercise.h"
#include "guest.h"
#include "image.h"
#include "inject.h"
#include "keys.h"
#include "spawn.h"
#include "units.h"
#include "util.h"

#define EX_TTL_DEFAULT		(2 * 3600)
#define EX_BOOT_TCG		300	/* seconds to SSH, cold, under TCG */
#define EX_BOOT_KVM		120
#define EX_KVM_LIFE		10	/* a KVM guest silent this long hangs */
#define EX_KVM_VERDICT		"accel-kvm-broken"
#define EX_SETTLE_MS		(2 * 60 * 1000)	/* boot after SSH answers */
#define EX_WARM_SSH		60	/* seconds to SSH, restored */

static void
ex_note(const struct exercise_opts *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
ex_note(const struct exercise_opts *o, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	if (o->note == NULL)
		return;
	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	o->note(msg, o->arg);
	free(msg);
}

static int
ex_cancelled(const struct exercise_opts *o)
{
	return o->cancelled != NULL && o->cancelled();
}

/* <scenario>-<4 hex digits>: short enough to type, unlikely to clash. */
static char *
ex_new_id(const char *name)
{
	unsigned char	 r[2] = { 0, 0 };
	char		*id;

	if (getrandom(r, sizeof r, 0) != sizeof r) {
		r[0] = (unsigned char)getpid();
		r[1] = (unsigned char)time(NULL);
	}
	xasprintf(&id, "%s-%02x%02x", name, r[0], r[1]);
	return id;
}

/* A port on 127.0.0.1 that nothing listens on right now. */
static int
ex_free_port(unsigned *port, char **cause)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof sin;
	int			 s;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((s = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    bind(s, (struct sockaddr *)&sin, sizeof sin) == -1 ||
	    getsockname(s, (struct sockaddr *)&sin, &len) == -1) {
		xasprintf(cause, "cannot find a free port: %s",
		    strerror(errno));
		if (s != -1)
			close(s);
		return -1;
	}
	close(s);
	*port = ntohs(sin.sin_port);
	return 0;
}

static char *
ex_dir(const char *id)
{
	char	*sub, *dir;

	xasprintf(&sub, "exercises/%s", id);
	dir = config_path(sub);
	free(sub);
	return dir;
}

static char *
ex_file(const char *dir, const char *name)
{
	char	*p;

	xasprintf(&p, "%s/%s", dir, name);
	return p;
}

/*
 * State directories: QEMU runs as another user and must reach the
 * overlay, so directories can be traversed (not listed) by others.
 */
static int
ex_mkdirs(const char *dir, char **cause)
{
	return config_mkdir("exercises", 0711, cause) != 0 ||
	    util_mkdir(dir, 0711, 0, cause) != 0 ? -1 : 0;
}

/* Remove the files breakfix put in an exercise directory, then it. */
static void
ex_remove_dir(const char *dir)
{
	static const char *const files[] = {
		"disk.qcow2", "known_hosts", "console.log", "exercise.json",
		"exercise.json.tmp", "scenario.yaml", "events.log",
		"authorized_keys", "audit.log", NULL
	};
	size_t	 i;
	char	*p;

	for (i = 0; files[i] != NULL; i++) {
		p = ex_file(dir, files[i]);
		unlink(p);
		free(p);
	}
	credentials_remove(dir);
	p = ex_file(dir, "sessions");
	rmdir(p);		/* empty: no candidate got in */
	free(p);
	rmdir(dir);
}

static json_t *
ex_to_json(const struct exercise *ex)
{
	const struct vm_meta	*m = &ex->meta;

	return json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:s?, s:s?, s:s?, "
	    "s:s, s:I, s:I, s:I, s:i, s:s, s:i, s:i, s:i, s:i, s:s?, s:s?, "
	    "s:I, s:i, s:I}",
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
	    (int)ex->shape.vcpus, "disk", (json_int_t)ex->shape.disk);
}

int
exercise_save(const struct exercise *ex, char **cause)
{
	json_t	*j = ex_to_json(ex);
	char	*path = ex_file(ex->meta.dir, "exercise.json");
	int	 rc;

	/* 0644: the gateway, unprivileged, reads it to let candidates in. */
	rc = util_write_json(j, path, 0644, cause);
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

static time_t
ex_json_time(json_t *o, const char *key)
{
	return (time_t)json_integer_value(json_object_get(o, key));
}

int
exercise_load(const char *id, struct exercise **out, char **cause)
{
	struct exercise	*ex;
	json_error_t	 jerr;
	json_t		*j;
	char		*dir = ex_dir(id), *path = ex_file(dir, "exercise.json");

	*out = NULL;
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
	ex = xcalloc(1, sizeof *ex);
	ex->id = ex_json_str(j, "id");
	ex->domain = ex_json_str(j, "domain");
	ex->state = ex_json_str(j, "state");
	ex->uri = ex_json_str(j, "uri");
	ex->image = ex_json_str(j, "image");
	ex->meta.id = xstrdup(ex->id);
	ex->meta.scenario = ex_json_str(j, "scenario");
	ex->meta.scenario_file = ex_json_str(j, "scenario_file");
	ex->meta.candidate = ex_json_str(j, "candidate");
	ex->meta.dir = ex_json_str(j, "dir");
	ex->meta.created = ex_json_time(j, "created");
	ex->meta.expires = ex_json_time(j, "expires");
	ex->meta.port = (unsigned)json_integer_value(json_object_get(j,
	    "port"));
	ex->meta.accel = strcmp(json_string_value(json_object_get(j,
	    "accel")) ? json_string_value(json_object_get(j, "accel")) : "",
	    "kvm") == 0 ? VM_ACCEL_KVM : VM_ACCEL_TCG;
	ex->downed = ex_json_time(j, "downed");
	ex->boot_ms = (int)json_integer_value(json_object_get(j, "boot_ms"));
	ex->faults_ms = (int)json_integer_value(json_object_get(j,
	    "faults_ms"));
	ex->ready_ms = (int)json_integer_value(json_object_get(j, "ready_ms"));
	ex->vm_ms = (int)json_integer_value(json_object_get(j, "vm_ms"));
	ex->launch = ex_json_str(j, "launch");
	ex->meta.pool = ex_json_str(j, "pool");
	ex->shape.image = ex->image;
	ex->shape.memory = (uint64_t)json_integer_value(json_object_get(j,
	    "memory"));
	ex->shape.vcpus = (unsigned)json_integer_value(json_object_get(j,
	    "vcpus"));
	ex->shape.disk = (uint64_t)json_integer_value(json_object_get(j,
	    "disk"));
	json_decref(j);
	*out = ex;
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
	if (ex->password != NULL) {
		explicit_bzero(ex->password, strlen(ex->password));
		free(ex->password);
	}
	free(ex);
}

static int
ex_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
exercise_list_ids(char ***ids, size_t *n, char **cause)
{
	char		*parent = config_path("exercises"), *p;
	struct dirent	*de;
	DIR		*d;

	*ids = NULL;
	*n = 0;
	if ((d = opendir(parent)) == NULL) {
		int r = 0;
		if (errno != ENOENT) {
			xasprintf(cause, "cannot read '%s': %s", parent,
			    strerror(errno));
			r = -1;
		}
		free(parent);
		return r;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		xasprintf(&p, "%s/%s/exercise.json", parent, de->d_name);
		if (access(p, F_OK) == 0) {
			*ids = xreallocarray(*ids, *n + 1, sizeof **ids);
			(*ids)[(*n)++] = xstrdup(de->d_name);
		}
		free(p);
	}
	closedir(d);
	free(parent);
	if (*n > 1)
		qsort(*ids, *n, sizeof **ids, ex_name_cmp);
	return 0;
}

char *
exercise_console_tail(const char *dir, int n)
{
	char	*path = ex_file(dir, "console.log"), *buf = NULL, *p;
	long	 size, start;
	FILE	*fp;
	size_t	 got;

	if ((fp = fopen(path, "r")) == NULL)
		goto out;
	fseek(fp, 0, SEEK_END);
	size = ftell(fp);
	start = size > 8192 ? size - 8192 : 0;
	fseek(fp, start, SEEK_SET);
	buf = xmalloc(8192 + 1);
	got = fread(buf, 1, 8192, fp);
	buf[got] = '\0';
	fclose(fp);
	util_defang(buf);
	got = strlen(buf);
	/* Keep the last n lines. */
	for (p = buf + got; p > buf; p--) {
		if (p[-1] == '\n' && p != buf + got && --n == 0)
			break;
	}
	memmove(buf, p, strlen(p) + 1);
out:
	free(path);
	return buf;
}

/* The remembered verdict that KVM guests hang on this host, if any. */
static int
ex_kvm_known_broken(void)
{
	char	*p = config_path(EX_KVM_VERDICT);
	int	 r = access(p, F_OK) == 0;

	free(p);
	return r;
}

static void
ex_kvm_mark_broken(const char *why)
{
	char	*p = config_path(EX_KVM_VERDICT);
	FILE	*fp;

	if ((fp = fopen(p, "w")) != NULL) {
		fprintf(fp, "%s\n", why);
		fclose(fp);
	}
	free(p);
}

#define EX_CAP_SYS_RESOURCE 24

int
exercise_can_hard_limit(struct vm_conn *conn, char **why)
{
	int	 pid;

	if (strncmp(vm_uri(conn), "qemu:///", 8) != 0) {
		*why = xstrdup("remote libvirt, assumed able");
		return 1;
	}
	if ((pid = util_pid_of("libvirtd")) == -1) {
		*why = xstrdup("libvirtd not found on this host, assumed able");
		return 1;
	}
	if (util_has_capability(pid, EX_CAP_SYS_RESOURCE)) {
		*why = xstrdup("libvirtd has CAP_SYS_RESOURCE");
		return 1;
	}
	*why = xstrdup("libvirtd lacks CAP_SYS_RESOURCE (a container?), so "
	    "QEMU's memory cannot be capped");
	return 0;
}

enum vm_accel
exercise_auto_accel(struct vm_conn *conn, char **why)
{
	(void)conn;
	if (access("/dev/kvm", R_OK | W_OK) != 0) {
		xasprintf(why, "/dev/kvm is not usable: %s", strerror(errno));
		return VM_ACCEL_TCG;
	}
	if (ex_kvm_known_broken()) {
		char *p = config_path(EX_KVM_VERDICT);
		xasprintf(why, "KVM guests did not start here before (remove "
		    "%s to try again)", p);
		free(p);
		return VM_ACCEL_TCG;
	}
	*why = xstrdup("/dev/kvm is usable");
	return VM_ACCEL_KVM;
}

static int
ex_overlay(const struct image *img, uint64_t bytes, const char *path,
    char **cause)
{
	const char	*argv[12];
	char		 size[32], *out = NULL;
	int		 rc;

	/* An overlay cannot be smaller than its base image. */
	if (bytes < img->virtual_size)
		bytes = img->virtual_size;
	snprintf(size, sizeof size, "%llu", (unsigned long long)bytes);
	argv[0] = "qemu-img";
	argv[1] = "create";
	argv[2] = "-q";
	argv[3] = "-f";
	argv[4] = "qcow2";
	argv[5] = "-F";
	argv[6] = "qcow2";
	argv[7] = "-b";
	argv[8] = img->disk;
	argv[9] = path;
	argv[10] = size;
	argv[11] = NULL;
	rc = spawn_run(argv, NULL, &out, cause);
	free(out);
	return rc;
}

/* The guest's host keys as the forward on 127.0.0.1:port presents them. */
static int
ex_known_hosts(const struct image *img, const char *path, unsigned port,
    char **cause)
{
	FILE	*fp;
	size_t	 i;

	if (img->nhost_keys == 0) {
		xasprintf(cause, "image '%s' records no SSH host keys",
		    img->name);
		return -1;
	}
	if ((fp = fopen(path, "w")) == NULL) {
		xasprintf(cause, "cannot write '%s': %s", path,
		    strerror(errno));
		return -1;
	}
	for (i = 0; i < img->nhost_keys; i++)
		fprintf(fp, "[127.0.0.1]:%u %s\n", port, img->host_keys[i]);
	if (fclose(fp) != 0) {
		xasprintf(cause, "cannot write '%s': %s", path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* Wait until the console log has something in it: a sign of life. */
static int
ex_wait_life(const char *log, int seconds, const struct exercise_opts *o)
{
	struct stat	 st;
	long long	 deadline = util_now_ms() + seconds * 1000LL;

	while (util_now_ms() < deadline && !ex_cancelled(o)) {
		if (stat(log, &st) == 0 && st.st_size > 0)
			return 1;
		usleep(200 * 1000);
	}
	return 0;
}

struct ex_up {
	struct vm_conn			*conn;
	const struct scenario		*sc;
	const struct exercise_opts	*o;
	struct image			*img;
	struct exercise			*ex;
	char				*disk;
	char				*log;
	char				*known_hosts;
	char				*admin_key;
	struct guest			*guest;		/* once it answers */
	int				 defined;
};

static int
ex_start(struct ex_up *u, enum vm_accel accel, char **cause)
{
	struct vm_spec	 spec;
	char		*why = NULL;

	memset(&spec, 0, sizeof spec);
	spec.name = u->ex->domain;
	spec.kernel = u->img->kernel;
	spec.initrd = u->img->initrd;
	spec.cmdline = u->img->cmdline;
	spec.disk = u->disk;
	spec.console_log = u->log;
	spec.memory = u->ex->shape.memory;
	spec.vcpus = u->ex->shape.vcpus;
	spec.accel = accel;
	spec.hard_limit = exercise_can_hard_limit(u->conn, &why);
	free(why);
	u->ex->meta.accel = accel;
	spec.meta = u->ex->meta;
	unlink(u->log);
	if (vm_create(u->conn, &spec, cause) != 0)
		return -1;
	u->defined = 1;
	return 0;
}

/*
 * Start the domain with KVM if asked or if auto finds it usable; a KVM
 * guest that prints nothing within EX_KVM_LIFE seconds is not coming up
 * (seen with KVM modules that cannot run stock kernels), so auto falls
 * back to TCG and remembers.
 */
static int
ex_boot(struct ex_up *u, char **cause)
{
	enum vm_accel	 accel = VM_ACCEL_TCG;
	char		*why = NULL, mem[UNITS_BUFSZ];

	if (u->o->accel == EXERCISE_ACCEL_KVM)
		accel = VM_ACCEL_KVM;
	else if (u->o->accel == EXERCISE_ACCEL_AUTO) {
		accel = exercise_auto_accel(u->conn, &why);
		free(why);
	}
	ex_note(u->o, "starting %s (%s, %s memory, %u vCPU)", u->ex->domain,
	    vm_accel_name(accel), units_format_size(u->ex->shape.memory, mem),
	    u->ex->shape.vcpus);
	if (ex_start(u, accel, cause) != 0)
		return -1;
	if (accel == VM_ACCEL_TCG ||
	    ex_wait_life(u->log, EX_KVM_LIFE, u->o))
		return 0;
	if (ex_cancelled(u->o)) {
		xasprintf(cause, "interrupted");
		return -1;
	}
	if (vm_destroy(u->conn, u->ex->domain, cause) != 0)
		return -1;
	u->defined = 0;
	if (u->o->accel == EXERCISE_ACCEL_KVM) {
		xasprintf(cause, "the KVM guest printed nothing on its console "
		    "within %d s: KVM does not work on this host (use --accel "
		    "tcg)", EX_KVM_LIFE);
		return -1;
	}
	ex_kvm_mark_broken("a KVM guest printed nothing on its console");
	ex_note(u->o, "KVM guest showed no sign of life within %d s; "
	    "falling back to TCG (software emulation)", EX_KVM_LIFE);
	return ex_start(u, VM_ACCEL_TCG, cause);
}

/* The domain is still running: a guest that died will never answer. */
static int
ex_still_running(struct ex_up *u, char **cause)
{
	struct vm_meta	 m;
	enum vm_state	 st;
	int		 r;

	memset(&m, 0, sizeof m);
	r = vm_lookup(u->conn, u->ex->domain, &m, &st, cause);
	vm_meta_release(&m);
	if (r == 0 && st == VM_STATE_RUNNING)
		return 1;
	if (r >= 0)
		xasprintf(cause, "the VM stopped while booting");
	return 0;
}

/*
 * Progress while waiting for SSH: a note every 10 s; stop on Ctrl-C or
 * when the VM has died (a dead guest will never answer).
 */
struct ex_wait {
	struct ex_up	*u;
	char		*why;		/* why the wait was stopped */
	int		 next_note;
};

static int
ex_wait_progress(int waited_ms, void *arg)
{
	struct ex_wait	*w = arg;

	if (ex_cancelled(w->u->o)) {
		w->why = xstrdup("interrupted");
		return 1;
	}
	if (!ex_still_running(w->u, &w->why))
		return 1;
	if (waited_ms >= w->next_note) {
		ex_note(w->u->o, "waiting for the VM to answer SSH on port %u "
		    "(%d s)", w->u->ex->meta.port, waited_ms / 1000);
		w->next_note += 10000;
	}
	return 0;
}

/* Log in as the admin once, to know the guest is up. */
static int
ex_wait_ssh(struct ex_up *u, int timeout_s, char **cause)
{
	struct ex_wait	 w;
	struct guest	*g;
	long long	 start = util_now_ms();
	char		*err = NULL;

	memset(&w, 0, sizeof w);
	w.u = u;
	w.next_note = 5000;
	g = guest_connect("127.0.0.1", u->ex->meta.port, EXERCISE_ADMIN_USER,
	    u->admin_key, u->known_hosts, timeout_s * 1000, ex_wait_progress,
	    &w, &err);
	if (g == NULL) {
		if (w.why != NULL)
			xasprintf(cause, "%s", w.why);
		else
			xasprintf(cause, "the VM did not answer SSH: %s", err);
		free(w.why);
		free(err);
		return -1;
	}
	u->ex->boot_ms = (int)(util_now_ms() - start);
	u->guest = g;
	return 0;
}

/*
 * SSH answers before the last units have started; faults applied then
 * could be undone by a unit starting after them.
 */
static void
ex_wait_booted(struct ex_up *u)
{
	char	*err = NULL, *ignored = NULL;
	int	 status;

	if (inject_root(u->guest, "systemctl is-system-running --wait",
	    NULL, EX_SETTLE_MS, &status, &err, &ignored) != 0)
		free(ignored);
	else if (status != 0)
		ex_note(u->o, "the guest finished booting %s",
		    status == -1 ? "late (still starting units)" : "degraded");
	free(err);
}

/* Apply every fault in order, each proven, then every check must fail. */
static int
ex_break(struct ex_up *u, char **cause)
{
	const struct scenario	*sc = u->sc;
	struct check_result	*r = NULL;
	long long		 start = util_now_ms();
	char			*pub = NULL;
	size_t			 i;
	int			 rc = -1;

	ex_note(u->o, "account '%s' (%s) and the briefing at login",
	    sc->candidate_user, sc->candidate_sudo ? "with sudo" : "no sudo");
	if ((pub = credentials_relay_pub(u->ex->meta.dir)) == NULL) {
		xasprintf(cause, "no relay key in '%s'", u->ex->meta.dir);
		goto out;
	}
	if (candidate_setup(u->guest, sc, pub, cause) != 0)
		goto out;
	for (i = 0; i < sc->nfaults; i++) {
		ex_note(u->o, "fault %zu/%zu: %s (%s)", i + 1, sc->nfaults,
		    sc->faults[i].id, sc->faults[i].kind->name);
		if (inject_apply(u->guest, &sc->faults[i], cause) != 0)
			goto out;
	}
	u->ex->faults_ms = (int)(util_now_ms() - start);
	ex_note(u->o, "faults in and proven (%.1f s); running the checks, "
	    "which must all fail now", u->ex->faults_ms / 1000.0);
	if (check_run_all(u->guest, sc, &r, cause) != 0 ||
	    check_log(u->ex->meta.dir, time(NULL), r, sc->nchecks, cause) != 0)
		goto out;
	for (i = 0; i < sc->nchecks; i++) {
		if (r[i].pass) {
			xasprintf(cause, "check '%s' passes with every fault "
			    "applied: the scenario does not break what it "
			    "checks", r[i].check->id);
			goto out;
		}
	}
	rc = 0;
out:
	free(pub);
	if (r != NULL)
		check_results_free(r, sc->nchecks);
	return rc;
}

static void
ex_up_release(struct ex_up *u)
{
	guest_close(u->guest);
	image_free(u->img);
	free(u->disk);
	free(u->log);
	free(u->known_hosts);
	free(u->admin_key);
}

/*
 * Keep the scenario as it was at launch: checks and reviewers must see
 * what ran, whatever happens to the file later.
 */
static int
ex_copy_scenario(const struct scenario *sc, const char *dir, char **cause)
{
	char	*dst = ex_file(dir, "scenario.yaml"), buf[8192];
	FILE	*in = NULL, *out = NULL;
	size_t	 n;
	int	 rc = -1;

	if ((in = fopen(sc->path, "r")) == NULL ||
	    (out = fopen(dst, "w")) == NULL) {
		xasprintf(cause, "cannot copy '%s' to '%s': %s", sc->path, dst,
		    strerror(errno));
		goto out;
	}
	while ((n = fread(buf, 1, sizeof buf, in)) != 0)
		fwrite(buf, 1, n, out);
	if (ferror(in) || fclose(out) != 0) {
		out = NULL;
		xasprintf(cause, "cannot copy '%s' to '%s'", sc->path, dst);
		goto out;
	}
	out = NULL;
	rc = 0;
out:
	if (in != NULL)
		fclose(in);
	if (out != NULL)
		fclose(out);
	free(dst);
	return rc;
}

/* The VM and its files: directory, port, host keys, overlay. */
static int
ex_prepare_vm(struct ex_up *u, char **cause)
{
	struct exercise	*ex = u->ex;
	unsigned	 port;

	if (image_load(ex->image, &u->img, cause) != 0 ||
	    keys_admin_paths(&u->admin_key, NULL, cause) != 0 ||
	    ex_free_port(&port, cause) != 0)
		return -1;
	ex->meta.port = port;
	if (ex_mkdirs(ex->meta.dir, cause) != 0)
		return -1;
	u->disk = ex_file(ex->meta.dir, "disk.qcow2");
	u->log = ex_file(ex->meta.dir, "console.log");
	u->known_hosts = ex_file(ex->meta.dir, "known_hosts");
	if (exercise_save(ex, cause) != 0 ||
	    ex_known_hosts(u->img, u->known_hosts, port, cause) != 0)
		return -1;
	ex_note(u->o, "creating overlay on image %s", u->img->name);
	return ex_overlay(u->img, ex->shape.disk, u->disk, cause);
}

/* What belongs to this candidate: credentials and the scenario's copy. */
static int
ex_personalise(struct ex_up *u, char **cause)
{
	struct exercise	*ex = u->ex;

	if (credentials_make(ex->meta.dir, u->o->candidate_key, &ex->password,
	    cause) != 0 || exercise_save(ex, cause) != 0)
		return -1;
	return ex_copy_scenario(u->sc, ex->meta.dir, cause);
}

/* Boot a new VM and wait for breakfix's login. */
static int
ex_cold(struct ex_up *u, char **cause)
{
	int	 timeout = u->o->boot_timeout;

	free(u->ex->launch);
	u->ex->launch = xstrdup("cold");
	if (ex_prepare_vm(u, cause) != 0 || ex_personalise(u, cause) != 0 ||
	    ex_boot(u, cause) != 0)
		return -1;
	if (timeout == 0)
		timeout = u->ex->meta.accel == VM_ACCEL_KVM ? EX_BOOT_KVM :
		    EX_BOOT_TCG;
	if (ex_wait_ssh(u, timeout, cause) != 0)
		return -1;
	ex_wait_booted(u);
	return 0;
}

/*
 * A guest restored from saved memory still runs on the time it was
 * saved at: set it from the host's before anything reads it.
 */
static int
ex_set_clock(struct ex_up *u, char **cause)
{
	char	*cmd, *err = NULL;
	int	 status, rc;

	xasprintf(&cmd, "date -u -s @%lld >/dev/null", (long long)time(NULL));
	rc = inject_root(u->guest, cmd, NULL, 30 * 1000, &status, &err,
	    cause);
	if (rc == 0 && status != 0) {
		xasprintf(cause, "cannot set the guest's clock: %s",
		    err != NULL ? err : "date failed");
		rc = -1;
	}
	free(err);
	free(cmd);
	return rc;
}

/*
 * Take over the claimed pool member o->pool_id: its id, domain, port and
 * files become this exercise's; start it from its saved memory (warm)
 * or find it running (hot), and wait for breakfix's login.
 */
static int
ex_warm(struct ex_up *u, char **cause)
{
	struct exercise	*ex = u->ex, *pm = NULL;
	struct vm_meta	 m;
	enum vm_state	 st;
	int		 r, rc = -1;

	memset(&m, 0, sizeof m);
	if (exercise_load(u->o->pool_id, &pm, cause) != 0)
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
	u->defined = 1;
	u->disk = ex_file(ex->meta.dir, "disk.qcow2");
	u->log = ex_file(ex->meta.dir, "console.log");
	u->known_hosts = ex_file(ex->meta.dir, "known_hosts");
	if (keys_admin_paths(&u->admin_key, NULL, cause) != 0 ||
	    ex_personalise(u, cause) != 0)
		goto out;
	if ((r = vm_lookup(u->conn, ex->domain, &m, &st, cause)) != 0) {
		if (r == 1)
			xasprintf(cause, "its domain is gone");
		goto out;
	}
	free(ex->launch);
	ex->launch = xstrdup(st == VM_STATE_RUNNING ? "hot" : "warm");
	if (st == VM_STATE_SAVED) {
		ex_note(u->o, "starting pool member %s from its saved memory",
		    ex->id);
		if (vm_start(u->conn, ex->domain, cause) != 0)
			goto out;
	} else if (st != VM_STATE_RUNNING) {
		xasprintf(cause, "its domain is %s", vm_state_name(st));
		goto out;
	} else
		ex_note(u->o, "taking running pool member %s", ex->id);
	/* Booted to the end before it was saved; a hot one kept its time. */
	if (vm_set_meta(u->conn, ex->domain, &ex->meta, ex->meta.accel,
	    cause) != 0 || ex_wait_ssh(u, EX_WARM_SSH, cause) != 0 ||
	    (st == VM_STATE_SAVED && ex_set_clock(u, cause) != 0))
		goto out;
	rc = 0;
out:
	vm_meta_release(&m);
	exercise_free(pm);
	return rc;
}

/* Forget a failed start: domain, directory, and what ex_up holds. */
static void
ex_up_abandon(struct ex_up *u)
{
	char	*ignored = NULL;

	if (vm_destroy(u->conn, u->ex->domain, &ignored) != 0)
		free(ignored);
	if (access(u->ex->meta.dir, F_OK) == 0 && u->disk != NULL)
		ex_remove_dir(u->ex->meta.dir);
	guest_close(u->guest);
	u->guest = NULL;
	u->defined = 0;
	if (u->ex->password != NULL) {
		explicit_bzero(u->ex->password, strlen(u->ex->password));
		free(u->ex->password);
		u->ex->password = NULL;
	}
	free(u->disk);
	free(u->log);
	free(u->known_hosts);
	free(u->admin_key);
	u->disk = u->log = u->known_hosts = u->admin_key = NULL;
}

/*
 * A fresh id and what derives from it. Ids are random; one whose
 * directory exists (an exercise up or kept) is drawn again.
 */
static void
ex_set_id(struct exercise *ex, const char *name)
{
	int	 tries = 0;

	do {
		free(ex->id);
		free(ex->domain);
		free(ex->meta.id);
		free(ex->meta.dir);
		ex->id = ex_new_id(name);
		xasprintf(&ex->domain, VM_NAME_PREFIX "%s", ex->id);
		ex->meta.id = xstrdup(ex->id);
		ex->meta.dir = ex_dir(ex->id);
	} while (access(ex->meta.dir, F_OK) == 0 && ++tries < 16);
}

static struct exercise *
ex_new(struct vm_conn *conn, const char *name,
    const struct exercise_shape *shape)
{
	struct exercise	*ex = xcalloc(1, sizeof *ex);

	ex_set_id(ex, name);
	ex->state = xstrdup("creating");
	ex->uri = xstrdup(vm_uri(conn));
	ex->image = xstrdup(shape->image);
	ex->shape = *shape;
	ex->shape.image = ex->image;
	ex->meta.pool = xstrdup("");
	ex->meta.created = time(NULL);
	return ex;
}

void
exercise_shape_of(const struct scenario *sc, struct exercise_shape *shape)
{
	shape->image = sc->image;
	shape->memory = sc->memory;
	shape->vcpus = sc->vcpus;
	shape->disk = sc->disk;
}

int
exercise_up(struct vm_conn *conn, const struct scenario *sc,
    const struct exercise_opts *o, struct exercise **out,
    char **console_tail, char **cause)
{
	struct exercise_shape	 shape;
	struct ex_up		 u;
	struct exercise		*ex;
	long long		 start = util_now_ms();
	time_t			 ttl = o->ttl;
	int			 rc = -1;

	*out = NULL;
	memset(&u, 0, sizeof u);
	u.conn = conn;
	u.sc = sc;
	u.o = o;
	exercise_shape_of(sc, &shape);
	if (ttl == 0)
		ttl = (time_t)sc->time_limit + 1800 > EX_TTL_DEFAULT ?
		    (time_t)sc->time_limit + 1800 : EX_TTL_DEFAULT;
	u.ex = ex = ex_new(conn, sc->name, &shape);
	ex->meta.scenario = xstrdup(sc->name);
	ex->meta.scenario_file = realpath(sc->path, NULL);
	if (ex->meta.scenario_file == NULL)
		ex->meta.scenario_file = xstrdup(sc->path);
	ex->meta.candidate = xstrdup(o->candidate ? o->candidate : "");
	ex->meta.expires = ex->meta.created + ttl;
	if (o->pool_id != NULL && ex_warm(&u, cause) != 0) {
		ex_note(o, "pool member %s did not come up (%s); booting a "
		    "new VM instead", o->pool_id, *cause);
		free(*cause);
		*cause = NULL;
		ex_up_abandon(&u);
		ex_set_id(ex, sc->name);
	}
	if (u.guest == NULL && ex_cold(&u, cause) != 0)
		goto out;
	ex->vm_ms = (int)(util_now_ms() - start);
	if (ex_break(&u, cause) != 0)
		goto out;
	free(ex->state);
	ex->state = xstrdup("ready");
	ex->ready_ms = (int)(util_now_ms() - start);
	if (exercise_save(ex, cause) != 0)
		goto out;
	*out = ex;
	u.ex = NULL;		/* transferred */
	rc = 0;
out:
	if (rc != 0 && u.ex != NULL) {
		if (console_tail != NULL && u.log != NULL)
			*console_tail = exercise_console_tail(u.ex->meta.dir,
			    15);
		ex_up_abandon(&u);
	}
	exercise_free(u.ex);
	ex_up_release(&u);
	return rc;
}

int
exercise_pool_make(struct vm_conn *conn, const struct exercise_shape *shape,
    const char *stamp, int hot, const struct exercise_opts *o, char **id,
    char **cause)
{
	struct ex_up	 u;
	int		 timeout = o->boot_timeout, rc = -1;

	*id = NULL;
	memset(&u, 0, sizeof u);
	u.conn = conn;
	u.o = o;
	u.ex = ex_new(conn, "ex", shape);
	free(u.ex->state);
	u.ex->state = xstrdup("filling");
	free(u.ex->meta.pool);
	u.ex->meta.pool = xstrdup(stamp);
	u.ex->launch = xstrdup(hot ? "hot" : "warm");
	if (timeout == 0)
		timeout = EX_BOOT_TCG;
	if (ex_prepare_vm(&u, cause) != 0 || ex_boot(&u, cause) != 0 ||
	    ex_wait_ssh(&u, timeout, cause) != 0)
		goto out;
	ex_wait_booted(&u);
	guest_close(u.guest);
	u.guest = NULL;
	if (!hot && vm_managed_save(conn, u.ex->domain, cause) != 0)
		goto out;
	free(u.ex->state);
	u.ex->state = xstrdup("pooled");
	if (exercise_save(u.ex, cause) != 0)
		goto out;
	*id = xstrdup(u.ex->id);
	rc = 0;
out:
	if (rc != 0)
		ex_up_abandon(&u);
	exercise_free(u.ex);
	ex_up_release(&u);
	return rc;
}

int
exercise_discard(struct vm_conn *conn, const char *id, char **cause)
{
	char	*domain, *dir = ex_dir(id);
	int	 rc;

	xasprintf(&domain, VM_NAME_PREFIX "%s", id);
	if ((rc = vm_destroy(conn, domain, cause)) == 0)
		ex_remove_dir(dir);
	free(domain);
	free(dir);
	return rc;
}

struct guest *
exercise_connect(const struct exercise *ex, int timeout_s, char **cause)
{
	struct guest	*g;
	char		*key = NULL, *kh = ex_file(ex->meta.dir, "known_hosts");

	g = NULL;
	if (keys_admin_paths(&key, NULL, cause) == 0)
		g = guest_connect("127.0.0.1", ex->meta.port,
		    EXERCISE_ADMIN_USER, key, kh, timeout_s * 1000, NULL, NULL,
		    cause);
	free(key);
	free(kh);
	return g;
}

int
exercise_down(struct vm_conn *conn, const char *id, int *was_up,
    char **cause)
{
	struct exercise	*ex = NULL;
	struct vm_meta	 m;
	enum vm_state	 st;
	char		*domain, *p, *err = NULL;
	int		 r, rc = -1;

	*was_up = 0;
	memset(&m, 0, sizeof m);
	xasprintf(&domain, VM_NAME_PREFIX "%s", id);
	if ((r = vm_lookup(conn, domain, &m, &st, cause)) < 0)
		goto out;
	if (exercise_load(id, &ex, &err) != 0 && r == 1) {
		*cause = err;		/* neither record nor domain */
		err = NULL;
		goto out;
	}
	*was_up = r == 0;
	if (r == 0 && vm_destroy(conn, domain, cause) != 0)
		goto out;
	if (ex != NULL) {
		p = ex_file(ex->meta.dir, "disk.qcow2");
		unlink(p);
		free(p);
		p = ex_file(ex->meta.dir, "known_hosts");
		unlink(p);
		free(p);
		credentials_remove(ex->meta.dir);
		if (strcmp(ex->state, "down") != 0) {
			free(ex->state);
			ex->state = xstrdup("down");
			ex->downed = time(NULL);
			if (exercise_save(ex, cause) != 0)
				goto out;
		}
	}
	rc = 0;
out:
	vm_meta_release(&m);
	exercise_free(ex);
	free(domain);
	free(err);
	return rc;
}
