/*
 * test_util.c - string helpers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "util.h"

static void
test_distance(void **state)
{
	char	 longword[100];

	(void)state;
	assert_int_equal(util_distance("", ""), 0);
	assert_int_equal(util_distance("faults", "faults"), 0);
	assert_int_equal(util_distance("faultz", "faults"), 1);
	assert_int_equal(util_distance("titel", "title"), 2);
	assert_int_equal(util_distance("", "abc"), 3);
	assert_int_equal(util_distance("kitten", "sitting"), 3);
	memset(longword, 'a', sizeof longword - 1);
	longword[sizeof longword - 1] = '\0';
	assert_true(util_distance(longword, "a") > 64);
}

static void
test_closest(void **state)
{
	static const char *const words[] = {
		"validate", "show", "help", "version", NULL
	};
	static const char *const none[] = { NULL };

	(void)state;
	assert_string_equal(util_closest("valdate", words), "validate");
	assert_string_equal(util_closest("shwo", words), "show");
	assert_string_equal(util_closest("hlep", words), "help");
	assert_null(util_closest("frobnicate", words));
	assert_null(util_closest("x", words));
	assert_null(util_closest("show", none));
}

static void
test_join(void **state)
{
	static const char *const words[] = { "a", "bc", "d", NULL };
	static const char *const none[] = { NULL };
	char	*s;

	(void)state;
	s = util_join(words, ", ");
	assert_string_equal(s, "a, bc, d");
	free(s);
	s = util_join(none, ", ");
	assert_string_equal(s, "");
	free(s);
}

static void
test_xasprintf(void **state)
{
	char	*s;

	(void)state;
	assert_int_equal(xasprintf(&s, "%s-%d", "web", 7), 5);
	assert_string_equal(s, "web-7");
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_distance),
		cmocka_unit_test(test_closest),
		cmocka_unit_test(test_join),
		cmocka_unit_test(test_xasprintf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
