/*
 * test_escape.c - what a hostile candidate types, as a reviewer sees it:
 * on a terminal (escape_text) and in Markdown (escape_markdown, and
 * escape_markdown_code for a command in a table).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "escape.h"
#include "utf8.h"

struct escape_case {
	const char	*in;
	const char	*text;		/* escape_text */
	const char	*md;		/* escape_markdown */
	const char	*code;		/* escape_markdown_code */
};

static const struct escape_case cases[] = {
	{ "", "", "", "" },
	{ "ls -l", "ls -l", "ls -l", "`ls -l`" },
	/* A second line that looks like an entry, or a heading. */
	{ "echo 'one\n## Checks: ALL PASS'",
	  "echo 'one\\n## Checks: ALL PASS'",
	  "echo 'one\\\\n## Checks: ALL PASS'",
	  "`echo 'one\\n## Checks: ALL PASS'`" },
	{ "true\n   0:09.9     0.1s    0  sudo systemctl restart nginx",
	  "true\\n   0:09.9     0.1s    0  sudo systemctl restart nginx",
	  NULL, NULL },
	{ "## Checks: ALL PASS", "## Checks: ALL PASS",
	  "\\## Checks: ALL PASS", "`## Checks: ALL PASS`" },
	{ "  # x #", "  # x #", "  \\# x #", NULL },
	/* CR would let the end of a line overwrite its start. */
	{ "rm -rf /srv\rls -l", "rm -rf /srv\\rls -l", NULL, NULL },
	{ "\r\n", "\\r\\n", "\\\\r\\\\n", "`\\r\\n`" },
	{ "a\tb", "a\\tb", NULL, NULL },
	/* Escape sequences: erase the line, a title, a colour. */
	{ "\033[2K\033[1G\033]0;pwned\007ok",
	  "\\e[2K\\e[1G\\e]0;pwned\\aok",
	  "\\\\e\\[2K\\\\e\\[1G\\\\e\\]0;pwned\\\\aok", NULL },
	{ "\001\b\v\f\177\037", "\\x01\\b\\v\\f\\x7f\\x1f", NULL, NULL },
	/* A literal backslash-n is not a newline. */
	{ "printf 'a\\nb'", "printf 'a\\\\nb'", "printf 'a\\\\\\\\nb'",
	  "`printf 'a\\\\nb'`" },
	{ "\\", "\\\\", "\\\\\\\\", "`\\\\`" },
	/* Markup. */
	{ "ls | grep x", "ls | grep x", "ls \\| grep x", "`ls \\| grep x`" },
	{ "echo `id`", "echo `id`", "echo \\`id\\`", "`` echo `id` ``" },
	{ "``x``", "``x``", NULL, "``` ``x`` ```" },
	{ "`", "`", "\\`", "`` ` ``" },
	{ " x ", " x ", NULL, "`  x  `" },
	{ " x", " x", NULL, "` x`" },
	{ "  ", "  ", NULL, "`  `" },
	{ "<script>alert(1)</script>", "<script>alert(1)</script>",
	  "&lt;script&gt;alert(1)&lt;/script&gt;",
	  "`<script>alert(1)</script>`" },
	{ "[x](http://evil)", "[x](http://evil)", "\\[x\\](http://evil)",
	  "`[x](http://evil)`" },
	{ "**b** _i_ ~~s~~ a&lt;b", NULL,
	  "\\*\\*b\\*\\* \\_i\\_ &#126;&#126;s&#126;&#126; a&amp;lt;b", NULL },
	/* Not UTF-8: each byte on its own. */
	{ "a\xff" "b", "a\\xffb", "a\\\\xffb", NULL },
	{ "\xc3" "x", "\\xc3x", NULL, NULL },
	{ "\xe2\x82", "\\xe2\\x82", NULL, NULL },
	{ "\xed\xa0\x80", "\\xed\\xa0\\x80", NULL, NULL },	/* surrogate */
	{ "\xc0\xaf", "\\xc0\\xaf", NULL, NULL },		/* overlong */
	/* Well-formed, shown as it is. */
	{ "na\xc3\xafve \xe2\x98\x95 \xf0\x9f\x99\x82",
	  "na\xc3\xafve \xe2\x98\x95 \xf0\x9f\x99\x82", NULL, NULL },
	/* C1 controls (U+009B is CSI), direction overrides, tags. */
	{ "\xc2\x9b" "2J", "\\u009b2J", NULL, NULL },
	{ "\xc2\x85", "\\u0085", NULL, NULL },
	{ "echo \xe2\x80\xae" "live", "echo \\u202elive", NULL, NULL },
	{ "a\xe2\x80\xa8" "b\xe2\x81\xa6" "c\xef\xbb\xbf",
	  "a\\u2028b\\u2066c\\ufeff", NULL, NULL },
	{ "\xf3\xa0\x80\x81", "\\U000e0001", NULL, NULL },
	{ "\xc2\xa0\xe2\x80\x90", "\xc2\xa0\xe2\x80\x90", NULL, NULL },
};

static void
test_cases(void **state)
{
	const struct escape_case	*c;
	char				*s;
	size_t				 i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		c = &cases[i];
		if (c->text != NULL) {
			s = escape_text(c->in);
			if (strcmp(s, c->text) != 0)
				fail_msg("case %zu: text '%s'", i, s);
			free(s);
		}
		if (c->md != NULL) {
			s = escape_markdown(c->in);
			if (strcmp(s, c->md) != 0)
				fail_msg("case %zu: markdown '%s'", i, s);
			free(s);
		}
		if (c->code != NULL) {
			s = escape_markdown_code(c->in);
			if (strcmp(s, c->code) != 0)
				fail_msg("case %zu: code '%s'", i, s);
			free(s);
		}
	}
}

/*
 * Every byte value in every position: the output is printable ASCII or
 * well-formed UTF-8 with nothing hidden, and has no line break, and
 * different inputs never give the same output.
 */
static void
check_clean(const char *s)
{
	size_t	 len = strlen(s), n, i;

	for (i = 0; i < len; i += n) {
		if ((n = utf8_char(s + i, len - i)) == 0)
			fail_msg("not UTF-8 at %zu of '%s'", i, s);
		if (n == 1 && ((unsigned char)s[i] < 0x20 || s[i] == 0x7f))
			fail_msg("control 0x%02x in '%s'", s[i], s);
		if (n == 2 && (unsigned char)s[i] == 0xc2 &&
		    (unsigned char)s[i + 1] < 0xa0)
			fail_msg("C1 control in '%s'", s);
	}
}

static void
test_every_byte(void **state)
{
	char	 in[4], *out[256];
	size_t	 b, k;

	(void)state;
	for (b = 1; b < 256; b++) {
		snprintf(in, sizeof in, "a%cz", (int)b);
		out[b] = escape_text(in);
		check_clean(out[b]);
		for (k = 1; k < b; k++) {
			if (strcmp(out[k], out[b]) == 0)
				fail_msg("0x%02zx and 0x%02zx both '%s'", k, b,
				    out[b]);
		}
	}
	for (b = 1; b < 256; b++)
		free(out[b]);
}

/* The Markdown forms never hold a line break or an unescaped pipe. */
static void
test_markdown_cell(void **state)
{
	const char	*p;
	char		*s;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		s = escape_markdown(cases[i].in);
		check_clean(s);
		for (p = strchr(s, '|'); p != NULL; p = strchr(p + 1, '|'))
			assert_true(p > s && p[-1] == '\\');
		free(s);
		s = escape_markdown_code(cases[i].in);
		check_clean(s);
		for (p = strchr(s, '|'); p != NULL; p = strchr(p + 1, '|'))
			assert_true(p > s && p[-1] == '\\');
		free(s);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_every_byte),
		cmocka_unit_test(test_markdown_cell),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
