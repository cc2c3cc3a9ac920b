/*
 * launch.c - bring an exercise up (boot, log in, break it) and down.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "admin.h"
#include "candidate.h"
#include "check.h"
#include "credentials.h"
#include "disks.h"
#include "image.h"
#include "inject.h"
#include "keys.h"
#include "launch-int.h"
#include "spawn.h"
#include "units.h"
#include "util.h"

#define LAUNCH_TTL_DEFAULT	(2 * 3600)
#define LAUNCH_ID_RANDOM	8	/* characters of an exercise id */
#define LAUNCH_BOOT_TCG		300	/* seconds to the agent, cold, TCG */
#define LAUNCH_BOOT_KVM		120
#define LAUNCH_KVM_LIFE		10	/* a KVM guest silent this long hangs */
#define LAUNCH_SETTLE_MS	(2 * 60 * 1000)	/* boot after the agent */
#define LAUNCH_KEYS_MS		(2 * 60 * 1000)	/* first boot's host key */
#define LAUNCH_FORWARD_TRIES	5	/* free ports tried per forward */

void
launch_note(const struct launch_opts *o, const char *fmt, ...)
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

int
launch_cancelled(const struct launch *l)
{
	return l->o->cancelled != NULL && l->o->cancelled();
}

/*
 * <name>-<8 characters>: short enough to read out, and about 40 bits,
 * so that an id is no key to an exercise (nobody lists exercises/ but
 * root). The characters have no look-alikes (util.h).
 */
static char *
launch_random_id(const char *name)
{
	char	 r[LAUNCH_ID_RANDOM + 1], *id;
	size_t	 i;

	for (i = 0; i < LAUNCH_ID_RANDOM; i++)
		r[i] = UTIL_READABLE[arc4random_uniform(
		    sizeof UTIL_READABLE - 1)];
	r[i] = '\0';
	xasprintf(&id, "%s-%s", name, r);
	return id;
}

/* A port on 127.0.0.1 that nothing listens on right now. */
static int
launch_free_port(unsigned *port, char **cause)
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

/*
 * Ids are random; one whose directory exists (an exercise up or kept)
 * is drawn again.
 */
void
launch_new_id(struct launch *l, const char *name)
{
	struct exercise	*ex = l->ex;
	int		 tries = 0;

	do {
		free(ex->id);
		free(ex->domain);
		free(ex->meta.id);
		free(ex->meta.dir);
		ex->id = launch_random_id(name);
		ex->domain = exercise_domain(ex->id);
		ex->meta.id = xstrdup(ex->id);
		ex->meta.dir = exercise_dir(ex->id);
	} while (access(ex->meta.dir, F_OK) == 0 && ++tries < 16);
}

void
launch_shape_of(const struct scenario *sc, struct exercise_shape *shape)
{
	shape->image = sc->image;
	shape->memory = sc->memory;
	shape->vcpus = sc->vcpus;
	shape->disk = sc->disk;
	shape->ndisks = sc->ndisks;
}

/* The variant the scenario was read as, for the record and reviewers. */
static void
launch_variant(struct exercise *ex, const struct scenario *sc)
{
	struct exercise_variant	*v = &ex->variant;
	size_t			 i;

	exercise_variant_release(v);
	if (sc->vars == NULL || sc->vars->n == 0)
		return;
	v->seed = sc->seed;
	v->names = xcalloc(sc->vars->n, sizeof *v->names);
	v->values = xcalloc(sc->vars->n, sizeof *v->values);
	for (i = 0; i < sc->vars->n; i++) {
		v->names[i] = xstrdup(sc->vars->v[i].name);
		v->values[i] = xstrdup(sc->vars->v[i].value);
	}
	v->n = sc->vars->n;
}

/* What the scenario and the options say about the exercise. */
static void
launch_for_scenario(struct launch *l)
{
	const struct scenario	*sc = l->sc;
	struct vm_meta		*m = &l->ex->meta;
	time_t			 ttl = l->o->ttl;

	if (ttl == 0)
		ttl = (time_t)sc->time_limit + 1800 > LAUNCH_TTL_DEFAULT ?
		    (time_t)sc->time_limit + 1800 : LAUNCH_TTL_DEFAULT;
	m->scenario = xstrdup(sc->name);
	if ((m->scenario_file = realpath(sc->path, NULL)) == NULL)
		m->scenario_file = xstrdup(sc->path);
	m->candidate = xstrdup(l->o->candidate ? l->o->candidate : "");
	m->expires = m->created + ttl;
	launch_variant(l->ex, sc);
}

void
launch_init(struct launch *l, struct vm_conn *conn,
    const struct scenario *sc, const struct exercise_shape *shape,
    const char *name, const struct launch_opts *o)
{
	struct exercise	*ex;

	memset(l, 0, sizeof *l);
	l->conn = conn;
	l->sc = sc;
	l->o = o;
	l->start = util_now_ms();
	l->ex = ex = xcalloc(1, sizeof *ex);
	launch_new_id(l, name);
	ex->state = xstrdup("creating");
	ex->uri = xstrdup(vm_uri(conn));
	ex->image = xstrdup(shape->image);
	ex->shape = *shape;
	ex->shape.image = ex->image;
	ex->meta.pool = xstrdup("");
	ex->meta.created = time(NULL);
	if (sc != NULL)
		launch_for_scenario(l);
}

static void
launch_release_files(struct launch *l)
{
	free(l->disk);
	free(l->log);
	free(l->known_hosts);
	free(l->admin_key);
	l->disk = l->log = l->known_hosts = l->admin_key = NULL;
}

void
launch_release(struct launch *l)
{
	admin_close(l->admin);
	image_free(l->img);
	exercise_free(l->ex);
	launch_release_files(l);
	memset(l, 0, sizeof *l);
}

void
launch_abandon(struct launch *l)
{
	struct exercise	*ex = l->ex;
	char		*ignored = NULL;

	if (vm_destroy(l->conn, ex->domain, &ignored) != 0)
		free(ignored);
	if (access(ex->meta.dir, F_OK) == 0 && l->disk != NULL)
		exercise_remove_dir(ex->meta.dir);
	admin_close(l->admin);
	l->admin = NULL;
	free(ex->forwards);		/* they went with the domain */
	ex->forwards = NULL;
	ex->nforwards = 0;
	if (ex->password != NULL) {
		explicit_bzero(ex->password, strlen(ex->password));
		free(ex->password);
		ex->password = NULL;
	}
	launch_release_files(l);
}

void
launch_files(struct launch *l)
{
	const char	*dir = l->ex->meta.dir;

	free(l->disk);
	free(l->log);
	free(l->known_hosts);
	l->disk = exercise_path(dir, EXERCISE_DISK);
	l->log = exercise_path(dir, EXERCISE_CONSOLE);
	l->known_hosts = exercise_path(dir, EXERCISE_KNOWN_HOSTS);
}

static int
launch_overlay(const struct image *img, uint64_t bytes, const char *path,
    char **cause)
{
	/* An overlay cannot be smaller than its base image. */
	if (bytes < img->virtual_size)
		bytes = img->virtual_size;
	return disks_qcow2(path, bytes, img->disk, cause);
}

/*
 * The guest's host keys (admin_host_keys' lines) as the forward on
 * 127.0.0.1:port presents them.
 */
static int
launch_known_hosts(const char *keys, const char *dir, const char *path,
    unsigned port, char **cause)
{
	FILE		*fp;
	const char	*p;
	size_t		 len;
	int		 fd;

	if ((fd = exercise_create(dir, EXERCISE_KNOWN_HOSTS, 0, 0,
	    cause)) == -1)
		return -1;
	if ((fp = fdopen(fd, "w")) == NULL) {
		close(fd);
		xasprintf(cause, "cannot write '%s': %s", path,
		    strerror(errno));
		return -1;
	}
	for (p = keys; *p != '\0'; p += len + (p[len] == '\n')) {
		if ((len = strcspn(p, "\n")) != 0)
			fprintf(fp, "[127.0.0.1]:%u %.*s\n", port, (int)len, p);
	}
	if (fclose(fp) != 0) {
		xasprintf(cause, "cannot write '%s': %s", path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

int
launch_prepare_vm(struct launch *l, char **cause)
{
	struct exercise	*ex = l->ex;
	unsigned	 port;

	if (image_load(ex->image, &l->img, cause) != 0 ||
	    keys_admin_paths(&l->admin_key, NULL, cause) != 0 ||
	    launch_free_port(&port, cause) != 0)
		return -1;
	ex->meta.port = port;
	if (exercise_mkdir(ex->meta.dir, cause) != 0)
		return -1;
	launch_files(l);
	if (exercise_save(ex, cause) != 0)
		return -1;
	launch_note(l->o, "creating overlay on image %s", l->img->name);
	if (launch_overlay(l->img, ex->shape.disk, l->disk, cause) != 0)
		return -1;
	if (l->sc == NULL || l->sc->ndisks == 0)
		return 0;
	launch_note(l->o, "creating %zu more disk(s)", l->sc->ndisks);
	return disks_create(ex->meta.dir, l->sc->disks, l->sc->ndisks, cause);
}

/* Wait until the console log has something in it: a sign of life. */
static int
launch_wait_life(struct launch *l, int seconds)
{
	struct stat	 st;
	long long	 deadline = util_now_ms() + seconds * 1000LL;

	while (util_now_ms() < deadline && !launch_cancelled(l)) {
		if (stat(l->log, &st) == 0 && st.st_size > 0)
			return 1;
		usleep(200 * 1000);
	}
	return 0;
}

static int
launch_start(struct launch *l, enum vm_accel accel, char **cause)
{
	const char	*files[SCENARIO_DISKS_MAX], *serials[SCENARIO_DISKS_MAX];
	char		*paths[SCENARIO_DISKS_MAX];
	struct vm_spec	 spec;
	char		*why = NULL;
	size_t		 i, n = l->sc != NULL ? l->sc->ndisks : 0;
	int		 rc;

	memset(&spec, 0, sizeof spec);
	for (i = 0; i < n; i++) {
		paths[i] = disks_path(l->ex->meta.dir, &l->sc->disks[i]);
		files[i] = paths[i];
		serials[i] = l->sc->disks[i].name;
	}
	spec.extra_disks = files;
	spec.extra_serials = serials;
	spec.nextra = n;
	spec.name = l->ex->domain;
	spec.kernel = l->img->kernel;
	spec.initrd = l->img->initrd;
	spec.cmdline = l->img->cmdline;
	spec.disk = l->disk;
	spec.console_log = l->log;
	spec.memory = l->ex->shape.memory;
	spec.vcpus = l->ex->shape.vcpus;
	spec.accel = accel;
	spec.hard_limit = vm_host_hard_limit(l->conn, &why);
	free(why);
	l->ex->meta.accel = accel;
	spec.meta = l->ex->meta;
	unlink(l->log);
	rc = vm_create(l->conn, &spec, cause);
	for (i = 0; i < n; i++)
		free(paths[i]);
	return rc;
}

/*
 * A KVM guest that prints nothing within LAUNCH_KVM_LIFE seconds is not
 * coming up (seen with KVM modules that cannot run stock kernels), so
 * auto falls back to TCG and remembers.
 */
int
launch_boot(struct launch *l, char **cause)
{
	enum vm_accel	 accel = l->o->accel;
	char		*why = NULL, mem[UNITS_BUFSZ];

	if (accel == VM_ACCEL_AUTO) {
		accel = vm_host_accel(l->conn, &why);
		free(why);
	}
	launch_note(l->o, "starting %s (%s, %s memory, %u vCPU)", l->ex->domain,
	    vm_accel_name(accel), units_format_size(l->ex->shape.memory, mem),
	    l->ex->shape.vcpus);
	if (launch_start(l, accel, cause) != 0)
		return -1;
	if (accel == VM_ACCEL_TCG || launch_wait_life(l, LAUNCH_KVM_LIFE))
		return 0;
	if (launch_cancelled(l)) {
		xasprintf(cause, "interrupted");
		return -1;
	}
	if (vm_destroy(l->conn, l->ex->domain, cause) != 0)
		return -1;
	if (l->o->accel == VM_ACCEL_KVM) {
		xasprintf(cause, "the KVM guest printed nothing on its console "
		    "within %d s: KVM does not work on this host (use --accel "
		    "tcg)", LAUNCH_KVM_LIFE);
		return -1;
	}
	vm_host_kvm_failed("a KVM guest printed nothing on its console");
	launch_note(l->o, "KVM guest showed no sign of life within %d s; "
	    "falling back to TCG (software emulation)", LAUNCH_KVM_LIFE);
	return launch_start(l, VM_ACCEL_TCG, cause);
}

/* The domain is still running: a guest that died will never answer. */
static int
launch_still_running(struct launch *l, char **cause)
{
	struct vm_meta	 m;
	enum vm_state	 st;
	int		 r;

	memset(&m, 0, sizeof m);
	r = vm_lookup(l->conn, l->ex->domain, &m, &st, cause);
	vm_meta_release(&m);
	if (r == 0 && st == VM_STATE_RUNNING)
		return 1;
	if (r >= 0)
		xasprintf(cause, "the VM stopped while booting");
	return 0;
}

/*
 * Progress while waiting for the guest agent: a note every 10 s; stop on
 * Ctrl-C or when the VM has died (a dead guest will never answer).
 */
struct launch_wait {
	struct launch	*l;
	char		*why;		/* why the wait was stopped */
	int		 next_note;
};

static int
launch_wait_progress(int waited_ms, void *arg)
{
	struct launch_wait	*w = arg;

	if (launch_cancelled(w->l)) {
		w->why = xstrdup("interrupted");
		return 1;
	}
	if (!launch_still_running(w->l, &w->why))
		return 1;
	if (waited_ms >= w->next_note) {
		launch_note(w->l->o, "waiting for the VM's guest agent (%d s)",
		    waited_ms / 1000);
		w->next_note += 10000;
	}
	return 0;
}

/* How breakfix reaches l's guest. */
static void
launch_target(struct launch *l, struct admin_target *t)
{
	memset(t, 0, sizeof *t);
	t->conn = l->conn;
	t->domain = l->ex->domain;
	t->port = l->ex->meta.port;
	t->key = l->admin_key;
	t->known_hosts = l->known_hosts;
}

int
launch_wait_admin(struct launch *l, int timeout_s, char **cause)
{
	struct admin_target	 t;
	struct launch_wait	 w;
	long long		 start = util_now_ms();
	char			*err = NULL;

	memset(&w, 0, sizeof w);
	w.l = l;
	w.next_note = 5000;
	launch_target(l, &t);
	l->admin = admin_wait_agent(&t, timeout_s * 1000, launch_wait_progress,
	    &w, &err);
	if (l->admin == NULL) {
		if (w.why != NULL)
			xasprintf(cause, "%s", w.why);
		else
			xasprintf(cause, "the VM did not answer: %s", err);
		free(w.why);
		free(err);
		return -1;
	}
	l->ex->boot_ms = (int)(util_now_ms() - start);
	return 0;
}

int
launch_learn_keys(struct launch *l, char **cause)
{
	char	*keys = NULL;
	int	 rc;

	if (admin_host_keys(l->admin, LAUNCH_KEYS_MS, &keys, cause) != 0)
		return -1;
	rc = launch_known_hosts(keys, l->ex->meta.dir, l->known_hosts,
	    l->ex->meta.port, cause);
	free(keys);
	return rc;
}

/*
 * The agent answers before the last units have started; faults applied
 * then could be undone by a unit starting after them.
 */
void
launch_wait_booted(struct launch *l)
{
	char	*err = NULL, *ignored = NULL;
	int	 status;

	if (inject_root(l->admin, "systemctl is-system-running --wait",
	    NULL, LAUNCH_SETTLE_MS, &status, &err, &ignored) != 0)
		free(ignored);
	else if (status != 0)
		launch_note(l->o, "the guest finished booting %s",
		    status == -1 ? "late (still starting units)" : "degraded");
	free(err);
}

/* The copy must read back as the same variant, or checks would differ. */
static int
launch_check_copy(const struct scenario *sc, const char *dst, char **cause)
{
	struct diag	*d = diag_new(dst);
	struct scenario	*copy;
	int		 rc = -1;

	if ((copy = scenario_load(dst, d)) == NULL)
		xasprintf(cause, "the scenario kept with the exercise does not "
		    "read back: %s", diag_count(d) ? diag_message(d, 0) : "?");
	else if (copy->seed != sc->seed)
		xasprintf(cause, "the scenario kept with the exercise reads as "
		    "seed %u, not %u", copy->seed, sc->seed);
	else
		rc = 0;
	scenario_free(copy);
	diag_free(d);
	return rc;
}

/*
 * Keep the scenario as it was at launch: checks and reviewers must see
 * what ran, whatever happens to the file later. A variant's seed is
 * written at its end (`seed:`, scenario.h), unless the file pins it.
 */
static int
launch_copy_scenario(const struct scenario *sc, const char *dir,
    char **cause)
{
	char	*dst = exercise_path(dir, EXERCISE_SCENARIO), buf[8192];
	FILE	*in = NULL, *out = NULL;
	size_t	 n;
	int	 fd, rc = -1;

	/* Its solution and hints are for reviewers, not every local user. */
	if ((fd = exercise_create(dir, EXERCISE_SCENARIO, 0, 1, cause)) == -1)
		goto out;
	if ((out = fdopen(fd, "w")) == NULL) {
		close(fd);
		xasprintf(cause, "cannot write '%s': %s", dst, strerror(errno));
		goto out;
	}
	if ((in = fopen(sc->path, "r")) == NULL) {
		xasprintf(cause, "cannot copy '%s' to '%s': %s", sc->path, dst,
		    strerror(errno));
		goto out;
	}
	while ((n = fread(buf, 1, sizeof buf, in)) != 0)
		fwrite(buf, 1, n, out);
	/* The variant, so that checks and the gateway read it again. */
	if (sc->vars != NULL && sc->vars->n != 0 && !sc->seed_pinned)
		fprintf(out, "\n# The variant of this exercise (breakfix up "
		    "--seed).\nseed: %u\n", sc->seed);
	if (ferror(in) || fclose(out) != 0) {
		out = NULL;
		xasprintf(cause, "cannot copy '%s' to '%s'", sc->path, dst);
		goto out;
	}
	out = NULL;
	rc = launch_check_copy(sc, dst, cause);
out:
	if (in != NULL)
		fclose(in);
	if (out != NULL)
		fclose(out);
	free(dst);
	return rc;
}

int
launch_personalise(struct launch *l, char **cause)
{
	struct exercise	*ex = l->ex;

	if (credentials_make(ex->meta.dir, l->o->candidate_key, &ex->password,
	    cause) != 0 || exercise_save(ex, cause) != 0)
		return -1;
	return launch_copy_scenario(l->sc, ex->meta.dir, cause);
}

int
launch_set_clock(struct launch *l, char **cause)
{
	char	*cmd, *err = NULL;
	int	 status, rc;

	xasprintf(&cmd, "date -u -s @%lld >/dev/null", (long long)time(NULL));
	rc = inject_root(l->admin, cmd, NULL, 30 * 1000, &status, &err,
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

/* Boot a new VM, wait for its agent and learn its host key. */
static int
launch_cold(struct launch *l, char **cause)
{
	int	 timeout = l->o->boot_timeout;

	free(l->ex->launch);
	l->ex->launch = xstrdup("cold");
	if (launch_prepare_vm(l, cause) != 0 ||
	    launch_personalise(l, cause) != 0 || launch_boot(l, cause) != 0)
		return -1;
	if (timeout == 0)
		timeout = l->ex->meta.accel == VM_ACCEL_KVM ? LAUNCH_BOOT_KVM :
		    LAUNCH_BOOT_TCG;
	if (launch_wait_admin(l, timeout, cause) != 0 ||
	    launch_learn_keys(l, cause) != 0)
		return -1;
	launch_wait_booted(l);
	return 0;
}

/* Every check must fail with the faults in: else nothing is broken. */
static int
launch_checks_fail(struct launch *l, char **cause)
{
	const struct scenario	*sc = l->sc;
	struct check_result	*r = NULL;
	struct check_target	 t;
	size_t			 i;
	int			 rc = -1;

	check_target_init(&t, l->admin, l->conn, l->ex);
	if (check_run_all(&t, sc, &r, cause) != 0 ||
	    check_log(l->ex->meta.dir, time(NULL),
	    admin_channel_name(admin_channel(l->admin)), r, sc->nchecks,
	    cause) != 0)
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
	if (r != NULL)
		check_results_free(r, sc->nchecks);
	return rc;
}

/*
 * A fault that failed in the guest (a group that does not exist, a
 * mount point without an fstab line ...): its place in the scenario
 * file before the guest's words, as validate names problems.
 */
static void
launch_fault_where(const struct scenario *sc, const struct scenario_fault *f,
    char **cause)
{
	char	*where;

	if (sc->path == NULL)
		return;
	xasprintf(&where, "%s:%u:%u: %s", sc->path, f->line, f->col, *cause);
	free(*cause);
	*cause = where;
}

/* The extra disks partitioned, grouped, formatted, mounted as asked. */
static int
launch_disks(struct launch *l, char **cause)
{
	char	*script = disks_script(l->sc->disks, l->sc->ndisks);
	int	 rc;

	if (script == NULL)
		return 0;
	launch_note(l->o, "preparing %zu more disk(s)", l->sc->ndisks);
	rc = inject_step(l->admin, "preparing the disks", script, NULL,
	    INJECT_TIMEOUT_MS, cause);
	free(script);
	return rc;
}

/* The candidate's account, then every fault in order, each proven. */
static int
launch_break(struct launch *l, char **cause)
{
	const struct scenario	*sc = l->sc;
	long long		 start = util_now_ms();
	char			*pub = NULL;
	size_t			 i;
	int			 rc = -1;

	launch_note(l->o, "account '%s' (%s) and the briefing at login",
	    sc->candidate_user, sc->candidate_sudo ? "with sudo" : "no sudo");
	if ((pub = credentials_relay_pub(l->ex->meta.dir)) == NULL) {
		xasprintf(cause, "no relay key in '%s'", l->ex->meta.dir);
		goto out;
	}
	if (launch_disks(l, cause) != 0 ||
	    candidate_setup(l->admin, sc, pub, cause) != 0)
		goto out;
	for (i = 0; i < sc->nfaults; i++) {
		launch_note(l->o, "fault %zu/%zu: %s (%s)", i + 1, sc->nfaults,
		    sc->faults[i].id, sc->faults[i].kind->name);
		if (inject_apply(l->admin, &sc->faults[i], cause) != 0) {
			launch_fault_where(sc, &sc->faults[i], cause);
			goto out;
		}
	}
	/* What the admin channel stands on now, for every check to compare. */
	if (check_admin_baseline(l->admin, l->ex->meta.dir, cause) != 0)
		goto out;
	l->ex->faults_ms = (int)(util_now_ms() - start);
	launch_note(l->o, "faults in and proven (%.1f s); running the checks, "
	    "which must all fail now", l->ex->faults_ms / 1000.0);
	rc = launch_checks_fail(l, cause);
out:
	free(pub);
	return rc;
}

/* One more forward: guest port guest from a free port on 127.0.0.1. */
static int
launch_forward_one(struct launch *l, unsigned guest, char **cause)
{
	struct exercise	*ex = l->ex;
	unsigned	 port;
	char		*err = NULL;
	int		 tries;

	/* The port is free when picked; another may take it first. */
	for (tries = 0; tries < LAUNCH_FORWARD_TRIES; tries++) {
		free(err);
		err = NULL;
		if (launch_free_port(&port, cause) != 0)
			return -1;
		if (vm_forward_add(l->conn, ex->domain, port, guest, &err) != 0)
			continue;
		ex->forwards = xreallocarray(ex->forwards, ex->nforwards + 1,
		    sizeof *ex->forwards);
		ex->forwards[ex->nforwards].guest = guest;
		ex->forwards[ex->nforwards++].host = port;
		launch_note(l->o, "guest port %u forwarded from 127.0.0.1:%u "
		    "for the host checks", guest, port);
		return 0;
	}
	*cause = err;
	return -1;
}

/*
 * Host checks reach their guest ports through forwards from 127.0.0.1,
 * added to the running VM (a pool member was booted before anyone knew
 * which ports it needs), one per port, and kept in the record for
 * every later check.
 */
static int
launch_forward(struct launch *l, char **cause)
{
	const struct scenario	*sc = l->sc;
	unsigned		 guest;
	size_t			 i;

	for (i = 0; i < sc->nchecks; i++) {
		if (!scenario_check_on_host(&sc->checks[i]))
			continue;
		guest = sc->checks[i].probe.port;
		if (exercise_forward(l->ex->forwards, l->ex->nforwards,
		    guest) == NULL &&
		    launch_forward_one(l, guest, cause) != 0)
			return -1;
	}
	return l->ex->nforwards == 0 ? 0 : exercise_save(l->ex, cause);
}

int
launch_run(struct launch *l, struct exercise **out, char **console_tail,
    char **cause)
{
	struct exercise	*ex = l->ex;

	*out = NULL;
	if (l->admin == NULL && launch_cold(l, cause) != 0)
		goto fail;
	ex->vm_ms = (int)(util_now_ms() - l->start);
	if (launch_forward(l, cause) != 0 || launch_break(l, cause) != 0)
		goto fail;
	free(ex->state);
	ex->state = xstrdup("ready");
	ex->ready_ms = (int)(util_now_ms() - l->start);
	if (exercise_save(ex, cause) != 0)
		goto fail;
	*out = ex;
	l->ex = NULL;		/* transferred */
	return 0;
fail:
	if (console_tail != NULL && l->log != NULL)
		*console_tail = exercise_console_tail(ex->meta.dir, 15);
	launch_abandon(l);
	return -1;
}

int
launch_up(struct vm_conn *conn, const struct scenario *sc,
    const struct launch_opts *o, struct exercise **out,
    char **console_tail, char **cause)
{
	struct exercise_shape	 shape;
	struct launch		 l;
	int			 rc;

	launch_shape_of(sc, &shape);
	launch_init(&l, conn, sc, &shape, sc->name, o);
	rc = launch_run(&l, out, console_tail, cause);
	launch_release(&l);
	return rc;
}

struct admin *
launch_admin(struct vm_conn *conn, const struct exercise *ex,
    int ssh_timeout_ms, char **cause)
{
	struct admin_target	 t;
	struct admin		*a = NULL;
	char			*key = NULL;
	char			*kh = exercise_path(ex->meta.dir,
				    EXERCISE_KNOWN_HOSTS);

	if (keys_admin_paths(&key, NULL, cause) == 0) {
		memset(&t, 0, sizeof t);
		t.conn = conn;
		t.domain = ex->domain;
		t.port = ex->meta.port;
		t.key = key;
		t.known_hosts = kh;
		a = admin_open(&t, ssh_timeout_ms, cause);
	}
	free(key);
	free(kh);
	return a;
}

/* What only a running exercise needs goes; the record says "down". */
static int
launch_forget(struct exercise *ex, char **cause)
{
	char	*p;

	p = exercise_path(ex->meta.dir, EXERCISE_DISK);
	unlink(p);
	free(p);
	disks_remove(ex->meta.dir);
	p = exercise_path(ex->meta.dir, EXERCISE_KNOWN_HOSTS);
	unlink(p);
	free(p);
	credentials_remove(ex->meta.dir);
	if (strcmp(ex->state, "down") == 0)
		return 0;
	free(ex->state);
	ex->state = xstrdup("down");
	ex->downed = time(NULL);
	return exercise_save(ex, cause);
}

int
launch_down(struct vm_conn *conn, const char *id, int *was_up, char **cause)
{
	struct exercise	*ex = NULL;
	struct vm_meta	 m;
	enum vm_state	 st;
	char		*domain = exercise_domain(id), *err = NULL;
	int		 r, rc = -1;

	*was_up = 0;
	memset(&m, 0, sizeof m);
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
	if (ex != NULL && launch_forget(ex, cause) != 0)
		goto out;
	rc = 0;
out:
	vm_meta_release(&m);
	exercise_free(ex);
	free(domain);
	free(err);
	return rc;
}
