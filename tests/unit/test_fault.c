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
	check("service", "action", "reload", NULL);
	check("service", "action", "kill", "'kill' is not one of stop, "
	    "disable, mask, start, restart, enable, reload");
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

static void
test_new_kinds(void **state)
{
	(void)state;
	check("file", "content_base64", "AAEC\n/w==\n", NULL);
	check("file", "content_base64", "  aGk=", NULL);
	check("file", "content_base64", "aGk", "base64 of 3 characters: not "
	    "a multiple of 4 (is it cut short?)");
	check("file", "content_base64", "aG!=", "'!' at byte 3 is not base64 "
	    "(A-Z, a-z, 0-9, '+', '/'; '=' only at the end)");
	check("file", "content_base64", "aG==aGk=", "'a' at byte 5 is not "
	    "base64 (A-Z, a-z, 0-9, '+', '/'; '=' only at the end)");
	check("file", "content_base64", "aGk=\x01", "byte 5 is not base64 "
	    "(A-Z, a-z, 0-9, '+', '/'; '=' only at the end)");
	check("mount", "options", "noexec", NULL);
	check("mount", "options", "ro,nosuid,nodev,noatime", NULL);
	check("mount", "options", "noexec,exec", "'noexec' and 'exec' "
	    "contradict each other");
	check("mount", "options", "ro,ro", "'ro' is named twice");
	check("mount", "options", "noexec,,nodev", "an empty item in "
	    "'noexec,,nodev' (a comma too many?)");
	check("mount", "options", "noexec,x-systemd.automount", "'x-systemd."
	    "automount' is not a mount option breakfix sets (ro, rw, noexec, "
	    "exec, nosuid, suid, nodev, dev, noatime, atime)");
	check("mount", "options", "ro,'; reboot", "''; reboot' is not a "
	    "mount option breakfix sets (ro, rw, noexec, exec, nosuid, suid, "
	    "nodev, dev, noatime, atime)");
	check("mount", "options", "ro,noexec,nosuid,nodev,noatime,ro,ro,ro,"
	    "ro,ro,ro,ro,ro,ro,ro,ro,ro,ro", "'ro' is named twice");
	check("capability", "caps", "cap_net_bind_service", NULL);
	check("capability", "caps", "cap_net_raw,cap_checkpoint_restore",
	    NULL);
	check("capability", "caps", "cap_net_bind", "'cap_net_bind' is not a "
	    "capability (did you mean 'cap_net_bind_service'?)");
	check("capability", "caps", "net_raw", "'net_raw' is not a "
	    "capability (did you mean 'cap_net_raw'?)");
	check("capability", "caps", "cap_sys_admn", "'cap_sys_admn' is not a "
	    "capability (did you mean 'cap_sys_admin'?)");
	check("capability", "caps", "CAP_NET_RAW", "'CAP_NET_RAW' is not a "
	    "capability (write them as getcap does: cap_net_bind_service)");
	check("capability", "caps", "cap_chown,cap_chown", "'cap_chown' is "
	    "named twice");
	check("capability", "caps", "cap_chown,cap_dac_override,"
	    "cap_dac_read_search,cap_fowner,cap_fsetid,cap_kill,cap_setgid,"
	    "cap_setuid,cap_setpcap,cap_linux_immutable,cap_net_bind_service,"
	    "cap_net_broadcast,cap_net_admin,cap_net_raw,cap_ipc_lock,"
	    "cap_ipc_owner,cap_sys_module", "more than 16 capabilities");
	check("capability", "action", "set", NULL);
	check("capability", "flags", "e", "'e' is not one of ep, eip, p, ip");
	check("user", "action", "add-groups", NULL);
	check("user", "groups", "adm,www-data", NULL);
	check("user", "groups", "adm;id", "'adm;id' is not a valid group "
	    "name");
	check("user", "groups", "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q",
	    "more than 16 groups");
	check("user", "groups", "a234567890123456789012345678901234",
	    "'a234567890123456789012345678901234' is longer than 32 "
	    "characters");
	check("immutable", "attribute", "append-only", NULL);
	check("immutable", "attribute", "append", "'append' is not one of "
	    "immutable, append-only");
}

/* Masks in the kernel's numbering; opposites of mount options. */
static void
test_helpers(void **state)
{
	char	*r;

	(void)state;
	assert_true(fault_caps_mask("cap_chown") == 1);
	assert_true(fault_caps_mask("cap_net_bind_service") == 1U << 10);
	assert_true(fault_caps_mask("cap_net_raw,cap_net_admin") ==
	    ((1U << 13) | (1U << 12)));
	assert_true(fault_caps_mask("cap_checkpoint_restore") ==
	    (uint64_t)1 << 40);
	r = fault_mount_replaced("noexec,ro");
	assert_string_equal(r, "ro,rw,noexec,exec");
	free(r);
	r = fault_mount_replaced("dev");
	assert_string_equal(r, "nodev,dev");
	free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_new_kinds),
		cmocka_unit_test(test_helpers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
