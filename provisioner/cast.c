/*
 * cast.c - reading asciicast v2 recordings (see cast.h).
 *
 * One reader (struct cast_file) parses a line at a time: from a file
 * read in pieces, never holding more than one line (at most
 * CAST_LINE_MAX bytes) and a read, or from a buffer (cast_parse).
 * cast_load and cast_parse gather its events in memory. The first
 * non-blank line is the header, every other non-blank line an event.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cast.h"
#include "util.h"

#define CAST_SIZE_MAX	10000		/* widest or tallest terminal */
#define CAST_READ_SIZE	(64 * 1024)	/* bytes asked of read(2) */

/*
 * A recording being read. buf holds the file's bytes from offset buf_off:
 * what was read and not parsed yet starts at buf[start] and ends at
 * buf[have]. It never holds more than one line and a read.
 */
struct cast_file {
	char			*path;
	int			 fd;		/* -1: buf is all there is */
	struct cast_header	 header;
	int			 have_header;
	struct cast_notes	 notes;
	unsigned long		 line;		/* the line being parsed */
	double			 last;		/* time of the last event */
	int			 any;		/* an event was read */

	char			*buf;
	size_t			 cap, start, have;
	off_t			 buf_off;	/* file offset of buf[0] */
	int			 eof;
	off_t			 limit;		/* read no further; -1 none */
	off_t			 high;		/* furthest offset read */
	off_t			 first_off;	/* the first event's line */
	unsigned long		 first_line;

	char			*data;		/* the event returned */
	size_t			 data_cap;
};

/* *cause = "path:line: message". */
static void __attribute__((format(printf, 3, 4)))
cast_error(const struct cast_file *r, char **cause, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	xasprintf(cause, "%s:%lu: %s", r->path, r->line, msg);
	free(msg);
}

static int
cast_blank(const char *line, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++) {
		if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
			return 0;
	}
	return 1;
}

/*
 * A member of the header that may be absent (or null); *v is NULL then.
 * Returns -1 with *cause set if it is there but check says it is the
 * wrong type.
 */
static int
cast_member(const struct cast_file *r, json_t *obj, const char *key,
    const char *name, int (*check)(const json_t *), const char *what,
    json_t **v, char **cause)
{
	*v = json_object_get(obj, key);
	if (*v != NULL && json_is_null(*v))
		*v = NULL;
	if (*v != NULL && !check(*v)) {
		cast_error(r, cause, "\"%s\" is not %s", name, what);
		return -1;
	}
	return 0;
}

static int
cast_is_string(const json_t *j)
{
	return json_is_string(j);
}

static int
cast_is_object(const json_t *j)
{
	return json_is_object(j);
}

static int
cast_is_duration(const json_t *j)
{
	return json_is_number(j) && json_number_value(j) >= 0 &&
	    isfinite(json_number_value(j));
}

static int
cast_is_size(const json_t *j)
{
	return json_is_integer(j) && json_integer_value(j) > 0 &&
	    json_integer_value(j) <= CAST_SIZE_MAX;
}

static int
cast_is_timestamp(const json_t *j)
{
	return json_is_integer(j) && json_integer_value(j) >= 0;
}

/* An optional string member into *out (NULL if absent). */
static int
cast_string(const struct cast_file *r, json_t *obj, const char *key,
    const char *name, char **out, char **cause)
{
	json_t	*v;

	if (cast_member(r, obj, key, name, cast_is_string, "a string", &v,
	    cause) != 0)
		return -1;
	if (v != NULL)
		*out = xstrdup(json_string_value(v));
	return 0;
}

/* "width" and "height": required, 1 to CAST_SIZE_MAX. */
static int
cast_size(const struct cast_file *r, json_t *j, const char *key,
    unsigned *out, char **cause)
{
	json_t	*v;

	if ((v = json_object_get(j, key)) == NULL) {
		cast_error(r, cause, "the header has no \"%s\"", key);
		return -1;
	}
	if (!cast_is_size(v)) {
		cast_error(r, cause, "\"%s\" is not an integer from 1 to %d",
		    key, CAST_SIZE_MAX);
		return -1;
	}
	*out = (unsigned)json_integer_value(v);
	return 0;
}

static int
cast_header(struct cast_file *r, json_t *j, char **cause)
{
	struct cast_header	*h = &r->header;
	json_t			*v, *env;

	if (!json_is_object(j)) {
		cast_error(r, cause, "the header is not a JSON object");
		return -1;
	}
	v = json_object_get(j, "version");
	if (v == NULL || !json_is_integer(v) || json_integer_value(v) != 2) {
		cast_error(r, cause, "not an asciicast version 2 header "
		    "(\"version\" is %s)", v == NULL ? "missing" : "not 2");
		return -1;
	}
	h->version = 2;
	if (cast_size(r, j, "width", &h->width, cause) != 0 ||
	    cast_size(r, j, "height", &h->height, cause) != 0)
		return -1;
	if (cast_member(r, j, "timestamp", "timestamp", cast_is_timestamp,
	    "a Unix time", &v, cause) != 0)
		return -1;
	if (v != NULL)
		h->timestamp = (time_t)json_integer_value(v);
	if (cast_member(r, j, "idle_time_limit", "idle_time_limit",
	    cast_is_duration, "a number of seconds", &v, cause) != 0)
		return -1;
	if (v != NULL)
		h->idle_time_limit = json_number_value(v);
	if (cast_member(r, j, "duration", "duration", cast_is_duration,
	    "a number of seconds", &v, cause) != 0 ||
	    cast_member(r, j, "command", "command", cast_is_string,
	    "a string", &v, cause) != 0 ||
	    cast_member(r, j, "theme", "theme", cast_is_object, "an object",
	    &v, cause) != 0 ||
	    cast_string(r, j, "title", "title", &h->title, cause) != 0 ||
	    cast_member(r, j, "env", "env", cast_is_object, "an object",
	    &env, cause) != 0)
		return -1;
	if (env != NULL &&
	    (cast_string(r, env, "TERM", "env.TERM", &h->term, cause) != 0 ||
	    cast_string(r, env, "SHELL", "env.SHELL", &h->shell, cause) != 0))
		return -1;
	r->have_header = 1;
	return 0;
}

/* The code for s (len bytes), or -1 if it is not one we know. */
static int
cast_code(const char *s, size_t len)
{
	static const char	 codes[] = "oirm";	/* enum cast_code */
	const char		*p;

	if (len != 1 || (p = strchr(codes, s[0])) == NULL)
		return -1;
	return (int)(p - codes);
}

/* The event's data into r->data, which ev->data then points to. */
static void
cast_data(struct cast_file *r, json_t *data, struct cast_event *ev)
{
	ev->len = json_string_length(data);
	if (r->data_cap < ev->len + 1) {
		free(r->data);
		r->data_cap = ev->len + 1;
		r->data = xmalloc(r->data_cap);
	}
	memcpy(r->data, json_string_value(data), ev->len);
	r->data[ev->len] = '\0';
	ev->data = r->data;
}

/* An event line into *ev: 1, 0 for one of a kind skipped, -1 and *cause. */
static int
cast_event(struct cast_file *r, json_t *j, struct cast_event *ev,
    char **cause)
{
	json_t			*t, *code, *data;
	double			 time;
	int			 k;

	if (!json_is_array(j)) {
		cast_error(r, cause, "an event is not a JSON array");
		return -1;
	}
	if (json_array_size(j) != 3) {
		cast_error(r, cause, "an event has %zu elements, not 3 "
		    "([time, code, data])", json_array_size(j));
		return -1;
	}
	t = json_array_get(j, 0);
	code = json_array_get(j, 1);
	data = json_array_get(j, 2);
	if (!json_is_number(t)) {
		cast_error(r, cause, "the event time is not a number");
		return -1;
	}
	time = json_number_value(t);
	if (!(time >= 0) || !isfinite(time)) {
		cast_error(r, cause, "the event time %g is negative", time);
		return -1;
	}
	if (!json_is_string(code)) {
		cast_error(r, cause, "the event code is not a string");
		return -1;
	}
	if (!json_is_string(data)) {
		cast_error(r, cause, "the event data is not a string");
		return -1;
	}
	if ((k = cast_code(json_string_value(code),
	    json_string_length(code))) == -1) {
		r->notes.skipped++;
		return 0;
	}
	if (r->any && time < r->last)
		r->notes.backwards = 1;
	r->any = 1;
	r->last = time;
	ev->time = time;
	ev->code = (enum cast_code)k;
	ev->line = r->line;
	cast_data(r, data, ev);
	return 1;
}

/*
 * Parse one line (len bytes, no newline); last says it is the end of the
 * file without a newline. A last event line that is not JSON is what a
 * writer killed mid-line leaves: dropped, and the cast marked truncated.
 * Returns 1 for an event in *ev, 0 for a line that is none (blank, the
 * header, a kind skipped), -1 with *cause set.
 */
static int
cast_line(struct cast_file *r, const char *line, size_t len, int last,
    struct cast_event *ev, char **cause)
{
	json_error_t	 err;
	json_t		*j;
	int		 rc;

	if (len > CAST_LINE_MAX) {
		cast_error(r, cause, "line longer than %d bytes",
		    CAST_LINE_MAX);
		return -1;
	}
	if (cast_blank(line, len))
		return 0;
	if ((j = json_loadb(line, len, JSON_ALLOW_NUL, &err)) == NULL) {
		if (last && r->have_header) {
			r->notes.truncated = 1;
			return 0;
		}
		util_defang(err.text);
		cast_error(r, cause, "invalid JSON: %s (column %d)", err.text,
		    err.column);
		return -1;
	}
	if (r->have_header)
		rc = cast_event(r, j, ev, cause);
	else
		rc = cast_header(r, j, cause);
	json_decref(j);
	return rc;
}

/* Make room for CAST_READ_SIZE more bytes after what buf holds. */
static void
cast_grow(struct cast_file *r)
{
	if (r->start > 0) {
		memmove(r->buf, r->buf + r->start, r->have - r->start);
		r->buf_off += (off_t)r->start;
		r->have -= r->start;
		r->start = 0;
	}
	if (r->cap - r->have >= CAST_READ_SIZE)
		return;
	while (r->cap - r->have < CAST_READ_SIZE)
		r->cap = r->cap == 0 ? 2 * CAST_READ_SIZE : r->cap * 2;
	r->buf = xreallocarray(r->buf, 1, r->cap);
}

/* More of the file into buf; at its end (or the limit) r->eof is set. */
static int
cast_fill(struct cast_file *r, char **cause)
{
	size_t	 want = CAST_READ_SIZE;
	off_t	 at;
	ssize_t	 n;

	if (r->fd == -1) {
		r->eof = 1;
		return 0;
	}
	cast_grow(r);
	at = r->buf_off + (off_t)r->have;
	if (r->limit != -1 && (off_t)want > r->limit - at)
		want = (size_t)(r->limit - at);
	do
		n = want == 0 ? 0 : read(r->fd, r->buf + r->have, want);
	while (n == -1 && errno == EINTR);
	if (n == -1) {
		xasprintf(cause, "cannot read '%s': %s", r->path,
		    strerror(errno));
		return -1;
	}
	if (n == 0)
		r->eof = 1;
	r->have += (size_t)n;
	if (at + n > r->high)
		r->high = at + n;
	return 0;
}

/*
 * The next line, parsed: 1 with an event in *ev, 0 for a line that is
 * none, 2 at the end of the file, -1 with *cause set.
 */
static int
cast_step(struct cast_file *r, struct cast_event *ev, char **cause)
{
	char	*p, *nl;
	size_t	 len;

	for (;;) {
		p = r->buf + r->start;
		len = r->have - r->start;
		if (len > 0 && (nl = memchr(p, '\n', len)) != NULL) {
			r->line++;
			r->start += (size_t)(nl - p) + 1;
			return cast_line(r, p, (size_t)(nl - p), 0, ev, cause);
		}
		if (len > CAST_LINE_MAX) {
			r->line++;
			cast_error(r, cause, "line longer than %d bytes",
			    CAST_LINE_MAX);
			return -1;
		}
		if (r->eof && len == 0)
			return 2;
		if (r->eof) {
			r->line++;
			r->start = r->have;
			return cast_line(r, p, len, 1, ev, cause);
		}
		if (cast_fill(r, cause) != 0)
			return -1;
	}
}

static void
cast_header_release(struct cast_header *h)
{
	free(h->title);
	free(h->term);
	free(h->shell);
}

void
cast_close(struct cast_file *r)
{
	if (r == NULL)
		return;
	if (r->fd != -1)
		close(r->fd);
	cast_header_release(&r->header);
	free(r->buf);
	free(r->data);
	free(r->path);
	free(r);
}

/* Up to the header: a file without one is not a recording. */
static int
cast_begin(struct cast_file *r, char **cause)
{
	struct cast_event	 ev;
	int			 rc;

	while (!r->have_header) {
		if ((rc = cast_step(r, &ev, cause)) == -1)
			return -1;
		if (rc == 2) {
			xasprintf(cause, "%s: no asciicast header (the file "
			    "is empty)", r->path);
			return -1;
		}
	}
	r->first_off = r->buf_off + (off_t)r->start;
	r->first_line = r->line;
	return 0;
}

static struct cast_file *
cast_file_new(const char *path, int fd)
{
	struct cast_file	*r;

	r = xcalloc(1, sizeof *r);
	r->path = xstrdup(path);
	r->fd = fd;
	r->limit = -1;
	return r;
}

struct cast_file *
cast_open(const char *path, char **cause)
{
	struct cast_file	*r;
	int			 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		xasprintf(cause, "cannot open '%s': %s", path, strerror(errno));
		return NULL;
	}
	r = cast_file_new(path, fd);
	r->cap = 2 * CAST_READ_SIZE;
	r->buf = xmalloc(r->cap);
	if (cast_begin(r, cause) != 0) {
		cast_close(r);
		return NULL;
	}
	return r;
}

int
cast_next(struct cast_file *r, struct cast_event *ev, char **cause)
{
	int	 rc;

	while ((rc = cast_step(r, ev, cause)) == 0)
		;
	return rc == 2 ? 0 : rc;
}

int
cast_rewind(struct cast_file *r, char **cause)
{
	if (r->fd == -1) {
		r->start = (size_t)r->first_off;
	} else {
		if (lseek(r->fd, r->first_off, SEEK_SET) == -1) {
			xasprintf(cause, "cannot read '%s' again: %s", r->path,
			    strerror(errno));
			return -1;
		}
		r->buf_off = r->first_off;
		r->start = r->have = 0;
		r->eof = 0;
		r->limit = r->high;
	}
	r->line = r->first_line;
	r->any = 0;
	return 0;
}

const struct cast_header *
cast_file_header(const struct cast_file *r)
{
	return &r->header;
}

const struct cast_notes *
cast_file_notes(const struct cast_file *r)
{
	return &r->notes;
}

const char *
cast_file_path(const struct cast_file *r)
{
	return r->path;
}

/* Every event of r into a struct cast; r is closed. */
static struct cast *
cast_gather(struct cast_file *r, char **cause)
{
	struct cast		*c;
	struct cast_event	 ev, *e;
	size_t			 alloc = 0;
	int			 rc;

	c = xcalloc(1, sizeof *c);
	c->path = xstrdup(r->path);
	while ((rc = cast_next(r, &ev, cause)) == 1) {
		if (c->nevents == alloc) {
			alloc = alloc == 0 ? 64 : alloc * 2;
			c->events = xreallocarray(c->events, alloc,
			    sizeof *c->events);
		}
		e = &c->events[c->nevents++];
		*e = ev;
		e->data = xmalloc(ev.len + 1);
		memcpy(e->data, ev.data, ev.len + 1);
	}
	c->header = r->header;
	memset(&r->header, 0, sizeof r->header);	/* transferred */
	c->truncated = r->notes.truncated;
	c->skipped = r->notes.skipped;
	c->backwards = r->notes.backwards;
	cast_close(r);
	if (rc == -1) {
		cast_free(c);
		return NULL;
	}
	return c;
}

struct cast *
cast_load(const char *path, char **cause)
{
	struct cast_file	*r;

	if ((r = cast_open(path, cause)) == NULL)
		return NULL;
	return cast_gather(r, cause);
}

struct cast *
cast_parse(const char *name, const char *buf, size_t len, char **cause)
{
	struct cast_file	*r;

	r = cast_file_new(name, -1);
	r->buf = xmalloc(len + 1);
	memcpy(r->buf, buf, len);
	r->have = r->cap = len;
	r->eof = 1;
	r->high = (off_t)len;
	if (cast_begin(r, cause) != 0) {
		cast_close(r);
		return NULL;
	}
	return cast_gather(r, cause);
}

void
cast_free(struct cast *c)
{
	size_t	 i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nevents; i++)
		free(c->events[i].data);
	free(c->events);
	cast_header_release(&c->header);
	free(c->path);
	free(c);
}

/*
 * len bytes of valid UTF-8 as a JSON string, quotes included, escaped
 * byte for byte as asciinema (Python's json.dumps) escapes: the short
 * escapes JSON has, \u00xx for other control characters, the rest as
 * is. jansson writes the same but for upper-case hex, five times slower
 * on terminal output. out needs room for 6 * len + 2 bytes. Returns the
 * length written.
 */
size_t
cast_json_string(char *out, const char *s, size_t len)
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 c;
	size_t			 i, n = 0;

	out[n++] = '"';
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\') {
			out[n++] = (char)c;
			continue;
		}
		out[n++] = '\\';
		switch (c) {
		case '"':
		case '\\':
			out[n++] = (char)c;
			break;
		case '\b':
			out[n++] = 'b';
			break;
		case '\f':
			out[n++] = 'f';
			break;
		case '\n':
			out[n++] = 'n';
			break;
		case '\r':
			out[n++] = 'r';
			break;
		case '\t':
			out[n++] = 't';
			break;
		default:
			memcpy(out + n, "u00", 3);
			n += 3;
			out[n++] = hex[c >> 4];
			out[n++] = hex[c & 0xf];
			break;
		}
	}
	out[n++] = '"';
	return n;
}
