/*
 * gw-session.c - one candidate connection to the gateway, in its own
 * process: authenticate, then relay one interactive terminal to the
 * exercise's VM, recording every byte both ways.
 *
 * libssh is told nothing about who may log in: the callbacks below keep
 * the authenticated state themselves and every channel callback checks
 * it (libssh CVE-2018-10933 was a server trusting the client's word).
 * Everything not asked for explicitly (port forwarding of any kind,
 * agent and X11 forwarding) has no callback, so libssh refuses it.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <libssh/callbacks.h>
#include <libssh/libssh.h>
#include <libssh/server.h>

#include "config.h"
#include "credentials.h"
#include "diag.h"
#include "exercise.h"
#include "gateway.h"
#include "guest.h"
#include "log.h"
#include "marks.h"
#include "password.h"
#include "record.h"
#include "scenario.h"
#include "util.h"

#define GW_ID_MAX	64
#define GW_TERM_MAX	64
#define GW_KEYS_MAX	(64 * 1024)

struct gw {
	const struct gateway_ctx *ctx;
	ssh_session		 client;
	ssh_channel		 chan;		/* the candidate's session */
	ssh_event		 event;
	struct ssh_channel_callbacks_struct ccb;

	char			*user;		/* exercise id, once valid */
	struct exercise		*ex;		/* loaded at authentication */
	int			 authenticated;
	int			 failures;

	char			 term[GW_TERM_MAX];
	int			 width, height;
	int			 pty;

	struct guest		*guest;
	ssh_channel		 gchan;		/* the VM's shell */
	struct ssh_channel_callbacks_struct gcb;
	int			 exit_status;	/* -1 until the VM sends it */

	struct scenario		*sc;		/* for the hints */
	time_t			 first_login;	/* the exercise's, not ours */
	size_t			 hints_shown;	/* this connection */

	struct record		*rec;
	char			*rec_path;
	struct marks		*marks;		/* the commands log */
	long long		 rec_start;	/* util_now_ms at record_open */
	long long		 started;	/* util_now_ms at the shell */
	long long		 last_input;
	long long		 last_keepalive;
	int			 done;
	int			 client_closed;	/* the candidate's close came */
	char			*farewell;	/* say this, then end (exit 1) */
	const char		*end_reason;
};

static time_t	gw_first_login(struct gw *);

/* --- audit log ------------------------------------------------------ */

/* One JSON line in the exercise's audit.log, or the gateway's. */
static void __attribute__((format(printf, 3, 4)))
gw_audit(struct gw *g, const char *event, const char *fmt, ...)
{
	json_t		*j;
	char		*line, *path, *detail = NULL;
	va_list		 ap;
	int		 fd;

	if (fmt != NULL) {
		va_start(ap, fmt);
		xvasprintf(&detail, fmt, ap);
		va_end(ap);
	}
	j = json_pack("{s:I, s:s, s:s, s:s?, s:s?}", "time",
	    (json_int_t)time(NULL), "event", event, "source", g->ctx->source,
	    "user", g->user, "detail", detail);
	line = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(j);
	if (g->ex != NULL)
		xasprintf(&path, "%s/audit.log", g->ex->meta.dir);
	else
		path = config_path("gateway/audit.log");
	if (line != NULL && (fd = open(path, O_WRONLY | O_APPEND | O_CREAT |
	    O_CLOEXEC, 0660)) != -1) {
		if (write(fd, line, strlen(line)) < 0 || write(fd, "\n", 1) < 0)
			log_warn("cannot write '%s'", path);
		close(fd);
	}
	free(path);
	free(line);
	free(detail);
}

/* --- authentication ------------------------------------------------- */

/* Exercise ids are lowercase slugs; anything else never reaches a path. */
static int
gw_valid_id(const char *id)
{
	size_t	 len = strlen(id);

	return len > 0 && len <= GW_ID_MAX && id[0] != '-' &&
	    strspn(id, "abcdefghijklmnopqrstuvwxyz0123456789-") == len;
}

/* The exercise user names, loaded once per connection; NULL if none. */
static struct exercise *
gw_exercise(struct gw *g, const char *user)
{
	char	*cause = NULL;

	if (g->ex != NULL)
		return strcmp(g->ex->id, user) == 0 ? g->ex : NULL;
	if (!gw_valid_id(user))
		return NULL;
	if (exercise_load(user, &g->ex, &cause) != 0) {
		free(cause);
		g->ex = NULL;
		return NULL;
	}
	free(g->user);
	g->user = xstrdup(user);
	return g->ex;
}

static char *
gw_read(const char *dir, const char *name, size_t max)
{
	char	*path, *buf = NULL;
	FILE	*fp;
	size_t	 n;

	xasprintf(&path, "%s/%s", dir, name);
	if ((fp = fopen(path, "r")) != NULL) {
		buf = xmalloc(max + 1);
		n = fread(buf, 1, max, fp);
		buf[n] = '\0';
		fclose(fp);
	}
	free(path);
	return buf;
}

/* A failed attempt: logged, delayed, and the connection ends at the cap. */
static int
gw_denied(struct gw *g, const char *user, const char *method)
{
	g->failures++;
	if (g->user == NULL && user != NULL) {
		g->user = xstrndup(user, GW_ID_MAX);
		util_defang(g->user);
	}
	gw_audit(g, "auth-failure", "%s", method);
	sleep(1 + (unsigned)g->failures);
	if (g->failures >= GATEWAY_MAX_TRIES) {
		g->end_reason = "too many failed logins";
		g->done = 1;
	}
	return SSH_AUTH_DENIED;
}

static int
gw_auth_password(ssh_session s, const char *user, const char *pass,
    void *arg)
{
	struct gw		*g = arg;
	struct exercise		*ex;
	char			*stored = NULL;
	int			 ok = 0;

	(void)s;
	if (g->authenticated || g->done)
		return SSH_AUTH_DENIED;
	if ((ex = gw_exercise(g, user)) != NULL &&
	    (stored = gw_read(ex->meta.dir, "password", 256)) != NULL)
		ok = password_check(stored, pass);
	free(stored);
	if (!ok)
		return gw_denied(g, user, "password");
	g->authenticated = 1;
	gw_audit(g, "auth", "password");
	return SSH_AUTH_SUCCESS;
}

/* Is key one of the candidate's keys (up --candidate-key)? */
static int
gw_key_allowed(const struct exercise *ex, ssh_key key)
{
	char	*keys, *line, *save = NULL, *type, *b64, *save2 = NULL;
	ssh_key	 k;
	int	 found = 0;

	if ((keys = gw_read(ex->meta.dir, "authorized_keys", GW_KEYS_MAX))
	    == NULL)
		return 0;
	for (line = strtok_r(keys, "\n", &save); line != NULL && !found;
	    line = strtok_r(NULL, "\n", &save)) {
		type = strtok_r(line, " ", &save2);
		b64 = strtok_r(NULL, " ", &save2);
		if (type == NULL || b64 == NULL ||
		    ssh_pki_import_pubkey_base64(b64,
		    ssh_key_type_from_name(type), &k) != SSH_OK)
			continue;
		found = ssh_key_cmp(k, key, SSH_KEY_CMP_PUBLIC) == 0;
		ssh_key_free(k);
	}
	free(keys);
	return found;
}

static int
gw_auth_pubkey(ssh_session s, const char *user, struct ssh_key_struct *key,
    char state, void *arg)
{
	struct gw		*g = arg;
	struct exercise		*ex;

	(void)s;
	if (g->authenticated || g->done)
		return SSH_AUTH_DENIED;
	ex = gw_exercise(g, user);
	if (state == SSH_PUBLICKEY_STATE_NONE) {
		/* A probe: may this key sign? No delay, no count. */
		return ex != NULL && gw_key_allowed(ex, key) ?
		    SSH_AUTH_SUCCESS : SSH_AUTH_DENIED;
	}
	if (state != SSH_PUBLICKEY_STATE_VALID || ex == NULL ||
	    !gw_key_allowed(ex, key))
		return gw_denied(g, user, "publickey");
	g->authenticated = 1;
	gw_audit(g, "auth", "publickey");
	return SSH_AUTH_SUCCESS;
}

/* --- the candidate's channel ---------------------------------------- */

/* text with every "\n" made "\r\n" (a raw terminal needs both). */
static char *
gw_crlf(const char *text)
{
	char		*out = xmalloc(2 * strlen(text) + 1), *o = out;
	const char	*p;

	for (p = text; *p != '\0'; p++) {
		if (*p == '\n')
			*o++ = '\r';
		*o++ = *p;
	}
	*o = '\0';
	return out;
}

/* A line to the candidate's terminal, from breakfix itself. */
static void __attribute__((format(printf, 2, 3)))
gw_say(struct gw *g, const char *fmt, ...)
{
	char	*msg, *line;
	va_list	 ap;

	if (g->chan == NULL)
		return;
	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	line = gw_crlf(msg);
	free(msg);
	xasprintf(&msg, "\r\nbreakfix: %s\r\n", line);
	ssh_channel_write_stderr(g->chan, msg, (uint32_t)strlen(msg));
	free(line);
	free(msg);
}

static int
gw_pty(ssh_session s, ssh_channel c, const char *term, int w, int h,
    int pw, int ph, void *arg)
{
	struct gw	*g = arg;

	(void)s;
	(void)c;
	(void)pw;
	(void)ph;
	if (!g->authenticated || g->pty)
		return -1;
	snprintf(g->term, sizeof g->term, "%s", term);
	if (g->term[strspn(g->term, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.+")] != '\0')
		snprintf(g->term, sizeof g->term, "xterm");
	g->width = w > 0 && w < 10000 ? w : 80;
	g->height = h > 0 && h < 10000 ? h : 24;
	g->pty = 1;
	return 0;
}

static int
gw_window(ssh_session s, ssh_channel c, int w, int h, int pw, int ph,
    void *arg)
{
	struct gw	*g = arg;
	char		*cause = NULL;

	(void)s;
	(void)c;
	(void)pw;
	(void)ph;
	if (!g->authenticated || !g->pty || w <= 0 || h <= 0 || w >= 10000 ||
	    h >= 10000)
		return -1;
	g->width = w;
	g->height = h;
	if (g->gchan != NULL)
		ssh_channel_change_pty_size(g->gchan, w, h);
	if (g->rec != NULL && record_resize(g->rec, (unsigned)w, (unsigned)h,
	    &cause) != 0) {
		log_warn("%s", cause);
		free(cause);
	}
	return 0;
}

static int
gw_exec(ssh_session s, ssh_channel c, const char *command, void *arg)
{
	struct gw	*g = arg;

	(void)s;
	(void)c;
	(void)command;
	if (!g->authenticated)
		return -1;
	gw_say(g, "only interactive logins are allowed here: no commands, "
	    "scp or sftp (use 'ssh -t')");
	gw_audit(g, "refused", "exec");
	return -1;
}

static int
gw_subsystem(ssh_session s, ssh_channel c, const char *name, void *arg)
{
	struct gw	*g = arg;

	(void)s;
	(void)c;
	(void)name;
	if (!g->authenticated)
		return -1;
	gw_say(g, "subsystems (sftp) are not available here");
	gw_audit(g, "refused", "subsystem");
	return -1;
}

/* Typed by the candidate: to the VM, and into the recording. */
static int
gw_client_data(ssh_session s, ssh_channel c, void *data, uint32_t len,
    int is_stderr, void *arg)
{
	struct gw	*g = arg;
	char		*cause = NULL;

	(void)s;
	(void)c;
	(void)is_stderr;
	if (!g->authenticated || g->gchan == NULL)
		return (int)len;	/* nothing to send it to: dropped */
	g->last_input = util_now_ms();
	if (g->rec != NULL && record_input(g->rec, data, len, &cause) != 0) {
		log_warn("%s", cause);
		free(cause);
		cause = NULL;
	}
	if (ssh_channel_write(g->gchan, data, len) == SSH_ERROR) {
		g->end_reason = "the VM's connection failed";
		g->done = 1;
	}
	return (int)len;
}

static void
gw_client_eof(ssh_session s, ssh_channel c, void *arg)
{
	struct gw	*g = arg;

	(void)s;
	(void)c;
	if (g->gchan != NULL)
		ssh_channel_send_eof(g->gchan);
}

static void
gw_client_close(ssh_session s, ssh_channel c, void *arg)
{
	struct gw	*g = arg;

	(void)s;
	(void)c;
	if (g->end_reason == NULL)
		g->end_reason = "the candidate closed the session";
	g->client_closed = 1;
	g->done = 1;
}

/* --- the VM's side --------------------------------------------------- */

static int
gw_guest_data(ssh_session s, ssh_channel c, void *data, uint32_t len,
    int is_stderr, void *arg)
{
	struct gw	*g = arg;
	char		*cause = NULL;

	(void)s;
	(void)c;
	if (g->rec != NULL && record_output(g->rec, data, len, &cause) != 0) {
		log_warn("%s", cause);
		free(cause);
		cause = NULL;
	}
	if (g->marks != NULL && marks_feed(g->marks, (util_now_ms() -
	    g->rec_start) / 1000.0, data, len, &cause) != 0) {
		log_warn("%s", cause);
		free(cause);
	}
	if ((is_stderr ? ssh_channel_write_stderr(g->chan, data, len) :
	    ssh_channel_write(g->chan, data, len)) == SSH_ERROR) {
		g->end_reason = "the candidate's connection failed";
		g->done = 1;
	}
	return (int)len;
}

static void
gw_guest_exit(ssh_session s, ssh_channel c, int status, void *arg)
{
	struct gw	*g = arg;

	(void)s;
	(void)c;
	g->exit_status = status;
}

static void
gw_guest_eof(ssh_session s, ssh_channel c, void *arg)
{
	struct gw	*g = arg;

	(void)s;
	(void)c;
	ssh_channel_send_eof(g->chan);
}

static void
gw_guest_close(ssh_session s, ssh_channel c, void *arg)
{
	struct gw	*g = arg;

	(void)s;
	(void)c;
	if (g->end_reason == NULL)
		g->end_reason = "the shell in the VM ended";
	g->done = 1;
}

/* sessions/<UTC time>-<pid>.cast: one file per connection. */
static int
gw_record_start(struct gw *g, const char *user, char **cause)
{
	struct record_header	 h;
	struct tm		 tm;
	time_t			 now = time(NULL);
	char			 stamp[32], *title, *path;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
	xasprintf(&g->rec_path, "%s/sessions/%s-%ld.cast", g->ex->meta.dir,
	    stamp, (long)getpid());
	xasprintf(&title, "exercise %s: candidate %s (%s)", g->ex->id,
	    *g->ex->meta.candidate ? g->ex->meta.candidate : "unnamed", user);
	memset(&h, 0, sizeof h);
	h.width = (unsigned)g->width;
	h.height = (unsigned)g->height;
	h.timestamp = now;
	h.term = g->term;
	h.shell = "/bin/bash";
	h.title = title;
	g->rec = record_open(g->rec_path, &h, g->ctx->chain_key,
	    sizeof g->ctx->chain_key, cause);
	g->rec_start = util_now_ms();
	free(title);
	if (g->rec == NULL)
		return -1;
	path = marks_path(g->rec_path);
	g->marks = marks_open(path, cause);
	free(path);
	return g->marks == NULL ? -1 : 0;
}

/* Log in to the VM as the candidate's account and start its shell. */
static int
gw_guest_start(struct gw *g, char **cause)
{
	struct scenario	*sc = NULL;
	struct diag	*d = NULL;
	char		*path = NULL, *key = NULL, *kh = NULL, *marker = NULL;
	ssh_session	 gs;
	int		 rc = -1;

	xasprintf(&path, "%s/scenario.yaml", g->ex->meta.dir);
	d = diag_new(path);
	if ((sc = scenario_load(path, d)) == NULL) {
		xasprintf(cause, "cannot read the exercise's scenario");
		goto out;
	}
	xasprintf(&key, "%s/candidate_ed25519", g->ex->meta.dir);
	xasprintf(&kh, "%s/known_hosts", g->ex->meta.dir);
	g->guest = guest_connect("127.0.0.1", g->ex->meta.port,
	    sc->candidate_user, key, kh, 30000, NULL, NULL, cause);
	if (g->guest == NULL)
		goto out;
	gs = guest_ssh(g->guest);
	ssh_set_blocking(gs, 1);
	if ((g->gchan = ssh_channel_new(gs)) == NULL ||
	    ssh_channel_open_session(g->gchan) != SSH_OK ||
	    ssh_channel_request_pty_size(g->gchan, g->term, g->width,
	    g->height) != SSH_OK ||
	    ssh_channel_request_shell(g->gchan) != SSH_OK) {
		xasprintf(cause, "cannot start a shell in the VM: %s",
		    ssh_get_error(gs));
		goto out;
	}
	memset(&g->gcb, 0, sizeof g->gcb);
	g->gcb.userdata = g;
	g->gcb.channel_data_function = gw_guest_data;
	g->gcb.channel_exit_status_function = gw_guest_exit;
	g->gcb.channel_eof_function = gw_guest_eof;
	g->gcb.channel_close_function = gw_guest_close;
	ssh_callbacks_init(&g->gcb);
	ssh_set_channel_callbacks(g->gchan, &g->gcb);
	if (ssh_event_add_session(g->event, gs) != SSH_OK) {
		xasprintf(cause, "cannot watch the VM's connection");
		goto out;
	}
	if (gw_record_start(g, sc->candidate_user, cause) != 0)
		goto out;
	xasprintf(&marker, "connected from %s", g->ctx->source);
	if (record_marker(g->rec, marker, cause) != 0)
		goto out;
	g->sc = sc;
	sc = NULL;		/* transferred */
	rc = 0;
out:
	free(marker);
	free(path);
	free(key);
	free(kh);
	scenario_free(sc);
	diag_free(d);
	return rc;
}

static int
gw_shell(ssh_session s, ssh_channel c, void *arg)
{
	struct gw	*g = arg;
	char		*cause = NULL;

	(void)s;
	(void)c;
	if (!g->authenticated || g->gchan != NULL)
		return -1;
	if (!g->pty) {
		gw_say(g, "a terminal is needed: connect with 'ssh -t'");
		return -1;
	}
	if (strcmp(g->ex->state, "ready") != 0) {
		xasprintf(&g->farewell, "exercise %s is %s: it cannot be used "
		    "any more", g->ex->id, g->ex->state);
		g->end_reason = "exercise not ready";
		return 0;
	}
	if (g->ex->meta.expires <= time(NULL)) {
		xasprintf(&g->farewell, "the time for exercise %s is over",
		    g->ex->id);
		g->end_reason = "exercise expired";
		return 0;
	}
	alarm(0);		/* logged in: the grace period is over */
	if (gw_guest_start(g, &cause) != 0) {
		g->farewell = xstrdup("the exercise's machine cannot be "
		    "reached; tell your interviewer");
		gw_audit(g, "relay-failed", "%s", cause);
		free(cause);
		g->end_reason = "relay failed";
		return 0;
	}
	g->started = g->last_input = util_now_ms();
	g->first_login = gw_first_login(g);
	gw_audit(g, "session-start", "%s", g->rec_path);
	return 0;
}

static ssh_channel
gw_open_session(ssh_session s, void *arg)
{
	struct gw	*g = arg;

	if (!g->authenticated || g->chan != NULL)
		return NULL;	/* one session channel per connection */
	if ((g->chan = ssh_channel_new(s)) == NULL)
		return NULL;
	memset(&g->ccb, 0, sizeof g->ccb);
	g->ccb.userdata = g;
	g->ccb.channel_data_function = gw_client_data;
	g->ccb.channel_eof_function = gw_client_eof;
	g->ccb.channel_close_function = gw_client_close;
	g->ccb.channel_pty_request_function = gw_pty;
	g->ccb.channel_shell_request_function = gw_shell;
	g->ccb.channel_pty_window_change_function = gw_window;
	g->ccb.channel_exec_request_function = gw_exec;
	g->ccb.channel_subsystem_request_function = gw_subsystem;
	ssh_callbacks_init(&g->ccb);
	ssh_set_channel_callbacks(g->chan, &g->ccb);
	return g->chan;
}

/* --- the connection's life ------------------------------------------ */

/*
 * A shell that cannot be given: accepted, then the reason, exit status
 * 1 and the channel closed. (Refusing the request instead makes the
 * OpenSSH client exit before it shows what was already sent.)
 */
static void
gw_farewell(struct gw *g)
{
	gw_say(g, "%s", g->farewell);
	free(g->farewell);
	g->farewell = NULL;
	ssh_channel_request_send_exit_status(g->chan, 1);
	ssh_channel_send_eof(g->chan);
	ssh_channel_close(g->chan);
	g->done = 1;
}

static void
gw_drop_privileges(const struct gateway_ctx *ctx)
{
	if (setgroups(0, NULL) == -1 ||
	    setresgid(ctx->gid, ctx->gid, ctx->gid) == -1 ||
	    setresuid(ctx->uid, ctx->uid, ctx->uid) == -1 ||
	    (ctx->uid != 0 && setuid(0) != -1)) {
		log_error("cannot drop privileges to %s: %s", GATEWAY_USER,
		    strerror(errno));
		_exit(1);
	}
}

/*
 * When the candidate first logged in to this exercise: sessions/
 * first-login, made by the first session to start.
 */
static time_t
gw_first_login(struct gw *g)
{
	char	*path, buf[32];
	time_t	 now = time(NULL), t = now;
	ssize_t	 n;
	int	 fd;

	xasprintf(&path, "%s/sessions/first-login", g->ex->meta.dir);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0640)) != -1) {
		n = snprintf(buf, sizeof buf, "%lld\n", (long long)now);
		if (write(fd, buf, (size_t)n) != n)
			log_warn("cannot write '%s'", path);
		close(fd);
	} else if ((fd = open(path, O_RDONLY | O_CLOEXEC)) != -1) {
		if ((n = read(fd, buf, sizeof buf - 1)) > 0) {
			buf[n] = '\0';
			t = (time_t)strtoll(buf, NULL, 10);
		}
		close(fd);
	}
	free(path);
	return t > 0 && t <= now ? t : now;
}

/* Hints come out as their time since the first login arrives. */
static void
gw_hints(struct gw *g)
{
	const struct scenario_hint	*h;
	char				*cause = NULL, *label;
	time_t				 since = time(NULL) - g->first_login;

	while (g->sc != NULL && g->hints_shown < g->sc->nhints) {
		h = &g->sc->hints[g->hints_shown];
		if ((time_t)h->after > since)
			break;
		g->hints_shown++;
		gw_say(g, "hint %zu of %zu:\n%s", g->hints_shown,
		    g->sc->nhints, h->text);
		xasprintf(&label, "hint %zu shown", g->hints_shown);
		if (g->rec != NULL && record_marker(g->rec, label, &cause) != 0) {
			free(cause);
			cause = NULL;
		}
		free(label);
		gw_audit(g, "hint", "%zu", g->hints_shown);
	}
}

/* Time limits: idle, the exercise's end, keepalives. */
static void
gw_tick(struct gw *g)
{
	long long	 now = util_now_ms();
	char		*cause = NULL;

	if (g->rec != NULL && record_sync(g->rec, &cause) != 0) {
		log_warn("%s", cause);
		free(cause);
	}
	if (g->gchan == NULL)
		return;
	gw_hints(g);
	if (g->ex->meta.expires <= time(NULL)) {
		gw_say(g, "the time for this exercise is over; the session "
		    "ends now");
		g->end_reason = "exercise expired";
		g->done = 1;
	} else if (now - g->last_input > GATEWAY_IDLE * 1000LL) {
		gw_say(g, "no input for %d minutes; the session ends now "
		    "(connect again to carry on)", GATEWAY_IDLE / 60);
		g->end_reason = "idle";
		g->done = 1;
	}
	if (now - g->last_keepalive > GATEWAY_KEEPALIVE * 1000LL) {
		ssh_send_keepalive(g->client);
		g->last_keepalive = now;
	}
}

static void
gw_finish(struct gw *g)
{
	char	*cause = NULL;

	if (g->chan != NULL && g->gchan != NULL) {
		if (g->exit_status >= 0)
			ssh_channel_request_send_exit_status(g->chan,
			    g->exit_status);
		ssh_channel_send_eof(g->chan);
		ssh_channel_close(g->chan);
	}
	if (g->rec != NULL) {
		if (record_marker(g->rec, g->end_reason, &cause) != 0) {
			free(cause);
			cause = NULL;
		}
		if (record_close(g->rec, &cause) != 0) {
			log_warn("%s", cause);
			free(cause);
			cause = NULL;
		}
		g->rec = NULL;
		if (marks_close(g->marks, &cause) != 0) {
			log_warn("%s", cause);
			free(cause);
		}
		g->marks = NULL;
		gw_audit(g, "session-end", "%s after %.0f s", g->end_reason ?
		    g->end_reason : "ended", (util_now_ms() - g->started) /
		    1000.0);
	}
	if (g->gchan != NULL) {
		ssh_channel_close(g->gchan);
		ssh_channel_free(g->gchan);
		g->gchan = NULL;
	}
	if (g->guest != NULL) {
		if (g->event != NULL)
			ssh_event_remove_session(g->event, guest_ssh(g->guest));
		guest_close(g->guest);
		g->guest = NULL;
	}
	scenario_free(g->sc);
	g->sc = NULL;
}

void
gateway_session(ssh_bind bind, int fd, const struct gateway_ctx *ctx)
{
	struct ssh_server_callbacks_struct	 cb;
	struct gw				 g;
	int					 i, code = 1;

	memset(&g, 0, sizeof g);
	g.ctx = ctx;
	g.exit_status = -1;
	signal(SIGPIPE, SIG_IGN);
	alarm(GATEWAY_LOGIN_GRACE);
	if ((g.client = ssh_new()) == NULL ||
	    ssh_bind_accept_fd(bind, g.client, fd) != SSH_OK)
		_exit(1);
	ssh_bind_free(bind);		/* the listening socket, in this child */
	gw_drop_privileges(ctx);
	/* Callbacks first: the client's next packet may come with the kex. */
	memset(&cb, 0, sizeof cb);
	cb.userdata = &g;
	cb.auth_password_function = gw_auth_password;
	cb.auth_pubkey_function = gw_auth_pubkey;
	cb.channel_open_request_session_function = gw_open_session;
	ssh_callbacks_init(&cb);
	ssh_set_server_callbacks(g.client, &cb);
	ssh_set_auth_methods(g.client, SSH_AUTH_METHOD_PASSWORD |
	    SSH_AUTH_METHOD_PUBLICKEY);
	gw_audit(&g, "connect", NULL);
	if (ssh_handle_key_exchange(g.client) != SSH_OK)
		goto out;
	if ((g.event = ssh_event_new()) == NULL ||
	    ssh_event_add_session(g.event, g.client) != SSH_OK)
		goto out;
	g.last_keepalive = util_now_ms();
	while (!g.done) {
		if (ssh_event_dopoll(g.event, 500) == SSH_ERROR) {
			if (g.end_reason == NULL)
				g.end_reason = "connection lost";
			break;
		}
		if (ssh_get_status(g.client) & (SSH_CLOSED | SSH_CLOSED_ERROR))
			break;
		if (g.farewell != NULL)
			gw_farewell(&g);
		gw_tick(&g);
	}
	code = g.failures >= GATEWAY_MAX_TRIES || (!g.authenticated &&
	    g.failures > 0) ? GATEWAY_EXIT_AUTHFAIL : 0;
out:
	gw_finish(&g);
	/* Let the client's close answer ours, so that it takes the exit
	 * status rather than a disconnect. */
	for (i = 0; i < 20 && g.event != NULL && g.chan != NULL &&
	    !g.client_closed; i++) {
		if (ssh_event_dopoll(g.event, 100) == SSH_ERROR)
			break;
	}
	if (g.authenticated)
		gw_audit(&g, "disconnect", "%s", g.end_reason ? g.end_reason :
		    "closed");
	ssh_disconnect(g.client);
	_exit(code);
}
