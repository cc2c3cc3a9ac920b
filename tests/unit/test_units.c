/*
 * test_units.c - sizes and durations.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "units.h"

static void
size_ok(const char *s, uint64_t want)
{
	uint64_t	 v = 0;
	char		*cause = NULL;

	assert_int_equal(units_parse_size(s, &v, &cause), 0);
	assert_null(cause);
	assert_true(v == want);
}

static void
size_bad(const char *s, const char *want)
{
	uint64_t	 v = 0;
	char		*cause = NULL;

	assert_int_equal(units_parse_size(s, &v, &cause), -1);
	assert_string_equal(cause, want);
	free(cause);
}

static void
test_size_parse(void **state)
{
	(void)state;
	size_ok("512M", 512ULL << 20);
	size_ok("4G", 4ULL << 30);
	size_ok("4g", 4ULL << 30);
	size_ok("1536K", 1536ULL << 10);
	size_ok("2T", 2ULL << 40);
	size_ok("512MiB", 512ULL << 20);
	size_ok("512MB", 512ULL << 20);
	size_bad("512", "'512' is not a size (write a number and a unit: "
	    "512M, 4G)");
	size_bad("", "'' is not a size (write a number and a unit: 512M, 4G)");
	size_bad("M", "'M' is not a size (write a number and a unit: 512M, "
	    "4G)");
	size_bad("1.5G", "'1.5G' is not a size (write a number and a unit: "
	    "512M, 4G)");
	size_bad("-1G", "'-1G' is not a size (write a number and a unit: "
	    "512M, 4G)");
	size_bad("4GG", "'4GG' is not a size (write a number and a unit: "
	    "512M, 4G)");
	size_bad("4 G", "'4 G' is not a size (write a number and a unit: "
	    "512M, 4G)");
	size_bad("99999999999T", "size '99999999999T' is too large");
	size_bad("99999999999999999999999M",
	    "size '99999999999999999999999M' is too large");
}

static void
test_size_format(void **state)
{
	char	 b[UNITS_BUFSZ];

	(void)state;
	assert_string_equal(units_format_size(512ULL << 20, b), "512M");
	assert_string_equal(units_format_size(4ULL << 30, b), "4G");
	assert_string_equal(units_format_size(1536ULL << 10, b), "1536K");
	assert_string_equal(units_format_size(1ULL << 40, b), "1T");
	assert_string_equal(units_format_size(1000, b), "1000B");
	assert_string_equal(units_format_human(812, b), "812 B");
	assert_string_equal(units_format_human(1536, b), "1.5 KiB");
	assert_string_equal(units_format_human(166600000, b), "159 MiB");
	assert_string_equal(units_format_human(8ULL << 30, b), "8.0 GiB");
	assert_string_equal(units_format_human(5ULL << 40, b), "5.0 TiB");
	assert_string_equal(units_format_human(2048ULL << 40, b), "2048 TiB");
	assert_string_equal(units_format_size(0, b), "0B");
}

static void
dur_ok(const char *s, uint64_t want)
{
	uint64_t	 v = 0;
	char		*cause = NULL;

	assert_int_equal(units_parse_duration(s, &v, &cause), 0);
	assert_true(v == want);
}

static void
dur_bad(const char *s, const char *want)
{
	uint64_t	 v = 0;
	char		*cause = NULL;

	assert_int_equal(units_parse_duration(s, &v, &cause), -1);
	assert_string_equal(cause, want);
	free(cause);
}

static void
test_duration_parse(void **state)
{
	(void)state;
	dur_ok("45m", 2700);
	dur_ok("90s", 90);
	dur_ok("1h30m", 5400);
	dur_ok("2d", 172800);
	dur_ok("0s", 0);
	dur_ok("1h1h", 7200);
	dur_bad("45", "'45' is not a duration (write a number and a unit: "
	    "90s, 45m, 1h30m)");
	dur_bad("", "'' is not a duration (write a number and a unit: 90s, "
	    "45m, 1h30m)");
	dur_bad("m", "'m' is not a duration (write a number and a unit: "
	    "90s, 45m, 1h30m)");
	dur_bad("45M", "'45M' is not a duration (write a number and a unit: "
	    "90s, 45m, 1h30m)");
	dur_bad("1h 30m", "'1h 30m' is not a duration (write a number and a "
	    "unit: 90s, 45m, 1h30m)");
	dur_bad("99999999999999999d", "duration '99999999999999999d' is too "
	    "large");
	dur_bad("99999999999999999999s", "duration '99999999999999999999s' "
	    "is too large");
}

static void
test_duration_format(void **state)
{
	char	 b[UNITS_BUFSZ];

	(void)state;
	assert_string_equal(units_format_duration(2700, b), "45m");
	assert_string_equal(units_format_duration(5400, b), "1h30m");
	assert_string_equal(units_format_duration(90061, b), "1d1h1m1s");
	assert_string_equal(units_format_duration(0, b), "0s");
	assert_string_equal(units_format_duration(UINT64_MAX, b),
	    "213503982334601d7h15s");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_size_parse),
		cmocka_unit_test(test_size_format),
		cmocka_unit_test(test_duration_parse),
		cmocka_unit_test(test_duration_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
