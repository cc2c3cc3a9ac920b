/*
 * test_fault.c - the registry of fault kinds and parameter checks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fault.h"

static void
test_registry(void **state)
{
	const char *const	*names = fault_kind_names();
	const struct fault_kind	*k;
	size_t			 i;

	(void)state;
	for (i = 0; names[i] != NULL; i++) {
		k = fault_kind_find(names[i]);
		assert_non_null(k);
		assert_string_equal(k->name, names[i]);
		assert_true(k->nparams > 0);
	}
	assert_true(i >= 4);
	assert_null(fault_kind_find("nope"));
	k = fault_kind_find("file");
	assert_non_null(fault_kind_param(k, "path"));
	assert_null(fault_kind_param(k, "unit"));
}

static void
check(const char *kind, const char *param, const char *value,
    const char *want)
{
	const struct fault_kind		*k = fault_kind_find(kind);
	const struct fault_param	*p = fault_kind_param(k, param);
	char				*cause = NULL;
	int				 r;

	assert_non_null(p);
	r = fault_param_check(p, value, &cause);
	if (want == NULL) {
		assert_int_equal(r, 0);
		assert_null(cause);
	} else {
		assert_int_equal(r, -1);
		assert_string_equal(cause, want);
		free(cause);
	}
}

static void
test_params(void **state)
{
	(void)state;
	check("file", "path", "/etc/nginx/nginx.conf", NULL);
	check("file", "path", "etc/nginx", "'etc/nginx' is not an absolute "
	    "path");
	check("file", "path", "/a\nb", "path contains a newline");
	check("file", "mode", "0644", NULL);
	check("file", "mode", "755", NULL);
	check("file", "mode", "0999", "'0999' is not an octal mode such as "
	    "0644");
	check("file", "mode", "07", "'07' is not an octal mode such as 0644");
	check("file", "owner", "www-data:adm", NULL);
	check("file", "owner", "root; rm -rf /", "'root; rm -rf /' is not "
	    "a valid owner (user or user:group)");
	check("file", "owner", "", "'' is not a valid owner (user or "
	    "user:group)");
	check("file", "content", "any\ntext", NULL);
	check("service", "unit", "nginx.service", NULL);
	check("service", "unit", "getty@ttyS0.service", NULL);
	check("service", "unit", "$(reboot)", "'$(reboot)' is not a valid "
	    "systemd unit name");
	check("service", "action", "mask", NULL);
	check("service", "action", "kill", "'kill' is not one of stop, "
	    "disable, mask");
	check("script", "run", "echo hi\nexit 0", NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_params),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
