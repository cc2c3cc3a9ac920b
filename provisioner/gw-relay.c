/*
 * gw-relay.c - the candidate's terminal relayed to the VM's shell, every
 * byte both ways recorded (record.h) and the commands logged (marks.h).
 *
 * Only an interactive shell with a terminal is served. Everything not
 * asked for explicitly (port forwarding of any kind, agent and X11
 * forwarding) has no callback, so libssh refuses it; exec and
 * subsystems are refused with a reason.
 */
#include <sys/mman.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "diag.h"
#include "exercise.h"
#include "guest.h"
#include "gw-proto.h"
#include "gw-session.h"
#include "log.h"
#include "marks.h"
#include "record.h"
#include "scenario.h"
#include "util.h"

#define GW_RELAY_SIZE_MAX	10000	/* columns or rows, exclusive */
#define GW_RELAY_CONNECT_MS	30000	/* to log in to the VM */
/* A key, known hosts, the scenario: no bigger than a scenario may be. */
#define GW_RELAY_FILE_MAX	(SCENARIO_MAX_BYTES + 1)

static int
gw_relay_pty(ssh_session s, ssh_channel c, const char *term, int w, int h,
    int pw, int ph, void *arg)
{
	struct gw	*g = arg;
	struct gw_relay	*r = &g->relay;

	(void)s;
	(void)c;
	(void)pw;
	(void)ph;
	if (!g->auth.authenticated || r->pty)
		return -1;
	snprintf(r->term, sizeof r->term, "%s", term);
	if (r->term[strspn(r->term, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.+")] != '\0')
		snprintf(r->term, sizeof r->term, "xterm");
	r->width = w > 0 && w < GW_RELAY_SIZE_MAX ? w : 80;
	r->height = h > 0 && h < GW_RELAY_SIZE_MAX ? h : 24;
	r->pty = 1;
	return 0;
}

/*
 * Input past the recording's cap: it is not passed on, since everything
 * passed on is recorded, and the session ends (a paste flood or a
 * resize flood; nobody types that much).
 */
static void
gw_relay_input_full(struct gw *g)
{
	if (g->done)
		return;
	gw_session_say(g, "this session's input is over the recording's cap; "
	    "the session ends now (connect again to carry on)");
	g->end_reason = "input over the recording's cap";
	g->done = 1;
}

static int
gw_relay_window(ssh_session s, ssh_channel c, int w, int h, int pw, int ph,
    void *arg)
{
	struct gw	*g = arg;
	char		*cause = NULL;
	int		 rc = 0;

	(void)s;
	(void)c;
	(void)pw;
	(void)ph;
	if (!g->auth.authenticated || !g->relay.pty || w <= 0 || h <= 0 ||
	    w >= GW_RELAY_SIZE_MAX || h >= GW_RELAY_SIZE_MAX)
		return -1;
	if (g->rec.rec != NULL && (rc = record_resize(g->rec.rec,
	    (unsigned)w, (unsigned)h, &cause)) == -1) {
		log_warn("%s", cause);
		free(cause);
	}
	if (rc == RECORD_FULL) {
		gw_relay_input_full(g);
		return -1;
	}
	g->relay.width = w;
	g->relay.height = h;
	if (g->relay.gchan != NULL)
		ssh_channel_change_pty_size(g->relay.gchan, w, h);
	return 0;
}

static int
gw_relay_exec(ssh_session s, ssh_channel c, const char *command, void *arg)
{
	struct gw	*g = arg;

	(void)s;
	(void)c;
	(void)command;
	if (!g->auth.authenticated)
		return -1;
	gw_session_say(g, "only interactive logins are allowed here: no "
	    "commands, scp or sftp (use 'ssh -t')");
	gw_session_audit(g, "refused", "exec");
	return -1;
}

static int
gw_relay_subsystem(ssh_session s, ssh_channel c, const char *name, void *arg)
{
	struct gw	*g = arg;

	(void)s;
	(void)c;
	(void)name;
	if (!g->auth.authenticated)
		return -1;
	gw_session_say(g, "subsystems (sftp) are not available here");
	gw_session_audit(g, "refused", "subsystem");
	return -1;
}

/*
 * Into the recording, if one is open; the relay goes on if it fails.
 * Returns fn's answer: RECORD_FULL for input past the cap.
 */
static int
gw_relay_record(struct gw *g, int (*fn)(struct record *, const void *,
    size_t, char **), const void *data, size_t len)
{
	char	*cause = NULL;
	int	 rc;

	if (g->rec.rec == NULL)
		return 0;
	if ((rc = fn(g->rec.rec, data, len, &cause)) == -1) {
		log_warn("%s", cause);
		free(cause);
	}
	return rc;
}

/* Typed by the candidate: to the VM, and into the recording. */
static int
gw_relay_client_data(ssh_session s, ssh_channel c, void *data, uint32_t len,
    int is_stderr, void *arg)
{
	struct gw	*g = arg;

	(void)s;
	(void)c;
	(void)is_stderr;
	if (!g->auth.authenticated || g->relay.gchan == NULL)
		return (int)len;	/* nothing to send it to: dropped */
	g->relay.last_input = util_now_ms();
	if (gw_relay_record(g, record_input, data, len) == RECORD_FULL) {
		gw_relay_input_full(g);
		return (int)len;	/* dropped: it was not recorded */
	}
	if (ssh_channel_write(g->relay.gchan, data, len) == SSH_ERROR) {
		g->end_reason = "the VM's connection failed";
		g->done = 1;
	}
	return (int)len;
}

static void
gw_relay_client_eof(ssh_session s, ssh_channel c, void *arg)
{
	struct gw	*g = arg;

	(void)s;
	(void)c;
	if (g->relay.gchan != NULL)
		ssh_channel_send_eof(g->relay.gchan);
}

static void
gw_relay_client_close(ssh_session s, ssh_channel c, void *arg)
{
	struct gw	*g = arg;

	(void)s;
	(void)c;
	if (g->end_reason == NULL)
		g->end_reason = "the candidate closed the session";
	g->relay.client_closed = 1;
	g->done = 1;
}

/* --- the VM's side --------------------------------------------------- */

static int
gw_relay_guest_data(ssh_session s, ssh_channel c, void *data, uint32_t len,
    int is_stderr, void *arg)
{
	struct gw	*g = arg;
	char		*cause = NULL;

	(void)s;
	(void)c;
	gw_relay_record(g, record_output, data, len);
	if (g->rec.marks != NULL && marks_feed(g->rec.marks, (util_now_ms() -
	    g->rec.start) / 1000.0, data, len, &cause) != 0) {
		log_warn("%s", cause);
		free(cause);
	}
	if ((is_stderr ? ssh_channel_write_stderr(g->relay.chan, data, len) :
	    ssh_channel_write(g->relay.chan, data, len)) == SSH_ERROR) {
		g->end_reason = "the candidate's connection failed";
		g->done = 1;
	}
	return (int)len;
}

static void
gw_relay_guest_exit(ssh_session s, ssh_channel c, int status, void *arg)
{
	struct gw	*g = arg;

	(void)s;
	(void)c;
	g->relay.exit_status = status;
}

static void
gw_relay_guest_eof(ssh_session s, ssh_channel c, void *arg)
{
	struct gw	*g = arg;

	(void)s;
	(void)c;
	ssh_channel_send_eof(g->relay.chan);
}

static void
gw_relay_guest_close(ssh_session s, ssh_channel c, void *arg)
{
	struct gw	*g = arg;

	(void)s;
	(void)c;
	if (g->relay.exit_status < 0 && g->end_reason == NULL)
		gw_relay_vm_gone(g);
	if (g->end_reason == NULL)
		g->end_reason = "the shell in the VM ended";
	g->done = 1;
}

/* The facts of a SESSION answer (JSON from the listener) into g. */
static int
gw_relay_facts(struct gw *g, const char *text, char **cause)
{
	struct gw_facts	*f = &g->facts;
	const char	*id, *cand, *rec, *key;
	json_int_t	 port, expires, first;
	json_t		*j;
	int		 rc = -1;

	if ((j = json_loads(text, 0, NULL)) == NULL ||
	    json_unpack(j, "{s:s, s:s, s:I, s:I, s:I, s:s, s:s}", "id", &id,
	    "candidate", &cand, "port", &port, "expires", &expires,
	    "first_login", &first, "recording", &rec, "key", &key) != 0 ||
	    port <= 0 || port > 65535 || util_unhex(key, strlen(key),
	    f->chain_key, CHAIN_KEY_LEN) != 0) {
		xasprintf(cause, "a session the gateway described wrongly");
		goto out;
	}
	f->id = xstrdup(id);
	f->candidate = xstrdup(cand);
	f->recording = xstrdup(rec);
	f->port = (unsigned)port;
	f->expires = (time_t)expires;
	g->first_login = (time_t)first;
	rc = 0;
out:
	json_decref(j);
	return rc;
}

/*
 * A file the listener opened for us (root's, 0600), as a path libssh and
 * the scenario reader can open: /proc/self/fd/N of the file itself would
 * be opened anew with our rights and refused, so its bytes go into an
 * anonymous file of ours. Returns the new descriptor with *path set, or
 * -1 with *cause set. fd is closed.
 */
static int
gw_relay_private_copy(int fd, char **path, char **cause)
{
	char	*buf = xmalloc(GW_RELAY_FILE_MAX);
	size_t	 len = 0;
	ssize_t	 n;
	int	 copy = -1;

	*path = NULL;
	while (len < GW_RELAY_FILE_MAX &&
	    (n = read(fd, buf + len, GW_RELAY_FILE_MAX - len)) > 0)
		len += (size_t)n;
	if (len == GW_RELAY_FILE_MAX)
		xasprintf(cause, "a file from the gateway is too big");
	else if ((copy = memfd_create("breakfix", MFD_CLOEXEC)) == -1 ||
	    util_write_all(copy, buf, len) != 0) {
		xasprintf(cause, "cannot take a file from the gateway: %s",
		    strerror(errno));
		if (copy != -1)
			close(copy);
		copy = -1;
	} else
		xasprintf(path, "/proc/self/fd/%d", copy);
	explicit_bzero(buf, len);
	free(buf);
	close(fd);
	return copy;
}

/* Log in to the VM as the candidate's account and open its shell. */
static int
gw_relay_guest_shell(struct gw *g, const char *user, int *fds,
    char **cause)
{
	struct gw_relay	*r = &g->relay;
	char		*key = NULL, *kh = NULL;
	ssh_session	 gs;
	int		 kfd, hfd;

	kfd = gw_relay_private_copy(fds[GW_FD_RELAY_KEY], &key, cause);
	hfd = kfd == -1 ? -1 : gw_relay_private_copy(fds[GW_FD_KNOWN_HOSTS],
	    &kh, cause);
	fds[GW_FD_RELAY_KEY] = fds[GW_FD_KNOWN_HOSTS] = -1;	/* closed */
	if (hfd != -1)
		r->guest = guest_connect("127.0.0.1", g->facts.port, user, key,
		    kh, GW_RELAY_CONNECT_MS, NULL, NULL, cause);
	if (kfd != -1)
		close(kfd);
	if (hfd != -1)
		close(hfd);
	free(key);
	free(kh);
	if (r->guest == NULL)
		return -1;
	gs = guest_ssh(r->guest);
	ssh_set_blocking(gs, 1);
	if ((r->gchan = ssh_channel_new(gs)) == NULL ||
	    ssh_channel_open_session(r->gchan) != SSH_OK ||
	    ssh_channel_request_pty_size(r->gchan, r->term, r->width,
	    r->height) != SSH_OK ||
	    ssh_channel_request_shell(r->gchan) != SSH_OK) {
		xasprintf(cause, "cannot start a shell in the VM: %s",
		    ssh_get_error(gs));
		return -1;
	}
	memset(&r->gcb, 0, sizeof r->gcb);
	r->gcb.userdata = g;
	r->gcb.channel_data_function = gw_relay_guest_data;
	r->gcb.channel_exit_status_function = gw_relay_guest_exit;
	r->gcb.channel_eof_function = gw_relay_guest_eof;
	r->gcb.channel_close_function = gw_relay_guest_close;
	ssh_callbacks_init(&r->gcb);
	ssh_set_channel_callbacks(r->gchan, &r->gcb);
	if (ssh_event_add_session(g->event, gs) != SSH_OK) {
		xasprintf(cause, "cannot watch the VM's connection");
		return -1;
	}
	return 0;
}

/*
 * Ask the listener to seal what is on disk of the recording: when it
 * has grown since the last seal, or its end.
 */
static void
gw_relay_seal(struct gw *g, int end)
{
	struct gw_msg		 m;
	unsigned long long	 n;

	gw_proto_init(&m, GW_PROTO_SEAL, NULL, NULL);
	n = record_synced(g->rec.rec, m.head);
	if (!end && n == g->rec.sealed)
		return;
	m.n = n;
	m.flags = end ? GW_PROTO_END : 0;
	if (gw_proto_send(g->ctx->monitor, &m, NULL, 0) != 0)
		log_warn("cannot have the recording sealed: %s",
		    strerror(errno));
	g->rec.sealed = n;
}

/* The recording and its commands log, on the files the listener made. */
static int
gw_relay_record_start(struct gw *g, const char *user, int *fds,
    char **cause)
{
	const struct gw_facts	*f = &g->facts;
	struct record_header	 h;
	char			*title;

	xasprintf(&title, "exercise %s: candidate %s (%s)", f->id,
	    *f->candidate ? f->candidate : "unnamed", user);
	memset(&h, 0, sizeof h);
	h.width = (unsigned)g->relay.width;
	h.height = (unsigned)g->relay.height;
	h.timestamp = time(NULL);
	h.term = g->relay.term;
	h.shell = "/bin/bash";
	h.title = title;
	g->rec.rec = record_open_fds(f->recording, fds[GW_FD_CAST],
	    fds[GW_FD_CHAIN], &h, f->chain_key, CHAIN_KEY_LEN, cause);
	fds[GW_FD_CAST] = fds[GW_FD_CHAIN] = -1;	/* taken */
	g->rec.start = util_now_ms();
	free(title);
	if (g->rec.rec == NULL)
		return -1;
	record_set_caps(g->rec.rec, g->ctx->record_max, RECORD_INPUT_MAX);
	g->rec.marks_fd = fds[GW_FD_COMMANDS];
	fds[GW_FD_COMMANDS] = -1;		/* transferred */
	g->rec.marks = marks_new(g->rec.marks_fd);
	gw_relay_seal(g, 0);
	return 0;
}

/*
 * Ask the listener for the session: *usable 0 and the reason in *cause
 * when the exercise cannot be used (down, expired); the files in fds.
 */
static int
gw_relay_session(struct gw *g, int *fds, int *usable, char **cause)
{
	struct gw_msg	 req, answer;
	size_t		 nfds, i;

	*usable = 1;
	gw_proto_init(&req, GW_PROTO_SESSION, NULL, NULL);
	if (gw_proto_call(g->ctx->monitor, &req, &answer, fds, GW_FD_COUNT,
	    &nfds, cause) != 0)
		return -1;
	if ((answer.flags & GW_PROTO_OK) == 0) {
		/* With a reason, the exercise is down or over. */
		*usable = *answer.text == '\0';
		xasprintf(cause, "%s", *answer.text ? answer.text :
		    "the gateway could not start the session");
		return -1;
	}
	if (nfds != GW_FD_COUNT) {
		for (i = 0; i < nfds; i++)
			close(fds[i]);
		xasprintf(cause, "the gateway sent %zu files, not %d", nfds,
		    GW_FD_COUNT);
		return -1;
	}
	return gw_relay_facts(g, answer.text, cause);
}

/* The VM's shell, relayed and recorded from here on. */
static int
gw_relay_guest_start(struct gw *g, int *usable, char **cause)
{
	struct scenario	*sc = NULL;
	struct diag	*d = NULL;
	char		*marker = NULL, *path = NULL;
	int		 fds[GW_FD_COUNT], i, sfd, rc = -1;

	for (i = 0; i < GW_FD_COUNT; i++)
		fds[i] = -1;
	if (gw_relay_session(g, fds, usable, cause) != 0)
		goto out;
	sfd = gw_relay_private_copy(fds[GW_FD_SCENARIO], &path, cause);
	fds[GW_FD_SCENARIO] = -1;			/* closed */
	if (sfd == -1)
		goto out;
	d = diag_new(path);
	sc = scenario_load(path, d);
	close(sfd);
	if (sc == NULL) {
		xasprintf(cause, "cannot read the exercise's scenario");
		goto out;
	}
	if (gw_relay_guest_shell(g, sc->candidate_user, fds, cause) != 0 ||
	    gw_relay_record_start(g, sc->candidate_user, fds, cause) != 0)
		goto out;
	xasprintf(&marker, "connected from %s", g->ctx->source);
	if (record_marker(g->rec.rec, marker, cause) != 0)
		goto out;
	g->sc = sc;
	sc = NULL;		/* transferred */
	rc = 0;
out:
	for (i = 0; i < GW_FD_COUNT; i++) {
		if (fds[i] != -1)
			close(fds[i]);
	}
	free(marker);
	free(path);
	scenario_free(sc);
	diag_free(d);
	return rc;
}

static int
gw_relay_shell(ssh_session s, ssh_channel c, void *arg)
{
	struct gw	*g = arg;
	char		*cause = NULL;
	int		 usable;

	(void)s;
	(void)c;
	if (!g->auth.authenticated || g->relay.gchan != NULL)
		return -1;
	if (!g->relay.pty) {
		gw_session_say(g, "a terminal is needed: connect with "
		    "'ssh -t'");
		return -1;
	}
	alarm(0);		/* logged in: the grace period is over */
	if (gw_relay_guest_start(g, &usable, &cause) != 0) {
		if (!usable) {
			g->farewell = cause;	/* the listener's reason */
			g->end_reason = "exercise not usable";
			return 0;
		}
		g->farewell = xstrdup("the exercise's machine cannot be "
		    "reached; tell your interviewer");
		gw_session_audit(g, "relay-failed", "%s", cause);
		free(cause);
		g->end_reason = "relay failed";
		return 0;
	}
	g->relay.started = g->relay.last_input = util_now_ms();
	return 0;
}

ssh_channel
gw_relay_open(ssh_session s, void *arg)
{
	struct gw	*g = arg;
	struct gw_relay	*r = &g->relay;

	if (!g->auth.authenticated || r->chan != NULL)
		return NULL;	/* one session channel per connection */
	if ((r->chan = ssh_channel_new(s)) == NULL)
		return NULL;
	memset(&r->ccb, 0, sizeof r->ccb);
	r->ccb.userdata = g;
	r->ccb.channel_data_function = gw_relay_client_data;
	r->ccb.channel_eof_function = gw_relay_client_eof;
	r->ccb.channel_close_function = gw_relay_client_close;
	r->ccb.channel_pty_request_function = gw_relay_pty;
	r->ccb.channel_shell_request_function = gw_relay_shell;
	r->ccb.channel_pty_window_change_function = gw_relay_window;
	r->ccb.channel_exec_request_function = gw_relay_exec;
	r->ccb.channel_subsystem_request_function = gw_relay_subsystem;
	ssh_callbacks_init(&r->ccb);
	ssh_set_channel_callbacks(r->chan, &r->ccb);
	return r->chan;
}

void
gw_relay_vm_gone(struct gw *g)
{
	gw_session_say(g, "the exercise's machine stopped answering (it may "
	    "have crashed); tell your interviewer");
	g->end_reason = "the VM went away";
	g->done = 1;
}

int
gw_relay_vm_lost(const struct gw *g)
{
	return g->relay.guest != NULL && (ssh_get_status(guest_ssh(
	    g->relay.guest)) & (SSH_CLOSED | SSH_CLOSED_ERROR)) != 0;
}

void
gw_relay_marker(struct gw *g, const char *label)
{
	char	*cause = NULL;

	if (g->rec.rec != NULL && record_marker(g->rec.rec, label,
	    &cause) != 0) {
		log_warn("%s", cause);
		free(cause);
	}
}

void
gw_relay_sync(struct gw *g)
{
	char	*cause = NULL;

	if (g->rec.rec == NULL)
		return;
	if (record_sync(g->rec.rec, &cause) != 0) {
		log_warn("%s", cause);
		free(cause);
	}
	gw_relay_seal(g, 0);
}

/*
 * The commands log's end: the commands still open written, and a marker
 * in the recording if the log reached its cap.
 */
static void
gw_relay_marks_end(struct gw *g)
{
	char	*cause = NULL, *label;

	if (g->rec.marks == NULL)
		return;
	if (marks_end(g->rec.marks, &cause) != 0) {
		log_warn("%s", cause);
		free(cause);
	}
	if (marks_dropped(g->rec.marks) == 0)
		return;
	xasprintf(&label, "commands log over its cap of %d bytes: %llu "
	    "commands not logged", MARKS_LOG_MAX,
	    marks_dropped(g->rec.marks));
	gw_relay_marker(g, label);
	free(label);
}

static void
gw_relay_marks_close(struct gw *g)
{
	char	*cause = NULL;

	if (marks_close(g->rec.marks, &cause) != 0) {
		log_warn("%s", cause);
		free(cause);
	}
	g->rec.marks = NULL;
	if (fsync(g->rec.marks_fd) != 0 || close(g->rec.marks_fd) != 0)
		log_warn("cannot write the commands log: %s", strerror(errno));
	g->rec.marks_fd = -1;
}

/* The recording's end: markers with the reason, then the files. */
static void
gw_relay_record_finish(struct gw *g)
{
	struct gw_msg	 m;
	char		*cause = NULL;

	if (g->rec.rec == NULL)
		return;
	gw_relay_marks_end(g);
	gw_relay_marker(g, g->end_reason);
	gw_proto_init(&m, GW_PROTO_SEAL, NULL, NULL);
	m.flags = GW_PROTO_END;
	if (record_finish(g->rec.rec, &m.n, m.head, &cause) != 0) {
		log_warn("%s", cause);	/* no end seal: it is cut short */
		free(cause);
		cause = NULL;
	} else if (gw_proto_send(g->ctx->monitor, &m, NULL, 0) != 0)
		log_warn("cannot have the recording sealed: %s",
		    strerror(errno));
	g->rec.rec = NULL;
	gw_relay_marks_close(g);
	gw_session_audit(g, "session-end", "%s after %.0f s", g->end_reason ?
	    g->end_reason : "ended", (util_now_ms() - g->relay.started) /
	    1000.0);
}

void
gw_relay_finish(struct gw *g)
{
	struct gw_relay	*r = &g->relay;

	if (r->chan != NULL && r->gchan != NULL) {
		if (r->exit_status >= 0)
			ssh_channel_request_send_exit_status(r->chan,
			    r->exit_status);
		ssh_channel_send_eof(r->chan);
		ssh_channel_close(r->chan);
	}
	gw_relay_record_finish(g);
	if (r->gchan != NULL) {
		ssh_channel_close(r->gchan);
		ssh_channel_free(r->gchan);
		r->gchan = NULL;
	}
	if (r->guest != NULL) {
		if (g->event != NULL)
			ssh_event_remove_session(g->event, guest_ssh(r->guest));
		guest_close(r->guest);
		r->guest = NULL;
	}
}
