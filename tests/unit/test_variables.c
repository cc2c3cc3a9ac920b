/*
 * test_variables.c - a scenario's variants: values drawn from a seed,
 * the same in every run and version, and `${{name}}` replaced where it
 * may be, with problems placed at their line and column.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "diag.h"
#include "scenario.h"
#include "util.h"
#include "variables.h"

/* A scenario around what the test puts in: variables and a briefing. */
static char *
yaml_with(const char *variables, const char *briefing, const char *extra)
{
	char	*y;

	xasprintf(&y,
	    "name: v\n"
	    "title: Variants\n"
	    "%s"
	    "briefing: %s\n"
	    "faults:\n"
	    "  - id: f\n"
	    "    kind: script\n"
	    "    run: \"true\"\n"
	    "checks:\n"
	    "  - id: c\n"
	    "    describe: d\n"
	    "    run: \"true\"\n"
	    "solution: \"true\"\n"
	    "%s", variables, briefing, extra);
	return y;
}

static struct scenario *
parse(const char *yaml, int64_t seed, struct diag *d)
{
	return scenario_parse_variant("t.yaml", yaml, strlen(yaml), seed, d);
}

/* The one problem a file has read as seed, which must be msg. */
static void
expect_problem_seed(const char *yaml, int64_t seed, const char *msg)
{
	struct diag	*d = diag_new("t.yaml");

	assert_null(parse(yaml, seed, d));
	if (diag_count(d) != 1 || strcmp(diag_message(d, 0), msg) != 0) {
		size_t i;
		for (i = 0; i < diag_count(d); i++)
			print_error("got: %s\n", diag_message(d, i));
		fail_msg("expected: %s", msg);
	}
	diag_free(d);
}

static void
expect_problem(const char *yaml, const char *msg)
{
	expect_problem_seed(yaml, SCENARIO_SEED_DEFAULT, msg);
}

static const char decls[] =
    "variables:\n"
    "  port: {type: port, min: 20000, max: 20999, exclude: [20080]}\n"
    "  who: {type: user, pattern: \"svc-###\"}\n"
    "  db: {type: choice, from: [orders, billing, ledger]}\n"
    "  token: {type: word, length: 8}\n"
    "  dir: {type: path, from: [/srv/data, /opt/app/data]}\n"
    "  n: {type: number, min: 1, max: 1000000}\n";

static const char uses[] =
    "\"${{port}} ${{who}} ${{db}} ${{token}} ${{dir}} ${{n}}\"";

/*
 * The values of a seed are part of the format: these must never change
 * (docs/scenario-format.md says how they are drawn). They were computed
 * by tests/tools/variables-ref.py, written from that description alone.
 */
static void
test_values_are_stable(void **state)
{
	static const struct {
		int64_t		 seed;
		const char	*briefing;
	} want[] = {
		{ 0, "20501 svc-929 billing jwve1pww /srv/data 800257" },
		{ 7, "20528 svc-736 ledger smhdxrg3 /srv/data 890061" },
		{ 4294967295LL,
		    "20479 svc-547 ledger bwcqw2a7 /srv/data 777801" },
	};
	struct diag	*d = diag_new("t.yaml");
	struct scenario	*sc;
	char		*y = yaml_with(decls, uses, "");
	size_t		 i;

	(void)state;
	for (i = 0; i < nitems(want); i++) {
		assert_non_null(sc = parse(y, want[i].seed, d));
		assert_string_equal(sc->briefing, want[i].briefing);
		assert_int_equal(sc->seed, (uint32_t)want[i].seed);
		scenario_free(sc);
	}
	free(y);
	diag_free(d);
}

/* The same seed twice, the same values; many seeds, many values. */
static void
test_determinism(void **state)
{
	struct diag	*d = diag_new("t.yaml");
	struct scenario	*a, *b;
	char		*y = yaml_with(decls, uses, ""), *first = NULL;
	int64_t		 seed;
	int		 differ = 0;

	(void)state;
	for (seed = 100; seed < 140; seed++) {
		assert_non_null(a = parse(y, seed, d));
		assert_non_null(b = parse(y, seed, d));
		assert_string_equal(a->briefing, b->briefing);
		assert_null(strstr(a->briefing, "20080"));
		if (first == NULL)
			first = xstrdup(a->briefing);
		else
			differ += strcmp(first, a->briefing) != 0;
		scenario_free(a);
		scenario_free(b);
	}
	assert_true(differ >= 35);
	free(first);
	free(y);
	diag_free(d);
}

/* A value depends on its own name only: adding a variable moves none. */
static void
test_names_are_streams(void **state)
{
	struct diag	*d = diag_new("t.yaml");
	struct scenario	*a, *b;
	char		*ya, *yb;

	(void)state;
	ya = yaml_with("variables:\n  db: {type: choice, from: [a, b, c, d, "
	    "e, f, g, h]}\n", "\"${{db}}\"", "");
	yb = yaml_with("variables:\n  aa: {type: word}\n  db: {type: choice, "
	    "from: [a, b, c, d, e, f, g, h]}\n", "\"${{db}} ${{aa}}\"", "");
	assert_non_null(a = parse(ya, 9, d));
	assert_non_null(b = parse(yb, 9, d));
	assert_int_equal(a->briefing[0], b->briefing[0]);
	scenario_free(a);
	scenario_free(b);
	free(ya);
	free(yb);
	diag_free(d);
}

static void
test_substitution_syntax(void **state)
{
	struct diag	*d = diag_new("t.yaml");
	struct scenario	*sc;
	char		*y;

	(void)state;
	y = yaml_with("variables:\n  p: {type: port, min: 8080, max: 8080}\n",
	    "|\n  a ${{ p }} b ${{p}}${{p}} $${{p}} $$ ${HOME} $p\n"
	    "  $$${{p}} ${ {p}} $${{",
	    "hints:\n  - after: 1m\n    text: on ${{p}}\n");
	assert_non_null(sc = parse(y, 1, d));
	assert_string_equal(sc->briefing, "a 8080 b 80808080 ${{p}} $$ ${HOME} "
	    "$p\n$${{p}} ${ {p}} ${{\n");
	assert_string_equal(sc->hints[0].text, "on 8080");
	scenario_free(sc);
	free(y);
	diag_free(d);
}

/* "${{port}}" quoted (as a flow mapping needs) is still a number. */
static void
test_whole_reference_is_plain(void **state)
{
	struct diag	*d = diag_new("t.yaml");
	struct scenario	*sc;
	char		*y;

	(void)state;
	xasprintf(&y,
	    "name: v\ntitle: t\nbriefing: b\n"
	    "variables:\n  p: {type: port, min: 8080, max: 8080}\n"
	    "faults:\n  - {id: f, kind: listen, name: x, port: \"${{p}}\"}\n"
	    "checks:\n  - {id: c, describe: d, tcp: {port: \"${{ p }}\"}}\n"
	    "solution: \"true\"\n");
	assert_non_null(sc = parse(y, 3, d));
	assert_int_equal(sc->checks[0].probe.port, 8080);
	assert_string_equal(scenario_fault_param(&sc->faults[0], "port"),
	    "8080");
	scenario_free(sc);
	free(y);
	diag_free(d);
}

static void
test_errors_have_positions(void **state)
{
	char	*y;

	(void)state;
	y = yaml_with("variables:\n  port: {type: port}\n",
	    "|\n  first line\n  on ${{port}} and ${{prot}}", "");
	expect_problem(y, "t.yaml:7:20: 'briefing': variable 'prot' is not "
	    "declared in 'variables' (did you mean 'port'?)");
	free(y);
	y = yaml_with("variables:\n  port: {type: port}\n",
	    "\"${{port}} ${{port\"", "");
	expect_problem(y, "t.yaml:5:22: 'briefing': '${{' must be followed by "
	    "a variable's name and '}}' (write '$${{' for a literal '${{')");
	free(y);
	y = yaml_with("variables:\n  port: {type: port}\n",
	    "\"${{port}} ${{Port}}\"", "");
	expect_problem(y, "t.yaml:5:22: 'briefing': '${{' must be followed by "
	    "a variable's name and '}}' (write '$${{' for a literal '${{')");
	free(y);
	y = yaml_with("variables:\n  port: {type: port}\n", "\"${{port}}\"",
	    "summary: on ${{port}}\n");
	expect_problem(y, "t.yaml:15:13: 'summary': variables are replaced "
	    "only in briefing, faults, checks, hints and solution, not here "
	    "(write '$${{' for a literal '${{')");
	free(y);
	/* no variables at all: still an undeclared name, placed */
	y = yaml_with("", "x", "hints:\n  - after: 1m\n    text: é ${{x}}\n");
	expect_problem(y, "t.yaml:15:13: 'hints[0].text': variable 'x' is not "
	    "declared in 'variables'");
	free(y);
}

/* Declarations refused, each with its message. */
static const struct {
	const char	*decl;
	const char	*msg;
} bad_decls[] = {
	{ "  p: {type: port, min: 9000, max: 8000}",
	    "t.yaml:4:6: 'variables.p': min (9000) is more than max "
	    "(8000)" },
	{ "  p: {type: port, min: 22, max: 22}",
	    "t.yaml:4:6: 'variables.p': every port from 22 to 22 is "
	    "excluded (22 always is)" },
	{ "  p: {type: port, max: 70000}",
	    "t.yaml:4:24: 'variables.p.max' is 70000, out of range (1 to "
	    "65535)" },
	{ "  c: {type: choice, from: []}",
	    "t.yaml:4:27: 'variables.c.from' must be a list of 1 to 64 "
	    "values, not an empty one" },
	{ "  c: {type: choice}",
	    "t.yaml:4:6: 'variables.c' needs 'from', a list of values" },
	{ "  c: {type: choice, from: [\"a b\"]}",
	    "t.yaml:4:28: 'variables.c.from[0]': values are letters, "
	    "digits and '._:@+/=,-' (no spaces, quotes or '$'), so that "
	    "scripts can use them unquoted" },
	{ "  c: {type: choice, from: [\"$(reboot)\"]}",
	    "t.yaml:4:28: 'variables.c.from[0]': values are letters, "
	    "digits and '._:@+/=,-' (no spaces, quotes or '$'), so that "
	    "scripts can use them unquoted" },
	{ "  u: {type: user, from: [root]}",
	    "t.yaml:4:26: 'variables.u.from[0]': the image keeps that "
	    "account for itself" },
	{ "  u: {type: user, pattern: \"#x\"}",
	    "t.yaml:4:28: 'variables.u.pattern' ('#x'): a user name cannot "
	    "start with a digit" },
	{ "  u: {type: user, pattern: x, from: [y]}",
	    "t.yaml:4:6: 'variables.u' needs either 'from' (a list) or "
	    "'pattern', not both" },
	{ "  d: {type: path, from: [/srv/../etc]}",
	    "t.yaml:4:26: 'variables.d.from[0]': a path may not be '/', "
	    "end in '/', or hold '//', '.' or '..' components" },
	{ "  d: {type: path, pattern: \"srv/#\"}",
	    "t.yaml:4:28: 'variables.d.pattern' ('srv/#'): a path is "
	    "absolute, made of letters, digits and '._/+@-'" },
	{ "  w: {type: word, length: 2}",
	    "t.yaml:4:27: 'variables.w.length' is 2, out of range (4 to "
	    "64)" },
	{ "  w: {type: wrod}",
	    "t.yaml:4:13: 'variables.w.type' must be one of port, number, "
	    "word, choice, user, path (did you mean 'word'?)" },
	{ "  w: {type: word, lenght: 5}",
	    "t.yaml:4:19: unknown key 'lenght' in 'variables.w' (a word "
	    "variable: did you mean 'length'?)" },
	{ "  W-1: {type: word}",
	    "t.yaml:4:3: 'W-1' is not a variable name (lowercase letters, "
	    "digits and '_', starting with a letter, at most 32)" },
	{ "  n: {type: number, min: 1}",
	    "t.yaml:4:6: 'variables.n' needs 'min' and 'max'" },
	{ "  n: 5",
	    "t.yaml:4:6: 'variables.n' must be a mapping such as {type: "
	    "port, min: 8000, max: 8999}" },
};

static void
test_bad_declarations(void **state)
{
	char	*y, *v;
	size_t	 i;

	(void)state;
	for (i = 0; i < nitems(bad_decls); i++) {
		xasprintf(&v, "variables:\n%s\n", bad_decls[i].decl);
		y = yaml_with(v, "b", "");
		expect_problem(y, bad_decls[i].msg);
		free(y);
		free(v);
	}
}

static void
test_ports_exclude(void **state)
{
	struct diag	*d = diag_new("t.yaml");
	struct scenario	*sc;
	char		*y;
	int64_t		 seed;

	(void)state;
	y = yaml_with("variables:\n  p: {type: port, min: 21, max: 24, "
	    "exclude: [21, 24]}\n", "\"${{p}}\"", "");
	for (seed = 0; seed < 32; seed++) {
		assert_non_null(sc = parse(y, seed, d));
		assert_string_equal(sc->briefing, "23");	/* 22 never */
		scenario_free(sc);
	}
	free(y);
	diag_free(d);
}

static void
test_unused_is_a_warning(void **state)
{
	struct diag	*d = diag_new("t.yaml");
	struct scenario	*sc;
	char		*y;

	(void)state;
	y = yaml_with("variables:\n  a: {type: word}\n  b: {type: word}\n",
	    "\"${{a}}\"", "");
	assert_non_null(sc = parse(y, 0, d));
	assert_int_equal(diag_count(d), 0);
	assert_int_equal(diag_count(sc->warnings), 1);
	assert_string_equal(diag_message(sc->warnings, 0), "t.yaml:5:3: "
	    "warning: variable 'b' is declared but never used");
	scenario_free(sc);
	free(y);
	diag_free(d);
}

static void
test_seed_pinned(void **state)
{
	struct diag	*d = diag_new("t.yaml");
	struct scenario	*sc;
	char		*y;

	(void)state;
	y = yaml_with("variables:\n  a: {type: number, min: 1, max: 1000}\n",
	    "\"${{a}}\"", "seed: 7\n");
	assert_non_null(sc = parse(y, SCENARIO_SEED_RANDOM, d));
	assert_int_equal(sc->seed, 7);
	assert_true(sc->seed_pinned);
	scenario_free(sc);
	assert_non_null(sc = parse(y, 7, d));
	scenario_free(sc);
	diag_free(d);
	expect_problem_seed(y, 8, "t.yaml:15:7: 'seed' pins this file to the variant "
	    "of seed 7, not 8: remove it to choose another");
	free(y);
}

/*
 * A file without variables is one variant, seed 0, drawn or asked for:
 * its copy kept with an exercise reads back the same.
 */
static void
test_no_variables_seed_zero(void **state)
{
	struct diag	*d = diag_new("t.yaml");
	struct scenario	*sc;
	char		*y;

	(void)state;
	y = yaml_with("", "plain", "");
	assert_non_null(sc = parse(y, SCENARIO_SEED_RANDOM, d));
	assert_int_equal(sc->seed, 0);
	scenario_free(sc);
	assert_non_null(sc = parse(y, 12345, d));
	assert_int_equal(sc->seed, 0);
	scenario_free(sc);
	assert_int_equal(diag_count(d), 0);
	free(y);
	diag_free(d);
}

/* A short file may not grow past the cap by its references. */
static void
test_expansion_is_capped(void **state)
{
	char	*refs, *y;
	size_t	 i, n = 20000;

	(void)state;
	refs = xmalloc(n * 6 + 3);
	refs[0] = '"';
	for (i = 0; i < n; i++)
		memcpy(refs + 1 + i * 6, "${{w}}", 6);
	memcpy(refs + 1 + n * 6, "\"", 2);
	y = yaml_with("variables:\n  w: {type: word, length: 64}\n", refs, "");
	expect_problem(y, "t.yaml:5:11: 'briefing' is longer than 1024 KiB "
	    "once variables are replaced");
	free(y);
	free(refs);
}

/*
 * Placing a problem scans the file; a file of 20000 undeclared names is
 * placed for what a diag keeps, not 20000 times over.
 */
static void
test_many_problems_are_cheap(void **state)
{
	struct diag	*d = diag_new("t.yaml");
	char		*refs, *y;
	size_t		 i, n = 20000;

	(void)state;
	refs = xmalloc(n * 6 + 3);
	refs[0] = '"';
	for (i = 0; i < n; i++)
		memcpy(refs + 1 + i * 6, "${{x}}", 6);
	memcpy(refs + 1 + n * 6, "\"", 2);
	y = yaml_with("", refs, "");
	assert_null(parse(y, 0, d));
	assert_int_equal(diag_count(d), DIAG_MAX + 1);
	assert_string_equal(diag_message(d, 0), "t.yaml:3:12: 'briefing': "
	    "variable 'x' is not declared in 'variables'");
	diag_free(d);
	/* never closed: each "${{" looks only a few bytes ahead */
	for (i = 0; i < n; i++)
		memcpy(refs + 1 + i * 6, "${{ x ", 6);
	free(y);
	y = yaml_with("", refs, "");
	d = diag_new("t.yaml");
	assert_null(parse(y, 0, d));
	assert_int_equal(diag_count(d), DIAG_MAX + 1);
	diag_free(d);
	free(y);
	free(refs);
}

static void
test_parse_seed(void **state)
{
	uint32_t	 seed;
	char		*cause = NULL;

	(void)state;
	assert_int_equal(variables_parse_seed("0", &seed, &cause), 0);
	assert_int_equal(seed, 0);
	assert_int_equal(variables_parse_seed("4294967295", &seed, &cause), 0);
	assert_int_equal(seed, 4294967295U);
	assert_int_equal(variables_parse_seed("4294967296", &seed, &cause), -1);
	assert_string_equal(cause, "'4294967296' is not a seed (a whole number "
	    "from 0 to 4294967295)");
	free(cause);
	cause = NULL;
	assert_int_equal(variables_parse_seed("-1", &seed, &cause), -1);
	free(cause);
	cause = NULL;
	assert_int_equal(variables_parse_seed("", &seed, &cause), -1);
	free(cause);
	cause = NULL;
	assert_int_equal(variables_parse_seed("12x", &seed, &cause), -1);
	free(cause);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values_are_stable),
		cmocka_unit_test(test_determinism),
		cmocka_unit_test(test_names_are_streams),
		cmocka_unit_test(test_substitution_syntax),
		cmocka_unit_test(test_whole_reference_is_plain),
		cmocka_unit_test(test_errors_have_positions),
		cmocka_unit_test(test_bad_declarations),
		cmocka_unit_test(test_ports_exclude),
		cmocka_unit_test(test_unused_is_a_warning),
		cmocka_unit_test(test_seed_pinned),
		cmocka_unit_test(test_no_variables_seed_zero),
		cmocka_unit_test(test_expansion_is_capped),
		cmocka_unit_test(test_many_problems_are_cheap),
		cmocka_unit_test(test_parse_seed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
