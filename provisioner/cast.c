/*
 * cast.c - reading asciicast v2 recordings (see cast.h).
 *
 * Both entry points feed lines to the same parser: cast_load reads the
 * file in pieces, never holding more than one line (at most
 * CAST_LINE_MAX bytes) besides what was parsed; cast_parse walks a
 * buffer. The first non-blank line is the header, every other non-blank
 * line an event.
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

/* What the parser keeps between lines. */
struct cast_reader {
	struct cast	*c;
	size_t		 alloc;		/* events allocated */
	unsigned long	 line;		/* the line being parsed, 1-based */
	int		 have_header;
};

/* *cause = "path:line: message". */
static void __attribute__((format(printf, 3, 4)))
cast_error(const struct cast_reader *r, char **cause, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	xasprintf(cause, "%s:%lu: %s", r->c->path, r->line, msg);
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
cast_member(const struct cast_reader *r, json_t *obj, const char *key,
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
cast_string(const struct cast_reader *r, json_t *obj, const char *key,
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
cast_size(const struct cast_reader *r, json_t *j, const char *key,
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
cast_header(struct cast_reader *r, json_t *j, char **cause)
{
	struct cast_header	*h = &r->c->header;
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

static int
cast_event(struct cast_reader *r, json_t *j, char **cause)
{
	struct cast		*c = r->c;
	struct cast_event	*ev;
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
		c->skipped++;
		return 0;
	}
	if (c->nevents > 0 && time < c->events[c->nevents - 1].time)
		c->backwards = 1;
	if (c->nevents == r->alloc) {
		r->alloc = r->alloc == 0 ? 64 : r->alloc * 2;
		c->events = xreallocarray(c->events, r->alloc,
		    sizeof *c->events);
	}
	ev = &c->events[c->nevents++];
	ev->time = time;
	ev->code = (enum cast_code)k;
	ev->len = json_string_length(data);
	ev->data = xmalloc(ev->len + 1);
	memcpy(ev->data, json_string_value(data), ev->len);
	ev->data[ev->len] = '\0';
	ev->line = r->line;
	return 0;
}

/*
 * Parse one line (len bytes, no newline); last says it is the end of the
 * file without a newline. A last event line that is not JSON is what a
 * writer killed mid-line leaves: dropped, and the cast marked truncated.
 */
static int
cast_line(struct cast_reader *r, const char *line, size_t len, int last,
    char **cause)
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
			r->c->truncated = 1;
			return 0;
		}
		util_defang(err.text);
		cast_error(r, cause, "invalid JSON: %s (column %d)", err.text,
		    err.column);
		return -1;
	}
	if (r->have_header)
		rc = cast_event(r, j, cause);
	else
		rc = cast_header(r, j, cause);
	json_decref(j);
	return rc;
}

static struct cast *
cast_new(const char *path)
{
	struct cast	*c;

	c = xcalloc(1, sizeof *c);
	c->path = xstrdup(path);
	return c;
}

/* After the last line: a file without a header is not a recording. */
static int
cast_finish(struct cast_reader *r, char **cause)
{
	if (!r->have_header) {
		xasprintf(cause, "%s: no asciicast header (the file is empty)",
		    r->c->path);
		return -1;
	}
	return 0;
}

/* Parse the complete lines at the start of buf; returns the bytes used. */
static ssize_t
cast_lines(struct cast_reader *r, const char *buf, size_t len, char **cause)
{
	const char	*p = buf, *nl;

	while ((nl = memchr(p, '\n', len - (size_t)(p - buf))) != NULL) {
		r->line++;
		if (cast_line(r, p, (size_t)(nl - p), 0, cause) != 0)
			return -1;
		p = nl + 1;
	}
	return p - buf;
}

/* Make room for CAST_READ_SIZE more bytes after have. */
static char *
cast_grow(char *buf, size_t *cap, size_t have)
{
	if (*cap - have >= CAST_READ_SIZE)
		return buf;
	while (*cap - have < CAST_READ_SIZE)
		*cap = *cap == 0 ? 2 * CAST_READ_SIZE : *cap * 2;
	return xreallocarray(buf, 1, *cap);
}

/* Read fd to its end, a line at a time. */
static int
cast_read(struct cast_reader *r, int fd, char **cause)
{
	char	*buf = NULL;
	size_t	 cap = 0, have = 0;
	ssize_t	 n, used;
	int	 rc = -1;

	for (;;) {
		buf = cast_grow(buf, &cap, have);
		if ((n = read(fd, buf + have, CAST_READ_SIZE)) == -1) {
			if (errno == EINTR)
				continue;
			xasprintf(cause, "cannot read '%s': %s", r->c->path,
			    strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		/* Only the new bytes can end the line held. */
		used = 0;
		if (memchr(buf + have, '\n', (size_t)n) != NULL &&
		    (used = cast_lines(r, buf, have + (size_t)n, cause)) == -1)
			goto out;
		have += (size_t)n;
		memmove(buf, buf + used, have - (size_t)used);
		have -= (size_t)used;
		if (have > CAST_LINE_MAX) {
			r->line++;
			cast_error(r, cause, "line longer than %d bytes",
			    CAST_LINE_MAX);
			goto out;
		}
	}
	if (have > 0) {
		r->line++;
		if (cast_line(r, buf, have, 1, cause) != 0)
			goto out;
	}
	rc = cast_finish(r, cause);
out:
	free(buf);
	return rc;
}

struct cast *
cast_load(const char *path, char **cause)
{
	struct cast_reader	 r;
	struct cast		*c = NULL;
	int			 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		xasprintf(cause, "cannot open '%s': %s", path, strerror(errno));
		return NULL;
	}
	memset(&r, 0, sizeof r);
	r.c = cast_new(path);
	if (cast_read(&r, fd, cause) != 0)
		goto out;
	c = r.c;
	r.c = NULL;			/* transferred */
out:
	cast_free(r.c);
	close(fd);
	return c;
}

struct cast *
cast_parse(const char *name, const char *buf, size_t len, char **cause)
{
	struct cast_reader	 r;
	struct cast		*c = NULL;
	ssize_t			 used;

	memset(&r, 0, sizeof r);
	r.c = cast_new(name);
	if ((used = cast_lines(&r, buf, len, cause)) == -1)
		goto out;
	if ((size_t)used < len) {
		r.line++;
		if (cast_line(&r, buf + used, len - (size_t)used, 1,
		    cause) != 0)
			goto out;
	}
	if (cast_finish(&r, cause) != 0)
		goto out;
	c = r.c;
	r.c = NULL;			/* transferred */
out:
	cast_free(r.c);
	return c;
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
	free(c->header.title);
	free(c->header.term);
	free(c->header.shell);
	free(c->path);
	free(c);
}
