/*
 * guest.c - breakfix's SSH client for reaching a guest, on libssh.
 *
 * Sessions run in libssh's nonblocking mode and every call is driven from
 * a loop that polls the socket until the caller's deadline. In blocking
 * mode libssh waits for channel replies and window space without limit,
 * which is exactly how a guest that stops answering would hang us.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libssh/callbacks.h>
#include <libssh/libssh.h>

#include "guest.h"
#include "util.h"

#define GUEST_RETRY_MS	300		/* pause between connection attempts */
#define GUEST_TICK_MS	1000		/* between progress calls */
#define GUEST_CHUNK	32768		/* bytes moved per read or write */
#define GUEST_UPLOAD_MS	60000		/* guest_upload takes no timeout */

struct guest {
	ssh_session	 session;
	char		*name;		/* host:port, for messages */
};

/* A deadline, and whom to tell while waiting for it. */
struct guest_clock {
	int64_t		  start;
	int64_t		  deadline;
	int64_t		  tick;		/* when progress is next due */
	int		(*progress)(int, void *);
	void		 *arg;
	int		  stopped;	/* progress asked to stop */
};

/*
 * How far a connection attempt got, which decides how it is reported;
 * in order, the furthest last.
 */
enum guest_stage {
	GUEST_CONNECT,
	GUEST_LOGIN,
	GUEST_FATAL,		/* trying again cannot help */
};

/* One guest_connect call. */
struct guest_dial {
	const char		*host;
	unsigned		 port;
	const char		*user;
	const char		*keyfile;
	const char		*known_hosts;
	ssh_key			 key;
	struct guest_clock	 clock;
	enum guest_stage	 stage;		/* of the failure to report */
	char			*why;		/* and what it was */
	int			 answered;	/* not just the deadline */
};

/* Output of one stream: capped at GUEST_OUTPUT_MAX, NUL-terminated. */
struct guest_stream {
	char		*buf;
	size_t		 len;
	size_t		 size;
};

/* One command in flight. */
struct guest_cmd {
	ssh_channel		 ch;
	struct ssh_channel_callbacks_struct cb;
	const char		*in;
	size_t			 inlen;
	size_t			 inoff;
	int			 eof_sent;
	int			 closed;	/* by the guest */
	int			 status;
	int			 timed_out;
	struct guest_stream	 out;
	struct guest_stream	 err;
	struct guest_clock	 clock;
};

static void
guest_clock_init(struct guest_clock *c, int timeout_ms,
    int (*progress)(int, void *), void *arg)
{
	c->start = util_now_ms();
	c->deadline = c->start + (timeout_ms > 0 ? timeout_ms : 0);
	c->tick = c->start + GUEST_TICK_MS;
	c->progress = progress;
	c->arg = arg;
	c->stopped = 0;
}

/* Call progress if it is due; returns the time now. */
static int64_t
guest_clock_tick(struct guest_clock *c)
{
	int64_t	 now = util_now_ms();

	if (c->progress != NULL && now >= c->tick) {
		/* A caller that stops the wait makes the deadline now. */
		if (c->progress((int)(now - c->start), c->arg) != 0) {
			c->stopped = 1;
			c->deadline = now;
		}
		while (c->tick <= now)
			c->tick += GUEST_TICK_MS;
	}
	return now;
}

/* Milliseconds from now until until, the deadline or a tick, if sooner. */
static int
guest_clock_left(const struct guest_clock *c, int64_t now, int64_t until)
{
	if (until > c->deadline)
		until = c->deadline;
	if (c->progress != NULL && until > c->tick)
		until = c->tick;
	return until > now ? (int)(until - now) : 0;
}

/*
 * Sleep until the session's socket has something for libssh, a progress
 * call is due or the deadline comes; the caller then calls libssh again.
 * Returns -1 once the deadline has passed.
 */
static int
guest_wait(ssh_session s, struct guest_clock *c)
{
	struct pollfd	 pfd;
	int64_t		 now = guest_clock_tick(c);

	if (now >= c->deadline)
		return -1;
	pfd.fd = ssh_get_fd(s);
	pfd.events = POLLIN;
	if (ssh_get_poll_flags(s) & SSH_WRITE_PENDING)
		pfd.events |= POLLOUT;
	pfd.revents = 0;
	/* A failing poll costs a busy loop until the deadline, not a hang. */
	(void)poll(&pfd, 1, guest_clock_left(c, now, c->deadline));
	return 0;
}

/* Sleep ms between attempts; -1 if the deadline came first. */
static int
guest_pause(struct guest_clock *c, int ms)
{
	int64_t	 now = guest_clock_tick(c), until = now + ms;

	while (now < until && now < c->deadline) {
		(void)poll(NULL, 0, guest_clock_left(c, now, until));
		now = guest_clock_tick(c);
	}
	return now < c->deadline ? 0 : -1;
}

static int
guest_expired(struct guest_clock *c)
{
	return guest_clock_tick(c) >= c->deadline;
}

/*
 * Note why an attempt failed, unless an earlier attempt said more. An
 * attempt the deadline cut short tells only that time ran out, which is
 * where the deadline happened to fall: a guest that refused the key and
 * was then cut off in the middle of the next handshake was refusing the
 * key, and that is what to report. So a cut-off replaces an answer only
 * when it got further (a connection refused, then a login under way:
 * the guest's sshd has come up since); an answer replaces anything,
 * being the latest news.
 */
static void __attribute__((format(printf, 4, 0)))
guest_vfail(struct guest_dial *d, enum guest_stage stage, int answered,
    const char *fmt, va_list ap)
{
	if (!answered && d->answered && stage <= d->stage)
		return;
	free(d->why);
	xvasprintf(&d->why, fmt, ap);
	d->stage = stage;
	d->answered = answered;
}

/* The attempt failed with an answer: an error, a refusal. */
static void __attribute__((format(printf, 3, 4)))
guest_fail(struct guest_dial *d, enum guest_stage stage, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	guest_vfail(d, stage, 1, fmt, ap);
	va_end(ap);
}

/* The deadline came while the attempt waited for an answer. */
static void __attribute__((format(printf, 3, 4)))
guest_cut_off(struct guest_dial *d, enum guest_stage stage, const char *fmt,
    ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	guest_vfail(d, stage, 0, fmt, ap);
	va_end(ap);
}

/*
 * Without a callback, OpenSSL asks for a PEM key's passphrase on the
 * terminal; refusing makes an encrypted key an error instead of a prompt.
 */
static int
guest_no_passphrase(const char *prompt, char *buf, size_t len, int echo,
    int verify, void *arg)
{
	(void)prompt;
	(void)buf;
	(void)len;
	(void)echo;
	(void)verify;
	(void)arg;
	return -1;
}

/* libssh says only that it failed; open it first to have a reason. */
static int
guest_check_readable(const char *what, const char *path, char **cause)
{
	int	 fd;

	if ((fd = open(path, O_RDONLY)) == -1) {
		xasprintf(cause, "cannot read %s '%s': %s", what, path,
		    strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

static int
guest_load_key(const char *path, ssh_key *key, char **cause)
{
	if (guest_check_readable("key", path, cause) != 0)
		return -1;
	if (ssh_pki_import_privkey_file(path, NULL, guest_no_passphrase, NULL,
	    key) != SSH_OK) {
		xasprintf(cause, "'%s' is not a private key usable without a "
		    "passphrase", path);
		return -1;
	}
	return 0;
}

static ssh_session
guest_session_new(struct guest_dial *d)
{
	ssh_session	 s;
	const char	*kh = d->known_hosts;
	int		 strict = kh != NULL;
	bool		 config = false;
	long		 secs;

	if ((s = ssh_new()) == NULL) {
		guest_fail(d, GUEST_FATAL, "cannot create an ssh session");
		return NULL;
	}
	/*
	 * Only blocking calls heed the timeout, and none is made; set it all
	 * the same so that no wait inside libssh can outlast the deadline.
	 * The user's ~/.ssh (config and known_hosts) must not steer us.
	 */
	secs = (long)((d->clock.deadline - util_now_ms()) / 1000 + 1);
	if (ssh_options_set(s, SSH_OPTIONS_HOST, d->host) != 0 ||
	    ssh_options_set(s, SSH_OPTIONS_PORT, &d->port) != 0 ||
	    ssh_options_set(s, SSH_OPTIONS_USER, d->user) != 0 ||
	    ssh_options_set(s, SSH_OPTIONS_TIMEOUT, &secs) != 0 ||
	    ssh_options_set(s, SSH_OPTIONS_PROCESS_CONFIG, &config) != 0 ||
	    ssh_options_set(s, SSH_OPTIONS_KNOWNHOSTS,
	    kh != NULL ? kh : "/dev/null") != 0 ||
	    ssh_options_set(s, SSH_OPTIONS_GLOBAL_KNOWNHOSTS,
	    "/dev/null") != 0 ||
	    ssh_options_set(s, SSH_OPTIONS_STRICTHOSTKEYCHECK, &strict) != 0) {
		guest_fail(d, GUEST_FATAL, "cannot set up ssh to %s:%u: %s",
		    d->host, d->port, ssh_get_error(s));
		ssh_free(s);
		return NULL;
	}
	ssh_set_blocking(s, 0);
	return s;
}

static int
guest_handshake(struct guest_dial *d, ssh_session s)
{
	int	 rc;

	while ((rc = ssh_connect(s)) == SSH_AGAIN) {
		if (guest_wait(s, &d->clock) != 0) {
			guest_cut_off(d, GUEST_CONNECT,
			    "ssh handshake timed out");
			return -1;
		}
	}
	if (rc != SSH_OK) {
		guest_fail(d, GUEST_CONNECT, "%s", ssh_get_error(s));
		return -1;
	}
	return 0;
}

/* The server's host key as OpenSSH prints it, for messages. */
static char *
guest_fingerprint(ssh_session s)
{
	ssh_key		 key = NULL;
	unsigned char	*hash = NULL;
	size_t		 len;
	char		*fp = NULL, *ret;

	if (ssh_get_server_publickey(s, &key) == SSH_OK &&
	    ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash,
	    &len) == 0)
		fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash,
		    len);
	ret = xstrdup(fp != NULL ? fp : "an unreadable key");
	ssh_string_free_char(fp);
	ssh_clean_pubkey_hash(&hash);
	ssh_key_free(key);
	return ret;
}

/* A key that does not match is not going to start matching: no retry. */
static int
guest_check_host(struct guest_dial *d, ssh_session s)
{
	enum ssh_known_hosts_e	 state;
	char			*fp;

	if (d->known_hosts == NULL ||
	    (state = ssh_session_is_known_server(s)) == SSH_KNOWN_HOSTS_OK)
		return 0;
	fp = guest_fingerprint(s);
	switch (state) {
	case SSH_KNOWN_HOSTS_CHANGED:
	case SSH_KNOWN_HOSTS_OTHER:
		guest_fail(d, GUEST_FATAL, "host key of %s:%u does not match "
		    "'%s' (it offered %s)", d->host, d->port, d->known_hosts,
		    fp);
		break;
	case SSH_KNOWN_HOSTS_UNKNOWN:
	case SSH_KNOWN_HOSTS_NOT_FOUND:
		guest_fail(d, GUEST_FATAL, "host key of %s:%u is not in '%s' "
		    "(it offered %s)", d->host, d->port, d->known_hosts, fp);
		break;
	default:
		guest_fail(d, GUEST_FATAL, "cannot check host key of %s:%u "
		    "against '%s': %s", d->host, d->port, d->known_hosts,
		    ssh_get_error(s));
		break;
	}
	free(fp);
	return -1;
}

static int
guest_login(struct guest_dial *d, ssh_session s)
{
	int	 rc;

	while ((rc = ssh_userauth_publickey(s, NULL, d->key)) ==
	    SSH_AUTH_AGAIN) {
		if (guest_wait(s, &d->clock) != 0) {
			guest_cut_off(d, GUEST_LOGIN, "login timed out");
			return -1;
		}
	}
	switch (rc) {
	case SSH_AUTH_SUCCESS:
		return 0;
	case SSH_AUTH_DENIED:
	case SSH_AUTH_PARTIAL:
		/* Worth retrying: a booting guest may not have the key yet. */
		guest_fail(d, GUEST_LOGIN, "key '%s' refused", d->keyfile);
		break;
	default:
		guest_fail(d, GUEST_LOGIN, "%s", ssh_get_error(s));
		break;
	}
	return -1;
}

/* One connection attempt; on failure it is noted in d (guest_vfail). */
static ssh_session
guest_attempt(struct guest_dial *d)
{
	ssh_session	 s;

	if ((s = guest_session_new(d)) == NULL)
		return NULL;
	if (guest_handshake(d, s) != 0 || guest_check_host(d, s) != 0 ||
	    guest_login(d, s) != 0) {
		ssh_disconnect(s);
		ssh_free(s);
		return NULL;
	}
	return s;
}

static void
guest_give_up(struct guest_dial *d, int timeout_ms, char **cause)
{
	double		 secs = timeout_ms / 1000.0;
	const char	*why = d->why != NULL ? d->why : "timed out";

	switch (d->stage) {
	case GUEST_FATAL:
		*cause = d->why;
		d->why = NULL;		/* transferred */
		break;
	case GUEST_LOGIN:
		xasprintf(cause, "cannot log in to %s:%u as '%s' within %g s: "
		    "%s", d->host, d->port, d->user, secs, why);
		break;
	default:
		xasprintf(cause, "no answer from %s:%u within %g s: %s",
		    d->host, d->port, secs, why);
		break;
	}
}

struct guest *
guest_connect(const char *host, unsigned port, const char *user,
    const char *keyfile, const char *known_hosts, int timeout_ms,
    int (*progress)(int waited_ms, void *arg), void *arg, char **cause)
{
	struct guest_dial	 d;
	struct guest		*g = NULL;
	ssh_session		 s;

	memset(&d, 0, sizeof d);
	d.host = host;
	d.port = port;
	d.user = user;
	d.keyfile = keyfile;
	d.known_hosts = known_hosts;
	if (port == 0 || port > 65535) {
		xasprintf(cause, "%u is not a port number", port);
		goto out;
	}
	if (guest_load_key(keyfile, &d.key, cause) != 0 || (known_hosts !=
	    NULL && guest_check_readable("known hosts", known_hosts,
	    cause) != 0))
		goto out;
	guest_clock_init(&d.clock, timeout_ms, progress, arg);
	while ((s = guest_attempt(&d)) == NULL) {
		if (d.stage == GUEST_FATAL ||
		    guest_pause(&d.clock, GUEST_RETRY_MS) != 0) {
			if (d.clock.stopped)
				xasprintf(cause, "stopped waiting for %s:%u",
				    host, port);
			else
				guest_give_up(&d, timeout_ms, cause);
			goto out;
		}
	}
	g = xcalloc(1, sizeof *g);
	g->session = s;
	xasprintf(&g->name, "%s:%u", host, port);
out:
	ssh_key_free(d.key);
	free(d.why);
	return g;
}

void
guest_close(struct guest *g)
{
	if (g == NULL)
		return;
	ssh_disconnect(g->session);
	ssh_free(g->session);
	free(g->name);
	free(g);
}

/*
 * Past the cap, output is still read (so the command never stalls on a
 * full window) but dropped.
 */
static void
guest_stream_add(struct guest_stream *st, const char *p, size_t n)
{
	size_t	 size;

	if (n > GUEST_OUTPUT_MAX - st->len)
		n = GUEST_OUTPUT_MAX - st->len;
	if (st->len + n + 1 > st->size) {
		size = st->size != 0 ? st->size : 4096;
		while (size < st->len + n + 1)
			size *= 2;
		if (size > GUEST_OUTPUT_MAX + 1)
			size = GUEST_OUTPUT_MAX + 1;
		st->buf = xreallocarray(st->buf, size, 1);
		st->size = size;
	}
	memcpy(st->buf + st->len, p, n);
	st->len += n;
	st->buf[st->len] = '\0';
}

/*
 * The only sure sign that nothing more will come: after a signal there
 * is no exit status, and libssh keeps a channel closed with unread data
 * looking open.
 */
static void
guest_on_close(ssh_session s, ssh_channel ch, void *arg)
{
	struct guest_cmd	*c = arg;

	(void)s;
	(void)ch;
	c->closed = 1;
}

static int
guest_start(struct guest *g, struct guest_cmd *c, const char *command,
    char **cause)
{
	ssh_session	 s = g->session;
	int		 rc;

	if ((c->ch = ssh_channel_new(s)) == NULL) {
		xasprintf(cause, "cannot run a command on %s: %s", g->name,
		    ssh_get_error(s));
		return -1;
	}
	ssh_callbacks_init(&c->cb);
	c->cb.userdata = c;
	c->cb.channel_close_function = guest_on_close;
	ssh_set_channel_callbacks(c->ch, &c->cb);
	do {
		rc = ssh_channel_open_session(c->ch);
	} while (rc == SSH_AGAIN && guest_wait(s, &c->clock) == 0);
	if (rc == SSH_OK) {
		do {
			rc = ssh_channel_request_exec(c->ch, command);
		} while (rc == SSH_AGAIN && guest_wait(s, &c->clock) == 0);
	}
	if (rc != SSH_OK) {
		xasprintf(cause, "cannot run a command on %s: %s", g->name,
		    rc == SSH_AGAIN ? "timed out" : ssh_get_error(s));
		return -1;
	}
	return 0;
}

/* Feed stdin as far as the channel window allows; bytes moved or -1. */
static int
guest_feed(struct guest_cmd *c)
{
	size_t	 n;
	int	 w;

	if (c->eof_sent)
		return 0;
	if (c->closed || ssh_channel_is_closed(c->ch)) {
		/* The command has gone and wants no more input. */
		c->eof_sent = 1;
		return 0;
	}
	if (c->inoff == c->inlen) {
		c->eof_sent = 1;
		return ssh_channel_send_eof(c->ch) == SSH_OK ? 1 : -1;
	}
	n = c->inlen - c->inoff;
	if (n > GUEST_CHUNK)
		n = GUEST_CHUNK;
	if ((w = ssh_channel_write(c->ch, c->in + c->inoff, (uint32_t)n)) < 0)
		return -1;
	c->inoff += (size_t)w;
	return w;
}

/* Take what has arrived on one stream; bytes read or -1. */
static int
guest_drain(struct guest_cmd *c, int is_stderr)
{
	char	 buf[GUEST_CHUNK];
	int	 n;

	n = ssh_channel_read_nonblocking(c->ch, buf, sizeof buf, is_stderr);
	if (n == SSH_EOF)
		return 0;
	if (n < 0)
		return -1;
	guest_stream_add(is_stderr ? &c->err : &c->out, buf, (size_t)n);
	return n;
}

/*
 * Done once the output is drained and the exit status is in, or the
 * channel is closed without one. Asking for the status also makes libssh
 * read the socket, which nothing else does after the guest's EOF.
 */
static int
guest_finished(struct guest_cmd *c)
{
	if (!ssh_channel_is_eof(c->ch))
		return 0;
	c->status = ssh_channel_get_exit_status(c->ch);
	return c->status != -1 || c->closed;
}

/*
 * Kill the command rather than leave it running in the guest, then close
 * our end. sshd signals the whole process group, but only for logins
 * other than root (it runs root's sessions without privilege separation,
 * which signalling needs); as root the command is left to finish alone.
 */
static void
guest_abandon(struct guest_cmd *c)
{
	c->timed_out = 1;
	c->status = -1;
	(void)ssh_channel_request_send_signal(c->ch, "KILL");
	(void)ssh_channel_close(c->ch);
}

static int
guest_pump(struct guest *g, struct guest_cmd *c, char **cause)
{
	int	 n, m, k;

	for (;;) {
		n = guest_feed(c);
		m = guest_drain(c, 0);
		k = guest_drain(c, 1);
		if (n < 0 || m < 0 || k < 0 || (ssh_get_status(g->session) &
		    (SSH_CLOSED | SSH_CLOSED_ERROR))) {
			xasprintf(cause, "lost connection to %s: %s", g->name,
			    ssh_get_error(g->session));
			return -1;
		}
		if (guest_finished(c))
			return 0;
		if (n + m + k > 0 ? guest_expired(&c->clock) :
		    guest_wait(g->session, &c->clock) != 0) {
			guest_abandon(c);
			return 0;
		}
	}
}

static void
guest_cmd_release(struct guest_cmd *c)
{
	if (c->ch != NULL) {
		/* The channel can outlive c inside libssh. */
		ssh_remove_channel_callbacks(c->ch, &c->cb);
		ssh_channel_free(c->ch);
	}
	free(c->out.buf);
	free(c->err.buf);
}

static int
guest_exec_data(struct guest *g, const char *command, const void *in,
    size_t inlen, int timeout_ms, struct guest_result *res, char **cause)
{
	struct guest_cmd	 c;
	int			 rc = -1;

	memset(res, 0, sizeof *res);
	res->status = -1;
	memset(&c, 0, sizeof c);
	c.in = in;
	c.inlen = inlen;
	c.status = -1;
	guest_clock_init(&c.clock, timeout_ms, NULL, NULL);
	if (guest_start(g, &c, command, cause) != 0 ||
	    guest_pump(g, &c, cause) != 0)
		goto out;
	guest_stream_add(&c.out, "", 0);
	guest_stream_add(&c.err, "", 0);
	res->status = c.status;
	res->timed_out = c.timed_out;
	res->out = c.out.buf;
	res->outlen = c.out.len;
	res->err = c.err.buf;
	res->errlen = c.err.len;
	c.out.buf = c.err.buf = NULL;	/* transferred */
	rc = 0;
out:
	guest_cmd_release(&c);
	return rc;
}

int
guest_exec(struct guest *g, const char *command, const char *stdin_data,
    int timeout_ms, struct guest_result *res, char **cause)
{
	return guest_exec_data(g, command, stdin_data,
	    stdin_data != NULL ? strlen(stdin_data) : 0, timeout_ms, res,
	    cause);
}

static void
guest_upload_failed(struct guest *g, const char *path,
    const struct guest_result *res, char **cause)
{
	if (res->timed_out)
		xasprintf(cause, "cannot write '%s' on %s: timed out after "
		    "%d s", path, g->name, GUEST_UPLOAD_MS / 1000);
	else if (res->errlen != 0)
		xasprintf(cause, "cannot write '%s' on %s: %.*s", path,
		    g->name, (int)strcspn(res->err, "\n"), res->err);
	else
		xasprintf(cause, "cannot write '%s' on %s: exit status %d",
		    path, g->name, res->status);
}

int
guest_upload(struct guest *g, const char *path, const void *data,
    size_t len, int mode, char **cause)
{
	struct guest_result	 res;
	char			*q, *command;
	int			 rc = -1;

	memset(&res, 0, sizeof res);
	if (mode < 0 || mode > 07777) {
		xasprintf(cause, "cannot write '%s' on %s: 0%o is not a file "
		    "mode", path, g->name, (unsigned)mode);
		return -1;
	}
	q = util_shell_quote(path);
	/* umask: a new file must not be readable by others until chmod. */
	xasprintf(&command, "umask 077 && cat > %s && chmod %04o -- %s", q,
	    (unsigned)mode, q);
	if (guest_exec_data(g, command, data, len, GUEST_UPLOAD_MS, &res,
	    cause) != 0)
		goto out;
	if (res.timed_out || res.status != 0) {
		guest_upload_failed(g, path, &res, cause);
		goto out;
	}
	rc = 0;
out:
	guest_result_release(&res);
	free(command);
	free(q);
	return rc;
}

void
guest_result_release(struct guest_result *res)
{
	if (res == NULL)
		return;
	free(res->out);
	free(res->err);
	memset(res, 0, sizeof *res);
	res->status = -1;
}

int
guest_exec_root(struct guest *g, const char *script, const char *stdin_data,
    int timeout_ms, struct guest_result *res, char **cause)
{
	char	*q = util_shell_quote(script), *cmd;
	int	 rc;

	xasprintf(&cmd, "sudo -n /bin/sh -c %s", q);
	rc = guest_exec(g, cmd, stdin_data, timeout_ms, res, cause);
	free(cmd);
	free(q);
	return rc;
}

ssh_session
guest_ssh(struct guest *g)
{
	return g->session;
}
