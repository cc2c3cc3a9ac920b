/*
 * test_record.c - recordings: the asciicast they make (read back with
 * cast.h's reader, and held to the exact form the writer promises), the
 * chain and the seals beside them (made here as the gateway makes them,
 * with a key made for the test) and what verify_recording makes of every
 * way to tamper with any of the three, what a crash or kill -9 leaves,
 * and what asciinema makes of them.
 */
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include "cast.h"
#include "chain.h"
#include "file-fixture.h"
#include "gw-proto.h"
#include "record.h"
#include "seal.h"
#include "util.h"
#include "verify.h"

static char		 dir[] = "/tmp/test_record.XXXXXX";
static const unsigned char key[] = "0123456789abcdef0123456789abcdef";
#define KEYLEN		(sizeof key - 1)
#define FFFD		"\xef\xbf\xbd"

static const struct record_header hdr = {
	80, 24, 1700000000, "xterm-256color", "/bin/bash",
	"exercise web-down-7f3a: candidate ada"
};

/* A fresh path in the test directory. */
static char *
new_path(const char *name)
{
	static int	 n;
	char		*p;

	xasprintf(&p, "%s/%02d-%s.cast", dir, n++, name);
	return p;
}

/* path.chain, path.seal: the files beside a recording. */
static char *
beside(const char *path, const char *suffix)
{
	char	*p;

	xasprintf(&p, "%s%s", path, suffix);
	return p;
}
#define chain_of(path)	beside((path), CHAIN_SUFFIX)
#define seals_of(path)	beside((path), SEAL_SUFFIX)

static void
spew(const char *path, const char *buf, size_t len)
{
	int	 fd;

	assert_int_not_equal(fd = open(path, O_WRONLY | O_CREAT | O_TRUNC,
	    0640), -1);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	close(fd);
}

struct lines {
	char	**v;
	size_t	  n;
};

/* The file's lines without their newlines; every line must end in one. */
static void
lines_read(struct lines *l, const char *path)
{
	char	*buf, *p, *nl;
	size_t	 len;

	buf = fixture_slurp(path, &len);
	l->v = NULL;
	l->n = 0;
	for (p = buf; p < buf + len; p = nl + 1) {
		assert_non_null(nl = memchr(p, '\n', (size_t)(buf + len - p)));
		l->v = xreallocarray(l->v, l->n + 1, sizeof *l->v);
		l->v[l->n++] = xstrndup(p, (size_t)(nl - p));
	}
	free(buf);
}

static void
lines_write(const struct lines *l, const char *path)
{
	FILE	*fp;
	size_t	 i;

	assert_non_null(fp = fopen(path, "w"));
	for (i = 0; i < l->n; i++)
		fprintf(fp, "%s\n", l->v[i]);
	assert_int_equal(fclose(fp), 0);
}

static void
lines_free(struct lines *l)
{
	size_t	 i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

/* Drop line i of path (from the end if negative). */
static void
lines_drop(const char *path, int i)
{
	struct lines	 l;
	size_t		 k;

	lines_read(&l, path);
	k = i < 0 ? l.n - (size_t)-i : (size_t)i;
	assert_true(k < l.n);
	free(l.v[k]);
	memmove(&l.v[k], &l.v[k + 1], (l.n - k - 1) * sizeof *l.v);
	l.n--;
	lines_write(&l, path);
	lines_free(&l);
}

static void
lines_append(const char *path, const char *line)
{
	struct lines	 l;

	lines_read(&l, path);
	l.v = xreallocarray(l.v, l.n + 1, sizeof *l.v);
	l.v[l.n++] = xstrdup(line);
	lines_write(&l, path);
	lines_free(&l);
}

/*
 * An event line's time: "[seconds.micros, " with exactly six decimals,
 * as written (cast.h reads any JSON number).
 */
static void
assert_six_decimals(const char *line, unsigned long lineno)
{
	const char	*p = line + 1;

	if (line[0] != '[')
		fail_msg("line %lu is not an event: %s", lineno, line);
	p += strspn(p, "0123456789");
	if (p == line + 1 || *p != '.' || strspn(p + 1, "0123456789") != 6 ||
	    p[7] != ',')
		fail_msg("line %lu: not seconds with six decimals: %s", lineno,
		    line);
}

/*
 * path read with cast.h's reader (cast_free it), held to what the writer
 * promises: a header on line 1, then one event a line of a known code,
 * no blank lines, every line whole, times never going back, each with
 * six decimals.
 */
static struct cast *
load_cast(const char *path)
{
	struct cast	*c;
	struct lines	 l;
	char		*cause = NULL;
	size_t		 i;

	if ((c = cast_load(path, &cause)) == NULL)
		fail_msg("cast_load: %s", cause);
	assert_false(c->truncated);
	assert_int_equal(c->skipped, 0);
	assert_false(c->backwards);
	lines_read(&l, path);
	assert_int_equal(l.n, c->nevents + 1);
	for (i = 0; i < c->nevents; i++) {
		assert_int_equal(c->events[i].line, i + 2);
		assert_six_decimals(l.v[i + 1], c->events[i].line);
	}
	lines_free(&l);
	return c;
}

static void
assert_event(const struct cast *c, size_t i, enum cast_code code,
    const char *data, size_t len)
{
	assert_true(i < c->nevents);
	assert_int_equal(c->events[i].code, code);
	assert_int_equal(c->events[i].len, len);
	assert_memory_equal(c->events[i].data, data, len);
}
#define EVENT(c, i, code, s) assert_event((c), (i), (code), (s), sizeof (s) - 1)

/*
 * Seals, made here as the gateway's listener makes them (gw-monitor.c):
 * an open seal naming the writer and the chain's key, a head whenever
 * what is on disk grew (record_synced), the end (record_finish), or a
 * gone seal when the writer died without one.
 */
struct sealer {
	int			 fd;		/* PATH.seal */
	char			 rec[SEAL_NAME_MAX + 1];
	unsigned long long	 n;		/* the last head sealed */
	unsigned char		 head[CHAIN_DIGEST_LEN];
	int			 ended;
};

/* Who writes a recording: a pid and its start time, as an open seal says. */
struct writer {
	long			 pid;
	unsigned long long	 start;
};

static struct seal_key	*seal_key, *seal_pub;	/* the gateway's pair */
static struct seal_key	*other_key, *other_pub;	/* another gateway's */
static struct writer	 self;		/* this process: alive */
static struct writer	 dead;		/* a child that was reaped */

static void
new_chain_key(unsigned char *ckey)
{
	assert_int_equal(getrandom(ckey, CHAIN_KEY_LEN, 0), CHAIN_KEY_LEN);
}

/* s signed with k, as one line: no newline in *line, which is freed. */
static char *
sign_line(struct seal_key *k, struct seal *s, const char *rec)
{
	struct timespec	 ts;
	char		*line, *cause = NULL;

	snprintf(s->rec, sizeof s->rec, "%s", rec);
	clock_gettime(CLOCK_REALTIME, &ts);
	s->t = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	if ((line = seal_sign(k, s, &cause)) == NULL)
		fail_msg("seal_sign: %s", cause);
	line[strlen(line) - 1] = '\0';
	return line;
}

static void
sealer_write(struct sealer *sl, struct seal *s)
{
	char	*line = sign_line(seal_key, s, sl->rec);

	assert_int_equal(util_write_all(sl->fd, line, strlen(line)), 0);
	assert_int_equal(util_write_all(sl->fd, "\n", 1), 0);
	free(line);
}

/* PATH.seal made, and the recording's opening sealed. */
static void
sealer_open(struct sealer *sl, const char *path, const unsigned char *ckey,
    const struct writer *w)
{
	const char	*slash = strrchr(path, '/');
	struct seal	 s;
	char		*p = seals_of(path);

	memset(sl, 0, sizeof *sl);
	sl->fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC,
	    0640);
	assert_int_not_equal(sl->fd, -1);
	free(p);
	snprintf(sl->rec, sizeof sl->rec, "%s", slash ? slash + 1 : path);
	memset(&s, 0, sizeof s);
	s.kind = SEAL_OPEN;
	snprintf(s.ex, sizeof s.ex, "web-down-7f3a");
	memcpy(s.chain_key, ckey, CHAIN_KEY_LEN);
	s.pid = w->pid;
	s.start = w->start;
	/* This process seals, as the gateway's listener would. */
	s.gw_pid = (long)getpid();
	assert_int_equal(util_proc_start(s.gw_pid, &s.gw_start), 0);
	sealer_write(sl, &s);
}

/* A head, when there is more than last time, or the end. */
static void
sealer_head(struct sealer *sl, unsigned long long n,
    const unsigned char *head, int end)
{
	struct seal	 s;

	if (sl->ended || n < sl->n || (!end && n == sl->n))
		return;
	memset(&s, 0, sizeof s);
	s.kind = end ? SEAL_END : SEAL_HEAD;
	s.n = n;
	memcpy(s.head, head, CHAIN_DIGEST_LEN);
	sealer_write(sl, &s);
	sl->n = n;
	memcpy(sl->head, head, CHAIN_DIGEST_LEN);
	sl->ended = end;
}

static void
sealer_gone(struct sealer *sl, const char *why)
{
	struct seal	 s;

	memset(&s, 0, sizeof s);
	s.kind = SEAL_GONE;
	s.n = sl->n;
	memcpy(s.head, sl->head, CHAIN_DIGEST_LEN);
	snprintf(s.why, sizeof s.why, "%s", why);
	sealer_write(sl, &s);
}

static void
sealer_close(struct sealer *sl)
{
	assert_int_equal(close(sl->fd), 0);
	sl->fd = -1;
}

/* The recording this process writes (one at a time), and its seals. */
static struct {
	struct record	*r;
	struct sealer	 sl;
} cur;

/* What the gateway does about once a second: seal what is on disk. */
static void
seal_synced(struct record *r)
{
	unsigned char		 head[CHAIN_DIGEST_LEN];
	unsigned long long	 n;

	assert_ptr_equal(r, cur.r);
	n = record_synced(r, head);
	sealer_head(&cur.sl, n, head, 0);
}

static struct record *
open_as(const char *path, const struct record_header *h,
    const struct writer *w)
{
	unsigned char	 ckey[CHAIN_KEY_LEN];
	char		*cause = NULL;

	assert_null(cur.r);
	new_chain_key(ckey);
	if ((cur.r = record_open(path, h, ckey, CHAIN_KEY_LEN, &cause)) ==
	    NULL)
		fail_msg("record_open: %s", cause);
	sealer_open(&cur.sl, path, ckey, w);
	seal_synced(cur.r);
	return cur.r;
}

/* A recording by a writer that is gone by the time it is verified. */
static struct record *
open_ok(const char *path)
{
	return open_as(path, &hdr, &dead);
}

static void
close_ok(struct record *r)
{
	unsigned char	 head[CHAIN_DIGEST_LEN];
	uint64_t	 n;
	char		*cause = NULL;

	assert_ptr_equal(r, cur.r);
	cur.r = NULL;
	if (record_finish(r, &n, head, &cause) != 0)
		fail_msg("record_finish: %s", cause);
	sealer_head(&cur.sl, n, head, 1);
	sealer_close(&cur.sl);
}

/* Close r without sealing its end: what a writer that died leaves. */
static void
close_unsealed(struct record *r)
{
	char	*cause = NULL;

	assert_ptr_equal(r, cur.r);
	cur.r = NULL;
	if (record_close(r, &cause) != 0)
		fail_msg("record_close: %s", cause);
	sealer_close(&cur.sl);
}

#define OUT(r, s) do {							\
	char *cause_ = NULL;						\
	if (record_output((r), (s), sizeof (s) - 1, &cause_) != 0)	\
		fail_msg("record_output: %s", cause_);			\
	seal_synced(r);							\
} while (0)
#define IN(r, s) do {							\
	char *cause_ = NULL;						\
	if (record_input((r), (s), sizeof (s) - 1, &cause_) != 0)	\
		fail_msg("record_input: %s", cause_);			\
	seal_synced(r);							\
} while (0)

/*
 * verify_recording with k: its return, *res (free res->why) and *cause,
 * held to verify.h's promises.
 */
static int
verify_with(const char *path, struct seal_key *k, struct verify_result *res,
    char **cause)
{
	int	 rc;

	*cause = NULL;
	rc = verify_recording(path, k, res, cause);
	if (rc == -1) {
		assert_non_null(*cause);
		assert_null(res->why);
		return rc;
	}
	assert_int_equal(rc, 0);
	assert_null(*cause);
	assert_true(res->verdict <= VERIFY_ALTERED);
	assert_true((res->why != NULL) == (res->verdict == VERIFY_CUT ||
	    res->verdict == VERIFY_ALTERED));
	assert_true(res->sealed <= res->lines ||
	    res->verdict == VERIFY_ALTERED);
	return rc;
}

/*
 * The verdict wanted, and why: a pattern (fnmatch: "*" for the times
 * the messages name), or NULL for none.
 */
static void
assert_verify_key(const char *path, struct seal_key *k,
    enum verify_verdict verdict, const char *why)
{
	struct verify_result	 res;
	char			*cause;

	if (verify_with(path, k, &res, &cause) != 0)
		fail_msg("verify_recording %s: %s", path, cause);
	if (res.verdict != verdict)
		fail_msg("verify_recording %s: %s (%s), wanted %s", path,
		    verify_verdict_name(res.verdict), res.why ? res.why :
		    "no why", verify_verdict_name(verdict));
	if (why == NULL ? res.why != NULL : fnmatch(why, res.why, 0) != 0)
		fail_msg("verify_recording %s: '%s', wanted '%s'", path,
		    res.why ? res.why : "no why", why ? why : "none");
	free(res.why);
}

static void
assert_verify(const char *path, enum verify_verdict verdict,
    const char *why)
{
	assert_verify_key(path, seal_pub, verdict, why);
}

/* The eight lines of make_session, sealed at 1 and 6, and the end. */
#define SESSION_LINES	8
#define SESSION_SEALS	4

/*
 * A closed recording of eight lines: the header and seven events. With
 * pause, a second goes by before line 6, so that the gateway's seals
 * are open, head 1 (the header, made durable at once), head 6 and the
 * end; without, open, head 1 and the end.
 */
static char *
make_session_in(const char *path, int pause)
{
	struct record	*r;
	char		*cause = NULL;

	r = open_ok(path);
	OUT(r, "$ ");
	IN(r, "l");
	OUT(r, "l");
	IN(r, "s\r");
	if (pause)
		usleep(RECORD_SYNC_MS * 1000 + 50000);
	OUT(r, "s\r\nweb.yaml\r\n$ ");
	assert_int_equal(record_resize(r, 100, 30, &cause), 0);
	assert_int_equal(record_marker(r, "check web-up passed", &cause), 0);
	assert_int_equal(record_lines(r), SESSION_LINES);
	close_ok(r);
	return xstrdup(path);
}

static void
test_session(void **state)
{
	struct record	*r;
	struct cast	*c;
	struct stat	 st;
	char		*path = new_path("session"), *cause = NULL;
	mode_t		 mask;
	long long	 t0, t1;

	(void)state;
	mask = umask(022);
	t0 = util_now_ms();
	r = open_ok(path);
	umask(mask);
	OUT(r, "\x1b[1;32mok\x1b[0m \"quoted\" back\\slash\ttab\x07");
	IN(r, "ls -l\r");
	assert_int_equal(record_resize(r, 132, 43, &cause), 0);
	OUT(r, "nul\0byte");
	assert_int_equal(record_marker(r, "check web-up passed", &cause), 0);
	assert_int_equal(record_marker(r, NULL, &cause), 0);
	assert_int_equal(record_output(r, NULL, 0, &cause), 0);
	usleep(20000);
	OUT(r, "later");
	t1 = util_now_ms();
	assert_int_equal(record_sync(r, &cause), 0);
	assert_int_equal(record_lines(r), 8);
	close_ok(r);

	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);

	c = load_cast(path);
	assert_int_equal(c->header.width, 80);
	assert_int_equal(c->header.height, 24);
	assert_int_equal(c->header.timestamp, 1700000000);
	assert_string_equal(c->header.term, "xterm-256color");
	assert_string_equal(c->header.shell, "/bin/bash");
	assert_string_equal(c->header.title,
	    "exercise web-down-7f3a: candidate ada");
	assert_int_equal(c->nevents, 7);
	EVENT(c, 0, CAST_OUTPUT,
	    "\x1b[1;32mok\x1b[0m \"quoted\" back\\slash\ttab\x07");
	EVENT(c, 1, CAST_INPUT, "ls -l\r");
	EVENT(c, 2, CAST_RESIZE, "132x43");
	EVENT(c, 3, CAST_OUTPUT, "nul\0byte");
	EVENT(c, 4, CAST_MARKER, "check web-up passed");
	EVENT(c, 5, CAST_MARKER, "");
	EVENT(c, 6, CAST_OUTPUT, "later");
	/* Seconds since the start: the pause in, no more than went by. */
	assert_true(c->events[6].time - c->events[0].time >= 0.019);
	assert_true(c->events[6].time <= (t1 - t0 + 1) / 1000.0 + 1e-6);
	cast_free(c);
	assert_verify(path, VERIFY_INTACT, NULL);
	free(path);
}

/* Every ASCII byte and two more, escaped exactly as asciinema escapes. */
static void
test_escaping(void **state)
{
	static const char	 want[] = "\""
	    "\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007"
	    "\\b\\t\\n\\u000b\\f\\r\\u000e\\u000f"
	    "\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017"
	    "\\u0018\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f"
	    " !\\\"#$%&'()*+,-./0123456789:;<=>?"
	    "@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\\\]^_"
	    "`abcdefghijklmnopqrstuvwxyz{|}~\x7f"
	    "\xe2\x80\xa8" "\xc3\xa9"	/* U+2028 and e-acute, as they are */
	    "\"";
	struct record		*r;
	struct lines		 l;
	struct cast		*c;
	char			 all[128 + 5], *path = new_path("escaping");
	char			*line, *cause = NULL;
	size_t			 i;

	(void)state;
	for (i = 0; i < 128; i++)
		all[i] = (char)i;
	memcpy(all + 128, "\xe2\x80\xa8\xc3\xa9", 5);
	r = open_ok(path);
	assert_int_equal(record_output(r, all, sizeof all, &cause), 0);
	close_ok(r);
	lines_read(&l, path);
	assert_int_equal(l.n, 2);
	assert_non_null(line = strstr(l.v[1], ", \"o\", "));
	line += 7;
	assert_int_equal(strlen(line), sizeof want - 1 + 1);
	assert_memory_equal(line, want, sizeof want - 1);
	assert_string_equal(line + sizeof want - 1, "]");
	lines_free(&l);
	c = load_cast(path);
	assert_event(c, 0, CAST_OUTPUT, all, sizeof all);
	cast_free(c);
	free(path);
}

/* The header is made of hostile strings too; NULL ones are left out. */
static void
test_header_hostile(void **state)
{
	struct record_header	 h = { 80, 24, 0, NULL, NULL,
	    "exercise x: candidate \"\xff\n\x1b[2J" };
	struct record		*r;
	struct cast		*c;
	struct lines		 l;
	char			*path = new_path("header");
	time_t			 now = time(NULL);

	(void)state;
	r = open_as(path, &h, &dead);
	close_ok(r);
	c = load_cast(path);
	assert_string_equal(c->header.title,
	    "exercise x: candidate \"" FFFD "\n\x1b[2J");
	assert_null(c->header.term);
	assert_null(c->header.shell);
	assert_true(c->header.timestamp >= now);
	assert_int_equal(c->nevents, 0);
	cast_free(c);
	/* Not just without TERM and SHELL: an env with nothing in it. */
	lines_read(&l, path);
	assert_non_null(strstr(l.v[0], "\"env\": {}"));
	lines_free(&l);
	free(path);
}

/* Bytes written to one stream or the other, or an event wanted. */
struct chunk {
	enum cast_code	 code;		/* CAST_OUTPUT or CAST_INPUT */
	const char	*s;		/* NULL: the end of the list */
	size_t		 len;
};
#define O_(s)	{ CAST_OUTPUT, (s), sizeof (s) - 1 }
#define I_(s)	{ CAST_INPUT, (s), sizeof (s) - 1 }

/* Chunks written one call each, and the events they must make. */
struct stream_case {
	const char	*name;
	struct chunk	 write[10];
	struct chunk	 want[9];
};

static const struct stream_case stream_cases[] = {
	/* Calls that leave no whole character write nothing. */
	{ "split", {
		O_("caf\xc3"),			/* é split 1 + 1 */
		O_("\xa9!"),
		O_("\xf0"),			/* 😀 split 1 + 2 + 1 */
		O_("\x9f\x98"),
		O_("\x80"),
		O_("\xe2\x82"),			/* € split 2 + 1 */
		O_("\xac."),
	}, {
		O_("caf"),
		O_("\xc3\xa9!"),
		O_("\xf0\x9f\x98\x80"),
		O_("\xe2\x82\xac."),
	} },
	/* What Python's (and so asciinema's) decoder makes of these bytes. */
	{ "invalid", {
		O_("a\xff" "b"),
		O_("\xe2\x82" "A"),		/* truncated, then ASCII */
		O_("\xed\xa0\x80"),		/* a surrogate */
		O_("\xc0\xaf"),			/* overlong */
		O_("\xf4\x90\x80\x80"),		/* past U+10FFFF */
		O_("\xe0\x80"),
		O_("a\x80" "b\xf5"),
		O_("\xc3"),			/* held back ... */
		O_("x"),			/* ... and then not continued */
	}, {
		O_("a" FFFD "b"),
		O_(FFFD "A"),
		O_(FFFD FFFD FFFD),
		O_(FFFD FFFD),
		O_(FFFD FFFD FFFD FFFD),
		O_(FFFD FFFD),
		O_("a" FFFD "b" FFFD),
		O_(FFFD "x"),
	} },
	/* Output and input each carry their own partial sequence. */
	{ "carries", {
		O_("\xc3"),
		I_("\xe2\x82"),
		O_("\xa9"),
		I_("\xac"),
		O_("x\xe2"),
		I_("y"),
		O_("\x82\xac"),
	}, {
		O_("\xc3\xa9"),
		I_("\xe2\x82\xac"),
		O_("x"),
		I_("y"),
		O_("\xe2\x82\xac"),
	} },
	/* A sequence still open at close is one U+FFFD, in each stream. */
	{ "flush", {
		O_("ab\xf0\x9f"),
		I_("\xc3"),
	}, {
		O_("ab"),
		O_(FFFD),
		I_(FFFD),
	} },
};

static void
write_chunk(struct record *r, const struct chunk *ch)
{
	char	*cause = NULL;
	int	 rc;

	if (ch->code == CAST_OUTPUT)
		rc = record_output(r, ch->s, ch->len, &cause);
	else
		rc = record_input(r, ch->s, ch->len, &cause);
	if (rc != 0)
		fail_msg("writing '%s': %s", ch->s, cause);
}

static void
run_stream_case(const struct stream_case *sc)
{
	const struct chunk	*ch;
	struct record		*r;
	struct cast		*c;
	char			*path = new_path(sc->name);
	size_t			 n = 0;

	r = open_ok(path);
	for (ch = sc->write; ch->s != NULL; ch++)
		write_chunk(r, ch);
	close_ok(r);
	c = load_cast(path);
	for (ch = sc->want; ch->s != NULL; ch++, n++) {
		if (n >= c->nevents)
			fail_msg("%s: %zu events, wanted more", sc->name,
			    c->nevents);
		if (c->events[n].code != ch->code ||
		    c->events[n].len != ch->len ||
		    memcmp(c->events[n].data, ch->s, ch->len) != 0)
			print_error("%s: event %zu is not the one wanted\n",
			    sc->name, n);
		assert_event(c, n, ch->code, ch->s, ch->len);
	}
	if (c->nevents != n)
		fail_msg("%s: %zu events, wanted %zu", sc->name, c->nevents,
		    n);
	cast_free(c);
	assert_verify(path, VERIFY_INTACT, NULL);
	free(path);
}

static void
test_streams(void **state)
{
	size_t	 i;

	(void)state;
	for (i = 0; i < nitems(stream_cases); i++)
		run_stream_case(&stream_cases[i]);
}

static void
test_open_errors(void **state)
{
	struct record	*r;
	char		*path = new_path("errors"), *chain = chain_of(path);
	char		*cause = NULL, *missing;

	(void)state;
	/* An existing recording is never overwritten. */
	spew(path, "x", 1);
	assert_null(record_open(path, &hdr, key, KEYLEN, &cause));
	assert_non_null(strstr(cause, "cannot create"));
	assert_non_null(strstr(cause, "File exists"));
	free(cause);
	unlink(path);

	/* Nor its chain; and the .cast made before is taken away again. */
	spew(chain, "x", 1);
	assert_null(record_open(path, &hdr, key, KEYLEN, &cause));
	assert_non_null(strstr(cause, chain));
	free(cause);
	assert_int_equal(access(path, F_OK), -1);
	unlink(chain);

	assert_null(record_open(path, &hdr, key, 0, &cause));
	assert_string_equal(cause, "no key for the recording's chain");
	free(cause);
	assert_int_equal(access(path, F_OK), -1);

	xasprintf(&missing, "%s/no/such/dir.cast", dir);
	assert_null(record_open(missing, &hdr, key, KEYLEN, &cause));
	assert_non_null(strstr(cause, "No such file or directory"));
	free(cause);
	free(missing);

	r = open_ok(path);
	close_ok(r);
	assert_int_equal(record_close(NULL, &cause), 0);
	free(chain);
	free(path);
}

/*
 * Ways to tamper with a file of a closed session (make_session_in: eight
 * .cast lines, nine chain lines with the end line, four seals).
 */
typedef void tamper_fn(const char *path);

/* Change the byte at what + off. */
static void
edit_byte(const char *path, const char *what, size_t off, char c)
{
	char	*buf, *p;
	size_t	 len;

	buf = fixture_slurp(path, &len);
	assert_non_null(p = strstr(buf, what));
	p[off] = c;
	spew(path, buf, len);
	free(buf);
}

/* "ls" typed becomes "ks", in line 3. */
static void
edit_typed(const char *path)
{
	edit_byte(path, "\"i\", \"l\"", 7, 'k');
}

static void
edit_candidate(const char *path)
{
	edit_byte(path, "candidate ada", 10, 'b');
}

/* The end line carries a MAC: its count cannot be changed. */
static void
edit_end_count(const char *path)
{
	struct lines	 l;

	lines_read(&l, path);
	assert_int_equal(strncmp(l.v[8], "end 8 ", 6), 0);
	assert_int_equal(strlen(l.v[8]), 6 + 64);
	lines_free(&l);
	edit_byte(path, "end 8 ", 4, '7');
}

static void
drop_fifth(const char *path)
{
	lines_drop(path, 4);
}

static void
drop_last(const char *path)
{
	lines_drop(path, -1);
}

static void
drop_before_last(const char *path)
{
	lines_drop(path, -2);
}

static void
swap_fourth_fifth(const char *path)
{
	struct lines	 l;
	char		*t;

	lines_read(&l, path);
	t = l.v[3];
	l.v[3] = l.v[4];
	l.v[4] = t;
	lines_write(&l, path);
	lines_free(&l);
}

static void
append_event(const char *path)
{
	lines_append(path, "[9.000000, \"o\", \"rm -rf /\"]");
}

static void
append_first(const char *path)
{
	struct lines	 l;
	char		*first;

	lines_read(&l, path);
	first = xstrdup(l.v[0]);
	lines_free(&l);
	lines_append(path, first);
	free(first);
}

static void
keep_three(const char *path)
{
	struct lines	 l;

	lines_read(&l, path);
	while (l.n > 3)
		free(l.v[--l.n]);
	lines_write(&l, path);
	lines_free(&l);
}

static void
cut_bytes(const char *path, size_t n)
{
	char	*buf;
	size_t	 len;

	buf = fixture_slurp(path, &len);
	spew(path, buf, len - n);
	free(buf);
}

/* A final line without its newline is not one the writer wrote. */
static void
cut_newline(const char *path)
{
	cut_bytes(path, 1);
}

/* Cut inside an entry. */
static void
cut_ten(const char *path)
{
	cut_bytes(path, 10);
}

static void
empty(const char *path)
{
	spew(path, "", 0);
}

static void
remove_file(const char *path)
{
	assert_int_equal(unlink(path), 0);
}

/* Lines i and j of path swapped. */
static void
lines_swap(const char *path, size_t i, size_t j)
{
	struct lines	 l;
	char		*t;

	lines_read(&l, path);
	assert_true(i < l.n && j < l.n);
	t = l.v[i];
	l.v[i] = l.v[j];
	l.v[j] = t;
	lines_write(&l, path);
	lines_free(&l);
}

static void
copy_file(const char *from, const char *to)
{
	char	*buf;
	size_t	 len;

	buf = fixture_slurp(from, &len);
	spew(to, buf, len);
	free(buf);
}

/*
 * The chain of path made again from the .cast as it is now, with the
 * key its open seal gives anyone: what a forger who edits a recording
 * does (tests/tools/rechain.py is the same in Python).
 */
static void
rechain(const char *path)
{
	unsigned char		 prev[CHAIN_DIGEST_LEN];
	struct chain_mac	*m;
	struct lines		 l, seals;
	struct seal		 open;
	char			*chain = chain_of(path), *p, *cause = NULL;
	char			 line[CHAIN_LINE_MAX];
	size_t			 i, n;
	FILE			*fp;

	lines_read(&seals, p = seals_of(path));
	free(p);
	assert_int_equal(seal_check(seal_pub, seals.v[0], strlen(seals.v[0]),
	    &open, &cause), 0);
	lines_free(&seals);
	assert_non_null(m = chain_mac_new(open.chain_key, CHAIN_KEY_LEN,
	    &cause));
	assert_non_null(fp = fopen(chain, "w"));
	lines_read(&l, path);
	memset(prev, 0, sizeof prev);
	for (i = 0; i < l.n; i++) {
		assert_int_equal(chain_mac_line(m, prev, l.v[i],
		    strlen(l.v[i]), prev, &cause), 0);
		n = chain_entry(prev, line);
		assert_int_equal(fwrite(line, 1, n, fp), n);
	}
	assert_int_equal(chain_end(m, prev, l.n, line, &n, &cause), 0);
	assert_int_equal(fwrite(line, 1, n, fp), n);
	assert_int_equal(fclose(fp), 0);
	lines_free(&l);
	chain_mac_free(m);
	free(chain);
}

/* The recordings the tampering starts from (made once, then copied). */
#define REC_NAME	"20261207-112033-4242.cast"
enum template {
	T_MAIN,		/* make_session, sealed at 1, 6 and the end */
	T_OTHER,	/* another recording */
	T_SAME,		/* another recording of the same name */
	T_COUNT,
};

static char	*templates[T_COUNT];

static const char *
template(enum template which)
{
	static const char *const names[] = {
		"main/" REC_NAME, "other/20261207-112034-4243.cast",
		"same/" REC_NAME,
	};
	char	*path;

	if (templates[which] != NULL)
		return templates[which];
	xasprintf(&path, "%s/templates", dir);
	(void)mkdir(path, 0750);		/* the first makes it */
	free(path);
	xasprintf(&path, "%s/templates/%s", dir, names[which]);
	*strrchr(path, '/') = '\0';
	assert_int_equal(mkdir(path, 0750), 0);
	path[strlen(path)] = '/';
	templates[which] = make_session_in(path, which == T_MAIN);
	free(path);
	return templates[which];
}

/* A copy of T_MAIN (its three files) in a directory of its own. */
static char *
copy_session(const char *name)
{
	const char	*from = template(T_MAIN);
	const char	*suffix[] = { "", CHAIN_SUFFIX, SEAL_SUFFIX };
	char		*path, *d, *a, *b;
	size_t		 i;

	d = new_path(name);
	d[strlen(d) - strlen(".cast")] = '\0';
	assert_int_equal(mkdir(d, 0750), 0);
	xasprintf(&path, "%s/%s", d, REC_NAME);
	for (i = 0; i < nitems(suffix); i++) {
		a = beside(from, suffix[i]);
		b = beside(path, suffix[i]);
		copy_file(a, b);
		free(a);
		free(b);
	}
	free(d);
	return path;
}

/* Another recording's file beside path instead of its own. */
static void
take_from(const char *path, enum template which, const char *suffix)
{
	char	*from;

	assert_non_null(suffix = strstr(path, suffix));
	xasprintf(&from, "%s%s", template(which), suffix);
	copy_file(from, path);
	free(from);
}

static void
other_chain(const char *path)
{
	take_from(path, T_SAME, CHAIN_SUFFIX);
}

static void
other_seals(const char *path)
{
	take_from(path, T_OTHER, SEAL_SUFFIX);
}

static void
same_name_seals(const char *path)
{
	take_from(path, T_SAME, SEAL_SUFFIX);
}

/* The end seal replaced with one signed with another gateway's key. */
static void
forge_end(const char *path)
{
	struct seal	 s;
	char		*line;

	lines_drop(path, -1);
	memset(&s, 0, sizeof s);
	s.kind = SEAL_END;
	s.n = SESSION_LINES;
	line = sign_line(other_key, &s, REC_NAME);
	lines_append(path, line);
	free(line);
}

static void
swap_first_second(const char *path)
{
	lines_swap(path, 0, 1);
}

static void
swap_second_third(const char *path)
{
	lines_swap(path, 1, 2);
}

/* The open seal again, as the second. */
static void
open_twice(const char *path)
{
	struct lines	 l;

	lines_read(&l, path);
	l.v = xreallocarray(l.v, l.n + 1, sizeof *l.v);
	memmove(&l.v[2], &l.v[1], (l.n - 1) * sizeof *l.v);
	l.v[1] = xstrdup(l.v[0]);
	l.n++;
	lines_write(&l, path);
	lines_free(&l);
}

static void
append_long(const char *path)
{
	char	 line[SEAL_LINE_MAX + 2];

	memset(line, ' ', sizeof line - 1);
	line[sizeof line - 1] = '\0';
	lines_append(path, line);
}

enum which_file { F_CAST, F_CHAIN, F_SEALS };

struct edit {
	enum which_file	 file;
	tamper_fn	*fn;		/* NULL: the end of the list */
};
#define CAST(fn)	{ F_CAST, fn }
#define CHAIN(fn)	{ F_CHAIN, fn }
#define SEALS(fn)	{ F_SEALS, fn }
#define NO_EDIT		{ { F_CAST, NULL } }

struct tamper {
	const char		*name;
	struct edit		 edit[6];	/* in order */
	enum verify_verdict	 verdict;
	const char		*why;		/* a pattern; NULL: none */
	int			 wrong_key;	/* verify with another key */
};

#define GATEWAY_STOPPED	"the gateway stopped before the session ended; " \
			"the last sealed line is "
#define NOT_VOUCHED	"and lines after it are not vouched for"
#define LINE8_MISSING	"line 8 was sealed at * UTC but is missing " \
			"(lines removed?)"

static const struct tamper tampers[] = {
	{ "intact", NO_EDIT, VERIFY_INTACT, NULL, 0 },
	{ "edit", { CAST(edit_typed) }, VERIFY_ALTERED,
	    "line 3 does not match its chain entry", 0 },
	{ "edit-header", { CAST(edit_candidate) }, VERIFY_ALTERED,
	    "line 1 does not match its chain entry", 0 },
	{ "delete", { CAST(drop_fifth) }, VERIFY_ALTERED,
	    "line 5 does not match its chain entry", 0 },
	/* The end seal says how many lines there were. */
	{ "delete-tail", { CAST(drop_last), CAST(drop_last) }, VERIFY_ALTERED,
	    LINE8_MISSING, 0 },
	{ "swap", { CAST(swap_fourth_fifth) }, VERIFY_ALTERED,
	    "line 4 does not match its chain entry", 0 },
	{ "append", { CAST(append_event) }, VERIFY_ALTERED,
	    "line 9 has no chain entry (appended?)", 0 },
	/* Without its end (the writer gone, say), a recording cut short... */
	{ "unfinished", { CHAIN(drop_last), SEALS(drop_last) }, VERIFY_CUT,
	    GATEWAY_STOPPED "6, sealed at * UTC, " NOT_VOUCHED, 0 },
	/* ... in which an appended line is caught too. */
	{ "append-unfinished", { CHAIN(drop_last), SEALS(drop_last),
	    CAST(append_event) }, VERIFY_ALTERED,
	    "line 9 has no chain entry (appended?)", 0 },
	/* Only the chain's end line gone: the seals say it had one. */
	{ "chain-end-dropped", { CHAIN(drop_last) }, VERIFY_ALTERED,
	    "its end was sealed at * UTC but its chain has no end line "
	    "(removed?)", 0 },
	/* Cut at a line: the .cast goes on past the chain. */
	{ "chain-cut", { CHAIN(keep_three) }, VERIFY_ALTERED,
	    "line 4 has no chain entry (appended?)", 0 },
	{ "chain-cut-entry", { CHAIN(keep_three), CHAIN(cut_ten) },
	    VERIFY_ALTERED, "the chain entry for line 3 is malformed", 0 },
	{ "chain-empty", { CHAIN(empty) }, VERIFY_ALTERED,
	    "line 1 has no chain entry (appended?)", 0 },
	{ "no-chain", { CHAIN(remove_file) }, VERIFY_ALTERED,
	    "no chain file", 0 },
	/* A chain made with another key: another recording's. */
	{ "chain-of-another", { CHAIN(other_chain) }, VERIFY_ALTERED,
	    "line 1 does not match its chain entry", 0 },
	{ "end-count", { CHAIN(edit_end_count) }, VERIFY_ALTERED,
	    "the chain's end line is not authentic", 0 },
	/* Cut off a line of each, and an end line made for fewer. */
	{ "end-moved", { CHAIN(edit_end_count), CHAIN(drop_before_last),
	    CAST(drop_last) }, VERIFY_ALTERED, LINE8_MISSING, 0 },
	/* Without it, the chain alone took this for a recording cut short. */
	{ "end-moved-dropped", { CHAIN(edit_end_count),
	    CHAIN(drop_before_last), CAST(drop_last), CHAIN(drop_last) },
	    VERIFY_ALTERED, LINE8_MISSING, 0 },
	/* Anything after the end line is refused. */
	{ "after-end", { CHAIN(append_first) }, VERIFY_ALTERED,
	    "the chain goes on after its end line", 0 },
	/*
	 * The writer killed between a chain entry and its .cast line: the
	 * chain is one entry ahead, which is fine without an end, and not
	 * with two.
	 */
	{ "ahead", { CHAIN(drop_last), CAST(drop_last), SEALS(drop_last) },
	    VERIFY_CUT, GATEWAY_STOPPED "6, sealed at * UTC, " NOT_VOUCHED, 0 },
	{ "ahead-two", { CHAIN(drop_last), SEALS(drop_last), CAST(drop_last),
	    CAST(drop_last) }, VERIFY_ALTERED, "the chain lists 8 lines but "
	    "the recording has 6 (lines removed?)", 0 },
	{ "no-newline", { CAST(cut_newline) }, VERIFY_ALTERED,
	    "line 8 has no newline (cut short?)", 0 },
	/* Edited and rechained with the key the open seal gives anyone. */
	{ "rewritten", { CAST(edit_typed), CAST(rechain) }, VERIFY_ALTERED,
	    "lines 1 to 6 do not match the seal made at * UTC (the recording "
	    "and its chain were rewritten)", 0 },
	{ "rewritten-header", { CAST(edit_candidate), CAST(rechain) },
	    VERIFY_ALTERED, "lines 1 to 1 do not match the seal made at * UTC "
	    "(the recording and its chain were rewritten)", 0 },
	{ "appended-rechained", { CAST(append_event), CAST(rechain) },
	    VERIFY_ALTERED, "the recording ended at line 8 but goes on to line "
	    "9 (lines appended?)", 0 },
	/* The last lines and the end taken from both: the seals remember. */
	{ "cut-both", { CAST(drop_last), CAST(drop_last), CHAIN(drop_last),
	    CHAIN(drop_last), CHAIN(drop_last) }, VERIFY_ALTERED,
	    LINE8_MISSING, 0 },
	{ "cut-both-rechained", { CAST(drop_last), CAST(drop_last),
	    CAST(rechain) }, VERIFY_ALTERED, LINE8_MISSING, 0 },
	/* And the end seal too: then it is cut short, after the last head. */
	{ "cut-both-unsealed", { CAST(drop_last), CAST(drop_last),
	    CHAIN(drop_last), CHAIN(drop_last), CHAIN(drop_last),
	    SEALS(drop_last) }, VERIFY_CUT, GATEWAY_STOPPED "6, sealed at * "
	    "UTC", 0 },
	/* The seals. */
	{ "no-seals", { SEALS(remove_file) }, VERIFY_ALTERED,
	    "no seal file", 0 },
	{ "seals-empty", { SEALS(empty) }, VERIFY_ALTERED,
	    "its seal file is empty", 0 },
	/* Its chain key is another's: a renamed copy is fine, not this. */
	{ "seals-of-another", { SEALS(other_seals) }, VERIFY_ALTERED,
	    "line 1 does not match its chain entry",
	    0 },
	/* Its open seal gives another chain key. */
	{ "seals-same-name", { SEALS(same_name_seals) }, VERIFY_ALTERED,
	    "line 1 does not match its chain entry", 0 },
	{ "seal-forged", { SEALS(forge_end) }, VERIFY_ALTERED,
	    "seal 4: a seal whose signature does not match", 0 },
	{ "seals-reordered", { SEALS(swap_second_third) }, VERIFY_ALTERED,
	    "seal 3 is out of order", 0 },
	{ "open-not-first", { SEALS(swap_first_second) }, VERIFY_ALTERED,
	    "its first seal is not its opening", 0 },
	{ "open-twice", { SEALS(open_twice) }, VERIFY_ALTERED,
	    "seal 2 is out of order", 0 },
	{ "seal-after-end", { SEALS(append_first) }, VERIFY_ALTERED,
	    "seals follow the recording's end", 0 },
	{ "seal-cut", { SEALS(cut_ten) }, VERIFY_ALTERED,
	    "seal 4: cut short", 0 },
	{ "seal-too-long", { SEALS(append_long) }, VERIFY_ALTERED,
	    "seal 5 is too long", 0 },
	/* Checked with another gateway's public key. */
	{ "other-key", NO_EDIT, VERIFY_ALTERED,
	    "seal 1: a seal whose signature does not match", 1 },
};

static void
assert_lines(const char *path, size_t n)
{
	struct lines	 l;

	lines_read(&l, path);
	assert_int_equal(l.n, n);
	lines_free(&l);
}

static void
test_tampering(void **state)
{
	const struct tamper	*t;
	const struct edit	*e;
	char			*path, *files[3];
	size_t			 i;

	(void)state;
	for (i = 0; i < nitems(tampers); i++) {
		t = &tampers[i];
		path = copy_session(t->name);
		files[F_CAST] = path;
		files[F_CHAIN] = chain_of(path);
		files[F_SEALS] = seals_of(path);
		assert_lines(path, SESSION_LINES);
		assert_lines(files[F_CHAIN], SESSION_LINES + 1);
		assert_lines(files[F_SEALS], SESSION_SEALS);
		for (e = t->edit; e < t->edit + nitems(t->edit) &&
		    e->fn != NULL; e++)
			e->fn(files[e->file]);
		assert_verify_key(path, t->wrong_key ? other_pub : seal_pub,
		    t->verdict, t->why);
		free(files[F_SEALS]);
		free(files[F_CHAIN]);
		free(path);
	}
}

/* --- writers that die -------------------------------------------------- */

/* A connection process asks the listener to seal what is on disk. */
static void
child_seal(struct record *r, int sock, unsigned long long *sent)
{
	struct gw_msg	 m;

	gw_proto_init(&m, GW_PROTO_SEAL, NULL, NULL);
	m.n = record_synced(r, m.head);
	if (m.n == *sent)
		return;
	*sent = m.n;
	if (gw_proto_send(sock, &m, NULL, 0) != 0)
		_exit(2);
}

typedef void writer_fn(const char *path, const unsigned char *ckey,
    int sock);

/*
 * fn run in a child as the gateway runs a connection process: this
 * process seals (the listener, gw-monitor.c), the child writes and asks
 * for seals on a socket (gw-proto.h). Returns the child's pid; *sock is
 * this side's end.
 */
static pid_t
spawn_writer(const char *path, writer_fn *fn, struct sealer *sl, int *sock)
{
	unsigned char	 ckey[CHAIN_KEY_LEN];
	struct writer	 w;
	char		 c = 'g';
	int		 sv[2];

	new_chain_key(ckey);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	if ((w.pid = fork()) == 0) {
		close(sv[0]);
		if (read(sv[1], &c, 1) != 1)	/* until it is sealed open */
			_exit(1);
		fn(path, ckey, sv[1]);
		_exit(0);
	}
	assert_true(w.pid > 0);
	close(sv[1]);
	assert_int_equal(util_proc_start(w.pid, &w.start), 0);
	sealer_open(sl, path, ckey, &w);
	assert_int_equal(write(sv[0], &c, 1), 1);
	*sock = sv[0];
	return (pid_t)w.pid;
}

/* The child is gone: seal what it asked for, as the listener does. */
static void
monitor_drain(struct sealer *sl, int sock)
{
	struct gw_msg	 m;
	size_t		 len, nfds;
	int		 fds[1];

	while (gw_proto_recv(sock, &m, &len, fds, 0, &nfds) == 1) {
		assert_true(gw_proto_valid(&m, len));
		assert_int_equal(m.type, GW_PROTO_SEAL);
		sealer_head(sl, m.n, m.head, (m.flags & GW_PROTO_END) != 0);
	}
	close(sock);
}

/* And then its gone seal, as gw_monitor_end writes it. */
static void
monitor_gone(struct sealer *sl, int status)
{
	char	*why;

	if (WIFSIGNALED(status))
		xasprintf(&why, "the connection process was killed by signal "
		    "%d", WTERMSIG(status));
	else
		xasprintf(&why, "the connection process ended (status %d) "
		    "without ending the recording", WEXITSTATUS(status));
	sealer_gone(sl, why);
	sealer_close(sl);
	free(why);
}

/* Events, and an exit without record_close. */
static void
crash_writer(const char *path, const unsigned char *ckey, int sock)
{
	struct record		*r;
	unsigned long long	 sent = 0;
	char			*cause = NULL;

	if ((r = record_open(path, &hdr, ckey, CHAIN_KEY_LEN, &cause)) ==
	    NULL)
		_exit(1);
	child_seal(r, sock, &sent);
	if (record_output(r, "one\r\n", 5, &cause) != 0 ||
	    record_input(r, "two\r", 4, &cause) != 0 ||
	    /* The euro sign is held back, and never written. */
	    record_output(r, "three \xe2\x82", 8, &cause) != 0)
		_exit(1);
	child_seal(r, sock, &sent);
}

/*
 * A writer that ends without record_close: what it wrote is there, and
 * cut short, as nothing sealed its end; the listener's gone seal then
 * says how it ended.
 */
static void
test_crash_without_close(void **state)
{
	struct sealer	 sl;
	struct cast	*c;
	char		*path = new_path("crash");
	pid_t		 pid;
	int		 status, sock;

	(void)state;
	pid = spawn_writer(path, crash_writer, &sl, &sock);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	c = load_cast(path);
	assert_int_equal(c->nevents, 3);
	EVENT(c, 2, CAST_OUTPUT, "three ");
	cast_free(c);
	monitor_drain(&sl, sock);
	assert_verify(path, VERIFY_CUT, GATEWAY_STOPPED "1, sealed at * UTC, "
	    NOT_VOUCHED);
	monitor_gone(&sl, status);
	assert_verify(path, VERIFY_CUT, "the connection process ended (status "
	    "0) without ending the recording; the last sealed line is 1, "
	    "sealed at * UTC, " NOT_VOUCHED);
	free(path);
}

static off_t
file_size(const char *path)
{
	struct stat	 st;

	return stat(path, &st) == 0 ? st.st_size : 0;
}

/* Write lines split inside a euro sign until killed. */
static void
busy_writer(const char *path, const unsigned char *ckey, int sock)
{
	struct record		*r;
	unsigned long long	 sent = 0;
	char			 buf[64], *cause = NULL;
	int			 i, n;

	if ((r = record_open(path, &hdr, ckey, CHAIN_KEY_LEN, &cause)) ==
	    NULL)
		_exit(1);
	for (i = 0;; i++) {
		n = snprintf(buf, sizeof buf, "line %d \xe2\x82\xac\r\n", i);
		if (record_output(r, buf, 7, &cause) != 0 ||
		    record_output(r, buf + 7, (size_t)n - 7, &cause) != 0 ||
		    (i % 5 == 0 && record_input(r, "x", 1, &cause) != 0))
			_exit(1);
		child_seal(r, sock, &sent);
	}
}

/*
 * kill -9 at an arbitrary moment of a busy writer, a few times over: cut
 * short, its pid dead, the listener's gone seal saying so.
 */
static void
test_kill9(void **state)
{
	struct verify_result	 res;
	struct sealer		 sl;
	struct cast		*c;
	char			*path, *cause;
	pid_t			 pid;
	int			 status, round, sock;
	long long		 deadline;
	size_t			 events;

	(void)state;
	for (round = 0; round < 4; round++) {
		path = new_path("kill9");
		pid = spawn_writer(path, busy_writer, &sl, &sock);
		deadline = util_now_ms() + 10000;
		while (file_size(path) < 20000 * (round + 1) &&
		    util_now_ms() < deadline)
			usleep(1000);
		usleep((useconds_t)(round * 397));
		assert_int_equal(kill(pid, SIGKILL), 0);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFSIGNALED(status) &&
		    WTERMSIG(status) == SIGKILL);
		c = load_cast(path);
		events = c->nevents;
		assert_true(events > 100);
		cast_free(c);
		monitor_drain(&sl, sock);
		monitor_gone(&sl, status);
		assert_verify(path, VERIFY_CUT, "the connection process was "
		    "killed by signal 9; the last sealed line is *, sealed at "
		    "* UTC*");
		assert_int_equal(verify_with(path, seal_pub, &res, &cause), 0);
		assert_true(res.sealed >= 1 && res.lines == events + 1);
		free(res.why);
		free(path);
	}
}

/* No end sealed yet: live while its writer is, cut short once it is not. */
static void
test_unfinished(void **state)
{
	struct verify_result	 res;
	struct record		*r;
	char			*path = new_path("live"), *cause;

	(void)state;
	r = open_as(path, &hdr, &self);
	OUT(r, "one");
	assert_int_equal(verify_with(path, seal_pub, &res, &cause), 0);
	assert_int_equal(res.verdict, VERIFY_LIVE);
	assert_int_equal(res.lines, 2);
	assert_int_equal(res.sealed, 1);
	assert_true(res.sealed_at > 1700000000000LL);
	/* The chain's end written, but not sealed yet: still going. */
	close_unsealed(r);
	assert_verify(path, VERIFY_LIVE, NULL);
	free(path);

	path = new_path("dead");
	r = open_ok(path);
	OUT(r, "one");
	assert_verify(path, VERIFY_CUT, GATEWAY_STOPPED "1, sealed at * UTC, "
	    NOT_VOUCHED);
	sealer_gone(&cur.sl, "the connection process was killed by signal 9");
	assert_verify(path, VERIFY_CUT, "the connection process was killed by "
	    "signal 9; the last sealed line is 1, sealed at * UTC, "
	    NOT_VOUCHED);
	close_unsealed(r);
	free(path);
}

/*
 * asciinema cat FILE: asciinema wants /dev/tty to be a terminal, so
 * give it a pty as controlling terminal and read its stdout from a
 * pipe, byte for byte.
 */
static char *
asciinema_cat(const char *path, size_t *len)
{
	char	*out = NULL;
	size_t	 size = 0, n = 0;
	ssize_t	 got;
	pid_t	 pid;
	int	 master, slave, fds[2], status;

	assert_int_not_equal(master = posix_openpt(O_RDWR | O_NOCTTY), -1);
	assert_int_equal(grantpt(master), 0);
	assert_int_equal(unlockpt(master), 0);
	assert_int_equal(pipe(fds), 0);
	if ((pid = fork()) == 0) {
		setsid();
		if ((slave = open(ptsname(master), O_RDWR)) == -1)
			_exit(126);
		dup2(slave, 0);
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		close(master);
		setenv("LC_ALL", "C.UTF-8", 1);
		setenv("PYTHONIOENCODING", "utf-8", 1);
		execlp("asciinema", "asciinema", "cat", path, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	for (;;) {
		if (n == size)
			out = xreallocarray(out, size = size * 2 + 4096, 1);
		if ((got = read(fds[0], out + n, size - n)) <= 0)
			break;
		n += (size_t)got;
	}
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	close(master);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	*len = n;
	return out;
}

static void
test_asciinema_cat(void **state)
{
	static const char	 text[] =
	    "$ ls -l --color\r\n"
	    "\x1b[0m\x1b[01;34mdir\x1b[0m  caf\xc3\xa9  \xe2\x82\xac 5  "
	    "\xf0\x9f\x98\x80 \xe2\x9c\x93\r\n"
	    "tab\there \"quotes\" back\\slash\x07\x08\x7f nul\0!\r\n"
	    "\x1b]0;title\x07\x1b[2J\x1b[H$ ";
	struct record		*r;
	char			*path = new_path("asciinema"), *out, *cause;
	size_t			 off, step, len;

	(void)state;
	if (system("command -v asciinema >/dev/null 2>&1") != 0)
		skip();		/* scripts/deps.sh installs it */
	r = open_ok(path);
	/* Chunks of 1 to 7 bytes cut every multi-byte character somewhere. */
	for (off = 0, step = 1; off < sizeof text - 1; off += step,
	    step = step % 7 + 1) {
		if (step > sizeof text - 1 - off)
			step = sizeof text - 1 - off;
		assert_int_equal(record_output(r, text + off, step, &cause), 0);
		if (off % 3 == 0)
			IN(r, "k");
	}
	assert_int_equal(record_resize(r, 120, 40, &cause), 0);
	assert_int_equal(record_marker(r, "a marker", &cause), 0);
	close_ok(r);
	out = asciinema_cat(path, &len);
	assert_int_equal(len, sizeof text - 1);
	assert_memory_equal(out, text, len);
	free(out);
	free(path);
}

/*
 * A small LCG, its state shared by the tests that use it, so that they
 * see the same numbers run after run.
 */
static unsigned
rnd(void)
{
	static unsigned	 seed = 42;

	seed = seed * 1103515245u + 12345u;
	return (seed >> 16) & 0x7fff;
}

/* verify_recording on anything: an answer, never a crash. */
static void
verify_any(const char *path)
{
	struct verify_result	 res;
	char			*cause;

	if (verify_with(path, seal_pub, &res, &cause) == 0)
		free(res.why);
	free(cause);
}

/* path sealed open, by a writer long gone; its chain's key in ckey. */
static void
seal_by_hand(const char *path, unsigned char *ckey)
{
	struct sealer	 sl;

	new_chain_key(ckey);
	sealer_open(&sl, path, ckey, &dead);
	sealer_close(&sl);
}

/* Empty, with and without a chain or seals; a header alone. */
static void
test_verify_small(void **state)
{
	unsigned char	 ckey[CHAIN_KEY_LEN];
	char		*path = new_path("small"), *chain = chain_of(path);

	(void)state;
	spew(path, "", 0);
	assert_verify(path, VERIFY_ALTERED, "no seal file");
	seal_by_hand(path, ckey);
	assert_verify(path, VERIFY_ALTERED, "no chain file");
	spew(chain, "", 0);
	assert_verify(path, VERIFY_ALTERED, "the recording is empty");

	spew(path, "{\"version\": 2}\n", 15);
	assert_verify(path, VERIFY_ALTERED,
	    "line 1 has no chain entry (appended?)");
	spew(chain, "end 1 xyz\n", 10);
	assert_verify(path, VERIFY_ALTERED,
	    "the chain entry for line 1 is malformed");
	free(chain);
	free(path);
}

/* Huge lines, with and without a newline, in each file. */
static void
test_verify_huge(void **state)
{
	unsigned char	 ckey[CHAIN_KEY_LEN];
	char		*path = new_path("huge"), *chain = chain_of(path), *buf;
	char		*seals = seals_of(path), *good;
	size_t		 big = 24 << 20, len;

	(void)state;
	seal_by_hand(path, ckey);
	spew(chain, "end 1 xyz\n", 10);
	buf = xmalloc(big);
	memset(buf, 'a', big);
	spew(path, buf, big);
	verify_any(path);
	buf[big - 1] = '\n';
	spew(path, buf, big);
	verify_any(path);
	spew(chain, buf, big);
	assert_verify(path, VERIFY_ALTERED,
	    "the chain entry for line 1 is malformed");
	buf[big - 1] = 'a';
	spew(chain, buf, big);
	verify_any(path);
	spew(path, "\n\n\n", 3);
	assert_verify(path, VERIFY_ALTERED,
	    "the chain entry for line 1 is malformed");

	/* A seal file of one huge line, then a good seal and one. */
	good = fixture_slurp(seals, &len);
	spew(seals, buf, big);
	assert_verify(path, VERIFY_ALTERED, "seal 1 is too long");
	memcpy(buf, good, len);
	spew(seals, buf, big);
	assert_verify(path, VERIFY_ALTERED, "seal 2 is too long");
	free(good);
	free(buf);
	free(seals);
	free(chain);
	free(path);
}

/* Not files. */
static void
test_verify_not_files(void **state)
{
	struct verify_result	 res;
	unsigned char		 ckey[CHAIN_KEY_LEN];
	char			*path = new_path("dirs"), *seals, *cause;

	(void)state;
	assert_int_equal(verify_with(dir, seal_pub, &res, &cause), -1);
	free(cause);
	assert_int_equal(verify_with("/nonexistent.cast", seal_pub, &res,
	    &cause), -1);
	assert_string_equal(cause, "cannot open '/nonexistent.cast': "
	    "No such file or directory");
	free(cause);

	/* A seal file that is a directory. */
	seals = seals_of(path);
	spew(path, "{}\n", 3);
	assert_int_equal(mkdir(seals, 0750), 0);
	assert_int_equal(verify_with(path, seal_pub, &res, &cause), -1);
	free(cause);
	assert_int_equal(rmdir(seals), 0);
	seal_by_hand(path, ckey);
	assert_verify(path, VERIFY_ALTERED, "no chain file");
	free(seals);
	free(path);
}

/* Random bytes, random lines, in each file. */
static void
test_verify_random(void **state)
{
	unsigned char	 ckey[CHAIN_KEY_LEN];
	char		*path = new_path("random"), *chain = chain_of(path);
	char		*seals = seals_of(path), *good;
	char		*buf = xmalloc(4096);
	size_t		 len, i, good_len;
	int		 round;

	(void)state;
	seal_by_hand(path, ckey);
	good = fixture_slurp(seals, &good_len);
	for (round = 0; round < 200; round++) {
		len = rnd() % 4096;
		for (i = 0; i < len; i++)
			buf[i] = rnd() % 4 == 0 ? '\n' : (char)rnd();
		spew(path, buf, len);
		len = rnd() % 512;
		for (i = 0; i < len; i++)
			buf[i] = rnd() % 8 == 0 ? '\n' :
			    "0123456789abcdef end"[rnd() % 20];
		spew(chain, buf, len);
		if (round % 4 == 0) {
			len = rnd() % 2048;
			for (i = 0; i < len; i++)
				buf[i] = rnd() % 64 == 0 ? '\n' : (char)rnd();
			spew(seals, buf, len);
		} else
			spew(seals, good, good_len);
		verify_any(path);
	}
	free(good);
	free(buf);
	free(seals);
	free(chain);
	free(path);
}

/* Each byte of the seal file changed: altered, every one. */
static void
mutate_seals(const char *path)
{
	struct verify_result	 res;
	char			*seals = seals_of(path), *good, *b, *cause;
	size_t			 len, i;

	good = fixture_slurp(seals, &len);
	b = xmalloc(len);
	for (i = 0; i < len; i++) {
		memcpy(b, good, len);
		b[i] ^= (char)(rnd() % 255 + 1);
		spew(seals, b, len);
		assert_int_equal(verify_with(path, seal_pub, &res, &cause), 0);
		if (res.verdict != VERIFY_ALTERED)
			fail_msg("seal file byte %zu changed to %02x: %s", i,
			    (unsigned char)b[i],
			    verify_verdict_name(res.verdict));
		free(res.why);
	}
	spew(seals, good, len);
	free(b);
	free(good);
	free(seals);
}

/* Every one-byte change to a good recording is caught. */
static void
test_verify_mutate(void **state)
{
	struct verify_result	 res;
	char			*path = copy_session("mutate");
	char			*chain = chain_of(path);
	char			*good, *good_chain, *b, *cause = NULL;
	size_t			 good_len, good_chain_len, len;
	int			 round, which;

	(void)state;
	good = fixture_slurp(path, &good_len);
	good_chain = fixture_slurp(chain, &good_chain_len);
	for (round = 0; round < 300; round++) {
		which = round % 2;
		len = which ? good_chain_len : good_len;
		b = xmalloc(len);
		memcpy(b, which ? good_chain : good, len);
		b[rnd() % len] ^= (char)(rnd() % 255 + 1);
		spew(which ? chain : path, b, len);
		assert_int_equal(verify_with(path, seal_pub, &res, &cause), 0);
		assert_int_equal(res.verdict, VERIFY_ALTERED);
		free(res.why);
		spew(which ? chain : path, which ? good_chain : good, len);
		free(b);
	}
	mutate_seals(path);
	assert_verify(path, VERIFY_INTACT, NULL);
	free(good);
	free(good_chain);
	free(chain);
	free(path);
}

/* A writer that is gone for good: a child, reaped. */
static int
make_dead(struct writer *w)
{
	int	 fds[2], status;
	char	 c;
	pid_t	 pid;

	if (pipe(fds) != 0)
		return -1;
	if ((pid = fork()) == 0) {
		close(fds[1]);
		_exit(read(fds[0], &c, 1) == 0 ? 0 : 1);
	}
	close(fds[0]);
	w->pid = pid;
	if (pid == -1 || util_proc_start(pid, &w->start) != 0)
		w->pid = -1;
	close(fds[1]);
	if (pid == -1 || waitpid(pid, &status, 0) != pid)
		return -1;
	return w->pid == -1 ? -1 : 0;
}

static int
setup(void **state)
{
	char	*path, *pub, *cause = NULL;

	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	self.pid = getpid();
	if (util_proc_start(self.pid, &self.start) != 0 ||
	    make_dead(&dead) != 0)
		return -1;
	path = util_path(dir, "seal_ed25519");
	xasprintf(&pub, "%s.pub", path);
	seal_key = seal_key_open(path, 1, &cause);
	seal_pub = seal_key_public(pub, &cause);
	free(path);
	free(pub);
	path = util_path(dir, "other_ed25519");
	xasprintf(&pub, "%s.pub", path);
	other_key = seal_key_open(path, 1, &cause);
	other_pub = seal_key_public(pub, &cause);
	free(path);
	free(pub);
	if (cause != NULL) {
		fprintf(stderr, "setup: %s\n", cause);
		free(cause);
		return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	char	*cmd;
	size_t	 i;
	int	 rc;

	(void)state;
	for (i = 0; i < T_COUNT; i++)
		free(templates[i]);
	seal_key_free(seal_key);
	seal_key_free(seal_pub);
	seal_key_free(other_key);
	seal_key_free(other_pub);
	xasprintf(&cmd, "rm -rf '%s'", dir);
	rc = system(cmd);
	free(cmd);
	return rc;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_session),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_header_hostile),
		cmocka_unit_test(test_streams),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_tampering),
		cmocka_unit_test(test_crash_without_close),
		cmocka_unit_test(test_kill9),
		cmocka_unit_test(test_unfinished),
		cmocka_unit_test(test_asciinema_cat),
		cmocka_unit_test(test_verify_small),
		cmocka_unit_test(test_verify_huge),
		cmocka_unit_test(test_verify_not_files),
		cmocka_unit_test(test_verify_random),
		cmocka_unit_test(test_verify_mutate),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
