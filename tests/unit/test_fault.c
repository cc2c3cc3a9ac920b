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
	    "disable, mask, start, restart, enable");
	check("script", "run", "echo hi\nexit 0", NULL);
}

static void
test_types(void **state)
{
	(void)state;
	check("chmod", "recursive", "true", NULL);
	check("chmod", "recursive", "1", "'1' is not true or false");
	check("listen", "port", "1", NULL);
	check("listen", "port", "65535", NULL);
	check("listen", "port", "0", "'0' is not a port (1 to 65535)");
	check("listen", "port", "080", "'080' is not a port (1 to 65535)");
	check("listen", "port", "99999999999", "'99999999999' is not a port "
	    "(1 to 65535)");
	check("inodes", "leave", "0", NULL);
	check("inodes", "leave", "1000000001", "'1000000001' is not a count "
	    "(0 to 1000000000)");
	check("fill", "leave", "0", NULL);
	check("fill", "leave", "512K", NULL);
	check("clock", "offset", "-3d", NULL);
	check("clock", "offset", "+1h30m", NULL);
	check("clock", "offset", "90s", NULL);
	check("clock", "offset", "--3d", "'-3d' is not a duration (write a "
	    "number and a unit: 90s, 45m, 1h30m)");
	check("listen", "address", "::", NULL);
	check("listen", "address", "127.0.0.1", NULL);
	check("listen", "address", "::ffff:1.2.3.4", NULL);
	check("listen", "address", "1.2.3", "'1.2.3' is not an IPv4 or IPv6 "
	    "address");
	check("firewall", "host", "0.0.0.0/0", NULL);
	check("firewall", "host", "192.0.2.1", NULL);
	check("firewall", "host", "192.0.2.1/33", "'33' is not a prefix "
	    "length (0 to 32)");
	check("firewall", "host", "::1", "'::1' is not an IPv4 address or "
	    "network (10.0.0.0/8)");
	check("hosts", "name", "db", NULL);
	check("hosts", "name", "db-1.corp.example", NULL);
	check("hosts", "name", "db_1", "'db_1' is not a valid host name");
	check("hosts", "name", "db.", "'db.' is not a valid host name");
	check("hosts", "name", "a-.b", "'a-.b' is not a valid host name");
	check("hog", "name", "spinner", NULL);
	check("hog", "name", "a.b", "'a.b' is not a valid name (letters, "
	    "digits, '-' and '_')");
	check("cron", "schedule", "*/5 1-3 * jan mon-fri", NULL);
	check("cron", "schedule", "@weekly", NULL);
	check("cron", "schedule", "@sometimes", "'@sometimes' is not a cron "
	    "schedule (five fields such as '*/5 * * * *', or @reboot, "
	    "@hourly, @daily ...)");
	check("cron", "schedule", "* * * * * *", "'* * * * * *' is not a "
	    "cron schedule (five fields such as '*/5 * * * *', or @reboot, "
	    "@hourly, @daily ...)");
	check("cron", "command", "date +\\%F", NULL);
	check("cron", "command", "a\nb", "must be a single line");
	check("cron", "command", "%", "'%' means a newline to cron: write "
	    "'\\%' (as in date +\\%F)");
	check("sysctl", "key", "net.ipv4.ip_forward", NULL);
	check("sysctl", "key", "kernel/pid_max", NULL);
	check("sysctl", "key", ".a", "'.a' is not a valid sysctl key");
	check("dropin", "name", "10-limits.conf", NULL);
	check("dropin", "name", ".conf", "'.conf' does not end in .conf "
	    "(systemd would ignore it)");
	check("dropin", "name", "a/b.conf", "'a/b.conf' is not a valid "
	    "drop-in file name");
	check("user", "name", "www-data", NULL);
	check("user", "name", "-o", "'-o' is not a valid user name");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_types),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
