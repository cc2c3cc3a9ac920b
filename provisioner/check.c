/*
 * check.c - run a scenario's checks, in its guest or from the host, and
 * keep the results.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "admin.h"
#include "check.h"
#include "exercise.h"
#include "log.h"
#include "probe.h"
#include "utf8.h"
#include "util.h"

#define CHECK_BASELINE_MAX	(64 * 1024)
#define CHECK_HOST_ADDR		"127.0.0.1"	/* where forwards listen */

/*
 * stdout then stderr, at most CHECK_OUTPUT_KEEP bytes, as UTF-8: the
 * guest may print any bytes, and jansson (check --json) takes only text.
 */
static char *
check_output(const struct guest_result *res)
{
	char	*o, *u;

	xasprintf(&o, "%.*s%.*s", CHECK_OUTPUT_KEEP, res->out,
	    CHECK_OUTPUT_KEEP, res->err);
	if (strlen(o) > CHECK_OUTPUT_KEEP)
		o[CHECK_OUTPUT_KEEP] = '\0';
	u = utf8_string(o);
	free(o);
	return u;
}

static int
check_guest(struct admin *a, const struct scenario_check *ck,
    struct check_result *r, char **cause)
{
	struct guest_result	 res;
	long long		 start = util_now_ms();

	if (admin_exec(a, ck->run, NULL, (int)ck->timeout * 1000, &res,
	    cause) != 0)
		return -1;
	r->ms = util_now_ms() - start;
	r->status = res.status;
	r->timed_out = res.timed_out;
	r->tampered = res.tampered;
	r->pass = !res.timed_out && !res.tampered && res.status == 0;
	r->output = check_output(&res);
	guest_result_release(&res);
	return 0;
}

/*
 * What a TCP check asks QEMU while it waits: has the guest accepted a
 * connection through the forward that was not there before the probe?
 * (Through QEMU's user network the host's connect succeeds at once; an
 * older connection, say one still retrying a SYN the guest dropped,
 * must not count for this one. Should an older one close and QEMU give
 * its descriptor to this one, this one is not seen: a false FAIL, never
 * a false pass.)
 */
struct check_accept {
	const struct check_target	*t;
	const struct exercise_forward	*fwd;
	int				*before;	/* QEMU's fds */
	size_t				 nbefore;
};

/* A connection through forward f (not its listener). */
static int
check_through(const struct vm_usernet_sock *s,
    const struct exercise_forward *f)
{
	return s->host_port == f->host && s->guest_port == f->guest &&
	    strcmp(s->state, "HOST_FORWARD") != 0;
}

static int
check_accepted(void *arg)
{
	struct check_accept	*ca = arg;
	struct vm_usernet_sock	*s = NULL;
	char			*cause = NULL;
	size_t			 n, i, j;
	int			 r = 0;

	if (vm_usernet(ca->t->conn, ca->t->domain, &s, &n, &cause) != 0) {
		free(cause);
		return -1;
	}
	for (i = 0; i < n && r == 0; i++) {
		/* The guest answered the handshake; the host end is open. */
		if (!check_through(&s[i], ca->fwd) ||
		    (strcmp(s[i].state, "ESTABLISHED") != 0 &&
		    strcmp(s[i].state, "CLOSE_WAIT") != 0))
			continue;
		for (j = 0; j < ca->nbefore && ca->before[j] != s[i].fd; j++)
			;
		r = j == ca->nbefore;
	}
	free(s);
	return r;
}

/*
 * Is the forward QEMU's own? Add it again if it went (a VM restored
 * from a managed save has only its command line's forward); note the
 * connections through it already there. Returns 0, or -1 with *why.
 */
static int
check_forward_ready(struct check_accept *ca, char **why)
{
	const struct exercise_forward	*f = ca->fwd;
	struct vm_usernet_sock		*s = NULL;
	size_t				 n = 0, i;
	int				 found = 0, tries;

	for (tries = 0; tries < 2 && !found; tries++) {
		free(s);
		s = NULL;
		ca->nbefore = 0;
		if ((tries == 1 && vm_forward_add(ca->t->conn, ca->t->domain,
		    f->host, f->guest, why) != 0) ||
		    vm_usernet(ca->t->conn, ca->t->domain, &s, &n, why) != 0)
			return -1;
		ca->before = xreallocarray(ca->before, n + 1,
		    sizeof *ca->before);
		for (i = 0; i < n; i++) {
			if (check_through(&s[i], f))
				ca->before[ca->nbefore++] = s[i].fd;
			else if (s[i].host_port == f->host &&
			    s[i].guest_port == f->guest &&
			    strcmp(s[i].state, "HOST_FORWARD") == 0 &&
			    strcmp(s[i].host_addr, CHECK_HOST_ADDR) == 0)
				found = 1;
		}
	}
	free(s);
	if (!found)
		xasprintf(why, "QEMU does not list the forward from %s:%u",
		    CHECK_HOST_ADDR, f->host);
	else if (tries == 2)
		log_warn("the forward from %s:%u to guest port %u was gone "
		    "(the VM was restored from a save?); added it again",
		    CHECK_HOST_ADDR, f->host, f->guest);
	return found ? 0 : -1;
}

/* Why a host check cannot run, or NULL (then ca is ready). */
static char *
check_host_blocked(const struct check_target *t,
    const struct scenario_check *ck, struct check_accept *ca)
{
	char	*why = NULL;

	ca->t = t;
	if ((ca->fwd = exercise_forward(t->forwards, t->nforwards,
	    ck->probe.port)) == NULL)
		xasprintf(&why, "no forward to guest port %u", ck->probe.port);
	else if (!t->direct && t->conn == NULL)
		why = xstrdup("libvirt cannot be reached, so the forward "
		    "cannot be verified");
	else if (!t->direct)
		check_forward_ready(ca, &why);
	return why;
}

/* The probe a host check makes, for its output. */
static char *
check_host_what(const struct scenario_check *ck,
    const struct exercise_forward *f)
{
	char	*what, *url, via[40] = "";

	if (f != NULL)
		snprintf(via, sizeof via, " via %s:%u", CHECK_HOST_ADDR,
		    f->host);
	if (ck->kind == SCENARIO_CHECK_TCP)
		xasprintf(&what, "TCP to guest port %u%s", ck->probe.port, via);
	else {
		url = scenario_check_url(ck);
		xasprintf(&what, "GET %s%s", url, via);
		free(url);
	}
	return what;
}

static void
check_host(const struct check_target *t, const struct scenario_check *ck,
    struct check_result *r)
{
	const struct scenario_probe	*p = &ck->probe;
	struct check_accept		 ca;
	struct probe_target		 pt;
	struct probe_http		 h;
	struct probe_result		 pr;
	char				*why, *what;
	long long			 start = util_now_ms();

	memset(&ca, 0, sizeof ca);
	memset(&pr, 0, sizeof pr);
	r->host = 1;
	r->status = 1;
	if ((why = check_host_blocked(t, ck, &ca)) == NULL) {
		memset(&pt, 0, sizeof pt);
		pt.addr = CHECK_HOST_ADDR;
		pt.port = ca.fwd->host;
		pt.timeout_ms = (int)ck->timeout * 1000;
		pt.accepted = t->direct ? NULL : check_accepted;
		pt.arg = &ca;
		if (ck->kind == SCENARIO_CHECK_TCP)
			probe_tcp(&pt, &pr);
		else {
			h.host = p->host;
			h.port = p->port;
			h.path = p->path;
			h.status = p->status;
			h.contains = p->contains;
			probe_http(&pt, &h, &pr);
		}
		r->pass = pr.pass;
		r->timed_out = pr.timed_out;
		r->http_status = pr.status;
		r->status = pr.pass ? 0 : pr.timed_out ? -1 : 1;
	}
	what = check_host_what(ck, ca.fwd);
	xasprintf(&r->output, "%s (%s)\n", why != NULL ? why : pr.detail, what);
	r->ms = util_now_ms() - start;
	probe_result_release(&pr);
	free(ca.before);
	free(what);
	free(why);
}

int
check_run_all(const struct check_target *t, const struct scenario *sc,
    struct check_result **out, char **cause)
{
	struct check_result	*r;
	size_t			 i;

	r = xcalloc(sc->nchecks, sizeof *r);
	for (i = 0; i < sc->nchecks; i++) {
		r[i].check = &sc->checks[i];
		r[i].http_status = -1;
		if (scenario_check_on_host(&sc->checks[i]))
			check_host(t, &sc->checks[i], &r[i]);
		else if (check_guest(t->admin, &sc->checks[i], &r[i],
		    cause) != 0) {
			check_results_free(r, i);
			return -1;
		}
	}
	*out = r;
	return 0;
}

void
check_target_init(struct check_target *t, struct admin *a,
    struct vm_conn *conn, const struct exercise *ex)
{
	memset(t, 0, sizeof *t);
	t->admin = a;
	t->conn = conn;
	t->domain = ex->domain;
	t->forwards = ex->forwards;
	t->nforwards = ex->nforwards;
}

const char *
check_where(const struct check_result *r)
{
	return r->host ? "host" : "guest";
}

void
check_results_free(struct check_result *r, size_t n)
{
	size_t	 i;

	if (r == NULL)
		return;
	for (i = 0; i < n; i++)
		free(r[i].output);
	free(r);
}

/* One line of DIR/events.log (ev is taken). */
static int
check_append(const char *dir, json_t *ev, char **cause)
{
	char	*line = NULL;
	int	 fd = -1, rc = -1;

	if ((line = json_dumps(ev, JSON_COMPACT | JSON_PRESERVE_ORDER)) ==
	    NULL) {
		xasprintf(cause, "cannot make an event line");
		goto out;
	}
	if ((fd = exercise_create(dir, EXERCISE_EVENTS, 1, 1, cause)) == -1)
		goto out;
	/* One write per line, O_APPEND: lines from two runs never mix. */
	if (util_write_all(fd, line, strlen(line)) != 0 ||
	    util_write_all(fd, "\n", 1) != 0) {
		xasprintf(cause, "cannot append to events.log in '%s': %s",
		    dir, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	free(line);
	json_decref(ev);
	return rc;
}

int
check_log(const char *dir, time_t t, const char *channel,
    const struct check_result *r, size_t n, char **cause)
{
	json_t	*results = json_array();
	size_t	 i;

	for (i = 0; i < n; i++)
		json_array_append_new(results, json_pack("{s:s, s:s, s:b, s:i, "
		    "s:b, s:b, s:I}", "id", r[i].check->id, "where",
		    check_where(&r[i]), "pass", r[i].pass,
		    "status", r[i].status, "timed_out", r[i].timed_out,
		    "tampered", r[i].tampered, "ms", (json_int_t)r[i].ms));
	return check_append(dir, json_pack("{s:I, s:s, s:s, s:o}", "time",
	    (json_int_t)t, "event", "check", "channel", channel, "results",
	    results), cause);
}

int
check_log_admin(const char *dir, time_t t, const char *status,
    const char *detail, char **cause)
{
	return check_append(dir, json_pack("{s:I, s:s, s:s, s:s}", "time",
	    (json_int_t)t, "event", "admin", "status", status, "detail",
	    detail), cause);
}

int
check_admin_baseline(struct admin *a, const char *dir, char **cause)
{
	char	*fp = NULL;
	int	 fd = -1, rc = -1;

	if (admin_fingerprint(a, &fp, cause) != 0 ||
	    (fd = exercise_create(dir, EXERCISE_ADMIN_BASELINE, 0, 0,
	    cause)) == -1)
		goto out;
	if (util_write_all(fd, fp, strlen(fp)) != 0) {
		xasprintf(cause, "cannot write the admin baseline in '%s': %s",
		    dir, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	free(fp);
	return rc;
}

/* The baseline's text, or NULL with *cause set. */
static char *
check_baseline(const char *dir, char **cause)
{
	char	*path = exercise_path(dir, EXERCISE_ADMIN_BASELINE);
	char	*buf = xmalloc(CHECK_BASELINE_MAX + 1);
	FILE	*fp;
	size_t	 n = 0;

	if ((fp = fopen(path, "r")) != NULL) {
		n = fread(buf, 1, CHECK_BASELINE_MAX, fp);
		fclose(fp);
	} else {
		xasprintf(cause, "no baseline of the admin channel: cannot "
		    "read '%s': %s", path, strerror(errno));
		free(buf);
		buf = NULL;
	}
	if (buf != NULL)
		buf[n] = '\0';
	free(path);
	return buf;
}

int
check_admin_changes(struct admin *a, const char *dir, char **changed,
    char **cause)
{
	char	*before, *now = NULL;
	int	 n = -1;

	*changed = NULL;
	if ((before = check_baseline(dir, cause)) == NULL)
		return -1;
	if (admin_fingerprint(a, &now, cause) == 0)
		n = admin_fingerprint_diff(before, now, changed);
	free(before);
	free(now);
	return n;
}
