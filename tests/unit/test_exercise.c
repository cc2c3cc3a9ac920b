/*
 * test_exercise.c - exercise records and console tails (no VM needed;
 * the VM lifecycle is tested end to end in tests/e2e/).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "config.h"
#include "exercise.h"
#include "util.h"

static char	 dir[] = "/tmp/test_exercise.XXXXXX";

static void
write_console(const char *text)
{
	char	*p;
	FILE	*fp;

	xasprintf(&p, "%s/console.log", dir);
	assert_non_null(fp = fopen(p, "w"));
	fputs(text, fp);
	fclose(fp);
	free(p);
}

static void
test_tail_lines(void **state)
{
	char	*t;

	(void)state;
	write_console("one\ntwo\nthree\nfour\n");
	t = exercise_console_tail(dir, 2);
	assert_string_equal(t, "three\nfour\n");
	free(t);
	t = exercise_console_tail(dir, 10);
	assert_string_equal(t, "one\ntwo\nthree\nfour\n");
	free(t);
	write_console("no newline at the end");
	t = exercise_console_tail(dir, 1);
	assert_string_equal(t, "no newline at the end");
	free(t);
}

static void
test_tail_defanged(void **state)
{
	char	*t;

	(void)state;
	/* Colours dropped, a title change dropped, CR dropped, others '?'. */
	write_console("[\x1b[0;32m  OK  \x1b[0m] Started\r\n"
	    "\x1b]0;pwned\x07title\n"
	    "bell\x07 del\x7f c1\xc2\x9b end\n");
	t = exercise_console_tail(dir, 5);
	assert_string_equal(t, "[  OK  ] Started\ntitle\nbell? del? c1? end\n");
	free(t);
}

static void
test_tail_missing(void **state)
{
	(void)state;
	assert_null(exercise_console_tail("/nonexistent", 5));
}

static void
test_load_missing(void **state)
{
	struct exercise	*ex = NULL;
	char		*cause = NULL;

	(void)state;
	assert_int_equal(exercise_load("nope-0000", &ex, &cause), -1);
	assert_string_equal(cause, "no exercise 'nope-0000'");
	assert_null(ex);
	free(cause);
}

static int
setup(void **state)
{
	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	config_set_state_dir(dir);
	return 0;
}

static int
teardown(void **state)
{
	char	*p;

	(void)state;
	xasprintf(&p, "%s/console.log", dir);
	unlink(p);
	free(p);
	return rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tail_lines),
		cmocka_unit_test(test_tail_defanged),
		cmocka_unit_test(test_tail_missing),
		cmocka_unit_test(test_load_missing),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
