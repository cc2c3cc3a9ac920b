/*
 * marks.c - the commands log, from shell-integration marks.
 *
 * See marks.h for the interface and docs/recording-format.md for the
 * format. Decisions worth knowing before changing this:
 *
 * - Sequences are parsed as a terminal does (ECMA-48): ESC ] opens an OSC,
 *   BEL or ESC \ ends it, CAN or SUB cancels it, and an ESC followed by
 *   anything else cancels it and starts a new sequence. So a candidate
 *   cannot hide a mark from us that the terminal acts on, or the reverse,
 *   and an unterminated OSC is over at the next ESC.
 * - Only payloads that start like ours are kept (a window title or an
 *   OSC 8 link is dropped at its first byte that differs), and only up to
 *   MARKS_OSC_MAX bytes: past that the OSC is dropped and scanning goes
 *   back to plain text, which is where the next ESC is found either way.
 * - Open commands are a stack: a shell started from the prompt (bash,
 *   sudo -i, su) marks its own commands inside the command that started
 *   it, and D ends the innermost. The snippet only sends D after a C
 *   (not after an empty line or ^C) and from an EXIT trap, so the stack
 *   stays matched; what is left unmatched (exec bash) is written as
 *   unfinished at the end, or when MARKS_DEPTH_MAX is passed.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "marks.h"
#include "util.h"

#define MARKS_ESC		0x1b
#define MARKS_BEL		0x07
#define MARKS_CAN		0x18
#define MARKS_SUB		0x1a
#define MARKS_FFFD		"\xef\xbf\xbd"
#define MARKS_T_MAX		1e12	/* seconds; far past any session */
#define MARKS_EXIT_DIGITS	10	/* INT_MAX */

enum marks_state {
	MARKS_GROUND,		/* text */
	MARKS_ESCAPE,		/* after ESC in text */
	MARKS_OSC,		/* in an OSC that may be ours */
	MARKS_OSC_ESCAPE	/* after ESC in that OSC */
};

/* A command line that started (C) and has not ended (D). */
struct marks_cmd {
	long long	 start_us;
	char		*text;		/* decoded, NULL until its 7701 mark */
	size_t		 textlen;
	int		 text_ok;	/* a 7701 mark may still name it */
};

struct marks {
	char			*path;		/* NULL: fd is the caller's */
	int			 fd;
	int			 broken;
	unsigned long long	 lines;
	unsigned long long	 bytes;		/* written */
	unsigned long long	 dropped;	/* lines past MARKS_LOG_MAX */
	long long		 now_us;	/* latest t */

	enum marks_state	 state;
	size_t			 len;		/* bytes in osc */
	char			*osc;		/* MARKS_OSC_MAX bytes */

	struct marks_cmd	 stack[MARKS_DEPTH_MAX];
	size_t			 depth;
};

/* Payloads we act on start with one of these. */
static const char *const marks_prefixes[] = { "133;", "7701;" };

static struct marks *
marks_alloc(int fd, const char *path)
{
	struct marks	*m;

	m = xcalloc(1, sizeof *m);
	m->fd = fd;
	m->path = path != NULL ? xstrdup(path) : NULL;
	m->osc = xmalloc(MARKS_OSC_MAX);
	return m;
}

static void
marks_free(struct marks *m)
{
	size_t	 i;

	if (m == NULL)
		return;
	for (i = 0; i < m->depth; i++)
		free(m->stack[i].text);
	free(m->osc);
	free(m->path);
	free(m);
}

struct marks *
marks_open(const char *path, char **cause)
{
	int	 fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC,
	    0640);
	if (fd == -1) {
		xasprintf(cause, "cannot create '%s': %s", path,
		    strerror(errno));
		return NULL;
	}
	return marks_alloc(fd, path);
}

struct marks *
marks_new(int fd)
{
	return marks_alloc(fd, NULL);
}

char *
marks_path(const char *cast_path)
{
	size_t	 len = strlen(cast_path);
	char	*p;

	if (len > 5 && strcmp(cast_path + len - 5, ".cast") == 0)
		xasprintf(&p, "%.*s%s", (int)(len - 5), cast_path,
		    MARKS_SUFFIX);
	else
		xasprintf(&p, "%s%s", cast_path, MARKS_SUFFIX);
	return p;
}

unsigned long long
marks_lines(const struct marks *m)
{
	return m->lines;
}

static const char *
marks_name(const struct marks *m)
{
	return m->path != NULL ? m->path : "commands log";
}

/*
 * bytes, any bytes, as UTF-8: one U+FFFD per maximal ill-formed subpart,
 * as utf8.c (and asciinema) decode, and for NUL, which no shell's
 * command line holds: a reader in C would take it for the end of the
 * text and show less than there is. out needs 3 * len bytes; returns the
 * number written.
 */
static size_t
marks_utf8(const unsigned char *in, size_t len, char *out)
{
	size_t		 i = 0, n = 0, need, k;
	unsigned char	 c, lo, hi;

	while (i < len) {
		c = in[i];
		lo = 0x80;
		hi = 0xbf;
		if (c < 0x80 && c != '\0') {
			out[n++] = (char)c;
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			need = 1;
		else if (c >= 0xe0 && c <= 0xef) {
			need = 2;
			if (c == 0xe0)
				lo = 0xa0;	/* no overlong forms */
			else if (c == 0xed)
				hi = 0x9f;	/* no surrogates */
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3;
			if (c == 0xf0)
				lo = 0x90;
			else if (c == 0xf4)
				hi = 0x8f;	/* nothing past U+10FFFF */
		} else {
			memcpy(out + n, MARKS_FFFD, 3);
			n += 3;
			i++;
			continue;
		}
		/* The lead byte and the continuations that fit. */
		for (k = 1; k <= need && i + k < len; k++) {
			c = in[i + k];
			if (c < lo || c > hi)
				break;
			lo = 0x80;
			hi = 0xbf;
		}
		if (k == need + 1) {
			memcpy(out + n, in + i, k);
			n += k;
		} else {
			memcpy(out + n, MARKS_FFFD, 3);
			n += 3;
		}
		i += k;
	}
	return n;
}

static int
marks_b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Decode standard base64 (RFC 4648 section 4; the padding may be left
 * out) into a new buffer. Returns it and its length in *outlen, or NULL
 * if in is not base64.
 */
static char *
marks_b64_decode(const char *in, size_t len, size_t *outlen)
{
	unsigned char	*out;
	unsigned	 acc = 0, bits = 0;
	size_t		 i, n = 0;
	int		 v;

	/* Padding: "xx==" and "xxx=" lose it; no more can go (len % 4). */
	while (len > 0 && in[len - 1] == '=' && len % 4 != 1)
		len--;
	if (len % 4 == 1)
		return NULL;
	out = xmalloc(len / 4 * 3 + 3);
	for (i = 0; i < len; i++) {
		if ((v = marks_b64_value((unsigned char)in[i])) == -1) {
			free(out);
			return NULL;
		}
		acc = (acc << 6) | (unsigned)v;
		if ((bits += 6) >= 8) {
			bits -= 8;
			out[n++] = (unsigned char)(acc >> bits);
			acc &= (1U << bits) - 1;
		}
	}
	*outlen = n;
	return (char *)out;
}

/* Microseconds as "S.UUUUUU", or "null" for a negative value. */
static void
marks_time(char *buf, size_t size, long long us)
{
	if (us < 0)
		snprintf(buf, size, "null");
	else
		snprintf(buf, size, "%lld.%06lld", us / 1000000, us % 1000000);
}

/* The command's text as a JSON string, or "null"; newly allocated. */
static char *
marks_json_text(const struct marks_cmd *c)
{
	json_t	*s;
	char	*utf8, *out;
	size_t	 n;

	if (c->text == NULL)
		return xstrdup("null");
	utf8 = xmalloc(3 * c->textlen + 1);
	n = marks_utf8((const unsigned char *)c->text, c->textlen, utf8);
	if ((s = json_stringn_nocheck(utf8, n)) == NULL ||
	    (out = json_dumps(s, JSON_COMPACT | JSON_ENCODE_ANY)) == NULL) {
		fprintf(stderr, "breakfix: out of memory\n");
		abort();
	}
	json_decref(s);
	free(utf8);
	return out;
}

/*
 * Write c's line and forget its text. end_us is -1 for a command that
 * did not end, code -1 for an unknown status.
 */
static int
marks_emit(struct marks *m, struct marks_cmd *c, long long end_us,
    long long code, char **cause)
{
	char	 start[32], end[32], duration[32], status[32];
	char	*text = NULL, *line = NULL;
	int	 len, rc = -1;

	marks_time(start, sizeof start, c->start_us);
	marks_time(end, sizeof end, end_us);
	marks_time(duration, sizeof duration,
	    end_us < 0 ? -1 : end_us - c->start_us);
	if (code < 0)
		snprintf(status, sizeof status, "null");
	else
		snprintf(status, sizeof status, "%lld", code);
	text = marks_json_text(c);
	len = xasprintf(&line, "{\"start\": %s, \"end\": %s, \"duration\": %s, "
	    "\"exit\": %s, \"command\": %s}\n", start, end, duration, status,
	    text);
	if (m->dropped > 0 || (size_t)len > MARKS_LOG_MAX - m->bytes) {
		m->dropped++;		/* the log is full: it stays so */
		rc = 0;
		goto out;
	}
	if (util_write_all(m->fd, line, (size_t)len) != 0) {
		xasprintf(cause, "cannot write '%s': %s", marks_name(m),
		    strerror(errno));
		m->broken = 1;
		goto out;
	}
	m->lines++;
	m->bytes += (size_t)len;
	rc = 0;
out:
	free(c->text);
	c->text = NULL;
	free(line);
	free(text);
	return rc;
}

/* Does p (len bytes) start with word followed by the end or ';'? */
static int
marks_is(const char *p, size_t len, const char *word)
{
	size_t	 n = strlen(word);

	return len >= n && memcmp(p, word, n) == 0 &&
	    (len == n || p[n] == ';');
}

/* "133;D;STATUS[;...]": STATUS, or -1 if it is missing or not a status. */
static long long
marks_exit(const char *p, size_t len)
{
	long long	 v = 0;
	size_t		 i;

	if (len <= 6)
		return -1;
	for (i = 6; i < len && p[i] != ';'; i++) {
		if (p[i] < '0' || p[i] > '9' || i - 6 >= MARKS_EXIT_DIGITS)
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	if (i == 6 || v > INT32_MAX)
		return -1;
	return v;
}

static int
marks_start(struct marks *m, char **cause)
{
	struct marks_cmd	 oldest;

	if (m->depth == MARKS_DEPTH_MAX) {
		oldest = m->stack[0];
		memmove(m->stack, m->stack + 1,
		    (MARKS_DEPTH_MAX - 1) * sizeof *m->stack);
		m->depth--;
		if (marks_emit(m, &oldest, -1, -1, cause) != 0)
			return -1;
	}
	memset(&m->stack[m->depth], 0, sizeof m->stack[m->depth]);
	m->stack[m->depth].start_us = m->now_us;
	m->stack[m->depth].text_ok = 1;
	m->depth++;
	return 0;
}

static void
marks_text(struct marks *m, const char *b64, size_t len)
{
	struct marks_cmd	*c;

	if (m->depth == 0 || !m->stack[m->depth - 1].text_ok)
		return;
	c = &m->stack[m->depth - 1];
	c->text_ok = 0;
	if ((c->text = marks_b64_decode(b64, len, &c->textlen)) == NULL)
		return;
	/* bash's here-string adds a newline; a history entry has none. */
	if (c->textlen > 0 && c->text[c->textlen - 1] == '\n')
		c->textlen--;
}

/* A whole OSC payload of ours arrived: act on it. */
static int
marks_dispatch(struct marks *m, char **cause)
{
	const char	*p = m->osc;
	size_t		 len = m->len;

	if (marks_is(p, len, "133;A")) {
		/* A prompt: the text of a command before it is settled. */
		if (m->depth > 0)
			m->stack[m->depth - 1].text_ok = 0;
	} else if (marks_is(p, len, "133;C"))
		return marks_start(m, cause);
	else if (marks_is(p, len, "133;D")) {
		if (m->depth == 0)
			return 0;	/* no C: an empty line, ^C, a stray D */
		m->depth--;
		return marks_emit(m, &m->stack[m->depth], m->now_us,
		    marks_exit(p, len), cause);
	} else if (len >= 9 && memcmp(p, "7701;cmd;", 9) == 0)
		marks_text(m, p + 9, len - 9);
	return 0;
}

/* Add c to the payload; back to text if it cannot be ours or is too long. */
static void
marks_osc_byte(struct marks *m, char c)
{
	size_t	 i, n;
	int	 ours = 0;

	if (m->len == MARKS_OSC_MAX) {
		m->state = MARKS_GROUND;
		return;
	}
	m->osc[m->len++] = c;
	if (m->len > 5)
		return;
	for (i = 0; i < nitems(marks_prefixes); i++) {
		n = strlen(marks_prefixes[i]);
		if (memcmp(m->osc, marks_prefixes[i],
		    m->len < n ? m->len : n) == 0)
			ours = 1;
	}
	if (!ours)
		m->state = MARKS_GROUND;
}

/* c follows an ESC, in text or in an OSC it cancelled. */
static void
marks_escape(struct marks *m, unsigned char c)
{
	if (c == ']') {
		m->state = MARKS_OSC;
		m->len = 0;
	} else if (c == MARKS_ESC)
		m->state = MARKS_ESCAPE;
	else
		m->state = MARKS_GROUND;
}

static void
marks_set_time(struct marks *m, double t)
{
	long long	 us;

	if (!(t >= 0))		/* NaN too */
		t = 0;
	if (t > MARKS_T_MAX)
		t = MARKS_T_MAX;
	us = (long long)(t * 1e6 + 0.5);
	if (us > m->now_us)
		m->now_us = us;
}

int
marks_feed(struct marks *m, double t, const void *buf, size_t len,
    char **cause)
{
	const unsigned char	*p = buf, *end = p + len, *esc;
	unsigned char		 c;

	if (m->broken) {
		xasprintf(cause, "'%s' is broken by an earlier error",
		    marks_name(m));
		return -1;
	}
	marks_set_time(m, t);
	while (p < end) {
		if (m->state == MARKS_GROUND) {
			if ((esc = memchr(p, MARKS_ESC, (size_t)(end - p))) == NULL)
				break;
			p = esc + 1;
			m->state = MARKS_ESCAPE;
			continue;
		}
		c = *p++;
		switch (m->state) {
		case MARKS_ESCAPE:
			marks_escape(m, c);
			break;
		case MARKS_OSC:
			if (c == MARKS_BEL) {
				m->state = MARKS_GROUND;
				if (marks_dispatch(m, cause) != 0)
					return -1;
			} else if (c == MARKS_ESC)
				m->state = MARKS_OSC_ESCAPE;
			else if (c == MARKS_CAN || c == MARKS_SUB)
				m->state = MARKS_GROUND;
			else
				marks_osc_byte(m, (char)c);
			break;
		case MARKS_OSC_ESCAPE:
			if (c == '\\') {
				m->state = MARKS_GROUND;
				if (marks_dispatch(m, cause) != 0)
					return -1;
			} else
				marks_escape(m, c);
			break;
		case MARKS_GROUND:
			break;
		}
	}
	return 0;
}

unsigned long long
marks_dropped(const struct marks *m)
{
	return m->dropped;
}

int
marks_end(struct marks *m, char **cause)
{
	int	 rc = 0;

	if (m->broken) {
		xasprintf(cause, "'%s' is broken by an earlier error",
		    marks_name(m));
		return -1;
	}
	while (rc == 0 && m->depth > 0) {
		m->depth--;
		rc = marks_emit(m, &m->stack[m->depth], -1, -1, cause);
	}
	return rc;
}

int
marks_close(struct marks *m, char **cause)
{
	int	 rc;

	if (m == NULL)
		return 0;
	rc = marks_end(m, cause);
	if (m->path != NULL) {
		if (rc == 0 && fsync(m->fd) != 0) {
			xasprintf(cause, "cannot fsync '%s': %s", m->path,
			    strerror(errno));
			rc = -1;
		}
		if (close(m->fd) != 0 && rc == 0) {
			xasprintf(cause, "cannot close '%s': %s", m->path,
			    strerror(errno));
			rc = -1;
		}
	}
	marks_free(m);
	return rc;
}
