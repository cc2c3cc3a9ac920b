/*
 * record.c - the asciicast v2 writer and its chain (see record.h). The
 * chain's lines are made by chain.c, text from bytes by utf8.c.
 *
 * See docs/recording-format.md for the format. A decision that is easy
 * to undo by accident: each line goes out in one write(2), the chain
 * entry before the .cast line. A writer killed between the two leaves the
 * chain one entry ahead, which verify_recording accepts for a recording
 * without its end line: that looks exactly like the last line having
 * been cut off, which anyone can do to an unfinished recording anyway.
 * The other order would leave a .cast line no entry vouches for, and
 * accepting that would let anyone append one line of their own.
 *
 * Another: the caps (record.h) decide on whole lines, before a line is
 * written, counting its chain entry too. Output past its cap is simply
 * not written, so the chain and the seals cover every line there is and
 * nothing special; input is never left out, only refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cast.h"
#include "chain.h"
#include "record.h"
#include "utf8.h"
#include "util.h"

#define REC_PREFIX_MAX		64	/* "[seconds.micros, \"c\", " */

struct record {
	char			*path;
	char			*chain_path;
	int			 fd;
	int			 chain_fd;
	struct chain_mac	*mac;
	unsigned char		 prev[CHAIN_DIGEST_LEN];
	unsigned long long	 lines;
	unsigned char		 synced_prev[CHAIN_DIGEST_LEN];
	unsigned long long	 synced_lines;	/* on disk at the last fsync */
	unsigned long long	 start_us;	/* monotonic, at open */
	unsigned long long	 last_us;	/* time of the last event */
	long long		 synced_ms;
	int			 dirty;		/* written since the last fsync */
	int			 broken;	/* a write or fsync failed */
	struct utf8		 out;
	struct utf8		 in;
	uint64_t		 out_max;	/* bytes of "o" lines, and */
	uint64_t		 in_max;	/* of "i" and "r" lines, with
						   their chain entries */
	uint64_t		 out_bytes;	/* written so far */
	uint64_t		 in_bytes;
	int			 eliding;	/* output over out_max */
	int			 in_full;	/* input over in_max */
	uint64_t		 elided;	/* output bytes not recorded */
	char			*text;		/* decoded chunk */
	size_t			 text_size;
	char			*line;		/* line being written */
	size_t			 line_size;
};

static unsigned long long
rec_now_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000ULL +
	    (unsigned long long)ts.tv_nsec / 1000ULL;
}

static int
rec_check(const struct record *r, char **cause)
{
	if (r->broken) {
		xasprintf(cause, "recording '%s' is broken by an earlier error",
		    r->path);
		return -1;
	}
	return 0;
}

static int
rec_fsync(struct record *r, char **cause)
{
	if (fsync(r->chain_fd) != 0) {
		xasprintf(cause, "cannot fsync '%s': %s", r->chain_path,
		    strerror(errno));
		r->broken = 1;
		return -1;
	}
	if (fsync(r->fd) != 0) {
		xasprintf(cause, "cannot fsync '%s': %s", r->path,
		    strerror(errno));
		r->broken = 1;
		return -1;
	}
	r->dirty = 0;
	r->synced_ms = util_now_ms();
	r->synced_lines = r->lines;
	memcpy(r->synced_prev, r->prev, sizeof r->synced_prev);
	return 0;
}

/* All of buf to fd, which is path; a failure breaks the recording. */
static int
rec_write(struct record *r, int fd, const char *path, const void *buf,
    size_t len, char **cause)
{
	if (util_write_all(fd, buf, len) != 0) {
		xasprintf(cause, "cannot write '%s': %s", path,
		    strerror(errno));
		r->broken = 1;
		return -1;
	}
	return 0;
}

/*
 * Append one line (with its newline) to the .cast and its entry to the
 * chain, the entry first (see the top of the file).
 */
static int
rec_append(struct record *r, const char *line, size_t len, char **cause)
{
	unsigned char	 digest[CHAIN_DIGEST_LEN];
	char		 entry[CHAIN_HEX_LEN + 1];
	size_t		 n;

	if (rec_check(r, cause) != 0)
		return -1;
	if (chain_mac_line(r->mac, r->prev, line, len - 1, digest, cause) != 0)
		return -1;
	n = chain_entry(digest, entry);
	r->dirty = 1;
	if (rec_write(r, r->chain_fd, r->chain_path, entry, n, cause) != 0 ||
	    rec_write(r, r->fd, r->path, line, len, cause) != 0)
		return -1;
	memcpy(r->prev, digest, sizeof r->prev);
	r->lines++;
	return 0;
}

/* *buf, holding at least n bytes (grown, never shrunk). */
static char *
rec_room(char **buf, size_t *size, size_t n)
{
	if (*size < n) {
		free(*buf);
		*buf = xmalloc(n);
		*size = n;
	}
	return *buf;
}

/*
 * One event line, [time, "code", data] and its newline, data being len
 * bytes of UTF-8, in r->line; returns its length.
 */
static size_t
rec_format(struct record *r, const char *code, const char *data, size_t len)
{
	unsigned long long	 t;
	char			*line;
	size_t			 n;

	t = rec_now_us() - r->start_us;
	if (t < r->last_us)
		t = r->last_us;
	r->last_us = t;
	line = rec_room(&r->line, &r->line_size, REC_PREFIX_MAX + 6 * len + 4);
	n = (size_t)snprintf(line, REC_PREFIX_MAX, "[%llu.%06llu, \"%s\", ",
	    t / 1000000ULL, t % 1000000ULL, code);
	n += cast_json_string(line + n, data, len);
	line[n++] = ']';
	line[n++] = '\n';
	return n;
}

static int
rec_event(struct record *r, const char *code, const char *data, size_t len,
    char **cause)
{
	size_t	 n = rec_format(r, code, data, len);

	if (rec_append(r, r->line, n, cause) != 0)
		return -1;
	return record_sync(r, cause);
}

static int
rec_marker_fmt(struct record *r, char **cause, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A marker of the writer's own (plain ASCII). */
static int
rec_marker_fmt(struct record *r, char **cause, const char *fmt, ...)
{
	va_list	 ap;
	char	*label;
	int	 rc;

	va_start(ap, fmt);
	xvasprintf(&label, fmt, ap);
	va_end(ap);
	rc = rec_event(r, "m", label, strlen(label), cause);
	free(label);
	return rc;
}

/*
 * An "o" line of n bytes that would pass the cap: from here on output is
 * counted, not written. lost is what of the stream is in that line.
 */
static int
rec_elide(struct record *r, uint64_t lost, char **cause)
{
	r->eliding = 1;
	r->elided += lost;
	utf8_init(&r->out);
	return rec_marker_fmt(r, cause, RECORD_ELIDED_FROM ": over the "
	    "recording's cap of %llu bytes of output",
	    (unsigned long long)r->out_max);
}

/* The same for input, which is never elided: the caller stops. */
static int
rec_input_full(struct record *r, char **cause)
{
	r->in_full = 1;
	if (rec_marker_fmt(r, cause, RECORD_INPUT_FULL ": over the "
	    "recording's cap of %llu bytes of input",
	    (unsigned long long)r->in_max) != 0)
		return -1;
	return RECORD_FULL;
}

/*
 * A line of a stream, if it stays under its cap, which counts what the
 * line takes on disk: its bytes in the .cast and its chain entry (so
 * that a flood of one-byte events cannot grow the chain past it).
 */
static int
rec_capped(struct record *r, const char *code, const char *text, size_t n,
    uint64_t lost, char **cause)
{
	size_t		 len = rec_format(r, code, text, n);
	size_t		 disk = len + CHAIN_HEX_LEN + 1;	/* and its entry */
	int		 out = *code == 'o';
	uint64_t	*bytes = out ? &r->out_bytes : &r->in_bytes;
	uint64_t	 max = out ? r->out_max : r->in_max;

	if (disk > max || *bytes > max - disk)
		return out ? rec_elide(r, lost, cause) :
		    rec_input_full(r, cause);
	*bytes += disk;
	if (rec_append(r, r->line, len, cause) != 0)
		return -1;
	return record_sync(r, cause);
}

/* At most RECORD_EVENT_MAX bytes of a stream: one line, or none. */
static int
rec_piece(struct record *r, struct utf8 *u, const char *code,
    const char *buf, size_t len, char **cause)
{
	uint64_t	 lost = len + u->have;
	size_t		 n;

	if (*code == 'o' && r->eliding) {
		r->elided += len;
		return 0;
	}
	n = utf8_feed(u, buf, len, r->text);
	if (n == 0)
		return 0;
	return rec_capped(r, code, r->text, n, lost, cause);
}

static int
rec_stream(struct record *r, struct utf8 *u, const char *code,
    const void *buf, size_t len, char **cause)
{
	const char	*p = buf;
	size_t		 n;
	int		 rc;

	if (rec_check(r, cause) != 0)
		return -1;
	if (*code != 'o' && r->in_full)
		return RECORD_FULL;
	rec_room(&r->text, &r->text_size, 3 * (RECORD_EVENT_MAX + 1));
	while (len > 0) {
		n = len < RECORD_EVENT_MAX ? len : RECORD_EVENT_MAX;
		if ((rc = rec_piece(r, u, code, p, n, cause)) != 0)
			return rc;
		p += n;
		len -= n;
	}
	return record_sync(r, cause);
}

/* A sequence the stream left open, as U+FFFD, under the stream's cap. */
static int
rec_stream_finish(struct record *r, struct utf8 *u, const char *code,
    char **cause)
{
	uint64_t	 lost = u->have;
	char		 text[3];
	size_t		 n;
	int		 rc;

	if ((*code == 'o' && r->eliding) || (*code != 'o' && r->in_full) ||
	    (n = utf8_finish(u, text)) == 0)
		return 0;
	rc = rec_capped(r, code, text, n, lost, cause);
	return rc == -1 ? -1 : 0;
}

/* How much output was not recorded, at the end. */
static int
rec_elided_end(struct record *r, char **cause)
{
	if (!r->eliding)
		return 0;
	return rec_marker_fmt(r, cause, RECORD_ELIDED ": %llu bytes not "
	    "recorded", (unsigned long long)r->elided);
}

/* The header line, with its newline. NULL with *cause on failure. */
static char *
rec_header_line(const struct record_header *h, char **cause)
{
	json_t	*j, *env;
	char	*s, *line = NULL, *v;

	j = json_object();
	json_object_set_new(j, "version", json_integer(2));
	json_object_set_new(j, "width", json_integer(h->width));
	json_object_set_new(j, "height", json_integer(h->height));
	json_object_set_new(j, "timestamp", json_integer(h->timestamp != 0 ?
	    (json_int_t)h->timestamp : (json_int_t)time(NULL)));
	env = json_object();
	if (h->term != NULL) {
		v = utf8_string(h->term);
		json_object_set_new(env, "TERM", json_string(v));
		free(v);
	}
	if (h->shell != NULL) {
		v = utf8_string(h->shell);
		json_object_set_new(env, "SHELL", json_string(v));
		free(v);
	}
	json_object_set_new(j, "env", env);
	if (h->title != NULL) {
		v = utf8_string(h->title);
		json_object_set_new(j, "title", json_string(v));
		free(v);
	}
	/* No indent: one line, with the spaces asciinema writes too. */
	if ((s = json_dumps(j, JSON_PRESERVE_ORDER)) == NULL)
		xasprintf(cause, "cannot encode the recording's header");
	else
		xasprintf(&line, "%s\n", s);
	free(s);
	json_decref(j);
	return line;
}

/* Make the new files' names durable too; not every file system can. */
static void
rec_sync_dir(const char *path)
{
	const char	*slash = strrchr(path, '/');
	char		*dir;
	int		 fd;

	if (slash == NULL)
		dir = xstrdup(".");
	else if (slash == path)
		dir = xstrdup("/");
	else
		dir = xstrndup(path, (size_t)(slash - path));
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		(void)fsync(fd);
		close(fd);
	}
	free(dir);
}

static void
rec_free(struct record *r)
{
	if (r == NULL)
		return;
	if (r->fd != -1)
		close(r->fd);
	if (r->chain_fd != -1)
		close(r->chain_fd);
	chain_mac_free(r->mac);
	free(r->text);
	free(r->line);
	free(r->path);
	free(r->chain_path);
	free(r);
}

static int
rec_create(const char *path, char **cause)
{
	int	 fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (fd == -1)
		xasprintf(cause, "cannot create '%s': %s", path,
		    strerror(errno));
	return fd;
}

/* A new recording on fd and chain_fd (taken), path naming them. */
static struct record *
rec_new(const char *path, int fd, int chain_fd, const unsigned char *key,
    size_t keylen, char **cause)
{
	struct record	*r;

	r = xcalloc(1, sizeof *r);
	r->fd = fd;
	r->chain_fd = chain_fd;
	r->path = xstrdup(path);
	xasprintf(&r->chain_path, "%s%s", path, CHAIN_SUFFIX);
	utf8_init(&r->out);
	utf8_init(&r->in);
	r->out_max = RECORD_OUTPUT_MAX;
	r->in_max = RECORD_INPUT_MAX;
	if ((r->mac = chain_mac_new(key, keylen, cause)) == NULL) {
		rec_free(r);
		return NULL;
	}
	return r;
}

/* The header line, written and fsync'd: the recording has begun. */
static int
rec_begin(struct record *r, const struct record_header *h, char **cause)
{
	char	*line;
	int	 rc = -1;

	if ((line = rec_header_line(h, cause)) == NULL)
		return -1;
	r->start_us = rec_now_us();
	if (rec_append(r, line, strlen(line), cause) == 0 &&
	    rec_fsync(r, cause) == 0)
		rc = 0;
	free(line);
	return rc;
}

struct record *
record_open_fds(const char *path, int fd, int chain_fd,
    const struct record_header *h, const unsigned char *key, size_t keylen,
    char **cause)
{
	struct record	*r;

	if ((r = rec_new(path, fd, chain_fd, key, keylen, cause)) == NULL)
		return NULL;
	if (rec_begin(r, h, cause) != 0) {
		rec_free(r);
		return NULL;
	}
	return r;
}

struct record *
record_open(const char *path, const struct record_header *h,
    const unsigned char *key, size_t keylen, char **cause)
{
	struct record	*r = NULL;
	char		*chain_path;
	int		 fd = -1, chain_fd = -1, made = 0;

	xasprintf(&chain_path, "%s%s", path, CHAIN_SUFFIX);
	if ((fd = rec_create(path, cause)) == -1)
		goto out;
	made = 1;
	if ((chain_fd = rec_create(chain_path, cause)) == -1)
		goto out;
	made = 2;
	if ((r = rec_new(path, fd, chain_fd, key, keylen, cause)) == NULL) {
		fd = chain_fd = -1;		/* closed */
		goto out;
	}
	fd = chain_fd = -1;			/* transferred */
	if (rec_begin(r, h, cause) != 0) {
		rec_free(r);
		r = NULL;
		goto out;
	}
	rec_sync_dir(path);
out:
	if (r == NULL) {
		if (fd != -1)
			close(fd);
		if (chain_fd != -1)
			close(chain_fd);
		if (made >= 1)
			unlink(path);
		if (made >= 2)
			unlink(chain_path);
	}
	free(chain_path);
	return r;
}

int
record_output(struct record *r, const void *buf, size_t len, char **cause)
{
	return rec_stream(r, &r->out, "o", buf, len, cause);
}

int
record_input(struct record *r, const void *buf, size_t len, char **cause)
{
	return rec_stream(r, &r->in, "i", buf, len, cause);
}

int
record_resize(struct record *r, unsigned width, unsigned height,
    char **cause)
{
	char	 data[32];
	int	 n;

	if (rec_check(r, cause) != 0)
		return -1;
	if (r->in_full)
		return RECORD_FULL;
	n = snprintf(data, sizeof data, "%ux%u", width, height);
	return rec_capped(r, "r", data, (size_t)n, 0, cause);
}

int
record_marker(struct record *r, const char *label, char **cause)
{
	char	*text;
	int	 rc;

	if (rec_check(r, cause) != 0)
		return -1;
	text = utf8_string(label != NULL ? label : "");
	rc = rec_event(r, "m", text, strlen(text), cause);
	free(text);
	return rc;
}

int
record_sync(struct record *r, char **cause)
{
	if (rec_check(r, cause) != 0)
		return -1;
	if (!r->dirty || util_now_ms() - r->synced_ms < RECORD_SYNC_MS)
		return 0;
	return rec_fsync(r, cause);
}

/* The chain's end line, which says the recording is finished. */
static int
rec_end(struct record *r, char **cause)
{
	char	 line[CHAIN_LINE_MAX];
	size_t	 n;

	if (rec_check(r, cause) != 0)
		return -1;
	if (chain_end(r->mac, r->prev, r->lines, line, &n, cause) != 0)
		return -1;
	if (rec_write(r, r->chain_fd, r->chain_path, line, n, cause) != 0)
		return -1;
	r->dirty = 1;
	return 0;
}

static int
rec_close_fd(int *fd, const char *path, char **cause)
{
	int	 rc = close(*fd);

	*fd = -1;
	if (rc != 0) {
		xasprintf(cause, "cannot close '%s': %s", path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

int
record_close(struct record *r, char **cause)
{
	uint64_t		 n;
	unsigned char		 head[CHAIN_DIGEST_LEN];

	return record_finish(r, &n, head, cause);
}

int
record_finish(struct record *r, uint64_t *n, unsigned char *head,
    char **cause)
{
	int	 rc = -1;

	*n = 0;
	if (r == NULL)
		return 0;
	if (rec_stream_finish(r, &r->out, "o", cause) != 0 ||
	    rec_stream_finish(r, &r->in, "i", cause) != 0 ||
	    rec_elided_end(r, cause) != 0 ||
	    rec_end(r, cause) != 0 ||
	    rec_fsync(r, cause) != 0)
		goto out;
	if (rec_close_fd(&r->chain_fd, r->chain_path, cause) != 0 ||
	    rec_close_fd(&r->fd, r->path, cause) != 0)
		goto out;
	*n = r->synced_lines;
	memcpy(head, r->synced_prev, CHAIN_DIGEST_LEN);
	rc = 0;
out:
	rec_free(r);
	return rc;
}

void
record_set_caps(struct record *r, uint64_t output_max, uint64_t input_max)
{
	r->out_max = output_max;
	r->in_max = input_max;
}

uint64_t
record_elided(const struct record *r)
{
	return r->elided;
}

int
record_marker_elided(const char *label, uint64_t *bytes)
{
	size_t		 n = strlen(RECORD_ELIDED ": ");
	char		*end;

	*bytes = 0;
	if (strncmp(label, RECORD_ELIDED_FROM ":",
	    strlen(RECORD_ELIDED_FROM ":")) == 0)
		return RECORD_MARK_FROM;
	if (strncmp(label, RECORD_ELIDED ": ", n) != 0 ||
	    label[n] < '0' || label[n] > '9')
		return 0;
	errno = 0;
	*bytes = strtoull(label + n, &end, 10);
	if (errno != 0 || strcmp(end, " bytes not recorded") != 0) {
		*bytes = 0;
		return 0;
	}
	return RECORD_MARK_COUNT;
}

unsigned long long
record_lines(const struct record *r)
{
	return r->lines;
}

unsigned long long
record_synced(const struct record *r, unsigned char *head)
{
	memcpy(head, r->synced_prev, CHAIN_DIGEST_LEN);
	return r->synced_lines;
}
