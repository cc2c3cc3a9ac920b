/*
 * test_report.c - an exercise's report, gathered from a directory laid
 * out as up, check and the gateway leave it (no VM needed).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "config.h"
#include "report.h"
#include "util.h"

static char	 top[] = "/tmp/test_report.XXXXXX";

static void
put(const char *name, const char *text)
{
	char	*path;
	FILE	*fp;

	xasprintf(&path, "%s/exercises/web-down-0001/%s", top, name);
	assert_non_null(fp = fopen(path, "w"));
	fputs(text, fp);
	fclose(fp);
	free(path);
}

static int
setup(void **state)
{
	char	*p, *json;

	(void)state;
	if (mkdtemp(top) == NULL)
		return -1;
	xasprintf(&p, "mkdir -p %s/exercises/web-down-0001/sessions", top);
	if (system(p) != 0)
		return -1;
	free(p);
	config_set_state_dir(top);
	xasprintf(&json, "{\"format\": 1, \"id\": \"web-down-0001\", "
	    "\"state\": \"down\", \"scenario\": \"web-down\", "
	    "\"candidate\": \"ada\", \"dir\": \"%s/exercises/web-down-0001\", "
	    "\"created\": 1000, \"expires\": 9000, \"downed\": 5000}\n", top);
	put("exercise.json", json);
	free(json);
	put("scenario.yaml", "name: web-down\ntitle: Portal down\n"
	    "difficulty: easy\ntime_limit: 30m\nbriefing: b\nsolution: s\n"
	    "faults: [{id: f, kind: remove, path: /x}]\n"
	    "checks:\n"
	    "  - {id: config-valid, describe: nginx -t passes, run: 'true'}\n"
	    "  - {id: served, describe: the page is served, run: 'true'}\n"
	    "hints:\n  - {after: 5m, text: one}\n  - {after: 10m, text: two}\n"
	    "  - {after: 20m, text: three}\n");
	/* up's own run (all fail), then two by the interviewer. */
	put("events.log",
	    "{\"time\":1010,\"event\":\"check\",\"results\":["
	    "{\"id\":\"config-valid\",\"pass\":false},"
	    "{\"id\":\"served\",\"pass\":false}]}\n"
	    "not json at all\n"
	    "{\"time\":1400,\"event\":\"check\",\"results\":["
	    "{\"id\":\"config-valid\",\"pass\":true},"
	    "{\"id\":\"served\",\"pass\":false}]}\n"
	    "{\"time\":1500,\"event\":\"admin\",\"status\":\"altered\","
	    "\"detail\":\"/home/breakfix/.ssh/authorized_keys\"}\n"
	    "{\"time\":1600,\"event\":\"admin\",\"status\":\"altered\","
	    "\"detail\":\"/home/breakfix/.ssh/authorized_keys\"}\n"
	    "{\"time\":1600,\"event\":\"admin\",\"status\":\"lost\","
	    "\"detail\":\"admin channel lost: \\u001b[2Jx\"}\n"
	    "{\"time\":1650,\"event\":\"admin\",\"status\":\"lost\"}\n"
	    "{\"time\":1700,\"event\":\"check\",\"results\":["
	    "{\"id\":\"config-valid\",\"pass\":true},"
	    "{\"id\":\"served\",\"pass\":true},{\"id\":\"gone\",\"pass\":true}]}\n");
	put("audit.log",
	    "{\"time\":1100,\"event\":\"hint\",\"detail\":\"1\"}\n"
	    "{\"time\":1400,\"event\":\"hint\",\"detail\":\"2\"}\n"
	    "{\"time\":1400,\"event\":\"hint\",\"detail\":\"99\"}\n");
	put("sessions/20261125T100000Z-1.cast",
	    "{\"version\": 2, \"width\": 80, \"height\": 24, "
	    "\"timestamp\": 1060}\n"
	    "[1.0, \"i\", \"nginx -t\\r\"]\n"
	    "[95.5, \"o\", \"bye\"]\n");
	put("sessions/20261125T100500Z-2.cast",
	    "{\"version\": 2, \"width\": 80, \"height\": 24, "
	    "\"timestamp\": 1300}\n"
	    "[4.5, \"o\", \"x\"]\n");
	put("sessions/20261125T100500Z-2.commands",
	    "{\"start\": 2.0, \"end\": 2.5, \"exit\": 0, "
	    "\"command\": \"systemctl restart nginx\"}\n");
	return 0;
}

static int
teardown(void **state)
{
	char	*cmd;

	(void)state;
	xasprintf(&cmd, "rm -rf %s", top);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", top);
	free(cmd);
	return 0;
}

static void
test_report(void **state)
{
	struct report	*r = NULL;
	char		*cause = NULL;

	(void)state;
	if (report_load("web-down-0001", &r, &cause) != 0)
		fail_msg("%s", cause);
	assert_string_equal(r->title, "Portal down");
	assert_string_equal(r->difficulty, "easy");
	assert_string_equal(r->candidate, "ada");
	assert_int_equal(r->time_limit, 1800);
	assert_int_equal(r->first_login, 1060);
	assert_int_equal(r->last_check, 1700);
	assert_int_equal(r->nchecks, 2);
	assert_string_equal(r->checks[0].id, "config-valid");
	assert_int_equal(r->checks[0].first_pass, 1400);
	assert_int_equal(r->checks[0].last, 1);
	assert_int_equal(r->checks[1].first_pass, 1700);
	/* The admin channel: each kind of event once, first seen, defanged. */
	assert_int_equal(r->nadmin, 2);
	assert_int_equal(r->admin[0].time, 1500);
	assert_string_equal(r->admin[0].status, "altered");
	assert_string_equal(r->admin[0].detail,
	    "/home/breakfix/.ssh/authorized_keys");
	assert_int_equal(r->admin[1].time, 1600);
	assert_string_equal(r->admin[1].status, "lost");
	assert_string_equal(r->admin[1].detail, "admin channel lost: x");
	assert_int_equal(r->hints_total, 3);
	assert_int_equal(r->hints_shown, 2);	/* 99 is not a hint */
	assert_int_equal(r->nsessions, 2);
	assert_true(r->sessions[0].seconds > 95.4);
	assert_int_equal(r->sessions[0].source, COMMANDS_INPUT);
	assert_string_equal(r->sessions[0].commands[0].text, "nginx -t");
	assert_int_equal(r->sessions[1].source, COMMANDS_LOG);
	assert_int_equal(r->sessions[1].commands[0].exit, 0);
	report_free(r);

	assert_int_equal(report_load("nope-0000", &r, &cause), -1);
	assert_string_equal(cause, "no exercise 'nope-0000'");
	free(cause);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_report),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
