/*
 * test_candidate.c - the candidate's account scripts and the briefing
 * text; the scripts run on real VMs in tests/e2e/lifecycle.sh.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "candidate.h"
#include "scenario-fixture.h"
#include "util.h"

static struct scenario *
scenario_with(const char *extra)
{
	struct scenario	*sc;
	char		*yaml;

	xasprintf(&yaml, "name: t\ntitle: Web site down\n"
	    "briefing: |\n  Ticket 12: the site is down.\n  Fix it.\n"
	    "solution: s\ntime_limit: 1h30m\n"
	    "checks: [{id: c, describe: d, run: 'true'}]\n"
	    "faults: [{id: f, kind: remove, path: /x}]\n%s", extra);
	sc = fixture_scenario(yaml);
	free(yaml);
	return sc;
}

static void
test_motd(void **state)
{
	struct scenario	*sc = scenario_with("");
	char		*motd = candidate_motd(sc);

	(void)state;
	assert_string_equal(motd, "\n"
	    "  Web site down\n"
	    "  Time limit: 1h30m\n"
	    "\n"
	    "Ticket 12: the site is down.\n"
	    "Fix it.\n"
	    "\n"
	    "  (This briefing stays in /etc/motd.)\n"
	    "\n");
	free(motd);
	scenario_free(sc);
}

static void
test_default_account(void **state)
{
	struct scenario		*sc = scenario_with("");
	struct inject_plan	 p;

	(void)state;
	candidate_plan(sc, "ssh-ed25519 AAAAC3Nz key", &p);
	assert_non_null(strstr(p.apply, "u='candidate'\n"));
	assert_non_null(strstr(p.apply, "printf '%s ALL=(ALL:ALL) NOPASSWD: "
	    "ALL\\n' \"$u\" >/etc/sudoers.d/candidate\n"));
	assert_null(strstr(p.apply, "gpasswd"));
	assert_non_null(strstr(p.proof, "grep -q 'NOPASSWD: ALL'"));
	assert_non_null(strstr(p.proof, "cmp -s - /etc/motd"));
	assert_non_null(strstr(p.input, "Time limit: 1h30m"));
	assert_non_null(strstr(p.apply, "printf '%s\\n' 'ssh-ed25519 AAAAC3Nz "
	    "key' >\"$h/.ssh/authorized_keys\"\n"));
	assert_non_null(strstr(p.proof, "grep -qxF -- 'ssh-ed25519 AAAAC3Nz "
	    "key' \"$h/.ssh/authorized_keys\""));
	inject_plan_release(&p);
	scenario_free(sc);
}

static void
test_renamed_without_sudo(void **state)
{
	struct scenario		*sc = scenario_with("candidate: {user: ops, "
	    "sudo: false}\n");
	struct inject_plan	 p;

	(void)state;
	candidate_plan(sc, "ssh-ed25519 AAAAC3Nz key", &p);
	assert_non_null(strstr(p.apply, "u='ops'\n"));
	assert_non_null(strstr(p.apply, "usermod -l \"$u\" -d \"/home/$u\" "
	    "-m -c \"$u\" candidate\n"));
	assert_non_null(strstr(p.apply, "gpasswd -d \"$u\" sudo"));
	assert_null(strstr(p.apply, "NOPASSWD"));
	assert_non_null(strstr(p.proof, "can still use sudo"));
	inject_plan_release(&p);
	scenario_free(sc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_motd),
		cmocka_unit_test(test_default_account),
		cmocka_unit_test(test_renamed_without_sudo),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
