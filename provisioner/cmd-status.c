/*
 * cmd-status.c - everything about one exercise.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cmd.h"
#include "escape.h"
#include "exercise.h"
#include "log.h"
#include "util.h"
#include "vm.h"

#define STATUS_TAIL_LINES 10

static void
status_text(const struct exercise *ex, const char *state, const char *tail)
{
	const struct vm_meta	*m = &ex->meta;
	char			 b[64], span[32], *who, *line;

	who = escape_text(*m->candidate ? m->candidate : "-");
	printf("%s\n", ex->id);
	printf("  state      %s\n", state);
	printf("  scenario   %s (%s)\n", m->scenario, m->scenario_file);
	printf("  candidate  %s\n", who);
	free(who);
	if (ex->variant.n != 0) {
		line = exercise_variant_line(&ex->variant);
		who = escape_text(line);	/* the record, read back */
		printf("  variant    %s\n", who);
		free(who);
		free(line);
	}
	printf("  created    %s\n", cmd_fmt_time(m->created, b, sizeof b));
	printf("  expires    %s (%s)\n", cmd_fmt_time(m->expires, b, sizeof b),
	    cmd_fmt_span(m->expires - time(NULL), span, sizeof span));
	if (ex->downed != 0)
		printf("  downed     %s\n", cmd_fmt_time(ex->downed, b, sizeof b));
	printf("  domain     %s on %s\n", ex->domain, ex->uri);
	printf("  accel      %s\n", vm_accel_name(m->accel));
	printf("  ssh port   127.0.0.1:%u\n", m->port);
	if (ex->boot_ms != 0)
		printf("  launch     %s, %.1f s to the agent, ready in %.1f s\n",
		    *ex->launch ? ex->launch : "cold", ex->boot_ms / 1000.0,
		    ex->ready_ms / 1000.0);
	printf("  directory  %s\n", m->dir);
	printf("\nConsole (last %d lines):\n%s", STATUS_TAIL_LINES,
	    tail && *tail ? tail : "(empty)\n");
}

static void
status_json(const struct exercise *ex, const char *state, const char *tail)
{
	const struct vm_meta	*m = &ex->meta;
	json_t			*j;

	j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:s, s:s, "
	    "s:s, s:i, s:s, s:i, s:i, s:s, s:s}",
	    "id", ex->id, "state", state, "scenario", m->scenario,
	    "scenario_file", m->scenario_file, "candidate", m->candidate,
	    "created", (json_int_t)m->created, "expires",
	    (json_int_t)m->expires, "downed", (json_int_t)ex->downed,
	    "domain", ex->domain, "uri", ex->uri, "accel",
	    vm_accel_name(m->accel), "port", (int)m->port, "launch",
	    *ex->launch ? ex->launch : "cold", "boot_ms", ex->boot_ms,
	    "ready_ms", ex->ready_ms, "dir", m->dir, "console_tail", tail ? tail : "");
	json_object_set_new(j, "variant", exercise_variant_json(&ex->variant));
	cmd_print_json(j);
}

static int
status_exec(int argc, char **argv)
{
	static const struct option longopts[] = {
		CMD_COMMON_LONGOPTS,
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	struct exercise	*ex = NULL;
	struct vm_conn	*conn = NULL;
	enum vm_state	 st;
	const char	*state;
	char		*cause = NULL, *tail = NULL, *crashed = NULL, when[64];
	int		 ch, r, json = 0, rc = CMD_FAILED;

	while ((ch = cmd_getopt(&cmd_status_entry, argc, argv, "", longopts,
	    &r)) != -1) {
		if (ch == CMD_GETOPT_STOP)
			return r;
		if (ch == 'j') {
			json = 1;
			continue;
		}
	}
	if (argc - optind != 1)
		return cmd_usage_error(&cmd_status_entry, "one exercise id "
		    "expected");
	if (exercise_load(argv[optind], &ex, &cause) != 0) {
		cmd_error(cause);
		goto out;
	}
	if ((conn = cmd_connect()) == NULL)
		goto out;
	if ((r = exercise_vm_state(conn, ex, &st, &cause)) < 0) {
		cmd_error(cause);
		goto out;
	}
	if (r == 0 && st == VM_STATE_CRASHED)
		xasprintf(&crashed, "crashed (noticed at %s)", cmd_fmt_time(
		    ex->crashed, when, sizeof when));
	state = crashed != NULL ? crashed : r == 0 ? vm_state_name(st) :
	    strcmp(ex->state, "down") == 0 ? "down" : "lost (no domain)";
	tail = exercise_console_tail(ex->meta.dir, STATUS_TAIL_LINES);
	if (json)
		status_json(ex, state, tail);
	else
		status_text(ex, state, tail);
	rc = CMD_OK;
out:
	free(crashed);
	free(tail);
	exercise_free(ex);
	vm_close(conn);
	return rc;
}

const struct cmd_entry cmd_status_entry = {
	"status", "[--json] EXERCISE",
	"everything about one exercise, with the tail of its console",
	"Prints the exercise's record, the state of its VM as libvirt sees\n"
	"it, and the last lines of the VM's serial console.\n\n"
	"Options:\n"
	"  --json  one JSON object for scripts\n",
	status_exec,
};
