/*
 * probe.c - ask a service from outside: TCP connect, HTTP GET.
 *
 * One non-blocking socket per probe and poll(2) against one deadline;
 * every read is sized by what is left of its cap, so neither a flood
 * nor a trickle from the far end gets past the limits in probe.h.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "probe.h"
#include "util.h"

#define PROBE_READ		(64 * 1024)	/* bytes asked for per read */
#define PROBE_POLL_MS		10	/* first wait between accepted()s */
#define PROBE_POLL_MAX_MS	200	/* and the longest */
#define PROBE_TIMED_OUT		-2	/* probe_read: the deadline passed */

/* One probe under way. */
struct probe {
	const struct probe_target	*t;
	struct probe_result		*r;
	int				 fd;
	long long			 start;
	long long			 deadline;
	char				*buf;		/* what came back */
	size_t				 len;
	size_t				 size;
	size_t				 head;	/* status line and headers,
						   once complete */
};

static void __attribute__((format(printf, 2, 3)))
probe_say(struct probe *p, const char *fmt, ...)
{
	va_list	 ap;

	free(p->r->detail);
	va_start(ap, fmt);
	xvasprintf(&p->r->detail, fmt, ap);
	va_end(ap);
}

static int
probe_left(const struct probe *p)
{
	long long	 left = p->deadline - util_now_ms();

	return left > 0 ? (int)left : 0;
}

static double
probe_secs(const struct probe *p)
{
	return p->t->timeout_ms / 1000.0;
}

/* n bytes of the far end's as printable ASCII, cut short; allocated. */
static char *
probe_quote(const char *s, size_t n)
{
	size_t	 i, m = n > PROBE_QUOTE_MAX ? PROBE_QUOTE_MAX : n;
	char	*q = xmalloc(m + 4);

	for (i = 0; i < m; i++) {
		unsigned char c = (unsigned char)s[i];
		q[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	strcpy(q + m, n > m ? "..." : "");
	return q;
}

/*
 * Wait at most max_ms (-1: until the deadline) for events on the
 * socket. Returns 1 when they came, 0 when the time is up, -1 on error.
 */
static int
probe_wait(struct probe *p, short events, int max_ms)
{
	struct pollfd	 pfd;
	int		 left, n;

	for (;;) {
		left = probe_left(p);
		if (max_ms >= 0 && left > max_ms)
			left = max_ms;
		pfd.fd = p->fd;
		pfd.events = events;
		pfd.revents = 0;
		if ((n = poll(&pfd, 1, left)) != -1 || errno != EINTR)
			return n > 0 ? 1 : n;
	}
}

/* t->addr and t->port as a socket address; 0, or -1 if not numeric. */
static int
probe_address(const struct probe_target *t, struct sockaddr_storage *ss,
    socklen_t *len)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof *ss);
	if (inet_pton(AF_INET, t->addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((unsigned short)t->port);
		*len = sizeof *sin;
		return 0;
	}
	if (inet_pton(AF_INET6, t->addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((unsigned short)t->port);
		*len = sizeof *sin6;
		return 0;
	}
	return -1;
}

static int
probe_connect(struct probe *p)
{
	const struct probe_target	*t = p->t;
	struct sockaddr_storage		 ss;
	socklen_t			 len, elen = sizeof(int);
	int				 err, w;

	if (probe_address(t, &ss, &len) != 0) {
		probe_say(p, "'%s' is not a numeric address", t->addr);
		return -1;
	}
	if ((p->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1) {
		probe_say(p, "cannot make a socket: %s", strerror(errno));
		return -1;
	}
	if (connect(p->fd, (struct sockaddr *)&ss, len) == 0)
		return 0;
	if ((err = errno) == EINPROGRESS) {
		if ((w = probe_wait(p, POLLOUT, -1)) == 0) {
			p->r->timed_out = 1;
			probe_say(p, "no connection to %s:%u within %.1f s",
			    t->addr, t->port, probe_secs(p));
			return -1;
		}
		err = w < 0 ? errno : 0;
		if (w > 0 && getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &err,
		    &elen) == -1)
			err = errno;
	}
	if (err == 0)
		return 0;
	probe_say(p, "cannot connect to %s:%u: %s", t->addr, t->port,
	    strerror(err));
	return -1;
}

static int
probe_send(struct probe *p, const char *req)
{
	size_t	 off = 0, len = strlen(req);
	ssize_t	 n;
	int	 w = 1;

	while (off < len) {
		if ((n = send(p->fd, req + off, len - off, MSG_NOSIGNAL)) > 0) {
			off += (size_t)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK) &&
		    (w = probe_wait(p, POLLOUT, -1)) > 0)
			continue;
		if (w == 0) {
			p->r->timed_out = 1;
			probe_say(p, "the request could not be sent within "
			    "%.1f s", probe_secs(p));
		} else if (errno == EPIPE || errno == ECONNRESET)
			probe_say(p, "the connection was closed without an "
			    "answer");
		else
			probe_say(p, "cannot send the request: %s",
			    strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Read what comes next, keeping at most cap bytes in all. Returns the
 * bytes read, 0 at the end of the stream (or at cap), -1 on error
 * (errno set) or PROBE_TIMED_OUT.
 */
static ssize_t
probe_read(struct probe *p, size_t cap)
{
	size_t	 want;
	ssize_t	 n;
	int	 w;

	if (p->len >= cap)
		return 0;
	want = cap - p->len > PROBE_READ ? PROBE_READ : cap - p->len;
	if (p->len + want + 1 > p->size) {
		p->size = p->len + want + 1 > 2 * p->size ?
		    p->len + want + 1 : 2 * p->size;
		p->buf = xreallocarray(p->buf, 1, p->size);
	}
	for (;;) {
		if ((n = recv(p->fd, p->buf + p->len, want, 0)) >= 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
		if ((w = probe_wait(p, POLLIN, -1)) <= 0)
			return w == 0 ? PROBE_TIMED_OUT : -1;
	}
	p->len += (size_t)n;
	p->buf[p->len] = '\0';
	return n;
}

/* Why nothing (more) came: the deadline, the end, an error. */
static void
probe_no_answer(struct probe *p, ssize_t n, const char *what)
{
	int	 a;

	if (n == PROBE_TIMED_OUT) {
		p->r->timed_out = 1;
		a = p->len == 0 && p->t->accepted != NULL ?
		    p->t->accepted(p->t->arg) : -1;
		if (a == 0)
			probe_say(p, "no answer within %.1f s: the connection "
			    "was never accepted (packets dropped?)",
			    probe_secs(p));
		else if (p->len == 0)
			probe_say(p, "no answer within %.1f s%s", probe_secs(p),
			    a > 0 ? " (the connection was accepted)" : "");
		else
			probe_say(p, "%s still incomplete after %.1f s (%zu "
			    "bytes)", what, probe_secs(p), p->len);
	} else if (p->len == 0 && (n == 0 || errno == ECONNRESET))
		probe_say(p, "the connection was closed without an answer");
	else if (n == 0)
		probe_say(p, "the connection was closed in the middle of %s "
		    "(%zu bytes)", what, p->len);
	else
		probe_say(p, "the connection failed after %zu bytes: %s",
		    p->len, strerror(errno));
}

/*
 * The socket is readable while a connection waits to be accepted: 1 if
 * the far end sent something (it accepted), 0 if nothing after all, -2
 * if it closed or reset the connection (refused, unless accepted() has
 * seen it accepted and closed at once).
 */
static int
probe_peek(struct probe *p)
{
	ssize_t	 n;
	char	 c;

	if ((n = recv(p->fd, &c, 1, MSG_PEEK)) > 0)
		return 1;
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR))
		return 0;
	return p->t->accepted(p->t->arg) > 0 ? 1 : -2;
}

/* A TCP connection is accepted once the far end says so. */
static void
probe_accept(struct probe *p)
{
	int	 slice = PROBE_POLL_MS, a = 1, w;

	while (p->t->accepted != NULL &&
	    (a = p->t->accepted(p->t->arg)) == 0) {
		if ((w = probe_wait(p, POLLIN, slice)) > 0 &&
		    (a = probe_peek(p)) != 0)
			break;
		if (w < 0 || probe_left(p) == 0) {
			probe_no_answer(p, w < 0 ? -1 : PROBE_TIMED_OUT, "");
			return;
		}
		slice = slice * 2 > PROBE_POLL_MAX_MS ? PROBE_POLL_MAX_MS :
		    slice * 2;
	}
	p->r->pass = a > 0;
	if (a > 0)
		probe_say(p, "the connection was accepted");
	else if (a == -2)
		probe_say(p, "the connection was refused (or closed at once)");
	else
		probe_say(p, "cannot tell whether the connection was "
		    "accepted");
}

static void
probe_begin(struct probe *p, const struct probe_target *t,
    struct probe_result *r)
{
	memset(r, 0, sizeof *r);
	r->status = -1;
	memset(p, 0, sizeof *p);
	p->t = t;
	p->r = r;
	p->fd = -1;
	p->start = util_now_ms();
	p->deadline = p->start + (t->timeout_ms > 0 ? t->timeout_ms : 0);
}

static void
probe_end(struct probe *p)
{
	if (p->fd != -1)
		close(p->fd);
	free(p->buf);
	p->r->ms = (long)(util_now_ms() - p->start);
	if (p->r->detail == NULL)
		p->r->detail = xstrdup("");
}

void
probe_tcp(const struct probe_target *t, struct probe_result *r)
{
	struct probe	 p;

	probe_begin(&p, t, r);
	if (probe_connect(&p) == 0)
		probe_accept(&p);
	probe_end(&p);
}

/* --- HTTP ------------------------------------------------------------- */

static char *
probe_request(const struct probe_http *h)
{
	char	*req, port[16] = "";

	if (h->port != 80)
		snprintf(port, sizeof port, ":%u", h->port);
	xasprintf(&req, "GET %s HTTP/1.0\r\nHost: %s%s\r\nUser-Agent: "
	    "breakfix-check\r\nAccept: */*\r\nConnection: close\r\n\r\n",
	    h->path, h->host, port);
	return req;
}

/* Where the body starts (after a blank line), or 0; from: first new. */
static size_t
probe_head_end(const char *buf, size_t from, size_t len)
{
	const char	*crlf, *lf;

	crlf = memmem(buf + from, len - from, "\r\n\r\n", 4);
	lf = memmem(buf + from, len - from, "\n\n", 2);
	if (lf != NULL && (crlf == NULL || lf < crlf))
		return (size_t)(lf - buf) + 2;
	return crlf != NULL ? (size_t)(crlf - buf) + 4 : 0;
}

static int
probe_read_head(struct probe *p)
{
	size_t	 from;
	ssize_t	 n;

	while (p->head == 0) {
		if (p->len >= PROBE_HEAD_MAX) {
			probe_say(p, "the answer's headers are longer than %d "
			    "KiB", PROBE_HEAD_MAX / 1024);
			return -1;
		}
		from = p->len > 3 ? p->len - 3 : 0;
		if ((n = probe_read(p, PROBE_HEAD_MAX)) <= 0) {
			probe_no_answer(p, n, "the headers");
			return -1;
		}
		p->head = probe_head_end(p->buf, from, p->len);
	}
	return 0;
}

/*
 * The status of "HTTP/1.x NNN reason" on the first line, or -1; the
 * reason phrase in *reason (*rlen bytes).
 */
static int
probe_status(const char *b, size_t len, const char **reason, size_t *rlen)
{
	const char	*nl = memchr(b, '\n', len);
	size_t		 n = nl != NULL ? (size_t)(nl - b) : len, i;

	if (n > 0 && b[n - 1] == '\r')
		n--;
	if (n < 12 || memcmp(b, "HTTP/1.", 7) != 0 || b[7] < '0' ||
	    b[7] > '9' || b[8] != ' ' || (n > 12 && b[12] != ' '))
		return -1;
	for (i = 9; i < 12; i++) {
		if (b[i] < '0' || b[i] > '9')
			return -1;
	}
	*reason = n > 13 ? b + 13 : b + n;
	*rlen = n > 13 ? n - 13 : 0;
	return (b[9] - '0') * 100 + (b[10] - '0') * 10 + (b[11] - '0');
}

/* The Content-Length the headers give, or -1 (none, or not a number). */
static long long
probe_content_length(const char *b, size_t head)
{
	static const char	 name[] = "content-length:";
	const char		*line = b, *end = b + head, *v, *nl;
	long long		 n;

	for (; line < end; line = nl + 1) {
		if ((nl = memchr(line, '\n', (size_t)(end - line))) == NULL)
			break;
		if ((size_t)(nl - line) <= sizeof name - 1 ||
		    strncasecmp(line, name, sizeof name - 1) != 0)
			continue;
		v = line + sizeof name - 1;
		while (v < nl && (*v == ' ' || *v == '\t'))
			v++;
		for (n = 0; v < nl && *v >= '0' && *v <= '9' &&
		    n < PROBE_BODY_MAX * 16LL; v++)
			n = n * 10 + (*v - '0');
		while (v < nl && (*v == ' ' || *v == '\t' || *v == '\r'))
			v++;
		return v == nl ? n : -1;
	}
	return -1;
}

/*
 * Read the body until it holds h->contains, ends (Content-Length, or
 * the end of the stream), reaches PROBE_BODY_MAX, or time is up.
 */
static void
probe_body(struct probe *p, const struct probe_http *h)
{
	size_t		 clen = strlen(h->contains), from = p->head, cap, end;
	long long	 want = probe_content_length(p->buf, p->head);
	ssize_t		 n = 0;

	cap = p->head + PROBE_BODY_MAX;
	if (want >= 0 && want < PROBE_BODY_MAX)
		cap = p->head + (size_t)want;
	for (;;) {
		end = p->len < cap ? p->len : cap;
		if (end > from && memmem(p->buf + from, end - from,
		    h->contains, clen) != NULL) {
			p->r->pass = 1;
			probe_say(p, "HTTP %d, the body contains \"%s\"",
			    p->r->status, h->contains);
			return;
		}
		/* The next search starts where a match could straddle. */
		from = end - p->head >= clen ? end - (clen - 1) : p->head;
		if (end >= cap || (n = probe_read(p, cap)) <= 0)
			break;
	}
	if (n == PROBE_TIMED_OUT || n == -1)
		probe_no_answer(p, n, "the body");
	else if (end - p->head >= PROBE_BODY_MAX)
		probe_say(p, "HTTP %d, but the first %d KiB of the body do not "
		    "contain \"%s\"", p->r->status, PROBE_BODY_MAX / 1024,
		    h->contains);
	else
		probe_say(p, "HTTP %d, but the body (%zu bytes) does not "
		    "contain \"%s\"", p->r->status, end - p->head,
		    h->contains);
}

static void
probe_answer(struct probe *p, const struct probe_http *h)
{
	const char	*reason;
	char		*q;
	size_t		 rlen;

	if ((p->r->status = probe_status(p->buf, p->head, &reason,
	    &rlen)) == -1) {
		q = probe_quote(p->buf, strcspn(p->buf, "\r\n"));
		probe_say(p, "not an HTTP answer: \"%s\"", q);
		free(q);
		return;
	}
	if ((unsigned)p->r->status != h->status) {
		q = probe_quote(reason, rlen);
		probe_say(p, "HTTP %d%s%s, not %u", p->r->status, *q ? " " : "",
		    q, h->status);
		free(q);
		return;
	}
	if (h->contains == NULL) {
		p->r->pass = 1;
		probe_say(p, "HTTP %d", p->r->status);
		return;
	}
	probe_body(p, h);
}

void
probe_http(const struct probe_target *t, const struct probe_http *h,
    struct probe_result *r)
{
	struct probe	 p;
	char		*req = probe_request(h);

	probe_begin(&p, t, r);
	if (probe_connect(&p) == 0 && probe_send(&p, req) == 0 &&
	    probe_read_head(&p) == 0)
		probe_answer(&p, h);
	free(req);
	probe_end(&p);
}

void
probe_result_release(struct probe_result *r)
{
	free(r->detail);
	r->detail = NULL;
}
