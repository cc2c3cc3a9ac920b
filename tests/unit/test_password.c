/*
 * test_password.c - the gateway password: made, hashed, checked.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "password.h"

static void
test_new(void **state)
{
	char	*a = password_new(), *b = password_new();
	size_t	 i;

	(void)state;
	assert_int_equal(strlen(a), 19);
	for (i = 0; i < 19; i++) {
		if (i % 5 == 4)
			assert_int_equal(a[i], '-');
		else
			assert_non_null(strchr("abcdefghjkmnpqrstuvwxyz23456789",
			    a[i]));
	}
	assert_string_not_equal(a, b);
	free(a);
	free(b);
}

static void
test_hash_check(void **state)
{
	char	*h = password_hash("k7mq-3xwp-a2b3-c4d5");
	char	*h2 = password_hash("k7mq-3xwp-a2b3-c4d5");

	(void)state;
	assert_non_null(h);
	assert_int_equal(strncmp(h, "pbkdf2-sha256$100000$", 21), 0);
	assert_null(strstr(h, "k7mq"));
	assert_string_not_equal(h, h2);		/* salted */
	assert_int_equal(password_check(h, "k7mq-3xwp-a2b3-c4d5"), 1);
	assert_int_equal(password_check(h2, "k7mq-3xwp-a2b3-c4d5"), 1);
	assert_int_equal(password_check(h, "k7mq-3xwp-a2b3-c4d6"), 0);
	assert_int_equal(password_check(h, ""), 0);
	free(h);
	free(h2);
}

static void
test_malformed(void **state)
{
	static const char *const bad[] = {
		"", "plain", "pbkdf2-sha256$", "pbkdf2-sha256$10$aa$bb",
		"pbkdf2-sha256$100000$zz$", "md5$1$2$3",
		"pbkdf2-sha256$100000$00112233445566778899aabbccddeeff$00",
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(password_check(bad[i], "x"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new),
		cmocka_unit_test(test_hash_check),
		cmocka_unit_test(test_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
