/*
 * test_marks.c - the commands log: marks split anywhere, both
 * terminators, statuses, text, nesting, times, hostile bytes, and a real
 * bash session (tests/data/marks/, made by capture.sh there).
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "marks.h"
#include "util.h"

#define A		"\033]133;A\007"
#define C		"\033]133;C\007"
#define D(n)		"\033]133;D;" #n "\007"
#define CMD(b64)	"\033]7701;cmd;" b64 "\007"
#define FFFD		"\xef\xbf\xbd"

/* "{start, end, duration, exit, command}" as the log writes it. */
#define LINE(s, e, d, x, c) \
	"{\"start\": " s ", \"end\": " e ", \"duration\": " d \
	", \"exit\": " x ", \"command\": " c "}\n"

static char	 dir[] = "/tmp/test_marks.XXXXXX";

static int
memfd(void)
{
	int	 fd;

	assert_int_not_equal(fd = memfd_create("marks", 0), -1);
	return fd;
}

/* Everything fd holds, NUL-terminated. */
static char *
contents(int fd, size_t *len)
{
	struct stat	 st;
	char		*buf;

	assert_int_equal(fstat(fd, &st), 0);
	buf = xmalloc((size_t)st.st_size + 1);
	assert_int_equal(pread(fd, buf, (size_t)st.st_size, 0), st.st_size);
	buf[st.st_size] = '\0';
	if (len != NULL)
		*len = (size_t)st.st_size;
	return buf;
}

static void
feed(struct marks *m, double t, const void *buf, size_t len)
{
	char	*cause = NULL;

	assert_int_equal(marks_feed(m, t, buf, len, &cause), 0);
	assert_null(cause);
}

static char *
finish(struct marks *m, int fd)
{
	char	*cause = NULL, *out;

	assert_int_equal(marks_close(m, &cause), 0);
	out = contents(fd, NULL);
	close(fd);
	return out;
}

/* The log for len bytes fed at once at t = 1. */
static char *
run_len(const char *s, size_t len)
{
	int		 fd = memfd();
	struct marks	*m = marks_new(fd);

	feed(m, 1, s, len);
	return finish(m, fd);
}

static char *
run(const char *s)
{
	return run_len(s, strlen(s));
}

static void
expect(const char *s, const char *want)
{
	char	*got = run(s);

	assert_string_equal(got, want);
	free(got);
}

/* The 7701 mark for text. */
static char *
cmd_mark(const char *text)
{
	size_t	 len = strlen(text);
	char	*b64, *out;

	b64 = xmalloc(4 * (len / 3 + 1) + 1);
	EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)text,
	    (int)len);
	xasprintf(&out, "\033]7701;cmd;%s\007", b64);
	free(b64);
	return out;
}

static void
test_one_command(void **state)
{
	(void)state;
	expect(A "$ true\r\n" C CMD("dHJ1ZQo=") D(0) A "$ ",
	    LINE("1.000000", "1.000000", "0.000000", "0", "\"true\""));
	expect("", "");
	expect("plain output, no marks\r\n", "");
}

static void
test_st_terminator(void **state)
{
	(void)state;
	expect("\033]133;A\033\\\033]133;C\033\\\033]7701;cmd;ZmFsc2U=\033\\"
	    "\033]133;D;1\033\\",
	    LINE("1.000000", "1.000000", "0.000000", "1", "\"false\""));
	/* Mixed, and the C1 forms (0x9d, 0x9c) are not ours: UTF-8 text. */
	expect(C "\033]7701;cmd;eA==\033\\" D(2) "\xc2\x9d" "133;C\xc2\x9c",
	    LINE("1.000000", "1.000000", "0.000000", "2", "\"x\""));
}

static const char session[] =
	A "\033[?2004h$ true\r\n\033[?2004l\r" C CMD("dHJ1ZQo=") D(0)
	A "$ \r\n" A "$ false\r\n" C "\033]7701;cmd;ZmFsc2UK\033\\"
	"\033]133;D;1\033\\" A "\033]0;a title\007$ (exit 3)\r\n"
	C CMD("KGV4aXQgMykK") "\033]8;;http://x/\007link\033]8;;\007"
	D(3) A "$ ";
static const char session_log[] =
	LINE("1.000000", "1.000000", "0.000000", "0", "\"true\"")
	LINE("1.000000", "1.000000", "0.000000", "1", "\"false\"")
	LINE("1.000000", "1.000000", "0.000000", "3", "\"(exit 3)\"");

static void
test_split_everywhere(void **state)
{
	size_t		 len = sizeof session - 1, i, j;
	struct marks	*m;
	char		*got;
	int		 fd;

	(void)state;
	got = run(session);
	assert_string_equal(got, session_log);
	free(got);

	for (i = 0; i <= len; i++) {
		fd = memfd();
		m = marks_new(fd);
		feed(m, 1, session, i);
		feed(m, 1, session + i, len - i);
		got = finish(m, fd);
		assert_string_equal(got, session_log);
		free(got);
	}
	/* Byte by byte, and in three at every pair of cuts. */
	fd = memfd();
	m = marks_new(fd);
	for (i = 0; i < len; i++)
		feed(m, 1, session + i, 1);
	got = finish(m, fd);
	assert_string_equal(got, session_log);
	free(got);
	for (i = 0; i <= len; i += 3) {
		for (j = i; j <= len; j += 5) {
			fd = memfd();
			m = marks_new(fd);
			feed(m, 1, session, i);
			feed(m, 1, session + i, j - i);
			feed(m, 1, session + j, len - j);
			got = finish(m, fd);
			assert_string_equal(got, session_log);
			free(got);
		}
	}
}

#define S(x)		x, sizeof (x) - 1

static void
test_exit_statuses(void **state)
{
	static const struct {
		const char	*d;
		size_t		 len;
		const char	*want;
	} t[] = {
		{ S(D(0)), "0" }, { S(D(1)), "1" }, { S(D(130)), "130" },
		{ S(D(255)), "255" }, { S(D(2147483647)), "2147483647" },
		{ S(D(0002)), "2" }, { S("\033]133;D;1;aid=7\007"), "1" },
		{ S(D(2147483648)), "null" }, { S(D(99999999999)), "null" },
		{ S(D(99999999999999999999999999)), "null" },
		{ S(D(-1)), "null" }, { S(D(+1)), "null" },
		{ S(D(1x)), "null" }, { S(D(0x1)), "null" },
		{ S(D()), "null" }, { S("\033]133;D\007"), "null" },
		{ S("\033]133;D; 1\007"), "null" },
		{ S("\033]133;D;\0001\007"), "null" },
		{ S("\033]133;D;1\000\007"), "null" },
	};
	char	*s, *want, *got;
	size_t	 i;

	(void)state;
	for (i = 0; i < nitems(t); i++) {
		s = xmalloc(strlen(C) + t[i].len);
		memcpy(s, C, strlen(C));
		memcpy(s + strlen(C), t[i].d, t[i].len);
		xasprintf(&want, LINE("1.000000", "1.000000", "0.000000", "%s",
		    "null"), t[i].want);
		got = run_len(s, strlen(C) + t[i].len);
		assert_string_equal(got, want);
		free(got);
		free(want);
		free(s);
	}
	/* Not D. */
	expect(C "\033]133;DD;0\007", LINE("1.000000", "null", "null",
	    "null", "null"));
}

static void
test_text(void **state)
{
	static const struct {
		const char	*text, *want;
	} t[] = {
		{ "systemctl status nginx", "\"systemctl status nginx\"" },
		{ "echo \"it's\" \\ café ☕ 😀",
		  "\"echo \\\"it's\\\" \\\\ café ☕ 😀\"" },
		{ "for i in 1 2; do\n  echo $i\ndone",
		  "\"for i in 1 2; do\\n  echo $i\\ndone\"" },
		{ "\t\033[31m\x7f", "\"\\t\\u001B[31m\x7f\"" },
		{ "a\xff" "b\xe2\x82" "A\xed\xa0\x80\xc0\xaf",
		  "\"a" FFFD "b" FFFD "A" FFFD FFFD FFFD FFFD FFFD "\"" },
		{ "trailing newline goes\n", "\"trailing newline goes\"" },
		{ "only one goes\n\n", "\"only one goes\\n\"" },
		{ "", "\"\"" },
	};
	char	*mark, *s, *want, *got;
	size_t	 i;

	(void)state;
	for (i = 0; i < nitems(t); i++) {
		mark = cmd_mark(t[i].text);
		xasprintf(&s, C "%s" D(0), mark);
		xasprintf(&want, LINE("1.000000", "1.000000", "0.000000", "0",
		    "%s"), t[i].want);
		got = run(s);
		assert_string_equal(got, want);
		free(got);
		free(want);
		free(s);
		free(mark);
	}
	/* A NUL (no shell sends one) is U+FFFD, not the end of the text. */
	expect(C CMD("YQBi") D(0),
	    LINE("1.000000", "1.000000", "0.000000", "0", "\"a" FFFD "b\""));
}

static void
test_bad_base64(void **state)
{
	static const char *const bad[] = {
		"!!!!", "dHJ1ZQo", "d", "dHJ1ZQo=x", "dH=1ZQo=", "dHJ1ZQo===",
		"dHJ 1ZQo=", "dHJ1ZQo=\n", "dHJ1ZQ-_",
	};
	char	*s, *got;
	size_t	 i;

	(void)state;
	for (i = 0; i < nitems(bad); i++) {
		xasprintf(&s, C "\033]7701;cmd;%s\007" D(0), bad[i]);
		got = run(s);
		/* dHJ1ZQo is fine unpadded: it is "true\n" less its '='. */
		if (i == 1)
			assert_string_equal(got, LINE("1.000000", "1.000000",
			    "0.000000", "0", "\"true\""));
		else
			assert_string_equal(got, LINE("1.000000", "1.000000",
			    "0.000000", "0", "null"));
		free(got);
		free(s);
	}
}

/* Marks out of order, out of place, or not quite marks. */
static void
test_stray_marks(void **state)
{
	(void)state;
	/* D without C: an empty line, ^C at the prompt, a printf. */
	expect(A D(0) A D(130) A, "");
	/* A 7701 with no C, or after the prompt came back, names nothing. */
	expect(CMD("dHJ1ZQo=") A, "");
	expect(C A CMD("dHJ1ZQo=") D(0),
	    LINE("1.000000", "1.000000", "0.000000", "0", "null"));
	/* The first 7701 after a C names it. */
	expect(C CMD("b25l") CMD("dHdv") D(0),
	    LINE("1.000000", "1.000000", "0.000000", "0", "\"one\""));
	/* Other OSCs and other 133/7701 marks are not ours. */
	expect(C "\033]0;title\007\033]133;B\007\033]133;P;k=i\007"
	    "\033]7701;other;x\007\033]1337;C\007\033]13;C\007\033];C\007"
	    "\033]133C\007\033]133;AC\007\033]7701;cmdx;eA==\007"
	    "\033]133;DA\007\033]133;CD\007" D(0),
	    LINE("1.000000", "1.000000", "0.000000", "0", "null"));
	/* Options after the letter are fine. */
	expect("\033]133;C;cmdline=x\007" "\033]133;D;0;aid=1\007",
	    LINE("1.000000", "1.000000", "0.000000", "0", "null"));
	/* An ESC, CAN or SUB inside cancels the OSC, as in a terminal. */
	expect("\033]133;C\033[0m" D(0), "");
	expect("\033]133;C\030" D(0), "");
	expect("\033]133;C\032" D(0), "");
	expect("\033]133;\033]133;C\007" D(0),
	    LINE("1.000000", "1.000000", "0.000000", "0", "null"));
	expect("\033\033]133;C\007\033\033\033]133;D;5\007",
	    LINE("1.000000", "1.000000", "0.000000", "5", "null"));
	/* A newline is only text inside an OSC, so not a mark. */
	expect("\033]133;C\n\007" D(0), "");
}

/* A shell started from the prompt marks its commands inside its own. */
static void
test_nested(void **state)
{
	(void)state;
	expect(C CMD("YmFzaAo=") A C CMD("ZmFsc2UK") D(1) A
	    C CMD("ZXhpdCA0Cg==") D(4) D(4) A,
	    LINE("1.000000", "1.000000", "0.000000", "1", "\"false\"")
	    LINE("1.000000", "1.000000", "0.000000", "4", "\"exit 4\"")
	    LINE("1.000000", "1.000000", "0.000000", "4", "\"bash\""));
}

/* Commands still open at the end, or too many open at once. */
static void
test_unfinished(void **state)
{
	struct marks	*m;
	char		*got, *mark, *want = NULL, *line;
	int		 fd, i;

	(void)state;
	expect(C, LINE("1.000000", "null", "null", "null", "null"));
	expect(C CMD("ZXhpdAo="),
	    LINE("1.000000", "null", "null", "null", "\"exit\""));
	expect(C CMD("YmFzaAo=") A C CMD("c2xlZXAgOQo="),
	    LINE("1.000000", "null", "null", "null", "\"sleep 9\"")
	    LINE("1.000000", "null", "null", "null", "\"bash\""));

	/* One past MARKS_DEPTH_MAX: the oldest goes out, as unfinished. */
	fd = memfd();
	m = marks_new(fd);
	for (i = 0; i <= MARKS_DEPTH_MAX; i++) {
		xasprintf(&line, "c%d", i);
		mark = cmd_mark(line);
		feed(m, i, C, strlen(C));
		feed(m, i, mark, strlen(mark));
		free(mark);
		free(line);
	}
	assert_int_equal(marks_lines(m), 1);
	feed(m, 100, D(7), strlen(D(7)));
	got = finish(m, fd);
	xasprintf(&want, LINE("0.000000", "null", "null", "null", "\"c0\"")
	    LINE("%d.000000", "100.000000", "%d.000000", "7", "\"c%d\""),
	    MARKS_DEPTH_MAX, 100 - MARKS_DEPTH_MAX, MARKS_DEPTH_MAX);
	for (i = MARKS_DEPTH_MAX - 1; i >= 1; i--) {
		xasprintf(&line, "%s" LINE("%d.000000", "null", "null", "null",
		    "\"c%d\""), want, i, i);
		free(want);
		want = line;
	}
	assert_string_equal(got, want);
	free(got);
	free(want);
}

static void
test_times(void **state)
{
	struct marks	*m;
	char		*got;
	int		 fd;

	(void)state;
	/* A mark takes the time of the chunk that completes it. */
	fd = memfd();
	m = marks_new(fd);
	feed(m, 0.5, "$ sleep 1\r\n\033]133", 16);
	feed(m, 2, ";C\007\033]7701;cmd;c2xlZXAgMQo=", 25);
	feed(m, 2.5, "\007", 1);
	feed(m, 3.25, "\033]133;D;0\007", 10);
	got = finish(m, fd);
	assert_string_equal(got, LINE("2.000000", "3.250000", "1.250000",
	    "0", "\"sleep 1\""));
	free(got);

	/* Time never goes back; garbage times count as the latest. */
	fd = memfd();
	m = marks_new(fd);
	feed(m, 12.3456784, C, strlen(C));
	feed(m, 3, "x", 1);
	feed(m, NAN, "x", 1);
	feed(m, -INFINITY, "x", 1);
	feed(m, 14.5, D(0), strlen(D(0)));
	feed(m, 1, C, strlen(C));
	feed(m, INFINITY, D(0), strlen(D(0)));
	got = finish(m, fd);
	assert_string_equal(got,
	    LINE("12.345678", "14.500000", "2.154322", "0", "null")
	    LINE("14.500000", "1000000000000.000000",
	    "999999999985.500000", "0", "null"));
	free(got);
}

/* C, a 7701 mark with n base64 characters ("QUFB": "AAA"), D. */
static char *
long_command(size_t n, size_t *len)
{
	char	*s;
	size_t	 i;

	s = xmalloc(n + 64);
	*len = (size_t)sprintf(s, C "\033]7701;cmd;");
	for (i = 0; i < n; i++)
		s[(*len)++] = "QUFB"[i % 4];
	*len += (size_t)sprintf(s + *len, "\007" D(0));
	return s;
}

/* Sequences are bounded: a longer one is dropped, scanning goes on. */
static void
test_overlong(void **state)
{
	size_t		 n = MARKS_OSC_MAX - 9, len;	/* 9: "7701;cmd;" */
	char		*s, *got, *want, *text;
	struct marks	*m;
	int		 fd;

	(void)state;
	/* Exactly MARKS_OSC_MAX bytes of payload: kept. */
	s = long_command(n, &len);
	text = xmalloc(n);
	memset(text, 'A', n / 4 * 3 + 2);	/* n % 4 is 3: "QUF" is "AA" */
	text[n / 4 * 3 + 2] = '\0';
	xasprintf(&want, LINE("1.000000", "1.000000", "0.000000", "0",
	    "\"%s\""), text);
	got = run_len(s, len);
	assert_string_equal(got, want);
	free(got);
	free(want);
	free(text);
	free(s);

	/* One byte more: the text is dropped, the D still counts. */
	s = long_command(n + 1, &len);
	got = run_len(s, len);
	assert_string_equal(got, LINE("1.000000", "1.000000", "0.000000", "0",
	    "null"));
	free(got);
	free(s);

	/* Never terminated, in pieces, far past the bound: memory stays. */
	fd = memfd();
	m = marks_new(fd);
	s = xmalloc(1 << 20);
	memset(s, 'A', 1 << 20);
	feed(m, 1, C "\033]7701;cmd;", strlen(C) + 11);
	for (n = 0; n < 8; n++)
		feed(m, 1, s, 1 << 20);
	feed(m, 1, "\007" C CMD("dHJ1ZQo=") D(0), strlen(C CMD("dHJ1ZQo=")
	    D(0)) + 1);
	got = finish(m, fd);
	assert_string_equal(got, LINE("1.000000", "1.000000", "0.000000", "0",
	    "\"true\"") LINE("1.000000", "null", "null", "null", "null"));
	free(got);
	free(s);
}

/* Random bytes, NULs and ESCs among them: lines are JSON, or none. */
static void
test_garbage(void **state)
{
	static const char	 alphabet[] = "\033\007\0\\]1337;ACDcmd7701=+/a\n";
	uint32_t		 x = 2463534242U;
	size_t			 len = 1 << 20, i;
	json_t			*j;
	char			*s, *got, *line, *nl;

	(void)state;
	s = xmalloc(len);
	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		s[i] = (x & 0x100) ? (char)x :
		    alphabet[x % (sizeof alphabet - 1)];
	}
	got = run_len(s, len);
	for (line = got; *line != '\0'; line = nl + 1) {
		assert_non_null(nl = strchr(line, '\n'));
		*nl = '\0';
		assert_non_null(j = json_loads(line, 0, NULL));
		assert_int_equal(json_object_size(j), 5);
		json_decref(j);
	}
	free(got);
	free(s);
}

/* script(1)'s classic timing log: "DELAY BYTES" a line. */
static char *
replay(const char *out, const char *timing, size_t at_once)
{
	struct marks	*m;
	FILE		*fp;
	char		*bytes;
	double		 t = 0, delay;
	size_t		 len, off = 0, n;
	int		 fd = memfd(), in;

	assert_int_not_equal(in = open(out, O_RDONLY), -1);
	bytes = contents(in, &len);
	close(in);
	m = marks_new(fd);
	if (at_once > 0) {
		for (off = 0; off < len; off += n) {
			n = len - off < at_once ? len - off : at_once;
			feed(m, 1, bytes + off, n);
		}
	} else {
		assert_non_null(fp = fopen(timing, "r"));
		while (fscanf(fp, "%lf %zu", &delay, &n) == 2) {
			assert_true(off + n <= len);
			t += delay;
			feed(m, t, bytes + off, n);
			off += n;
		}
		fclose(fp);
		assert_int_equal(off, len);
	}
	free(bytes);
	return finish(m, fd);
}

/* A real bash with the image's breakfix-marks.bash (capture.sh). */
static void
test_real_bash(void **state)
{
	static const struct {
		const char	*command;
		int		 exit;
		double		 min, max;	/* duration */
	} want[] = {
		{ "true", 0, 0, 0.3 },
		{ "false", 1, 0, 0.3 },
		{ "(exit 3)", 3, 0, 0.3 },
		{ "printf '%s\\n' \"naïve ☕ \\\"q\\\" 'x'\"", 0, 0, 0.3 },
		{ "sleep 1", 0, 1, 1.3 },
		{ "sleep 1", 0, 1, 1.3 },		/* ignoredups: right */
		{ "sleep 1", 0, 0, 0.3 },		/* " echo hidden" */
		{ "sleep 5", 130, 0.2, 1 },		/* ^C */
		{ "false", 1, 0, 0.3 },			/* in a nested bash */
		{ "exit 4", 4, 0, 0.3 },		/* its EXIT trap */
		{ "bash", 4, 0.5, 3 },
		{ "exit", 4, 0, 0.3 },
	};
	json_t	*j;
	char	*got, *again, *line, *nl;
	double	 start, end, last_end = 0;
	size_t	 i = 0, at_once;

	(void)state;
	got = replay("marks/bash.out", "marks/bash.timing", 0);
	for (line = got; *line != '\0'; line = nl + 1, i++) {
		assert_non_null(nl = strchr(line, '\n'));
		*nl = '\0';
		assert_true(i < nitems(want));
		assert_non_null(j = json_loads(line, 0, NULL));
		assert_string_equal(json_string_value(json_object_get(j,
		    "command")), want[i].command);
		assert_int_equal(json_integer_value(json_object_get(j,
		    "exit")), want[i].exit);
		start = json_real_value(json_object_get(j, "start"));
		end = json_real_value(json_object_get(j, "end"));
		assert_true(end >= last_end);
		assert_true(fabs(json_real_value(json_object_get(j,
		    "duration")) - (end - start)) < 1e-6);
		assert_true(end - start >= want[i].min);
		assert_true(end - start <= want[i].max);
		last_end = end;
		json_decref(j);
	}
	assert_int_equal(i, nitems(want));
	free(got);

	/* However the bytes are cut up, the same log (times aside). */
	got = replay("marks/bash.out", NULL, SIZE_MAX);
	for (at_once = 1; at_once < 200; at_once++) {
		again = replay("marks/bash.out", NULL, at_once);
		assert_string_equal(again, got);
		free(again);
	}
	free(got);
}

static void
test_files(void **state)
{
	struct marks	*m;
	struct stat	 st;
	char		*path, *cause = NULL, *got, *p;
	int		 fd;

	(void)state;
	p = marks_path("/x/sessions/20250101T000000Z-7.cast");
	assert_string_equal(p, "/x/sessions/20250101T000000Z-7.commands");
	free(p);
	p = marks_path("odd.name");
	assert_string_equal(p, "odd.name.commands");
	free(p);
	p = marks_path(".cast");
	assert_string_equal(p, ".cast.commands");
	free(p);

	xasprintf(&path, "%s/s.commands", dir);
	assert_non_null(m = marks_open(path, &cause));
	feed(m, 1, C CMD("dHJ1ZQo=") D(0) C, strlen(C CMD("dHJ1ZQo=") D(0) C));
	assert_int_equal(marks_close(m, &cause), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	got = contents(fd = open(path, O_RDONLY), NULL);
	close(fd);
	assert_string_equal(got,
	    LINE("1.000000", "1.000000", "0.000000", "0", "\"true\"")
	    LINE("1.000000", "null", "null", "null", "null"));
	free(got);

	/* Never overwritten. */
	assert_null(marks_open(path, &cause));
	assert_non_null(strstr(cause, "cannot create '"));
	assert_non_null(strstr(cause, "File exists"));
	free(cause);
	unlink(path);
	free(path);
	assert_int_equal(marks_close(NULL, &cause), 0);
}

static void
test_write_error(void **state)
{
	struct marks	*m;
	char		*cause = NULL;
	int		 fd;

	(void)state;
	assert_int_not_equal(fd = open("/dev/null", O_RDONLY), -1);
	m = marks_new(fd);
	assert_int_equal(marks_feed(m, 1, C, strlen(C), &cause), 0);
	assert_int_equal(marks_feed(m, 1, D(0), strlen(D(0)), &cause), -1);
	assert_string_equal(cause,
	    "cannot write 'commands log': Bad file descriptor");
	free(cause);
	cause = NULL;
	assert_int_equal(marks_feed(m, 1, "x", 1, &cause), -1);
	assert_string_equal(cause, "'commands log' is broken by an earlier "
	    "error");
	free(cause);
	cause = NULL;
	assert_int_equal(marks_close(m, &cause), -1);
	free(cause);
	close(fd);
}

/* Inputs found by the fuzzer (tests/data/marks/fuzz/), replayed. */
static void
test_fuzz_regressions(void **state)
{
	struct dirent	**list;
	char		 *file, *bytes, *got;
	size_t		  len;
	int		  n, i, fd;

	(void)state;
	if ((n = scandir("marks/fuzz", &list, NULL, alphasort)) < 0)
		return;
	for (i = 0; i < n; i++) {
		if (list[i]->d_name[0] != '.') {
			xasprintf(&file, "marks/fuzz/%s", list[i]->d_name);
			assert_int_not_equal(fd = open(file, O_RDONLY), -1);
			bytes = contents(fd, &len);
			close(fd);
			got = run_len(bytes, len);
			assert_null(memchr(got, '\0', strlen(got)));
			free(got);
			free(bytes);
			free(file);
		}
		free(list[i]);
	}
	free(list);
}

static int
setup(void **state)
{
	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	return chdir(DATADIR);
}

static int
teardown(void **state)
{
	(void)state;
	return rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_command),
		cmocka_unit_test(test_st_terminator),
		cmocka_unit_test(test_split_everywhere),
		cmocka_unit_test(test_exit_statuses),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_bad_base64),
		cmocka_unit_test(test_stray_marks),
		cmocka_unit_test(test_nested),
		cmocka_unit_test(test_unfinished),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_overlong),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_real_bash),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_write_error),
		cmocka_unit_test(test_fuzz_regressions),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
