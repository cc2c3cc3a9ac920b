/*
 * test_util.c - string helpers.
 */
#include <sys/stat.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <jansson.h>

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

/* Written whole with its mode, or not at all. */
static void
test_write_json(void **state)
{
	char		 dir[] = "/tmp/test_util.XXXXXX";
	char		*path, *tmp, *cause = NULL;
	struct stat	 st;
	json_error_t	 err;
	json_t		*j, *back;

	(void)state;
	assert_non_null(mkdtemp(dir));
	xasprintf(&path, "%s/a.json", dir);
	xasprintf(&tmp, "%s.tmp", path);
	j = json_pack("{s:i, s:s}", "size", 3, "disk", "8G");
	assert_int_equal(util_write_json(j, path, 0640, -1, &cause), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(access(tmp, F_OK), -1);
	back = json_load_file(path, 0, &err);
	assert_non_null(back);
	assert_true(json_equal(j, back));
	json_decref(back);

	/* The group given is set; a link planted at the temporary file is
	 * replaced, never followed. */
	assert_int_equal(symlink("/tmp/test_util-never-made", tmp), 0);
	assert_int_equal(util_write_json(j, path, 0640, 65534, &cause), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_gid, 65534);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(access("/tmp/test_util-never-made", F_OK), -1);
	free(path);
	free(tmp);

	xasprintf(&path, "%s/missing/a.json", dir);
	assert_int_equal(util_write_json(j, path, 0644, -1, &cause), -1);
	assert_non_null(strstr(cause, "cannot write '"));
	assert_non_null(strstr(cause, "missing/a.json.tmp'"));
	free(cause);
	json_decref(j);
	free(path);
	xasprintf(&path, "%s/a.json", dir);
	unlink(path);
	free(path);
	assert_int_equal(rmdir(dir), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_distance),
		cmocka_unit_test(test_closest),
		cmocka_unit_test(test_join),
		cmocka_unit_test(test_xasprintf),
		cmocka_unit_test(test_write_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
