/*
 * test_cast.c - reading asciicast v2: breakfix's own recordings (from
 * the real writer too), one made by asciinema, and everything a hostile
 * or broken file can be: truncated, bad JSON, wrong types, huge lines,
 * times going backwards, unknown codes, empty. Fixtures are in
 * tests/data/cast/; inputs the fuzzer found are in tests/data/cast/fuzz/.
 */
#include <sys/stat.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "cast.h"
#include "chain.h"
#include "file-fixture.h"
#include "record.h"
#include "util.h"

#define HDR	"{\"version\": 2, \"width\": 80, \"height\": 24}\n"
#define FFFD	"\xef\xbf\xbd"

static char	 dir[] = "/tmp/test_cast.XXXXXX";

static struct cast *
parse_len(const char *buf, size_t len)
{
	struct cast	*c;
	char		*cause = NULL;

	c = cast_parse("x.cast", buf, len, &cause);
	if (c == NULL)
		fail_msg("unexpected error: %s", cause);
	assert_null(cause);
	return c;
}

static struct cast *
parse(const char *s)
{
	return parse_len(s, strlen(s));
}

static void
parse_fails_len(const char *buf, size_t len, const char *want)
{
	char	*cause = NULL;

	assert_null(cast_parse("x.cast", buf, len, &cause));
	assert_non_null(cause);
	if (strcmp(cause, want) != 0)
		fail_msg("cause '%s', wanted '%s'", cause, want);
	free(cause);
}

static void
parse_fails(const char *s, const char *want)
{
	parse_fails_len(s, strlen(s), want);
}

static struct cast *
load(const char *path)
{
	struct cast	*c;
	char		*cause = NULL;

	if ((c = cast_load(path, &cause)) == NULL)
		fail_msg("cannot load %s: %s", path, cause);
	return c;
}

static char *
spill(const char *name, const char *buf, size_t len)
{
	char	*path;
	int	 fd;

	xasprintf(&path, "%s/%s", dir, name);
	assert_int_not_equal(fd = open(path, O_WRONLY | O_CREAT | O_TRUNC,
	    0600), -1);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	close(fd);
	return path;
}

/* cast_load and cast_parse see the same thing. */
static void
assert_same(const struct cast *a, const struct cast *b)
{
	size_t	 i;

	assert_int_equal(a->nevents, b->nevents);
	assert_int_equal(a->truncated, b->truncated);
	assert_int_equal(a->skipped, b->skipped);
	assert_int_equal(a->backwards, b->backwards);
	assert_int_equal(a->header.width, b->header.width);
	assert_int_equal(a->header.height, b->header.height);
	for (i = 0; i < a->nevents; i++) {
		assert_true(a->events[i].time == b->events[i].time);
		assert_int_equal(a->events[i].code, b->events[i].code);
		assert_int_equal(a->events[i].line, b->events[i].line);
		assert_int_equal(a->events[i].len, b->events[i].len);
		assert_memory_equal(a->events[i].data, b->events[i].data,
		    a->events[i].len + 1);
	}
}

/* The example in docs/recording-format.md: what the gateway writes. */
static void
test_breakfix_format(void **state)
{
	static const enum cast_code codes[] = { CAST_OUTPUT, CAST_INPUT,
	    CAST_OUTPUT, CAST_INPUT, CAST_OUTPUT, CAST_OUTPUT, CAST_RESIZE,
	    CAST_MARKER };
	struct cast	*c = load("cast/breakfix.cast");
	size_t		 i;

	(void)state;
	assert_string_equal(c->path, "cast/breakfix.cast");
	assert_int_equal(c->header.version, 2);
	assert_int_equal(c->header.width, 80);
	assert_int_equal(c->header.height, 24);
	assert_int_equal(c->header.timestamp, 1700000000);
	assert_true(c->header.idle_time_limit == 0);
	assert_string_equal(c->header.term, "xterm-256color");
	assert_string_equal(c->header.shell, "/bin/bash");
	assert_string_equal(c->header.title,
	    "exercise web-down-7f3a: candidate ada");
	assert_int_equal(c->nevents, 8);
	for (i = 0; i < c->nevents; i++) {
		assert_int_equal(c->events[i].code, codes[i]);
		assert_int_equal(c->events[i].line, i + 2);
	}
	assert_true(c->events[0].time == 0.003698);
	assert_string_equal(c->events[5].data, "\xc3\xa9\r\n$ ");
	assert_int_equal(c->events[5].len, 6);
	assert_string_equal(c->events[6].data, "100x30");
	assert_string_equal(c->events[7].data, "check web-up passed");
	assert_false(c->truncated || c->backwards || c->skipped);
	cast_free(c);
}

/* Made by asciinema 2.2 itself ("asciinema rec --stdin"). */
static void
test_asciinema_file(void **state)
{
	struct cast	*c = load("cast/asciinema.cast");

	(void)state;
	assert_int_equal(c->header.width, 80);
	assert_int_equal(c->header.height, 24);
	assert_true(c->header.timestamp > 1700000000);
	assert_string_equal(c->header.term, "xterm");
	assert_string_equal(c->header.shell, "/bin/bash");
	assert_null(c->header.title);
	assert_int_equal(c->nevents, 3);
	assert_string_equal(c->events[0].data, "\033[1;32mgreen\033[0m "
	    "caf\xc3\xa9 \xe2\x98\x95\r\n");
	assert_true(c->events[1].time == 0.35048);
	assert_string_equal(c->events[2].data, "tab\there\r\n");
	assert_false(c->truncated || c->backwards || c->skipped);
	cast_free(c);
}

/* What record.c writes reads back as the same bytes and events. */
static void
test_record_round_trip(void **state)
{
	static const unsigned char key[] = "0123456789abcdef";
	static const char out[] = "caf\xc3\xa9 nul\0 \x1b[1mbold\x1b[0m\r\n";
	static const struct record_header h = { 100, 30, 1700000001,
	    "xterm", NULL, "exercise x: candidate \"bo\\b\"" };
	struct record	*r;
	struct cast	*c;
	char		*path, *cause = NULL;

	(void)state;
	xasprintf(&path, "%s/round.cast", dir);
	assert_non_null(r = record_open(path, &h, key, sizeof key - 1,
	    &cause));
	/* Split inside the é: the writer holds the first byte back. */
	assert_int_equal(record_output(r, out, 4, &cause), 0);
	assert_int_equal(record_input(r, "q\r", 2, &cause), 0);
	assert_int_equal(record_output(r, out + 4, sizeof out - 5, &cause), 0);
	assert_int_equal(record_output(r, "\xff", 1, &cause), 0);
	assert_int_equal(record_resize(r, 120, 40, &cause), 0);
	assert_int_equal(record_marker(r, "end", &cause), 0);
	assert_int_equal(record_close(r, &cause), 0);

	c = load(path);
	assert_int_equal(c->header.width, 100);
	assert_int_equal(c->header.height, 30);
	assert_int_equal(c->header.timestamp, 1700000001);
	assert_string_equal(c->header.term, "xterm");
	assert_null(c->header.shell);
	assert_string_equal(c->header.title, "exercise x: candidate \"bo\\b\"");
	assert_int_equal(c->nevents, 6);
	assert_int_equal(c->events[0].code, CAST_OUTPUT);
	assert_string_equal(c->events[0].data, "caf");
	assert_int_equal(c->events[1].code, CAST_INPUT);
	assert_int_equal(c->events[2].len, sizeof out - 5 + 1);
	assert_memory_equal(c->events[2].data, out + 3, sizeof out - 4);
	assert_string_equal(c->events[3].data, FFFD);
	assert_int_equal(c->events[4].code, CAST_RESIZE);
	assert_string_equal(c->events[4].data, "120x40");
	assert_int_equal(c->events[5].code, CAST_MARKER);
	assert_false(c->truncated || c->backwards || c->skipped);
	cast_free(c);
	unlink(path);
	xasprintf(&cause, "%s%s", path, CHAIN_SUFFIX);
	unlink(cause);
	free(cause);
	free(path);
}

/* A writer killed mid-line: the cut line goes, the rest plays. */
static void
test_truncated(void **state)
{
	struct cast	*c;
	char		*cause = NULL;

	(void)state;
	c = load("cast/truncated.cast");
	assert_true(c->truncated);
	assert_int_equal(c->nevents, 2);
	assert_string_equal(c->events[1].data, "echo one\r\none\r\n$ ");
	cast_free(c);

	c = parse(HDR "[1, \"o\", \"a\"]\n[2, \"o\", \"b");
	assert_true(c->truncated);
	assert_int_equal(c->nevents, 1);
	cast_free(c);
	c = parse(HDR "[1, \"o\", \"a\"]\n[2.5");
	assert_true(c->truncated);
	cast_free(c);

	/* Whole but for its newline: kept, not truncated. */
	c = parse(HDR "[1, \"o\", \"a\"]\n[2, \"o\", \"b\"]");
	assert_false(c->truncated);
	assert_int_equal(c->nevents, 2);
	assert_string_equal(c->events[1].data, "b");
	cast_free(c);

	/* Cut short anywhere but at the end is an error. */
	parse_fails(HDR "[1, \"o\", \"a\n[2, \"o\", \"b\"]\n",
	    "x.cast:2: invalid JSON: premature end of input near '\"a' "
	    "(column 11)");
	/* A header cut short is not a recording. */
	assert_null(cast_parse("x.cast", "{\"version\": 2, \"wi", 18,
	    &cause));
	assert_non_null(strstr(cause, "x.cast:1: invalid JSON: "));
	free(cause);
	/* A whole line of the wrong shape is not what a cut leaves. */
	parse_fails(HDR "[1, \"o\"]", "x.cast:2: an event has 2 elements, "
	    "not 3 ([time, code, data])");
}

static void
test_bad_json(void **state)
{
	struct cast	*c;
	char		*cause = NULL;

	(void)state;
	parse_fails(HDR "[1, \"o\", \"a\"]\n[2, o, \"b\"]\n",
	    "x.cast:3: invalid JSON: invalid token near 'o' (column 5)");
	parse_fails(HDR "[1, \"o\", \"a\"] x\n",
	    "x.cast:2: invalid JSON: end of file expected near 'x' "
	    "(column 15)");
	parse_fails("not json\n", "x.cast:1: invalid JSON: '[' or '{' "
	    "expected near 'not' (column 3)");
	/* Invalid UTF-8 is refused, not passed on. */
	parse_fails(HDR "[1, \"o\", \"\xff\"]\n",
	    "x.cast:2: invalid JSON: unable to decode byte 0xff near '\"' "
	    "(column 10)");
	/* The error text is made safe to print. */
	parse_fails(HDR "[1, \"o\", \"\x1b[31m\"]\n",
	    "x.cast:2: invalid JSON: control character 0x1b near '\"' "
	    "(column 10)");
	/* The file's own line numbers, blank lines counted. */
	parse_fails(HDR "\n\n[1, \"o\", }\n",
	    "x.cast:4: invalid JSON: unexpected token near '}' (column 10)");
	c = cast_load("cast/bad-json.cast", &cause);
	assert_null(c);
	assert_string_equal(cause, "cast/bad-json.cast:4: invalid JSON: ']' "
	    "expected near end of file (column 21)");
	free(cause);
}

/* Headers that are not asciicast v2, and what the reader says. */
static const struct {
	const char	*header, *cause;
} bad_headers[] = {
	    { "[2, 80, 24]", "the header is not a JSON object" },
	    { "{\"width\": 80, \"height\": 24}",
	      "not an asciicast version 2 header (\"version\" is missing)" },
	    { "{\"version\": 1, \"width\": 80, \"height\": 24}",
	      "not an asciicast version 2 header (\"version\" is not 2)" },
	    { "{\"version\": 2.0, \"width\": 80, \"height\": 24}",
	      "not an asciicast version 2 header (\"version\" is not 2)" },
	    { "{\"version\": \"2\", \"width\": 80, \"height\": 24}",
	      "not an asciicast version 2 header (\"version\" is not 2)" },
	    { "{\"version\": 2, \"height\": 24}",
	      "the header has no \"width\"" },
	    { "{\"version\": 2, \"width\": 80}",
	      "the header has no \"height\"" },
	    { "{\"version\": 2, \"width\": 0, \"height\": 24}",
	      "\"width\" is not an integer from 1 to 10000" },
	    { "{\"version\": 2, \"width\": -80, \"height\": 24}",
	      "\"width\" is not an integer from 1 to 10000" },
	    { "{\"version\": 2, \"width\": 80, \"height\": 10001}",
	      "\"height\" is not an integer from 1 to 10000" },
	    { "{\"version\": 2, \"width\": \"80\", \"height\": 24}",
	      "\"width\" is not an integer from 1 to 10000" },
	    { "{\"version\": 2, \"width\": 80.5, \"height\": 24}",
	      "\"width\" is not an integer from 1 to 10000" },
	    { "{\"version\": 2, \"width\": 80, \"height\": null}",
	      "\"height\" is not an integer from 1 to 10000" },
	    { "{\"version\": 2, \"width\": 80, \"height\": 24, "
	      "\"timestamp\": -1}", "\"timestamp\" is not a Unix time" },
	    { "{\"version\": 2, \"width\": 80, \"height\": 24, "
	      "\"timestamp\": 1.5}", "\"timestamp\" is not a Unix time" },
	    { "{\"version\": 2, \"width\": 80, \"height\": 24, "
	      "\"idle_time_limit\": -2}",
	      "\"idle_time_limit\" is not a number of seconds" },
	    { "{\"version\": 2, \"width\": 80, \"height\": 24, "
	      "\"idle_time_limit\": \"2\"}",
	      "\"idle_time_limit\" is not a number of seconds" },
	    { "{\"version\": 2, \"width\": 80, \"height\": 24, "
	      "\"duration\": true}", "\"duration\" is not a number of seconds" },
	    { "{\"version\": 2, \"width\": 80, \"height\": 24, "
	      "\"title\": 7}", "\"title\" is not a string" },
	    { "{\"version\": 2, \"width\": 80, \"height\": 24, "
	      "\"command\": []}", "\"command\" is not a string" },
	    { "{\"version\": 2, \"width\": 80, \"height\": 24, "
	      "\"env\": \"TERM=xterm\"}", "\"env\" is not an object" },
	    { "{\"version\": 2, \"width\": 80, \"height\": 24, "
	      "\"env\": {\"TERM\": 1}}", "\"env.TERM\" is not a string" },
	    { "{\"version\": 2, \"width\": 80, \"height\": 24, "
	      "\"env\": {\"SHELL\": {}}}", "\"env.SHELL\" is not a string" },
	    { "{\"version\": 2, \"width\": 80, \"height\": 24, "
	      "\"theme\": 3}", "\"theme\" is not an object" },
};

static void
test_header_types(void **state)
{
	char		*in, *want;
	size_t		 i;

	(void)state;
	for (i = 0; i < nitems(bad_headers); i++) {
		xasprintf(&in, "%s\n[1, \"o\", \"a\"]\n",
		    bad_headers[i].header);
		xasprintf(&want, "x.cast:1: %s", bad_headers[i].cause);
		parse_fails(in, want);
		free(in);
		free(want);
	}
}

/* Optional fields: absent, null, or the right type. */
static void
test_header_optional(void **state)
{
	struct cast	*c;

	(void)state;
	c = parse("{\"version\": 2, \"width\": 10000, \"height\": 1, "
	    "\"timestamp\": null, \"idle_time_limit\": 1.5, \"duration\": 3, "
	    "\"command\": \"bash\", \"title\": \"t\\u0000x\", "
	    "\"env\": {\"TERM\": null, \"SHELL\": \"/bin/zsh\", \"X\": 1}, "
	    "\"theme\": {\"fg\": \"#fff\"}, \"future\": [1, 2]}\n");
	assert_int_equal(c->header.width, 10000);
	assert_int_equal(c->header.height, 1);
	assert_int_equal(c->header.timestamp, 0);
	assert_true(c->header.idle_time_limit == 1.5);
	assert_string_equal(c->header.title, "t");
	assert_null(c->header.term);
	assert_string_equal(c->header.shell, "/bin/zsh");
	cast_free(c);
}

static void
test_event_types(void **state)
{
	static const struct {
		const char	*event, *cause;
	} bad[] = {
	    { "{\"time\": 1}", "an event is not a JSON array" },
	    { "\"o\"", "invalid JSON: '[' or '{' expected near '\"o\"' "
	      "(column 3)" },
	    { "[]", "an event has 0 elements, not 3 ([time, code, data])" },
	    { "[1, \"o\", \"a\", \"b\"]",
	      "an event has 4 elements, not 3 ([time, code, data])" },
	    { "[\"1\", \"o\", \"a\"]", "the event time is not a number" },
	    { "[null, \"o\", \"a\"]", "the event time is not a number" },
	    { "[-0.5, \"o\", \"a\"]", "the event time -0.5 is negative" },
	    { "[1e999, \"o\", \"a\"]", "invalid JSON: real number overflow "
	      "near '1e999' (column 6)" },
	    { "[1, 111, \"a\"]", "the event code is not a string" },
	    { "[1, \"o\", 5]", "the event data is not a string" },
	    { "[1, \"o\", null]", "the event data is not a string" },
	    { "[1, \"o\", [\"a\"]]", "the event data is not a string" },
	};
	char	*in, *want;
	size_t	 i;

	(void)state;
	for (i = 0; i < nitems(bad); i++) {
		xasprintf(&in, HDR "[0, \"o\", \"x\"]\n%s\n", bad[i].event);
		xasprintf(&want, "x.cast:3: %s", bad[i].cause);
		parse_fails(in, want);
		free(in);
		free(want);
	}
}

/* Lines up to CAST_LINE_MAX bytes are read; a longer one is an error. */
static void
test_huge_line(void **state)
{
	struct cast	*c;
	size_t		 len, n;
	char		*buf, *path, *cause = NULL, *want;

	(void)state;
	n = strlen(HDR) + CAST_LINE_MAX + 2 + strlen("[9, \"o\", \"z\"]\n");
	buf = xmalloc(n + 1);
	len = (size_t)snprintf(buf, n + 1, HDR "[1, \"o\", \"");
	memset(buf + len, 'a', CAST_LINE_MAX);
	/* Exactly CAST_LINE_MAX bytes between the newlines. */
	len = strlen(HDR) + CAST_LINE_MAX - 2;
	memcpy(buf + len, "\"]\n[9, \"o\", \"z\"]\n", 17);
	len += 17;
	c = parse_len(buf, len);
	assert_int_equal(c->nevents, 2);
	assert_int_equal(c->events[0].len, CAST_LINE_MAX - 12);
	assert_int_equal(c->events[1].line, 3);
	cast_free(c);
	path = spill("max.cast", buf, len);
	c = load(path);
	assert_int_equal(c->nevents, 2);
	assert_int_equal(c->events[0].len, CAST_LINE_MAX - 12);
	cast_free(c);
	unlink(path);
	free(path);

	/* One byte more. */
	xasprintf(&want, "x.cast:2: line longer than %d bytes", CAST_LINE_MAX);
	memmove(buf + strlen(HDR) + 1, buf + strlen(HDR), len - strlen(HDR));
	len++;
	parse_fails_len(buf, len, want);
	path = spill("huge.cast", buf, len);
	assert_null(cast_load(path, &cause));
	assert_string_equal(strchr(cause, ':'), strchr(want, ':'));
	free(cause);
	unlink(path);
	free(path);

	/* Without a newline at all, at the end: still too long. */
	len = strlen(HDR) + CAST_LINE_MAX + 1;
	parse_fails_len(buf, len, want);
	path = spill("huge-end.cast", buf, len);
	assert_null(cast_load(path, &cause));
	assert_string_equal(strchr(cause, ':'), strchr(want, ':'));
	free(cause);
	unlink(path);
	free(path);
	free(want);
	free(buf);
}

static void
test_backwards(void **state)
{
	struct cast	*c;

	(void)state;
	c = parse(HDR "[1, \"o\", \"a\"]\n[1, \"o\", \"b\"]\n[2, \"o\", \"c\"]\n");
	assert_false(c->backwards);
	cast_free(c);
	c = parse(HDR "[1, \"o\", \"a\"]\n[0.5, \"o\", \"b\"]\n[2, \"o\", \"c\"]\n");
	assert_true(c->backwards);
	assert_int_equal(c->nevents, 3);
	assert_true(c->events[1].time == 0.5);	/* kept as written */
	cast_free(c);
}

static void
test_unknown_codes(void **state)
{
	struct cast	*c;

	(void)state;
	c = parse(HDR "[1, \"o\", \"a\"]\n[2, \"x\", \"?\"]\n[3, \"oo\", \"?\"]\n"
	    "[4, \"\", \"?\"]\n[5, \"O\", \"?\"]\n[6, \"o\\u0000\", \"?\"]\n"
	    "[7, \"m\", \"\"]\n");
	assert_int_equal(c->skipped, 5);
	assert_int_equal(c->nevents, 2);
	assert_int_equal(c->events[1].code, CAST_MARKER);
	assert_int_equal(c->events[1].line, 8);
	assert_int_equal(c->events[1].len, 0);
	cast_free(c);
}

static void
test_empty(void **state)
{
	char	*path, *cause = NULL;

	(void)state;
	parse_fails("", "x.cast: no asciicast header (the file is empty)");
	parse_fails("\n \r\n\t\n", "x.cast: no asciicast header "
	    "(the file is empty)");
	path = spill("empty.cast", "", 0);
	assert_null(cast_load(path, &cause));
	assert_non_null(strstr(cause, "empty.cast: no asciicast header"));
	free(cause);
	unlink(path);
	free(path);
}

static void
test_header_only(void **state)
{
	struct cast	*c;

	(void)state;
	c = parse(HDR);
	assert_int_equal(c->nevents, 0);
	assert_null(c->events);
	assert_false(c->truncated);
	cast_free(c);
	c = parse("{\"version\": 2, \"width\": 80, \"height\": 24}");
	assert_int_equal(c->nevents, 0);
	cast_free(c);
}

/* Blank lines anywhere, CRLF line ends, \u0000 in data. */
static void
test_blank_crlf_nul(void **state)
{
	struct cast	*c;

	(void)state;
	c = parse("\n  \n{\"version\": 2, \"width\": 80, \"height\": 24}\r\n\r\n"
	    "[1, \"o\", \"a\\u0000b\"]\r\n\n\t\n[2, \"i\", \"\\u0000\"]");
	assert_int_equal(c->nevents, 2);
	assert_int_equal(c->events[0].line, 5);
	assert_int_equal(c->events[0].len, 3);
	assert_memory_equal(c->events[0].data, "a\0b", 4);
	assert_int_equal(c->events[1].line, 8);
	assert_int_equal(c->events[1].len, 1);
	assert_int_equal(c->events[1].data[0], '\0');
	cast_free(c);
}

static void
test_load_errors(void **state)
{
	char	*cause = NULL, *want;

	(void)state;
	assert_null(cast_load("cast/nope.cast", &cause));
	assert_string_equal(cause, "cannot open 'cast/nope.cast': No such file "
	    "or directory");
	free(cause);
	assert_null(cast_load(dir, &cause));
	xasprintf(&want, "cannot read '%s': Is a directory", dir);
	assert_string_equal(cause, want);
	free(want);
	free(cause);
}

/*
 * cast_load reads in pieces: lines cut by every read boundary give what
 * cast_parse gives for the whole buffer, for the fixtures and for a big
 * file of lines of every length.
 */
static void
test_load_equals_parse(void **state)
{
	static const char *const fixtures[] = { "cast/breakfix.cast",
	    "cast/asciinema.cast", "cast/truncated.cast", "cast/play.cast" };
	struct cast	*a, *b;
	char		*buf, *path, *line;
	size_t		 i, len, off, cap = 4 << 20;

	(void)state;
	for (i = 0; i < nitems(fixtures); i++) {
		buf = fixture_slurp(fixtures[i], &len);
		a = load(fixtures[i]);
		b = parse_len(buf, len);
		assert_same(a, b);
		cast_free(a);
		cast_free(b);
		free(buf);
	}

	buf = xmalloc(cap);
	off = (size_t)snprintf(buf, cap, HDR);
	line = xmalloc(70000);
	for (i = 0; off + 80000 < cap; i++) {
		memset(line, 'a' + (int)(i % 26), (i * 7919) % 69000);
		line[(i * 7919) % 69000] = '\0';
		off += (size_t)snprintf(buf + off, cap - off,
		    "[%zu.5, \"o\", \"%s\"]\n", i, line);
	}
	off += (size_t)snprintf(buf + off, cap - off, "[1e6, \"o\", \"cut");
	path = spill("big.cast", buf, off);
	a = load(path);
	b = parse_len(buf, off);
	assert_int_equal(a->nevents, i);
	assert_true(a->truncated);
	assert_same(a, b);
	cast_free(a);
	cast_free(b);
	unlink(path);
	free(path);
	free(line);
	free(buf);
}

/* Inputs found by the fuzzer (tests/data/cast/fuzz/), replayed. */
static void
test_fuzz_regressions(void **state)
{
	struct dirent	**list;
	struct cast	 *c;
	char		 *file, *bytes, *cause;
	size_t		  len;
	int		  n, i;

	(void)state;
	if ((n = scandir("cast/fuzz", &list, NULL, alphasort)) < 0)
		return;
	for (i = 0; i < n; i++) {
		if (list[i]->d_name[0] != '.') {
			xasprintf(&file, "cast/fuzz/%s", list[i]->d_name);
			bytes = fixture_slurp(file, &len);
			cause = NULL;
			c = cast_parse(file, bytes, len, &cause);
			assert_true((c == NULL) != (cause == NULL));
			cast_free(c);
			free(cause);
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
		cmocka_unit_test(test_breakfix_format),
		cmocka_unit_test(test_asciinema_file),
		cmocka_unit_test(test_record_round_trip),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_bad_json),
		cmocka_unit_test(test_header_types),
		cmocka_unit_test(test_header_optional),
		cmocka_unit_test(test_event_types),
		cmocka_unit_test(test_huge_line),
		cmocka_unit_test(test_backwards),
		cmocka_unit_test(test_unknown_codes),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_header_only),
		cmocka_unit_test(test_blank_crlf_nul),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_load_equals_parse),
		cmocka_unit_test(test_fuzz_regressions),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
