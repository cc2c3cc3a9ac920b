/*
 * verify.c - checking a recording against its chain and its seals (see
 * verify.h).
 *
 * The files are read in pieces of VERIFY_READ_SIZE, so a line of any
 * length costs no memory: a .cast line goes to the MAC piece by piece, a
 * chain line is kept only up to CHAIN_LINE_MAX and a seal up to
 * SEAL_LINE_MAX, which no line the gateway writes is longer than.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "chain.h"
#include "seal.h"
#include "util.h"
#include "verify.h"

#define VERIFY_READ_SIZE	65536
#define VERIFY_BAD_SEAL		2	/* from verify_read_seal */

/* A line reader that never holds more than a buffer of the file. */
struct verify_reader {
	const char	*path;		/* the caller's, for messages */
	int		 fd;
	int		 eof;
	size_t		 off, len;
	unsigned char	 buf[VERIFY_READ_SIZE];
};

/*
 * The next piece of the current line into *p and *n; *eol says whether the
 * line ends there (its newline is not included). Returns 1, 0 at end of
 * file, -1 with *cause set.
 */
static int
verify_read_piece(struct verify_reader *rd, const unsigned char **p,
    size_t *n, int *eol, char **cause)
{
	const unsigned char	*nl;
	ssize_t			 got;

	if (rd->off == rd->len) {
		if (rd->eof)
			return 0;
		do
			got = read(rd->fd, rd->buf, sizeof rd->buf);
		while (got == -1 && errno == EINTR);
		if (got == -1) {
			xasprintf(cause, "cannot read '%s': %s", rd->path,
			    strerror(errno));
			return -1;
		}
		if (got == 0) {
			rd->eof = 1;
			return 0;
		}
		rd->off = 0;
		rd->len = (size_t)got;
	}
	*p = rd->buf + rd->off;
	if ((nl = memchr(*p, '\n', rd->len - rd->off)) != NULL) {
		*n = (size_t)(nl - *p);
		*eol = 1;
		rd->off += *n + 1;
	} else {
		*n = rd->len - rd->off;
		*eol = 0;
		rd->off = rd->len;
	}
	return 1;
}

/*
 * The next .cast line, fed to HMAC(key, prev || line) into digest;
 * *terminated says whether it ended with a newline. Returns 1, 0 at end
 * of file, -1 with *cause set.
 */
static int
verify_read_cast_line(struct verify_reader *rd, struct chain_mac *m,
    const unsigned char *prev, unsigned char *digest, int *terminated,
    char **cause)
{
	const unsigned char	*p;
	size_t			 n;
	int			 eol = 0, got, any = 0;

	while (!eol) {
		if ((got = verify_read_piece(rd, &p, &n, &eol, cause)) == -1)
			return -1;
		if (got == 0)
			break;
		if (!any && chain_mac_begin(m, prev, cause) != 0)
			return -1;
		any = 1;
		if (chain_mac_update(m, p, n, cause) != 0)
			return -1;
	}
	if (!any)
		return 0;
	*terminated = eol;
	return chain_mac_final(m, digest, cause) == 0 ? 1 : -1;
}

/* The next chain line. Returns 1, 0 at end of file, -1 with *cause. */
static int
verify_read_chain_line(struct verify_reader *rd, struct chain_line *cl,
    char **cause)
{
	const unsigned char	*p;
	size_t			 n, len = 0;
	int			 eol = 0, got, any = 0;

	while (!eol) {
		if ((got = verify_read_piece(rd, &p, &n, &eol, cause)) == -1)
			return -1;
		if (got == 0)
			break;
		any = 1;
		if (len <= CHAIN_LINE_MAX) {
			/* Keep a byte past the limit to know it was passed. */
			if (n > CHAIN_LINE_MAX + 1 - len)
				n = CHAIN_LINE_MAX + 1 - len;
			memcpy(cl->text + len, p, n);
		}
		len += n;
		if (len > CHAIN_LINE_MAX + 1)
			len = CHAIN_LINE_MAX + 1;
	}
	if (!any)
		return 0;
	cl->text[len > CHAIN_LINE_MAX ? CHAIN_LINE_MAX : len] = '\0';
	chain_parse(cl, len);
	if (!eol)
		cl->kind = CHAIN_BAD;	/* cut short */
	return 1;
}

/*
 * A reader for path, which must outlive it. Returns 0, 1 if path does not
 * exist (nothing set) or -1 with *cause set.
 */
static int
verify_reader_open(const char *path, struct verify_reader **rd,
    char **cause)
{
	struct stat	 st;
	int		 fd;

	*rd = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return 1;
		xasprintf(cause, "cannot open '%s': %s", path,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		xasprintf(cause, "cannot read '%s': not a file", path);
		close(fd);
		return -1;
	}
	*rd = xcalloc(1, sizeof **rd);
	(*rd)->path = path;
	(*rd)->fd = fd;
	return 0;
}

static void
verify_reader_free(struct verify_reader *rd)
{
	if (rd == NULL)
		return;
	close(rd->fd);
	free(rd);
}


/*
 * The .cast ended after lines lines, all vouched for, the last with
 * digest prev; what is left of the chain must be its end line or,
 * for a recording cut short, nothing or the one entry whose line the
 * writer did not get to write. Returns 0, 1 or -1 as verify_recording.
 */
static int
verify_tail(struct verify_reader *chain, struct chain_mac *m,
    const unsigned char *prev, unsigned long long lines, int *complete,
    char **cause)
{
	struct chain_line	 cl;
	unsigned char		 last[CHAIN_DIGEST_LEN];
	unsigned char		 digest[CHAIN_DIGEST_LEN];
	unsigned long long	 extra = 0;
	int			 got;

	memcpy(last, prev, sizeof last);
	for (;;) {
		if ((got = verify_read_chain_line(chain, &cl, cause)) == -1)
			return -1;
		if (got == 0 || cl.kind != CHAIN_ENTRY)
			break;
		memcpy(last, cl.digest, sizeof last);
		extra++;
	}
	if (got == 1 && cl.kind == CHAIN_BAD) {
		xasprintf(cause, "chain line %llu is malformed",
		    lines + extra + 1);
		return 1;
	}
	if (extra > (got == 0 ? 1 : 0)) {
		xasprintf(cause, "the chain lists %llu lines but the recording "
		    "has %llu (lines removed?)", lines + extra, lines);
		return 1;
	}
	if (got == 0)
		return 0;		/* cut short */
	if (chain_mac_line(m, last, cl.text, cl.len, digest, cause) != 0)
		return -1;
	if (!chain_digest_equal(digest, cl.digest)) {
		xasprintf(cause, "the chain's end line is not authentic");
		return 1;
	}
	if (cl.count != lines) {
		xasprintf(cause, "the chain's end line counts %llu lines but "
		    "the recording has %llu", cl.count, lines);
		return 1;
	}
	if ((got = verify_read_chain_line(chain, &cl, cause)) == -1)
		return -1;
	if (got == 1) {
		xasprintf(cause, "the chain goes on after its end line");
		return 1;
	}
	*complete = 1;
	return 0;
}

/* Check one .cast line's digest against the chain's next line. */
static int
verify_line(struct verify_reader *chain, unsigned long long lineno,
    const unsigned char *digest, int terminated, char **cause)
{
	struct chain_line	 cl;
	int			 got;

	if ((got = verify_read_chain_line(chain, &cl, cause)) == -1)
		return -1;
	if (got == 0 || cl.kind == CHAIN_END) {
		xasprintf(cause, "line %llu has no chain entry (appended?)",
		    lineno);
		return 1;
	}
	if (cl.kind == CHAIN_BAD) {
		xasprintf(cause, "the chain entry for line %llu is malformed",
		    lineno);
		return 1;
	}
	if (!chain_digest_equal(digest, cl.digest)) {
		xasprintf(cause, "line %llu does not match its chain entry",
		    lineno);
		return 1;
	}
	if (!terminated) {
		xasprintf(cause, "line %llu has no newline (cut short?)",
		    lineno);
		return 1;
	}
	return 0;
}

/* One check in progress. */
struct verify {
	const char		*path;
	struct seal_key		*key;
	struct verify_reader	*cast, *chain, *seals;
	struct chain_mac	*mac;
	struct verify_result	*res;
	struct seal		 open;
	struct seal		 next;		/* the next seal to meet */
	struct seal		 last;		/* end or gone, once met */
	int			 have_next;
	int			 have_last;
	unsigned long long	 seal_line;	/* of the .seal file */
	unsigned long long	 lineno;
	unsigned char		 prev[CHAIN_DIGEST_LEN];
};

const char *
verify_verdict_name(enum verify_verdict v)
{
	switch (v) {
	case VERIFY_INTACT:
		return "intact";
	case VERIFY_LIVE:
		return "live";
	case VERIFY_CUT:
		return "cut short";
	default:
		return "ALTERED";
	}
}

/* The verdict is ALTERED, for the reason given; returns 1. */
static int __attribute__((format(printf, 2, 3)))
verify_altered(struct verify *v, const char *fmt, ...)
{
	va_list	 ap;

	v->res->verdict = VERIFY_ALTERED;
	free(v->res->why);
	va_start(ap, fmt);
	xvasprintf(&v->res->why, fmt, ap);
	va_end(ap);
	return 1;
}

/* A seal's time for people: "2026-12-07 11:20:33 UTC". */
static const char *
verify_when(long long ms, char *buf, size_t len)
{
	time_t		 t = (time_t)(ms / 1000);
	struct tm	 tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm);
	return buf;
}

/*
 * The next line of the seal file, checked. Returns 1 with *s, 0 at end
 * of file, -1 with *cause set, or VERIFY_BAD_SEAL when the line is no
 * good seal of this recording (the verdict is then ALTERED).
 */
static int
verify_read_seal(struct verify *v, struct seal *s, char **cause)
{
	const unsigned char	*p;
	char			 line[SEAL_LINE_MAX + 1], *why = NULL;
	size_t			 n, len = 0;
	int			 eol = 0, got, any = 0;

	while (!eol) {
		if ((got = verify_read_piece(v->seals, &p, &n, &eol,
		    cause)) == -1)
			return -1;
		if (got == 0)
			break;
		any = 1;
		if (n > SEAL_LINE_MAX - len) {
			verify_altered(v, "seal %llu is too long",
			    v->seal_line + 1);
			return VERIFY_BAD_SEAL;
		}
		memcpy(line + len, p, n);
		len += n;
	}
	if (!any)
		return 0;
	v->seal_line++;
	if (!eol || seal_check(v->key, line, len, s, &why) != 0) {
		verify_altered(v, "seal %llu: %s", v->seal_line,
		    why != NULL ? why : "cut short");
		free(why);
		return VERIFY_BAD_SEAL;
	}
	/* Copies may be renamed; every seal must name the same one. */
	if (v->seal_line > 1 && strcmp(s->rec, v->open.rec) != 0) {
		verify_altered(v, "seal %llu is for another recording ('%s')",
		    v->seal_line, s->rec);
		return VERIFY_BAD_SEAL;
	}
	return 1;
}

/* The first seal: the recording's opening, and its chain key. */
static int
verify_open(struct verify *v, char **cause)
{
	int	 got;

	if ((got = verify_read_seal(v, &v->open, cause)) == VERIFY_BAD_SEAL)
		return 1;
	if (got == 0)
		return verify_altered(v, "its seal file is empty");
	if (got == -1)
		return -1;
	if (v->open.kind != SEAL_OPEN)
		return verify_altered(v, "its first seal is not its opening");
	if ((v->mac = chain_mac_new(v->open.chain_key, CHAIN_KEY_LEN,
	    cause)) == NULL)
		return -1;
	return 0;
}

/* The next seal after the opening: later, never another opening. */
static int
verify_next_seal(struct verify *v, char **cause)
{
	unsigned long long	 after = v->have_next ? v->next.n : 1;
	int			 got;

	v->have_next = 0;
	if ((got = verify_read_seal(v, &v->next, cause)) != 1)
		return got == VERIFY_BAD_SEAL ? 1 : got;
	if (v->next.kind == SEAL_OPEN || v->next.n < after)
		return verify_altered(v, "seal %llu is out of order",
		    v->seal_line);
	v->have_next = 1;
	return 0;
}

/*
 * Line v->lineno has digest v->prev: every seal made at it must say
 * so. Returns 0, 1 (altered) or -1.
 */
static int
verify_seals_at(struct verify *v, char **cause)
{
	char	 when[64];
	int	 got;

	while (v->have_next && v->next.n == v->lineno) {
		if (!chain_digest_equal(v->prev, v->next.head))
			return verify_altered(v, "lines 1 to %llu do not match "
			    "the seal made at %s (the recording and its chain "
			    "were rewritten)", v->lineno, verify_when(
			    v->next.t, when, sizeof when));
		v->res->sealed = v->lineno;
		v->res->sealed_at = v->next.t;
		if (v->next.kind == SEAL_END || v->next.kind == SEAL_GONE) {
			v->last = v->next;
			v->have_last = 1;
			v->have_next = 0;
			got = verify_read_seal(v, &v->next, cause);
			if (got == 1)
				return verify_altered(v, "seals follow the "
				    "recording's %s", seal_kind_name(
				    v->last.kind));
			return got == VERIFY_BAD_SEAL ? 1 : got;
		}
		if ((got = verify_next_seal(v, cause)) != 0)
			return got;
	}
	return 0;
}

/* Every .cast line, against its chain entry and the seals made at it. */
static int
verify_lines(struct verify *v, char **cause)
{
	unsigned char	 digest[CHAIN_DIGEST_LEN];
	int		 got, rc, terminated = 0;

	memset(v->prev, 0, sizeof v->prev);
	for (;;) {
		got = verify_read_cast_line(v->cast, v->mac, v->prev, digest,
		    &terminated, cause);
		if (got <= 0)
			return got;
		v->lineno++;
		if ((rc = verify_line(v->chain, v->lineno, digest, terminated,
		    cause)) != 0) {
			if (rc == 1) {
				v->res->verdict = VERIFY_ALTERED;
				v->res->why = *cause;
				*cause = NULL;
			}
			return rc;
		}
		memcpy(v->prev, digest, sizeof v->prev);
		if ((rc = verify_seals_at(v, cause)) != 0)
			return rc;
	}
}

/* Is process pid, started at start, still there? */
static int
verify_alive(long pid, unsigned long long start)
{
	unsigned long long	 now;

	return pid > 0 && util_proc_start(pid, &now) == 0 && now == start;
}

/* Are the process writing the recording and the one sealing it at it? */
static int
verify_writer_alive(const struct seal *open)
{
	return verify_alive(open->pid, open->start) &&
	    verify_alive(open->gw_pid, open->gw_start);
}

/* Why a recording has no sealed end. */
static const char *
verify_end_why(const struct verify *v)
{
	if (v->have_last && v->last.kind == SEAL_GONE)
		return v->last.why;
	return "the gateway stopped before the session ended";
}

/* What the recording's end, or the lack of one, says. */
static void
verify_verdict(struct verify *v, int complete)
{
	struct verify_result	*res = v->res;
	char			 when[64];

	verify_when(res->sealed_at, when, sizeof when);
	if (v->have_last && v->last.kind == SEAL_END) {
		if (complete)
			res->verdict = VERIFY_INTACT;
		else
			verify_altered(v, "its end was sealed at %s but its "
			    "chain has no end line (removed?)", when);
		return;
	}
	if (!v->have_last && verify_writer_alive(&v->open)) {
		res->verdict = VERIFY_LIVE;
		return;
	}
	res->verdict = VERIFY_CUT;
	if (res->sealed == 0)
		xasprintf(&res->why, "%s; nothing after its opening was sealed",
		    verify_end_why(v));
	else
		xasprintf(&res->why, "%s; the last sealed line is %llu, sealed "
		    "at %s%s", verify_end_why(v), res->sealed, when,
		    res->lines > res->sealed ? ", and lines after it are not "
		    "vouched for" : "");
}

/* After the last .cast line: no seal may be left, the chain must end. */
static int
verify_end(struct verify *v, char **cause)
{
	char	 when[64];
	int	 complete = 0, rc;

	v->res->lines = v->lineno;
	if (v->lineno == 0)
		return verify_altered(v, "the recording is empty");
	if (v->have_next)
		return verify_altered(v, "line %llu was sealed at %s but is "
		    "missing (lines removed?)", v->next.n,
		    verify_when(v->next.t, when, sizeof when));
	if (v->have_last && v->last.kind == SEAL_END &&
	    v->lineno != v->last.n)
		return verify_altered(v, "the recording ended at line %llu "
		    "but goes on to line %llu (lines appended?)", v->last.n,
		    v->lineno);
	rc = verify_tail(v->chain, v->mac, v->prev, v->lineno, &complete,
	    cause);
	if (rc == 1) {
		v->res->verdict = VERIFY_ALTERED;
		v->res->why = *cause;
		*cause = NULL;
	}
	if (rc != 0)
		return rc;
	verify_verdict(v, complete);
	snprintf(v->res->name, sizeof v->res->name, "%s", v->open.rec);
	snprintf(v->res->exercise, sizeof v->res->exercise, "%s",
	    v->open.ex);
	return 0;
}

/* Open path's file with suffix; a missing one makes the verdict. */
static int
verify_open_part(struct verify *v, const char *suffix,
    struct verify_reader **rd, char **pathp, char **cause)
{
	int	 got;

	xasprintf(pathp, "%s%s", v->path, suffix);
	if ((got = verify_reader_open(*pathp, rd, cause)) == 1)
		return verify_altered(v, "no %s file", *suffix == '.' ?
		    suffix + 1 : suffix);
	return got;
}

int
verify_recording(const char *path, struct seal_key *k,
    struct verify_result *res, char **cause)
{
	struct verify	 v;
	char		*chain = NULL, *seals = NULL;
	int		 rc = -1, got;

	memset(res, 0, sizeof *res);
	memset(&v, 0, sizeof v);
	v.path = path;
	v.key = k;
	v.res = res;
	if ((got = verify_reader_open(path, &v.cast, cause)) != 0) {
		if (got == 1)
			xasprintf(cause, "cannot open '%s': %s", path,
			    strerror(ENOENT));
		goto out;
	}
	if ((got = verify_open_part(&v, SEAL_SUFFIX, &v.seals, &seals,
	    cause)) != 0 || (got = verify_open_part(&v, CHAIN_SUFFIX,
	    &v.chain, &chain, cause)) != 0 ||
	    (got = verify_open(&v, cause)) != 0 ||
	    (got = verify_next_seal(&v, cause)) != 0 ||
	    (got = verify_lines(&v, cause)) != 0 ||
	    (got = verify_end(&v, cause)) != 0) {
		rc = got == 1 ? 0 : -1;
		goto out;
	}
	rc = 0;
out:
	verify_reader_free(v.seals);
	verify_reader_free(v.chain);
	verify_reader_free(v.cast);
	chain_mac_free(v.mac);
	free(chain);
	free(seals);
	if (rc != 0) {
		free(res->why);
		res->why = NULL;
	}
	return rc;
}
