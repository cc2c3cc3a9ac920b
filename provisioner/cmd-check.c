/*
 * cmd-check.c - run an exercise's checks: which faults are fixed now?
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "admin.h"
#include "check.h"
#include "cmd.h"
#include "diag.h"
#include "escape.h"
#include "exercise.h"
#include "launch.h"
#include "log.h"
#include "scenario.h"
#include "util.h"
#include "vm.h"

#define CHECK_SHOW	100	/* bytes of a failing check's output shown */

/* What one run found beyond the checks' own results. */
struct check_run {
	struct exercise		*ex;
	time_t			 t;
	const char		*channel;	/* "guest agent", "ssh" */
	const char		*fallback;	/* why not the agent, or NULL */
	char			*altered;	/* what changed since up, or NULL */
	size_t			 tampered;	/* checks without their nonce */
};

/* The scenario as launched (kept in the exercise). */
static struct scenario *
check_scenario(const struct exercise *ex)
{
	struct scenario	*sc;
	struct diag	*d;

	if ((sc = exercise_scenario(ex->meta.dir, &d)) == NULL)
		cmd_print_diag(d);
	diag_free(d);
	return sc;
}

/*
 * The first line of a failing check's output, as the guest (which the
 * candidate controls) printed it, escaped so that it stays one line:
 * CHECK_SHOW bytes at most, cut between characters, without the CR of
 * a CRLF.
 */
static char *
check_first_line(const char *output)
{
	size_t	 n = strcspn(output, "\n");
	char	*line, *shown;

	if (n > 0 && output[n - 1] == '\r' && output[n] == '\n')
		n--;
	if (n > CHECK_SHOW) {
		n = CHECK_SHOW;
		while (n > 0 && ((unsigned char)output[n] & 0xc0) == 0x80)
			n--;
	}
	line = xstrndup(output, n);
	shown = escape_text(line);
	free(line);
	return shown;
}

/* An event for events.log; failing to write it is only a warning. */
static void
check_event(const struct check_run *run, const char *status,
    const char *detail)
{
	char	*cause = NULL;

	if (check_log_admin(run->ex->meta.dir, run->t, status, detail,
	    &cause) != 0) {
		log_warn("%s", cause);
		free(cause);
	}
}

static void
check_print(const struct check_run *run, const struct check_result *r,
    size_t n)
{
	size_t	 i, pass = 0;
	char	*first, when[64];

	printf("%-20s %-8s %7s  %-5s  %s\n", "CHECK", "RESULT", "TIME", "FROM",
	    "WHAT");
	for (i = 0; i < n; i++) {
		pass += r[i].pass;
		printf("%-20s %-8s %6.1fs  %-5s  %s\n", r[i].check->id,
		    r[i].pass ? "pass" : r[i].tampered ? "TAMPERED" :
		    r[i].timed_out ? "timeout" : "FAIL", r[i].ms / 1000.0,
		    check_where(&r[i]), r[i].check->describe);
		if (r[i].pass || *r[i].output == '\0')
			continue;
		first = check_first_line(r[i].output);
		printf("%-20s                 %s\n", "", first);
		free(first);
	}
	printf("%zu of %zu checks pass\n", pass, n);
	printf("admin channel: %s%s%s%s\n", run->channel, run->fallback != NULL
	    ? " (the guest agent did not answer: " : "", run->fallback != NULL ?
	    run->fallback : "", run->fallback != NULL ? ")" : "");
	if (run->tampered != 0)
		printf("admin channel tampered: %zu of %zu checks answered "
		    "without their nonce; none of them counts as a pass\n",
		    run->tampered, n);
	if (run->altered != NULL)
		printf("admin channel altered since up (seen %s): %s\n",
		    cmd_fmt_time(run->t, when, sizeof when), run->altered);
}

static void
check_print_json(const struct check_run *run, const struct check_result *r,
    size_t n)
{
	json_t	*a = json_array(), *j;
	size_t	 i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:b, s:i, "
		    "s:o, s:b, s:b, s:I, s:s}", "id", r[i].check->id,
		    "describe", r[i].check->describe, "where",
		    check_where(&r[i]), "pass", r[i].pass, "status",
		    r[i].status, "http_status", r[i].http_status >= 0 ?
		    json_integer(r[i].http_status) : json_null(), "timed_out",
		    r[i].timed_out, "tampered", r[i].tampered, "ms",
		    (json_int_t)r[i].ms, "output", r[i].output));
	j = json_pack("{s:s, s:I, s:s, s:o, s:o, s:o}", "id", run->ex->id,
	    "time", (json_int_t)run->t, "channel", run->channel, "fallback",
	    run->fallback != NULL ? json_string(run->fallback) : json_null(),
	    "altered", run->altered != NULL ? json_string(run->altered) :
	    json_null(), "checks", a);
	cmd_print_json(j);
}

/*
 * The admin channel: the agent, else SSH within seconds. Neither is
 * "admin channel lost", logged for the report.
 */
static struct admin *
check_channel(struct check_run *run, struct vm_conn *conn)
{
	struct admin	*a;
	char		*cause = NULL;

	if ((a = launch_admin(conn, run->ex, admin_ssh_fallback_ms(),
	    &cause)) == NULL) {
		check_event(run, "lost", cause);
		cmd_error(cause);
		return NULL;
	}
	run->channel = admin_channel_name(admin_channel(a));
	if ((run->fallback = admin_fallback(a)) != NULL)
		check_event(run, "fallback", run->fallback);
	return a;
}

/* Answers without their nonce, and what changed since up, logged. */
static void
check_tampering(struct check_run *run, struct admin *a,
    const struct check_result *r, size_t n)
{
	char	*cause = NULL, *detail;
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (!r[i].tampered)
			continue;
		run->tampered++;
		xasprintf(&detail, "check '%s' answered over %s without its "
		    "nonce", r[i].check->id, run->channel);
		check_event(run, "tampered", detail);
		free(detail);
	}
	if (check_admin_changes(a, run->ex->meta.dir, &run->altered,
	    &cause) < 0) {
		xasprintf(&run->altered, "cannot compare: %s", cause);
		free(cause);
	}
	if (run->altered != NULL)
		check_event(run, "altered", run->altered);
}

/* Run, log and print; CMD_OK only if every check passed honestly. */
static int
check_run(struct check_run *run, struct vm_conn *conn,
    const struct scenario *sc, int json)
{
	struct check_result	*r = NULL;
	struct check_target	 t;
	struct admin		*a;
	char			*cause = NULL;
	size_t			 i;
	int			 rc = CMD_FAILED;

	if ((a = check_channel(run, conn)) == NULL)
		return CMD_FAILED;
	check_target_init(&t, a, conn, run->ex);
	if (check_run_all(&t, sc, &r, &cause) != 0) {
		check_event(run, "lost", cause);
		cmd_error(cause);
		goto out;
	}
	check_tampering(run, a, r, sc->nchecks);
	if (check_log(run->ex->meta.dir, run->t, run->channel, r, sc->nchecks,
	    &cause) != 0) {
		cmd_error(cause);
		goto out;
	}
	if (json)
		check_print_json(run, r, sc->nchecks);
	else
		check_print(run, r, sc->nchecks);
	rc = CMD_OK;
	for (i = 0; i < sc->nchecks; i++) {
		if (!r[i].pass)
			rc = CMD_FAILED;
	}
out:
	if (r != NULL)
		check_results_free(r, sc->nchecks);
	admin_close(a);
	return rc;
}

/*
 * A VM that is not running can answer nothing: say so at once, rather
 * than wait for a channel that will not come (a crash is written to the
 * record as it is found). 1 if it runs.
 */
static int
check_vm_running(struct vm_conn *conn, struct check_run *run)
{
	enum vm_state	 st;
	char		*cause = NULL, when[64];
	int		 r;

	if ((r = exercise_vm_state(conn, run->ex, &st, &cause)) < 0) {
		log_warn("%s", cause);	/* the channel may still answer */
		free(cause);
		return 1;
	}
	if (r == 0 && st == VM_STATE_RUNNING)
		return 1;
	if (r == 0 && st == VM_STATE_CRASHED)
		log_error("exercise '%s': the VM is not running (it crashed; "
		    "noticed at %s)", run->ex->id, cmd_fmt_time(
		    run->ex->crashed, when, sizeof when));
	else
		log_error("exercise '%s': the VM is not running (%s)",
		    run->ex->id, r == 1 ? "its domain is gone" :
		    vm_state_name(st));
	return 0;
}

static int
check_exec(int argc, char **argv)
{
	static const struct option longopts[] = {
		CMD_COMMON_LONGOPTS,
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	struct check_run	 run;
	struct scenario		*sc = NULL;
	struct vm_conn		*conn = NULL;
	char			*cause = NULL;
	int			 ch, json = 0, rc = CMD_FAILED;

	memset(&run, 0, sizeof run);
	run.t = time(NULL);
	while ((ch = cmd_getopt(&cmd_check_entry, argc, argv, "", longopts,
	    &rc)) != -1) {
		if (ch == CMD_GETOPT_STOP)
			return rc;
		json = 1;
	}
	rc = CMD_FAILED;
	if (argc - optind != 1)
		return cmd_usage_error(&cmd_check_entry, "one exercise id "
		    "expected");
	if (exercise_load(argv[optind], &run.ex, &cause) != 0) {
		cmd_error(cause);
		goto out;
	}
	if (strcmp(run.ex->state, "ready") != 0 &&
	    strcmp(run.ex->state, "crashed") != 0) {
		log_error("exercise '%s' is %s", run.ex->id, run.ex->state);
		goto out;
	}
	if ((sc = check_scenario(run.ex)) == NULL)
		goto out;
	/* Without libvirt there is no agent; SSH may still answer. */
	if ((conn = vm_open(run.ex->uri, &cause)) == NULL) {
		log_warn("%s", cause);
		free(cause);
	} else if (!check_vm_running(conn, &run))
		goto out;
	rc = check_run(&run, conn, sc, json);
out:
	free(run.altered);
	scenario_free(sc);
	exercise_free(run.ex);
	vm_close(conn);
	return rc;
}

const struct cmd_entry cmd_check_entry = {
	"check", "[--json] EXERCISE",
	"run the exercise's checks: which faults are fixed now",
	"Runs every check of the exercise's scenario, each with its timeout,\n"
	"and prints a table: check, pass or FAIL, time, where it ran, and what\n"
	"it tests (with the first line of a failing check's output). Every\n"
	"run is appended to the exercise's events.log for reviewers.\n\n"
	"Guest checks (run:) run in the VM as root, over its guest agent, or\n"
	"over SSH when the agent does not answer within 2 s; the last lines\n"
	"say which, and whether what the admin channel depends on changed\n"
	"since up. A check whose answer lacks its run's nonce is TAMPERED,\n"
	"never a pass. Neither channel answering is 'admin channel lost',\n"
	"within seconds. Host checks (http:, tcp:) ask the VM's service from\n"
	"the host, through a port forwarded from 127.0.0.1.\n\n"
	"Options:\n"
	"  --json  one JSON object for scripts\n\n"
	"Exit status: 0 if every check passes, 1 if any fails or is tampered\n"
	"with, or the VM cannot be reached.\n",
	check_exec,
};
