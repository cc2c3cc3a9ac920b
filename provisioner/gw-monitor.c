/*
 * gw-monitor.c - the listener's answers to one connection process:
 * logins, the session's files, seals and the audit log.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/rand.h>

#include "config.h"
#include "exercise.h"
#include "gw-monitor.h"
#include "gw-proto.h"
#include "log.h"
#include "marks.h"
#include "password.h"
#include "seal.h"
#include "vm.h"
#include "util.h"

#define GW_MONITOR_KEYS_MAX	(64 * 1024)	/* authorized_keys read */
#define GW_MONITOR_HASH_MAX	256		/* a password hash */
#define GW_MONITOR_DETAIL_MAX	512		/* of an audit line */

struct gw_monitor {
	const struct gw_monitor_ctx *ctx;
	int			 sock;
	pid_t			 pid;
	char			*source;
	char			*user;		/* as tried, defanged */
	struct exercise		*ex;		/* once logged in */
	int			 reaped;	/* its process is gone */
	time_t			 first_login;	/* the exercise's */
	/* The session, once started. */
	char			*rec;		/* the recording's file name */
	char			*rec_path;
	int			 seal_fd;
	unsigned long long	 sealed_n;
	unsigned char		 sealed_head[CHAIN_DIGEST_LEN];
	int			 ended;
};

/* Events a connection process may add to the audit log itself. */
static const char *const gw_monitor_events[] = {
	"refused", "relay-failed", "hint", "session-end", "disconnect", NULL
};

static void __attribute__((format(printf, 3, 4)))
gw_monitor_audit(struct gw_monitor *m, const char *event, const char *fmt,
    ...)
{
	json_t	*j;
	char	*line, *path, *detail = NULL;
	va_list	 ap;
	int	 fd;

	if (fmt != NULL) {
		va_start(ap, fmt);
		xvasprintf(&detail, fmt, ap);
		va_end(ap);
	}
	j = json_pack("{s:I, s:s, s:s, s:s?, s:s?}", "time",
	    (json_int_t)time(NULL), "event", event, "source", m->source,
	    "user", m->user, "detail", detail);
	line = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(j);
	if (m->ex != NULL)
		path = exercise_path(m->ex->meta.dir, EXERCISE_AUDIT);
	else
		path = config_path("gateway/audit.log");
	if (line != NULL && (fd = open(path, O_WRONLY | O_APPEND | O_CREAT |
	    O_NOFOLLOW | O_CLOEXEC, 0640)) != -1) {
		if (util_write_all(fd, line, strlen(line)) != 0 ||
		    util_write_all(fd, "\n", 1) != 0)
			log_warn("cannot write '%s': %s", path,
			    strerror(errno));
		close(fd);
	}
	free(path);
	free(line);
	free(detail);
}

struct gw_monitor *
gw_monitor_new(const struct gw_monitor_ctx *ctx, int sock, pid_t pid,
    const char *source)
{
	struct gw_monitor	*m = xcalloc(1, sizeof *m);

	m->ctx = ctx;
	m->sock = sock;
	m->pid = pid;
	m->source = xstrdup(source);
	m->seal_fd = -1;
	gw_monitor_audit(m, "connect", NULL);
	return m;
}

int
gw_monitor_logged_in(const struct gw_monitor *m)
{
	return m->ex != NULL;
}

int
gw_monitor_fd(const struct gw_monitor *m)
{
	return m->sock;
}

/* A file of the exercise's directory, read whole up to max, or NULL. */
static char *
gw_monitor_read_file(const struct exercise *ex, enum exercise_file f,
    size_t max)
{
	char	*path = exercise_path(ex->meta.dir, f), *buf = NULL;
	ssize_t	 n;
	int	 fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) != -1) {
		buf = xmalloc(max + 1);
		if ((n = read(fd, buf, max)) < 0)
			n = 0;
		buf[n] = '\0';
		close(fd);
	}
	free(path);
	return buf;
}

/* Note who tried (before a login binds the process to an exercise). */
static void
gw_monitor_tried(struct gw_monitor *m, const char *user)
{
	if (m->ex != NULL)
		return;
	free(m->user);
	m->user = xstrndup(user, EXERCISE_ID_MAX);
	util_defang(m->user);
}

/* The exercise user names, or NULL: unknown ids go no further. */
static struct exercise *
gw_monitor_exercise(const char *user)
{
	struct exercise	*ex = NULL;
	char		*cause = NULL;

	if (exercise_valid_id(user) && exercise_load(user, &ex, &cause) != 0)
		free(cause);
	return ex;
}

static void
gw_monitor_answer(struct gw_monitor *m, int ok, const char *text,
    const int *fds, size_t nfds)
{
	struct gw_msg	 a;

	gw_proto_init(&a, GW_PROTO_RESULT, NULL, text);
	if (ok)
		a.flags = GW_PROTO_OK;
	if (gw_proto_send(m->sock, &a, fds, nfds) != 0)
		log_warn("cannot answer connection %ld: %s", (long)m->pid,
		    strerror(errno));
}

/* A login decided: bind on success, count and audit either way. */
static void
gw_monitor_decided(struct gw_monitor *m, struct exercise *ex, int ok,
    const char *method)
{
	if (ok) {
		m->ex = ex;
		free(m->user);
		m->user = xstrdup(ex->id);
		gw_monitor_audit(m, "auth", "%s", method);
	} else {
		m->ex = ex;	/* a known exercise keeps its own log */
		gw_monitor_audit(m, "auth-failure", "%s", method);
		m->ex = NULL;
		exercise_free(ex);
		if (m->ctx->failed != NULL)
			m->ctx->failed(m->source, m->ctx->arg);
	}
	gw_monitor_answer(m, ok, NULL, NULL, 0);
}

/*
 * A password: an unknown exercise costs the same hashing as a known one
 * (against a hash of nothing), so timing does not tell ids apart.
 */
static void
gw_monitor_password(struct gw_monitor *m, const struct gw_msg *req)
{
	static char	*nothing;
	struct exercise	*ex;
	char		*stored = NULL;
	int		 ok;

	gw_monitor_tried(m, req->user);
	if (nothing == NULL && (nothing = password_hash("")) == NULL)
		nothing = xstrdup("");
	ex = gw_monitor_exercise(req->user);
	if (ex != NULL)
		stored = gw_monitor_read_file(ex, EXERCISE_PASSWORD,
		    GW_MONITOR_HASH_MAX);
	ok = password_check(stored != NULL ? stored : nothing, req->text) &&
	    stored != NULL;
	free(stored);
	gw_monitor_decided(m, ex, ok, "password");
}

/* Is "TYPE BASE64" one of the lines of the candidate's keys? */
static int
gw_monitor_key_allowed(const struct exercise *ex, const char *key)
{
	char	*keys, *line, *save = NULL;
	int	 found = 0;

	if ((keys = gw_monitor_read_file(ex, EXERCISE_AUTHORIZED_KEYS,
	    GW_MONITOR_KEYS_MAX)) == NULL)
		return 0;
	for (line = strtok_r(keys, "\n", &save); line != NULL && !found;
	    line = strtok_r(NULL, "\n", &save))
		found = strcmp(line, key) == 0;
	free(keys);
	return found;
}

/* A public key, as "TYPE BASE64"; a probe asks only if it may sign. */
static void
gw_monitor_key(struct gw_monitor *m, const struct gw_msg *req)
{
	struct exercise	*ex;
	int		 ok;

	gw_monitor_tried(m, req->user);
	ex = gw_monitor_exercise(req->user);
	ok = ex != NULL && *req->text != '\0' &&
	    gw_monitor_key_allowed(ex, req->text);
	if (req->flags & GW_PROTO_PROBE) {
		exercise_free(ex);
		gw_monitor_answer(m, ok, NULL, NULL, 0);
		return;
	}
	gw_monitor_decided(m, ex, ok, "publickey");
}

static void
gw_monitor_event(struct gw_monitor *m, const struct gw_msg *req)
{
	char	 detail[GW_MONITOR_DETAIL_MAX + 1];
	size_t	 i, n;

	for (i = 0; gw_monitor_events[i] != NULL; i++) {
		if (strcmp(req->user, gw_monitor_events[i]) == 0)
			break;
	}
	if (gw_monitor_events[i] == NULL)
		return;
	n = strnlen(req->text, GW_MONITOR_DETAIL_MAX);
	memcpy(detail, req->text, n);
	detail[n] = '\0';
	util_defang(detail);
	gw_monitor_audit(m, gw_monitor_events[i], "%s", detail);
}

/* --- the session --------------------------------------------------- */

static long long
gw_monitor_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Append a signed seal to the session's seal file, made durable. */
static int
gw_monitor_seal(struct gw_monitor *m, struct seal *s)
{
	char	*line, *cause = NULL;
	int	 rc = -1;

	snprintf(s->rec, sizeof s->rec, "%s", m->rec);
	s->t = gw_monitor_now_ms();
	if ((line = seal_sign(m->ctx->seal_key, s, &cause)) == NULL) {
		log_warn("%s", cause);
		free(cause);
		return -1;
	}
	if (util_write_all(m->seal_fd, line, strlen(line)) != 0 ||
	    fdatasync(m->seal_fd) != 0)
		log_warn("cannot write the seal of '%s': %s", m->rec,
		    strerror(errno));
	else
		rc = 0;
	free(line);
	return rc;
}

/* A new file of the session, for the review group to read. */
static int
gw_monitor_create(struct gw_monitor *m, const char *path, int append,
    char **cause)
{
	int	 fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC |
	    (append ? O_APPEND : 0), 0640);
	if (fd == -1 || fchown(fd, 0, m->ctx->review_gid) == -1) {
		xasprintf(cause, "cannot create '%s': %s", path,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	return fd;
}

static int
gw_monitor_open_read(const struct exercise *ex, enum exercise_file f,
    char **cause)
{
	char	*path = exercise_path(ex->meta.dir, f);
	int	 fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		xasprintf(cause, "cannot open '%s': %s", path,
		    strerror(errno));
	free(path);
	return fd;
}

/*
 * When the candidate first got a shell: sessions/first-login, read, or
 * now if there is none yet (gw_monitor_first_shell makes it).
 */
static time_t
gw_monitor_first_login(const struct exercise *ex)
{
	char	*path, buf[32];
	time_t	 now = time(NULL), t = now;
	ssize_t	 n;
	int	 fd;

	path = exercise_path(ex->meta.dir, EXERCISE_FIRST_LOGIN);
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) != -1) {
		if ((n = read(fd, buf, sizeof buf - 1)) > 0) {
			buf[n] = '\0';
			t = (time_t)strtoll(buf, NULL, 10);
		}
		close(fd);
	}
	free(path);
	return t > 0 && t <= now ? t : now;
}

/*
 * The session's recording has begun (its first seal): the first of
 * them all makes sessions/first-login, with when it was asked for.
 */
static void
gw_monitor_first_shell(const struct gw_monitor *m)
{
	char	*path, buf[32];
	ssize_t	 n;
	int	 fd;

	path = exercise_path(m->ex->meta.dir, EXERCISE_FIRST_LOGIN);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0640)) != -1) {
		n = snprintf(buf, sizeof buf, "%lld\n",
		    (long long)m->first_login);
		if (write(fd, buf, (size_t)n) != n || fchown(fd, 0,
		    m->ctx->review_gid) != 0)
			log_warn("cannot write '%s'", path);
		close(fd);
	}
	free(path);
}

/* The recording's files, made; *fds in GW_FD_* order. */
static int
gw_monitor_files(struct gw_monitor *m, const char *rec, int *fds,
    char **cause)
{
	static const enum exercise_file reads[] = { EXERCISE_RELAY_KEY,
	    EXERCISE_KNOWN_HOSTS, EXERCISE_SCENARIO };
	char	*chain, *commands, *seal;
	size_t	 i;
	int	 rc = -1;

	xasprintf(&chain, "%s%s", rec, CHAIN_SUFFIX);
	xasprintf(&seal, "%s%s", rec, SEAL_SUFFIX);
	commands = marks_path(rec);
	if ((fds[GW_FD_CAST] = gw_monitor_create(m, rec, 0, cause)) == -1 ||
	    (fds[GW_FD_CHAIN] = gw_monitor_create(m, chain, 0, cause)) == -1 ||
	    (fds[GW_FD_COMMANDS] = gw_monitor_create(m, commands, 1,
	    cause)) == -1 ||
	    (m->seal_fd = gw_monitor_create(m, seal, 1, cause)) == -1)
		goto out;
	for (i = 0; i < nitems(reads); i++) {
		if ((fds[GW_FD_RELAY_KEY + i] = gw_monitor_open_read(m->ex,
		    reads[i], cause)) == -1)
			goto out;
	}
	rc = 0;
out:
	free(chain);
	free(commands);
	free(seal);
	return rc;
}

/*
 * Is the exercise's VM running? libvirt says; a crash it finds goes in
 * the record (exercise_vm_state). NULL, or why not (caller frees).
 * Without libvirt the relay will find out itself.
 */
static char *
gw_monitor_vm_down(struct exercise *ex)
{
	struct vm_conn	*conn;
	enum vm_state	 st;
	char		*cause = NULL, *why = NULL;
	int		 r;

	if ((conn = vm_open(ex->uri, &cause)) == NULL) {
		log_warn("%s", cause);
		free(cause);
		return NULL;
	}
	if ((r = exercise_vm_state(conn, ex, &st, &cause)) < 0) {
		log_warn("%s", cause);
		free(cause);
	} else if (r == 1 || st != VM_STATE_RUNNING)
		xasprintf(&why, "the machine of exercise %s is not running%s; "
		    "tell your interviewer", ex->id, st == VM_STATE_CRASHED ?
		    " (it crashed)" : "");
	vm_close(conn);
	return why;
}

/* Can the exercise still be used? NULL, or why not (caller frees). */
static char *
gw_monitor_usable(const struct exercise *ex)
{
	char	*why = NULL;

	if (strcmp(ex->state, "crashed") == 0)
		xasprintf(&why, "the machine of exercise %s crashed; tell your "
		    "interviewer", ex->id);
	else if (strcmp(ex->state, "ready") != 0)
		xasprintf(&why, "exercise %s is %s: it cannot be used any more",
		    ex->id, ex->state);
	else if (ex->meta.expires <= time(NULL))
		xasprintf(&why, "the time for exercise %s is over", ex->id);
	return why;
}

/* The session's facts for the connection process, as JSON. */
static char *
gw_monitor_facts(const struct gw_monitor *m, const char *rec,
    const unsigned char *key, time_t first)
{
	char	 hex[2 * CHAIN_KEY_LEN + 1], *text;
	json_t	*j;

	util_hex(key, CHAIN_KEY_LEN, hex);
	hex[sizeof hex - 1] = '\0';
	j = json_pack("{s:s, s:s, s:i, s:I, s:I, s:s, s:s}", "id", m->ex->id,
	    "candidate", m->ex->meta.candidate, "port", (int)m->ex->meta.port,
	    "expires", (json_int_t)m->ex->meta.expires, "first_login",
	    (json_int_t)first, "recording", rec, "key", hex);
	text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	return text;
}

/* Begin the recording: files made, "open" sealed, a fresh chain key. */
static int
gw_monitor_begin(struct gw_monitor *m, const char *rec, int *fds,
    unsigned char *key, char **cause)
{
	struct seal	 s;
	const char	*slash = strrchr(rec, '/');

	if (RAND_bytes(key, CHAIN_KEY_LEN) != 1) {
		xasprintf(cause, "no randomness for the recording's chain");
		return -1;
	}
	m->rec = xstrdup(slash != NULL ? slash + 1 : rec);
	m->rec_path = xstrdup(rec);
	if (gw_monitor_files(m, rec, fds, cause) != 0)
		return -1;
	memset(&s, 0, sizeof s);
	s.kind = SEAL_OPEN;
	snprintf(s.ex, sizeof s.ex, "%s", m->ex->id);
	memcpy(s.chain_key, key, CHAIN_KEY_LEN);
	s.pid = (long)m->pid;
	if (util_proc_start((long)m->pid, &s.start) != 0)
		s.start = 0;
	s.gw_pid = (long)getpid();
	if (util_proc_start(s.gw_pid, &s.gw_start) != 0)
		s.gw_start = 0;
	if (gw_monitor_seal(m, &s) != 0) {
		xasprintf(cause, "cannot seal the recording");
		return -1;
	}
	return 0;
}

static void
gw_monitor_session(struct gw_monitor *m)
{
	struct exercise	*now = NULL;
	unsigned char	 key[CHAIN_KEY_LEN];
	char		*rec = NULL, *why = NULL, *text = NULL;
	int		 fds[GW_FD_COUNT];
	size_t		 i;

	for (i = 0; i < GW_FD_COUNT; i++)
		fds[i] = -1;
	/* The record as it is now: down or expired since the login? */
	if (exercise_load(m->ex->id, &now, &why) != 0 ||
	    (why = gw_monitor_usable(now)) != NULL ||
	    (why = gw_monitor_vm_down(now)) != NULL)
		goto out;
	exercise_free(m->ex);
	m->ex = now;
	now = NULL;
	rec = exercise_recording(m->ex->meta.dir, time(NULL), (long)m->pid);
	if (gw_monitor_begin(m, rec, fds, key, &why) != 0) {
		gw_monitor_audit(m, "relay-failed", "%s", why);
		free(why);
		why = NULL;	/* not the candidate's to read */
		goto out;
	}
	m->first_login = gw_monitor_first_login(m->ex);
	text = gw_monitor_facts(m, rec, key, m->first_login);
	gw_monitor_audit(m, "session-start", "%s", rec);
out:
	if (text != NULL)
		gw_monitor_answer(m, 1, text, fds, GW_FD_COUNT);
	else
		gw_monitor_answer(m, 0, why, NULL, 0);
	for (i = 0; i < GW_FD_COUNT; i++) {
		if (fds[i] != -1)
			close(fds[i]);
	}
	explicit_bzero(key, sizeof key);
	exercise_free(now);
	free(rec);
	free(why);
	free(text);
}

/* A head, or the end: never fewer lines than already sealed. */
static int
gw_monitor_head(struct gw_monitor *m, const struct gw_msg *req)
{
	struct seal	 s;
	int		 end = (req->flags & GW_PROTO_END) != 0;

	if (m->seal_fd == -1 || m->ended || req->n < m->sealed_n)
		return -1;
	if (!end && req->n == m->sealed_n)
		return 0;
	memset(&s, 0, sizeof s);
	s.kind = end ? SEAL_END : SEAL_HEAD;
	s.n = req->n;
	memcpy(s.head, req->head, CHAIN_DIGEST_LEN);
	if (gw_monitor_seal(m, &s) == 0) {
		if (m->sealed_n == 0)
			gw_monitor_first_shell(m);
		m->sealed_n = req->n;
		memcpy(m->sealed_head, req->head, CHAIN_DIGEST_LEN);
	}
	m->ended = end;
	return 0;
}

/* What the process may ask now: nothing before a login but logging in. */
static int
gw_monitor_dispatch(struct gw_monitor *m, const struct gw_msg *req)
{
	switch (req->type) {
	case GW_PROTO_AUTH_PASSWORD:
	case GW_PROTO_AUTH_KEY:
		if (m->ex != NULL)
			return -1;
		if (req->type == GW_PROTO_AUTH_PASSWORD)
			gw_monitor_password(m, req);
		else
			gw_monitor_key(m, req);
		return 0;
	case GW_PROTO_SESSION:
		if (m->ex == NULL || m->rec != NULL)
			return -1;
		gw_monitor_session(m);
		return 0;
	case GW_PROTO_SEAL:
		return gw_monitor_head(m, req);
	case GW_PROTO_AUDIT:
		gw_monitor_event(m, req);
		return 0;
	default:
		return -1;
	}
}

static void
gw_monitor_close(struct gw_monitor *m)
{
	if (m->sock != -1)
		close(m->sock);
	m->sock = -1;
}

int
gw_monitor_read(struct gw_monitor *m)
{
	struct gw_msg	 req;
	size_t		 len, nfds;
	int		 fds[1], r;

	r = gw_proto_recv(m->sock, &req, &len, fds, 0, &nfds);
	if (r == 1 && gw_proto_valid(&req, len) &&
	    gw_monitor_dispatch(m, &req) == 0)
		return 0;
	if (r == 1) {
		log_warn("connection %ld from %s broke the protocol: ended",
		    (long)m->pid, m->source);
		if (!m->reaped)		/* else the pid may be another's */
			kill(m->pid, SIGKILL);
	}
	gw_monitor_close(m);
	return -1;
}

/*
 * A session whose process went before its recording's first line (the
 * VM could not be reached): nothing was recorded, so its empty files
 * go, rather than stay as a recording of nothing.
 */
static void
gw_monitor_unmake(struct gw_monitor *m)
{
	static const char *const suffixes[] = { "", CHAIN_SUFFIX,
	    SEAL_SUFFIX };
	struct stat	 st;
	char		*p;
	size_t		 i;

	if (stat(m->rec_path, &st) != 0 || st.st_size != 0)
		return;
	for (i = 0; i < nitems(suffixes); i++) {
		xasprintf(&p, "%s%s", m->rec_path, suffixes[i]);
		unlink(p);
		free(p);
	}
	p = marks_path(m->rec_path);
	unlink(p);
	free(p);
}

/* The seal for a recording its process left without an end. */
static void
gw_monitor_gone(struct gw_monitor *m, int status)
{
	struct seal	 s;

	memset(&s, 0, sizeof s);
	s.kind = SEAL_GONE;
	s.n = m->sealed_n;
	memcpy(s.head, m->sealed_head, CHAIN_DIGEST_LEN);
	if (WIFSIGNALED(status))
		snprintf(s.why, sizeof s.why, "the connection process was "
		    "killed by signal %d", WTERMSIG(status));
	else
		snprintf(s.why, sizeof s.why, "the connection process ended "
		    "(status %d) without ending the recording",
		    WEXITSTATUS(status));
	(void)gw_monitor_seal(m, &s);
}

void
gw_monitor_end(struct gw_monitor *m, int status)
{
	struct pollfd	 pfd;

	/* What it sent before it went: its end seal, say. */
	m->reaped = 1;
	pfd.fd = m->sock;
	pfd.events = POLLIN;
	while (pfd.fd != -1 && poll(&pfd, 1, 0) == 1 &&
	    gw_monitor_read(m) == 0)
		;
	if (m->seal_fd != -1 && !m->ended) {
		if (m->sealed_n == 0)
			gw_monitor_unmake(m);
		else
			gw_monitor_gone(m, status);
	}
	if (m->seal_fd != -1)
		close(m->seal_fd);
	gw_monitor_close(m);
	exercise_free(m->ex);
	free(m->source);
	free(m->user);
	free(m->rec);
	free(m->rec_path);
	free(m);
}
