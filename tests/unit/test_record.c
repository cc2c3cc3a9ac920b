/*
 * test_record.c - recordings: the asciicast they make, the chain beside
 * them, what a crash or kill -9 leaves, and what asciinema makes of them.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <jansson.h>

#include "record.h"
#include "util.h"

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

static char *
chain_of(const char *path)
{
	char	*p;

	xasprintf(&p, "%s%s", path, RECORD_CHAIN_SUFFIX);
	return p;
}

static char *
slurp(const char *path, size_t *len)
{
	char	*buf = NULL;
	size_t	 size = 0, n = 0;
	ssize_t	 got;
	int	 fd;

	assert_int_not_equal(fd = open(path, O_RDONLY), -1);
	for (;;) {
		if (n == size)
			buf = xreallocarray(buf, size = size * 2 + 4096, 1);
		if ((got = read(fd, buf + n, size - n)) <= 0)
			break;
		n += (size_t)got;
	}
	assert_int_equal(got, 0);
	close(fd);
	buf = xreallocarray(buf, n + 1, 1);
	buf[n] = '\0';
	if (len != NULL)
		*len = n;
	return buf;
}

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

	buf = slurp(path, &len);
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

struct event {
	double	 t;
	char	 code[2];
	char	*data;
	size_t	 len;
};

struct cast {
	json_t		*header;
	struct event	*ev;
	size_t		 n;
};

static void
cast_free(struct cast *c)
{
	size_t	 i;

	json_decref(c->header);
	for (i = 0; i < c->n; i++)
		free(c->ev[i].data);
	free(c->ev);
}

/*
 * Parse path as asciicast v2, strictly: a header object, then
 * [time, code, data] arrays, times with six decimals and never going
 * back, data strings.
 */
static void
cast_read(struct cast *c, const char *path)
{
	struct lines	 l;
	json_error_t	 err;
	json_t		*j;
	const char	*dot;
	size_t		 i;
	double		 last = 0;

	lines_read(&l, path);
	assert_true(l.n >= 1);
	c->header = json_loads(l.v[0], 0, &err);
	assert_non_null(c->header);
	assert_true(json_is_object(c->header));
	assert_int_equal(json_integer_value(json_object_get(c->header,
	    "version")), 2);
	c->ev = xcalloc(l.n, sizeof *c->ev);
	c->n = 0;
	for (i = 1; i < l.n; i++) {
		struct event	*e = &c->ev[c->n++];

		if ((j = json_loads(l.v[i], JSON_ALLOW_NUL, &err)) == NULL)
			fail_msg("line %zu: %s: %s", i + 1, err.text, l.v[i]);
		assert_true(json_is_array(j));
		assert_int_equal(json_array_size(j), 3);
		assert_true(json_is_real(json_array_get(j, 0)));
		assert_true(json_is_string(json_array_get(j, 1)));
		assert_true(json_is_string(json_array_get(j, 2)));
		e->t = json_real_value(json_array_get(j, 0));
		assert_true(e->t >= last);
		last = e->t;
		/* "[12.345678, ": six decimals, as written. */
		assert_non_null(dot = strchr(l.v[i], '.'));
		assert_int_equal(strspn(dot + 1, "0123456789"), 6);
		assert_int_equal(dot[7], ',');
		assert_int_equal(strlen(json_string_value(json_array_get(j,
		    1))), 1);
		e->code[0] = json_string_value(json_array_get(j, 1))[0];
		e->len = json_string_length(json_array_get(j, 2));
		e->data = xmalloc(e->len + 1);
		memcpy(e->data, json_string_value(json_array_get(j, 2)),
		    e->len + 1);
		json_decref(j);
	}
	lines_free(&l);
}

static void
assert_event(const struct cast *c, size_t i, const char *code,
    const char *data, size_t len)
{
	assert_true(i < c->n);
	assert_string_equal(c->ev[i].code, code);
	assert_int_equal(c->ev[i].len, len);
	assert_memory_equal(c->ev[i].data, data, len);
}
#define EVENT(c, i, code, s) assert_event((c), (i), (code), (s), sizeof (s) - 1)

static struct record *
open_ok(const char *path)
{
	struct record	*r;
	char		*cause = NULL;

	if ((r = record_open(path, &hdr, key, KEYLEN, &cause)) == NULL)
		fail_msg("record_open: %s", cause);
	return r;
}

static void
close_ok(struct record *r)
{
	char	*cause = NULL;

	if (record_close(r, &cause) != 0)
		fail_msg("record_close: %s", cause);
}

#define OUT(r, s) do {							\
	char *cause_ = NULL;						\
	if (record_output((r), (s), sizeof (s) - 1, &cause_) != 0)	\
		fail_msg("record_output: %s", cause_);			\
} while (0)
#define IN(r, s) do {							\
	char *cause_ = NULL;						\
	if (record_input((r), (s), sizeof (s) - 1, &cause_) != 0)	\
		fail_msg("record_input: %s", cause_);			\
} while (0)

/* record_verify's answer and cause, with *complete. */
static int
verify(const char *path, int *complete, char **cause)
{
	int	 c = -7, rc;

	*cause = NULL;
	rc = record_verify(path, key, KEYLEN, &c, cause);
	assert_true(c == 0 || c == 1);
	assert_true(rc == 0 ? *cause == NULL : *cause != NULL);
	if (complete != NULL)
		*complete = c;
	return rc;
}

static void
assert_verify(const char *path, int want_rc, const char *want_cause,
    int want_complete)
{
	char	*cause;
	int	 complete, rc;

	rc = verify(path, &complete, &cause);
	if (rc != want_rc)
		fail_msg("record_verify %s: %d (%s), wanted %d", path, rc,
		    cause != NULL ? cause : "no cause", want_rc);
	if (want_cause != NULL)
		assert_string_equal(cause, want_cause);
	assert_int_equal(complete, want_complete);
	free(cause);
}

/* A closed recording of eight lines: the header and seven events. */
static char *
make_session(const char *name)
{
	struct record	*r;
	char		*path = new_path(name), *cause = NULL;

	r = open_ok(path);
	OUT(r, "$ ");
	IN(r, "l");
	OUT(r, "l");
	IN(r, "s\r");
	OUT(r, "s\r\nweb.yaml\r\n$ ");
	assert_int_equal(record_resize(r, 100, 30, &cause), 0);
	assert_int_equal(record_marker(r, "check web-up passed", &cause), 0);
	assert_int_equal(record_lines(r), 8);
	close_ok(r);
	return path;
}

static void
test_session(void **state)
{
	struct record	*r;
	struct cast	 c;
	struct stat	 st;
	char		*path = new_path("session"), *cause = NULL;
	json_t		*env;
	mode_t		 mask;

	(void)state;
	mask = umask(022);
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
	assert_int_equal(record_sync(r, &cause), 0);
	assert_int_equal(record_lines(r), 8);
	close_ok(r);

	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);

	cast_read(&c, path);
	assert_int_equal(json_integer_value(json_object_get(c.header,
	    "width")), 80);
	assert_int_equal(json_integer_value(json_object_get(c.header,
	    "height")), 24);
	assert_int_equal(json_integer_value(json_object_get(c.header,
	    "timestamp")), 1700000000);
	env = json_object_get(c.header, "env");
	assert_string_equal(json_string_value(json_object_get(env, "TERM")),
	    "xterm-256color");
	assert_string_equal(json_string_value(json_object_get(env, "SHELL")),
	    "/bin/bash");
	assert_string_equal(json_string_value(json_object_get(c.header,
	    "title")), "exercise web-down-7f3a: candidate ada");
	assert_int_equal(c.n, 7);
	EVENT(&c, 0, "o", "\x1b[1;32mok\x1b[0m \"quoted\" back\\slash\ttab\x07");
	EVENT(&c, 1, "i", "ls -l\r");
	EVENT(&c, 2, "r", "132x43");
	EVENT(&c, 3, "o", "nul\0byte");
	EVENT(&c, 4, "m", "check web-up passed");
	EVENT(&c, 5, "m", "");
	EVENT(&c, 6, "o", "later");
	assert_true(c.ev[6].t - c.ev[0].t >= 0.019);
	assert_true(c.ev[6].t < 5);
	cast_free(&c);
	assert_verify(path, 0, NULL, 1);
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
	struct cast		 c;
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
	cast_read(&c, path);
	assert_event(&c, 0, "o", all, sizeof all);
	cast_free(&c);
	free(path);
}

/* The header is made of hostile strings too; NULL ones are left out. */
static void
test_header_hostile(void **state)
{
	struct record_header	 h = { 80, 24, 0, NULL, NULL,
	    "exercise x: candidate \"\xff\n\x1b[2J" };
	struct record		*r;
	struct cast		 c;
	char			*path = new_path("header"), *cause = NULL;
	time_t			 now = time(NULL);

	(void)state;
	r = record_open(path, &h, key, KEYLEN, &cause);
	assert_non_null(r);
	close_ok(r);
	cast_read(&c, path);
	assert_string_equal(json_string_value(json_object_get(c.header,
	    "title")), "exercise x: candidate \"" FFFD "\n\x1b[2J");
	assert_int_equal(json_object_size(json_object_get(c.header, "env")),
	    0);
	assert_true(json_integer_value(json_object_get(c.header,
	    "timestamp")) >= now);
	assert_int_equal(c.n, 0);
	cast_free(&c);
	free(path);
}

static void
test_utf8_split(void **state)
{
	struct record	*r;
	struct cast	 c;
	char		*path = new_path("split");

	(void)state;
	r = open_ok(path);
	OUT(r, "caf\xc3");		/* é split 1 + 1 */
	OUT(r, "\xa9!");
	OUT(r, "\xf0");			/* 😀 split 1 + 2 + 1 */
	OUT(r, "\x9f\x98");
	OUT(r, "\x80");
	OUT(r, "\xe2\x82");		/* € split 2 + 1 */
	OUT(r, "\xac.");
	close_ok(r);
	cast_read(&c, path);
	/* Calls that leave no whole character write nothing. */
	assert_int_equal(c.n, 4);
	EVENT(&c, 0, "o", "caf");
	EVENT(&c, 1, "o", "\xc3\xa9!");
	EVENT(&c, 2, "o", "\xf0\x9f\x98\x80");
	EVENT(&c, 3, "o", "\xe2\x82\xac.");
	cast_free(&c);
	free(path);
}

/* What Python's (and so asciinema's) decoder makes of the same bytes. */
static void
test_utf8_invalid(void **state)
{
	struct record	*r;
	struct cast	 c;
	char		*path = new_path("invalid");

	(void)state;
	r = open_ok(path);
	OUT(r, "a\xff" "b");
	OUT(r, "\xe2\x82" "A");		/* truncated, then ASCII */
	OUT(r, "\xed\xa0\x80");		/* a surrogate */
	OUT(r, "\xc0\xaf");		/* overlong */
	OUT(r, "\xf4\x90\x80\x80");	/* past U+10FFFF */
	OUT(r, "\xe0\x80");
	OUT(r, "a\x80" "b\xf5");
	OUT(r, "\xc3");			/* held back ... */
	OUT(r, "x");			/* ... and then not continued */
	close_ok(r);
	cast_read(&c, path);
	assert_int_equal(c.n, 8);
	EVENT(&c, 0, "o", "a" FFFD "b");
	EVENT(&c, 1, "o", FFFD "A");
	EVENT(&c, 2, "o", FFFD FFFD FFFD);
	EVENT(&c, 3, "o", FFFD FFFD);
	EVENT(&c, 4, "o", FFFD FFFD FFFD FFFD);
	EVENT(&c, 5, "o", FFFD FFFD);
	EVENT(&c, 6, "o", "a" FFFD "b" FFFD);
	EVENT(&c, 7, "o", FFFD "x");
	cast_free(&c);
	free(path);
}

static void
test_carries_separate(void **state)
{
	struct record	*r;
	struct cast	 c;
	char		*path = new_path("carries");

	(void)state;
	r = open_ok(path);
	OUT(r, "\xc3");
	IN(r, "\xe2\x82");
	OUT(r, "\xa9");
	IN(r, "\xac");
	OUT(r, "x\xe2");
	IN(r, "y");
	OUT(r, "\x82\xac");
	close_ok(r);
	cast_read(&c, path);
	assert_int_equal(c.n, 5);
	EVENT(&c, 0, "o", "\xc3\xa9");
	EVENT(&c, 1, "i", "\xe2\x82\xac");
	EVENT(&c, 2, "o", "x");
	EVENT(&c, 3, "i", "y");
	EVENT(&c, 4, "o", "\xe2\x82\xac");
	cast_free(&c);
	free(path);
}

/* A sequence still open at close is one U+FFFD, in each stream. */
static void
test_close_flushes(void **state)
{
	struct record	*r;
	struct cast	 c;
	char		*path = new_path("flush");

	(void)state;
	r = open_ok(path);
	OUT(r, "ab\xf0\x9f");
	IN(r, "\xc3");
	close_ok(r);
	cast_read(&c, path);
	assert_int_equal(c.n, 3);
	EVENT(&c, 0, "o", "ab");
	EVENT(&c, 1, "o", FFFD);
	EVENT(&c, 2, "i", FFFD);
	cast_free(&c);
	assert_verify(path, 0, NULL, 1);
	free(path);
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

static void
test_verify_intact(void **state)
{
	char	*path = make_session("intact");

	(void)state;
	assert_verify(path, 0, NULL, 1);
	free(path);
}

static void
test_verify_edit_byte(void **state)
{
	char	*path = make_session("edit"), *buf, *p;
	size_t	 len;

	(void)state;
	/* "ls" typed becomes "ks", in line 3. */
	buf = slurp(path, &len);
	assert_non_null(p = strstr(buf, "\"i\", \"l\""));
	p[7] = 'k';
	spew(path, buf, len);
	free(buf);
	assert_verify(path, 1, "line 3 does not match its chain entry", 0);
	free(path);
}

static void
test_verify_edit_header(void **state)
{
	char	*path = make_session("edit-header"), *buf, *p;
	size_t	 len;

	(void)state;
	buf = slurp(path, &len);
	assert_non_null(p = strstr(buf, "candidate ada"));
	p[10] = 'b';
	spew(path, buf, len);
	free(buf);
	assert_verify(path, 1, "line 1 does not match its chain entry", 0);
	free(path);
}

static void
test_verify_delete_line(void **state)
{
	struct lines	 l;
	char		*path = make_session("delete");

	(void)state;
	lines_read(&l, path);
	free(l.v[4]);
	memmove(&l.v[4], &l.v[5], (l.n - 5) * sizeof *l.v);
	l.n--;
	lines_write(&l, path);
	lines_free(&l);
	assert_verify(path, 1, "line 5 does not match its chain entry", 0);
	free(path);
}

static void
test_verify_delete_tail(void **state)
{
	struct lines	 l;
	char		*path = make_session("delete-tail");

	(void)state;
	lines_read(&l, path);
	assert_int_equal(l.n, 8);
	free(l.v[--l.n]);
	free(l.v[--l.n]);
	lines_write(&l, path);
	lines_free(&l);
	assert_verify(path, 1,
	    "the chain lists 8 lines but the recording has 6 (lines removed?)",
	    0);
	free(path);
}

static void
test_verify_swap(void **state)
{
	struct lines	 l;
	char		*path = make_session("swap"), *t;

	(void)state;
	lines_read(&l, path);
	t = l.v[3];
	l.v[3] = l.v[4];
	l.v[4] = t;
	lines_write(&l, path);
	lines_free(&l);
	assert_verify(path, 1, "line 4 does not match its chain entry", 0);
	free(path);
}

static void
test_verify_append(void **state)
{
	struct lines	 l;
	char		*path = make_session("append");

	(void)state;
	lines_read(&l, path);
	l.v = xreallocarray(l.v, l.n + 1, sizeof *l.v);
	l.v[l.n++] = xstrdup("[9.000000, \"o\", \"rm -rf /\"]");
	lines_write(&l, path);
	lines_free(&l);
	assert_verify(path, 1, "line 9 has no chain entry (appended?)", 0);
	free(path);
}

/* An appended line is caught in a recording cut short too. */
static void
test_verify_append_unfinished(void **state)
{
	struct lines	 l;
	char		*path = make_session("append-unfinished");
	char		*chain = chain_of(path);

	(void)state;
	lines_read(&l, chain);
	free(l.v[--l.n]);			/* the end line */
	lines_write(&l, chain);
	lines_free(&l);
	assert_verify(path, 0, NULL, 0);
	lines_read(&l, path);
	l.v = xreallocarray(l.v, l.n + 1, sizeof *l.v);
	l.v[l.n++] = xstrdup("[9.000000, \"o\", \"x\"]");
	lines_write(&l, path);
	lines_free(&l);
	assert_verify(path, 1, "line 9 has no chain entry (appended?)", 0);
	free(chain);
	free(path);
}

static void
test_verify_chain_truncated(void **state)
{
	struct lines	 l;
	char		*path = make_session("chain-cut");
	char		*chain = chain_of(path), *buf;
	size_t		 len;

	(void)state;
	/* Cut at a line: the .cast goes on past the chain. */
	lines_read(&l, chain);
	while (l.n > 3)
		free(l.v[--l.n]);
	lines_write(&l, chain);
	lines_free(&l);
	assert_verify(path, 1, "line 4 has no chain entry (appended?)", 0);

	/* Cut inside an entry. */
	buf = slurp(chain, &len);
	spew(chain, buf, len - 10);
	free(buf);
	assert_verify(path, 1, "the chain entry for line 3 is malformed", 0);

	spew(chain, "", 0);
	assert_verify(path, 1, "line 1 has no chain entry (appended?)", 0);
	free(chain);
	free(path);
}

static void
test_verify_no_chain(void **state)
{
	char	*path = make_session("no-chain"), *chain = chain_of(path);

	(void)state;
	assert_int_equal(unlink(chain), 0);
	assert_verify(path, 1, "no chain file", 0);
	free(chain);
	free(path);
}

static void
test_verify_wrong_key(void **state)
{
	static const unsigned char	 other[] = "not the key";
	char				*path = make_session("wrong-key");
	char				*cause = NULL;
	int				 complete = -1;

	(void)state;
	assert_int_equal(record_verify(path, other, sizeof other - 1,
	    &complete, &cause), 1);
	assert_string_equal(cause, "line 1 does not match its chain entry");
	assert_int_equal(complete, 0);
	free(cause);
	/* One byte short of the key is another key. */
	assert_int_equal(record_verify(path, key, KEYLEN - 1, &complete,
	    &cause), 1);
	free(cause);
	free(path);
}

/* The end line carries a MAC: its count cannot be changed, or added. */
static void
test_verify_end_line(void **state)
{
	struct lines	 l;
	char		*path = make_session("end-line");
	char		*chain = chain_of(path), *p;

	(void)state;
	lines_read(&l, chain);
	assert_int_equal(l.n, 9);
	assert_int_equal(strncmp(l.v[8], "end 8 ", 6), 0);
	assert_int_equal(strlen(l.v[8]), 6 + 64);
	l.v[8][4] = '7';
	lines_write(&l, chain);
	assert_verify(path, 1, "the chain's end line is not authentic", 0);

	/* Cut off a line of each and write an end line without the key. */
	free(l.v[7]);
	l.v[7] = l.v[8];
	l.n--;
	lines_write(&l, chain);
	lines_free(&l);
	lines_read(&l, path);
	free(l.v[--l.n]);
	lines_write(&l, path);
	lines_free(&l);
	assert_verify(path, 1, "the chain's end line is not authentic", 0);

	/* Without an end line it is a recording cut short: see the doc. */
	lines_read(&l, chain);
	free(l.v[--l.n]);
	lines_write(&l, chain);
	lines_free(&l);
	assert_verify(path, 0, NULL, 0);

	/* Anything after the end line is refused. */
	free(path);
	free(chain);
	path = make_session("after-end");
	chain = chain_of(path);
	lines_read(&l, chain);
	p = l.v[0];
	l.v = xreallocarray(l.v, l.n + 1, sizeof *l.v);
	l.v[l.n++] = xstrdup(p);
	lines_write(&l, chain);
	lines_free(&l);
	assert_verify(path, 1, "the chain goes on after its end line", 0);
	free(chain);
	free(path);
}

/*
 * The writer killed between a chain entry and its .cast line: the
 * chain is one entry ahead, which is fine without an end line, and
 * not with two.
 */
static void
test_verify_entry_ahead(void **state)
{
	struct lines	 l;
	char		*path = make_session("ahead"), *chain = chain_of(path);

	(void)state;
	lines_read(&l, chain);
	free(l.v[--l.n]);			/* the end line */
	lines_write(&l, chain);
	lines_free(&l);
	lines_read(&l, path);
	free(l.v[--l.n]);
	lines_write(&l, path);
	assert_verify(path, 0, NULL, 0);
	free(l.v[--l.n]);
	lines_write(&l, path);
	lines_free(&l);
	assert_verify(path, 1,
	    "the chain lists 8 lines but the recording has 6 (lines removed?)",
	    0);
	free(chain);
	free(path);
}

/* A final line without its newline is not one the writer wrote. */
static void
test_verify_no_newline(void **state)
{
	char	*path = make_session("no-newline"), *buf;
	size_t	 len;

	(void)state;
	buf = slurp(path, &len);
	spew(path, buf, len - 1);
	free(buf);
	assert_verify(path, 1, "line 8 has no newline (cut short?)", 0);
	free(path);
}

/* Write events in a child that ends without record_close. */
static void
test_crash_without_close(void **state)
{
	struct record	*r;
	struct cast	 c;
	char		*path = new_path("crash"), *cause = NULL;
	pid_t		 pid;
	int		 status;

	(void)state;
	if ((pid = fork()) == 0) {
		r = record_open(path, &hdr, key, KEYLEN, &cause);
		if (r == NULL ||
		    record_output(r, "one\r\n", 5, &cause) != 0 ||
		    record_input(r, "two\r", 4, &cause) != 0 ||
		    /* The euro sign is held back, and never written. */
		    record_output(r, "three \xe2\x82", 8, &cause) != 0)
			_exit(1);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	cast_read(&c, path);
	assert_int_equal(c.n, 3);
	EVENT(&c, 2, "o", "three ");
	cast_free(&c);
	assert_verify(path, 0, NULL, 0);
	free(path);
}

static off_t
file_size(const char *path)
{
	struct stat	 st;

	return stat(path, &st) == 0 ? st.st_size : 0;
}

/* kill -9 at an arbitrary moment of a busy writer, a few times over. */
static void
test_kill9(void **state)
{
	struct record	*r;
	struct cast	 c;
	char		*path, buf[64], *cause = NULL;
	pid_t		 pid;
	int		 status, round, i, n;
	long long	 deadline;

	(void)state;
	for (round = 0; round < 4; round++) {
		path = new_path("kill9");
		if ((pid = fork()) == 0) {
			r = record_open(path, &hdr, key, KEYLEN, &cause);
			if (r == NULL)
				_exit(1);
			for (i = 0;; i++) {
				n = snprintf(buf, sizeof buf,
				    "line %d \xe2\x82\xac\r\n", i);
				/* Split inside the euro sign. */
				if (record_output(r, buf, 7, &cause) != 0 ||
				    record_output(r, buf + 7, (size_t)n - 7,
				    &cause) != 0 ||
				    (i % 5 == 0 &&
				    record_input(r, "x", 1, &cause) != 0))
					_exit(1);
			}
		}
		deadline = util_now_ms() + 10000;
		while (file_size(path) < 20000 * (round + 1) &&
		    util_now_ms() < deadline)
			usleep(1000);
		usleep((useconds_t)(round * 397));
		assert_int_equal(kill(pid, SIGKILL), 0);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFSIGNALED(status) &&
		    WTERMSIG(status) == SIGKILL);
		cast_read(&c, path);
		assert_true(c.n > 100);
		cast_free(&c);
		assert_verify(path, 0, NULL, 0);
		free(path);
	}
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

static unsigned
rnd(unsigned *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return (*seed >> 16) & 0x7fff;
}

/* record_verify on anything: an answer, never a crash. */
static void
verify_any(const char *path)
{
	char	*cause;
	int	 rc;

	rc = verify(path, NULL, &cause);
	assert_true(rc == -1 || rc == 0 || rc == 1);
	free(cause);
}

static void
test_verify_garbage(void **state)
{
	char		*path = new_path("garbage"), *chain = chain_of(path);
	char		*buf, *good, *good_chain, *cause = NULL;
	size_t		 big = 24 << 20, len, good_len, good_chain_len, i;
	unsigned	 seed = 42;
	int		 round, complete;

	(void)state;
	/* Empty, with and without a chain. */
	spew(path, "", 0);
	assert_verify(path, 1, "no chain file", 0);
	spew(chain, "", 0);
	assert_verify(path, 1, "the recording is empty", 0);

	/* A header alone. */
	spew(path, "{\"version\": 2}\n", 15);
	assert_verify(path, 1, "line 1 has no chain entry (appended?)", 0);
	spew(chain, "end 1 xyz\n", 10);
	assert_verify(path, 1, "the chain entry for line 1 is malformed", 0);

	/* Huge lines, with and without a newline, in either file. */
	buf = xmalloc(big);
	memset(buf, 'a', big);
	spew(path, buf, big);
	verify_any(path);
	buf[big - 1] = '\n';
	spew(path, buf, big);
	verify_any(path);
	spew(chain, buf, big);
	assert_verify(path, 1, "the chain entry for line 1 is malformed", 0);
	buf[big - 1] = 'a';
	spew(chain, buf, big);
	verify_any(path);
	spew(path, "\n\n\n", 3);
	assert_verify(path, 1, "the chain entry for line 1 is malformed", 0);
	free(buf);

	/* Not files. */
	assert_int_equal(record_verify(dir, key, KEYLEN, &complete, &cause),
	    -1);
	free(cause);
	assert_int_equal(record_verify("/nonexistent.cast", key, KEYLEN,
	    &complete, &cause), -1);
	free(cause);

	/* Random bytes, random lines. */
	buf = xmalloc(4096);
	for (round = 0; round < 200; round++) {
		len = rnd(&seed) % 4096;
		for (i = 0; i < len; i++)
			buf[i] = rnd(&seed) % 4 == 0 ? '\n' : (char)rnd(&seed);
		spew(path, buf, len);
		len = rnd(&seed) % 512;
		for (i = 0; i < len; i++)
			buf[i] = rnd(&seed) % 8 == 0 ? '\n' :
			    "0123456789abcdef end"[rnd(&seed) % 20];
		spew(chain, buf, len);
		verify_any(path);
	}
	free(buf);

	/* Every one-byte change to a good recording is caught. */
	free(path);
	free(chain);
	path = make_session("mutate");
	chain = chain_of(path);
	good = slurp(path, &good_len);
	good_chain = slurp(chain, &good_chain_len);
	for (round = 0; round < 300; round++) {
		int	 which = round % 2;
		char	*b = xmalloc(which ? good_chain_len : good_len);

		len = which ? good_chain_len : good_len;
		memcpy(b, which ? good_chain : good, len);
		b[rnd(&seed) % len] ^= (char)(rnd(&seed) % 255 + 1);
		spew(which ? chain : path, b, len);
		assert_int_equal(verify(path, &complete, &cause), 1);
		free(cause);
		spew(which ? chain : path, which ? good_chain : good, len);
		free(b);
	}
	assert_verify(path, 0, NULL, 1);
	free(good);
	free(good_chain);
	free(chain);
	free(path);
}

static int
setup(void **state)
{
	(void)state;
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char	*cmd;
	int	 rc;

	(void)state;
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
		cmocka_unit_test(test_utf8_split),
		cmocka_unit_test(test_utf8_invalid),
		cmocka_unit_test(test_carries_separate),
		cmocka_unit_test(test_close_flushes),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_verify_intact),
		cmocka_unit_test(test_verify_edit_byte),
		cmocka_unit_test(test_verify_edit_header),
		cmocka_unit_test(test_verify_delete_line),
		cmocka_unit_test(test_verify_delete_tail),
		cmocka_unit_test(test_verify_swap),
		cmocka_unit_test(test_verify_append),
		cmocka_unit_test(test_verify_append_unfinished),
		cmocka_unit_test(test_verify_chain_truncated),
		cmocka_unit_test(test_verify_no_chain),
		cmocka_unit_test(test_verify_wrong_key),
		cmocka_unit_test(test_verify_end_line),
		cmocka_unit_test(test_verify_entry_ahead),
		cmocka_unit_test(test_verify_no_newline),
		cmocka_unit_test(test_crash_without_close),
		cmocka_unit_test(test_kill9),
		cmocka_unit_test(test_asciinema_cat),
		cmocka_unit_test(test_verify_garbage),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
