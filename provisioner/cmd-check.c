/*
 * cmd-check.c - run an exercise's checks: which faults are fixed now?
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "check.h"
#include "cmd.h"
#include "diag.h"
#include "exercise.h"
#include "guest.h"
#include "log.h"
#include "scenario.h"
#include "util.h"

#define CHECK_CONNECT_S	30

/* The scenario as launched (kept in the exercise), else its file. */
static struct scenario *
check_scenario(const struct exercise *ex)
{
	struct scenario	*sc;
	struct diag	*d;
	char		*path;

	xasprintf(&path, "%s/scenario.yaml", ex->meta.dir);
	d = diag_new(path);
	if ((sc = scenario_load(path, d)) == NULL)
		cmd_print_diag(d);
	diag_free(d);
	free(path);
	return sc;
}

static void
check_print(const struct check_result *r, size_t n)
{
	size_t	 i, pass = 0;
	char	*first;

	printf("%-20s %-7s %7s  %s\n", "CHECK", "RESULT", "TIME", "WHAT");
	for (i = 0; i < n; i++) {
		pass += r[i].pass;
		printf("%-20s %-7s %6.1fs  %s\n", r[i].check->id,
		    r[i].pass ? "pass" : r[i].timed_out ? "timeout" : "FAIL",
		    r[i].ms / 1000.0, r[i].check->describe);
		if (r[i].pass || *r[i].output == '\0')
			continue;
		first = xstrndup(r[i].output, strcspn(r[i].output, "\n"));
		util_defang(first);
		printf("%-20s         %.100s\n", "", first);
		free(first);
	}
	printf("%zu of %zu checks pass\n", pass, n);
}

static void
check_print_json(const struct exercise *ex, const struct check_result *r,
    size_t n, time_t t)
{
	json_t	*a = json_array(), *j;
	size_t	 i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:b, s:i, s:b, "
		    "s:I, s:s}", "id", r[i].check->id, "describe",
		    r[i].check->describe, "pass", r[i].pass, "status",
		    r[i].status, "timed_out", r[i].timed_out, "ms",
		    (json_int_t)r[i].ms, "output", r[i].output));
	j = json_pack("{s:s, s:I, s:o}", "id", ex->id, "time", (json_int_t)t,
	    "checks", a);
	cmd_print_json(j);
}

static int
check_exec(int argc, char **argv)
{
	static const struct option longopts[] = {
		CMD_COMMON_LONGOPTS,
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	struct check_result	*r = NULL;
	struct exercise		*ex = NULL;
	struct scenario		*sc = NULL;
	struct guest		*g = NULL;
	char			*cause = NULL;
	time_t			 t = time(NULL);
	size_t			 i;
	int			 ch, json = 0, rc = CMD_FAILED;

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
	if (exercise_load(argv[optind], &ex, &cause) != 0) {
		cmd_error(cause);
		goto out;
	}
	if (strcmp(ex->state, "ready") != 0) {
		log_error("exercise '%s' is %s", ex->id, ex->state);
		goto out;
	}
	if ((sc = check_scenario(ex)) == NULL)
		goto out;
	if ((g = exercise_connect(ex, CHECK_CONNECT_S, &cause)) == NULL ||
	    check_run_all(g, sc, &r, &cause) != 0 ||
	    check_log(ex->meta.dir, t, r, sc->nchecks, &cause) != 0) {
		cmd_error(cause);
		goto out;
	}
	if (json)
		check_print_json(ex, r, sc->nchecks, t);
	else
		check_print(r, sc->nchecks);
	rc = CMD_OK;
	for (i = 0; i < sc->nchecks; i++) {
		if (!r[i].pass)
			rc = CMD_FAILED;
	}
out:
	if (r != NULL)
		check_results_free(r, sc->nchecks);
	guest_close(g);
	scenario_free(sc);
	exercise_free(ex);
	return rc;
}

const struct cmd_entry cmd_check_entry = {
	"check", "[--json] EXERCISE",
	"run the exercise's checks: which faults are fixed now",
	"Runs every check of the exercise's scenario in its VM, as root, each\n"
	"with its timeout, and prints a table: check, pass or FAIL, time, and\n"
	"what it tests (with the first line of a failing check's output).\n"
	"Every run is appended to the exercise's events.log for reviewers.\n\n"
	"Options:\n"
	"  --json  one JSON object for scripts\n\n"
	"Exit status: 0 if every check passes, 1 if any fails or the VM\n"
	"cannot be reached.\n",
	check_exec,
};
