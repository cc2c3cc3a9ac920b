/*
 * check.c - run a scenario's checks in its guest and keep the results.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "check.h"
#include "guest.h"
#include "util.h"

/* stdout then stderr, at most CHECK_OUTPUT_KEEP bytes. */
static char *
check_output(const struct guest_result *res)
{
	char	*o;

	xasprintf(&o, "%.*s%.*s", CHECK_OUTPUT_KEEP, res->out ? res->out : "",
	    CHECK_OUTPUT_KEEP, res->err ? res->err : "");
	if (strlen(o) > CHECK_OUTPUT_KEEP)
		o[CHECK_OUTPUT_KEEP] = '\0';
	return o;
}

static int
check_one(struct guest *g, const struct scenario_check *ck,
    struct check_result *r, char **cause)
{
	struct guest_result	 res;
	long long		 start = util_now_ms();

	memset(&res, 0, sizeof res);
	if (guest_exec_root(g, ck->run, NULL, (int)ck->timeout * 1000, &res,
	    cause) != 0)
		return -1;
	r->check = ck;
	r->ms = util_now_ms() - start;
	r->status = res.status;
	r->timed_out = res.timed_out;
	r->pass = !res.timed_out && res.status == 0;
	r->output = check_output(&res);
	guest_result_release(&res);
	return 0;
}

int
check_run_all(struct guest *g, const struct scenario *sc,
    struct check_result **out, char **cause)
{
	struct check_result	*r;
	size_t			 i;

	r = xcalloc(sc->nchecks, sizeof *r);
	for (i = 0; i < sc->nchecks; i++) {
		if (check_one(g, &sc->checks[i], &r[i], cause) != 0) {
			check_results_free(r, i);
			return -1;
		}
	}
	*out = r;
	return 0;
}

void
check_results_free(struct check_result *r, size_t n)
{
	size_t	 i;

	if (r == NULL)
		return;
	for (i = 0; i < n; i++)
		free(r[i].output);
	free(r);
}

int
check_log(const char *dir, time_t t, const struct check_result *r, size_t n,
    char **cause)
{
	json_t	*results = json_array(), *ev;
	char	*path, *line = NULL;
	FILE	*fp = NULL;
	size_t	 i;
	int	 rc = -1;

	for (i = 0; i < n; i++)
		json_array_append_new(results, json_pack("{s:s, s:b, s:i, s:b, "
		    "s:I}", "id", r[i].check->id, "pass", r[i].pass, "status",
		    r[i].status, "timed_out", r[i].timed_out, "ms",
		    (json_int_t)r[i].ms));
	ev = json_pack("{s:I, s:s, s:o}", "time", (json_int_t)t, "event",
	    "check", "results", results);
	xasprintf(&path, "%s/events.log", dir);
	line = json_dumps(ev, JSON_COMPACT | JSON_PRESERVE_ORDER);
	/* One write per line, O_APPEND: lines from two runs never mix. */
	if (line == NULL || (fp = fopen(path, "a")) == NULL ||
	    fprintf(fp, "%s\n", line) < 0 || fflush(fp) != 0) {
		xasprintf(cause, "cannot append to '%s': %s", path,
		    strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (fp != NULL)
		fclose(fp);
	free(line);
	free(path);
	json_decref(ev);
	return rc;
}
