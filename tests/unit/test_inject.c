/*
 * test_inject.c - the scripts each fault kind becomes (golden text); the
 * scripts themselves run on real VMs in tests/e2e/ and selftest.
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
#include "inject.h"
#include "scenario.h"

/* A scenario with one fault written as yaml_fault; its plan. */
static void
plan_of(const char *yaml_fault, struct inject_plan *p)
{
	struct scenario	*sc;
	struct diag	*d = diag_new("t.yaml");
	char		*yaml, *cause = NULL;

	assert_true(asprintf(&yaml, "name: t\ntitle: t\nbriefing: b\n"
	    "solution: s\nchecks: [{id: c, describe: d, run: 'true'}]\n"
	    "faults:\n  - %s\n", yaml_fault) > 0);
	sc = scenario_parse("t.yaml", yaml, strlen(yaml), d);
	if (sc == NULL)
		fail_msg("%s", diag_message(d, 0));
	assert_int_equal(inject_plan(&sc->faults[0], p, &cause), 0);
	scenario_free(sc);
	diag_free(d);
	free(yaml);
}

static void
test_file(void **state)
{
	struct inject_plan	 p;

	(void)state;
	plan_of("{id: f, kind: file, path: \"/etc/it's\", content: \"x\\n\", "
	    "mode: '0600', owner: www-data}", &p);
	assert_string_equal(p.apply, "set -e\n"
	    "p='/etc/it'\\''s'\n"
	    "mkdir -p -- \"$(dirname -- \"$p\")\"\n"
	    "t=$(mktemp -- \"$p.XXXXXX\")\n"
	    "cat >\"$t\"\n"
	    "chown -- 'www-data' \"$t\"\n"
	    "chmod -- 0600 \"$t\"\n"
	    "mv -f -- \"$t\" \"$p\"\n");
	assert_string_equal(p.proof, "p='/etc/it'\\''s'\n"
	    "cmp -s - \"$p\" || { echo \"$p: content differs\" >&2; exit 1; }\n"
	    "[ $((0$(stat -c %a -- \"$p\"))) -eq $((0600)) ] || { echo \"$p: "
	    "mode is $(stat -c %a -- \"$p\")\" >&2; exit 1; }\n"
	    "o='www-data'\n"
	    "case $o in *:*) ;; *) o=\"$o:$(stat -c %G -- \"$p\")\" ;; esac\n"
	    "[ \"$(stat -c %U:%G -- \"$p\")\" = \"$o\" ] || { echo \"$p: owner "
	    "is $(stat -c %U:%G -- \"$p\")\" >&2; exit 1; }\n");
	assert_string_equal(p.input, "x\n");
	inject_plan_release(&p);
}

static void
test_remove(void **state)
{
	struct inject_plan	 p;

	(void)state;
	plan_of("{id: f, kind: remove, path: /var/www/html}", &p);
	assert_string_equal(p.apply, "rm -rf -- '/var/www/html'\n");
	assert_string_equal(p.proof, "! [ -e '/var/www/html' ] && "
	    "! [ -L '/var/www/html' ]\n");
	assert_null(p.input);
	inject_plan_release(&p);
}

static void
test_service(void **state)
{
	struct inject_plan	 p;

	(void)state;
	plan_of("{id: f, kind: service, unit: nginx.service}", &p);
	assert_string_equal(p.apply, "systemctl stop -- 'nginx.service'\n");
	assert_string_equal(p.proof, "! systemctl is-active --quiet -- "
	    "'nginx.service'\n");
	inject_plan_release(&p);
	plan_of("{id: f, kind: service, unit: cron, action: disable}", &p);
	assert_string_equal(p.apply, "systemctl disable --now -- 'cron'\n");
	assert_string_equal(p.proof, "! systemctl is-active --quiet -- 'cron' "
	    "&& ! systemctl is-enabled --quiet -- 'cron'\n");
	inject_plan_release(&p);
	plan_of("{id: f, kind: service, unit: cron, action: mask}", &p);
	assert_string_equal(p.apply, "systemctl mask --now -- 'cron'\n");
	assert_string_equal(p.proof, "! systemctl is-active --quiet -- 'cron' "
	    "&& [ \"$(systemctl is-enabled -- 'cron')\" = masked ]\n");
	inject_plan_release(&p);
}

static void
test_script(void **state)
{
	struct inject_plan	 p;

	(void)state;
	plan_of("{id: f, kind: script, run: \"echo hi\\nexit 0\\n\"}", &p);
	assert_string_equal(p.apply, "echo hi\nexit 0\n");
	assert_null(p.proof);
	inject_plan_release(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_remove),
		cmocka_unit_test(test_service),
		cmocka_unit_test(test_script),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
