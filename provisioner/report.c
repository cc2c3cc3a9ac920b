/*
 * report.c - one exercise, summed up for the hiring decision.
 */
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cast.h"
#include "diag.h"
#include "exercise.h"
#include "report.h"
#include "scenario.h"
#include "util.h"

#define REPORT_LINE_MAX	(1024 * 1024)

void
report_free(struct report *r)
{
	size_t	 i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nchecks; i++) {
		free(r->checks[i].id);
		free(r->checks[i].describe);
	}
	free(r->checks);
	for (i = 0; i < r->nsessions; i++) {
		free(r->sessions[i].recording);
		commands_free(r->sessions[i].commands,
		    r->sessions[i].ncommands);
	}
	free(r->sessions);
	free(r->id);
	free(r->scenario);
	free(r->title);
	free(r->difficulty);
	free(r->candidate);
	free(r->state);
	free(r);
}

/* Call fn for each JSON object line of dir/name; bad lines are skipped. */
static void
report_lines(const char *dir, const char *name,
    void (*fn)(struct report *, json_t *), struct report *r)
{
	char	*path, *line = xmalloc(REPORT_LINE_MAX);
	FILE	*fp;
	json_t	*j;

	xasprintf(&path, "%s/%s", dir, name);
	if ((fp = fopen(path, "r")) != NULL) {
		while (fgets(line, REPORT_LINE_MAX, fp) != NULL) {
			if ((j = json_loads(line, 0, NULL)) == NULL)
				continue;
			if (json_is_object(j))
				fn(r, j);
			json_decref(j);
		}
		fclose(fp);
	}
	free(path);
	free(line);
}

static struct report_check *
report_check(struct report *r, const char *id)
{
	size_t	 i;

	for (i = 0; i < r->nchecks; i++) {
		if (strcmp(r->checks[i].id, id) == 0)
			return &r->checks[i];
	}
	return NULL;
}

/* events.log: every check run, the one at up included. */
static void
report_event(struct report *r, json_t *j)
{
	struct report_check	*c;
	json_t			*res, *v;
	time_t			 t;
	size_t			 i;

	if (!json_is_string(json_object_get(j, "event")) ||
	    strcmp(json_string_value(json_object_get(j, "event")), "check")
	    != 0 || !json_is_array(res = json_object_get(j, "results")))
		return;
	t = (time_t)json_integer_value(json_object_get(j, "time"));
	if (t > r->last_check)
		r->last_check = t;
	json_array_foreach(res, i, v) {
		if (!json_is_string(json_object_get(v, "id")) ||
		    (c = report_check(r, json_string_value(json_object_get(v,
		    "id")))) == NULL)
			continue;
		c->last = json_is_true(json_object_get(v, "pass"));
		if (c->last && (c->first_pass == 0 || t < c->first_pass))
			c->first_pass = t;
	}
}

/* audit.log: which hints came out. */
static void
report_audit(struct report *r, json_t *j)
{
	const char	*ev = json_string_value(json_object_get(j, "event"));
	const char	*detail = json_string_value(json_object_get(j,
			    "detail"));
	size_t		 n;

	if (ev == NULL || strcmp(ev, "hint") != 0 || detail == NULL)
		return;
	n = strtoul(detail, NULL, 10);
	if (n > r->hints_shown && n <= r->hints_total)
		r->hints_shown = n;
}

static void
report_sessions(struct report *r, const char *dir)
{
	struct report_session	*s;
	struct cast		*c;
	glob_t			 g;
	char			*pattern, *cause = NULL;
	size_t			 i;

	xasprintf(&pattern, "%s/sessions/*.cast", dir);
	if (glob(pattern, 0, NULL, &g) != 0) {
		free(pattern);
		return;
	}
	free(pattern);
	r->sessions = xcalloc(g.gl_pathc, sizeof *r->sessions);
	for (i = 0; i < g.gl_pathc; i++) {
		s = &r->sessions[r->nsessions++];
		s->recording = xstrdup(g.gl_pathv[i]);
		s->seconds = -1;
		if ((c = cast_load(s->recording, &cause)) != NULL) {
			s->start = c->header.timestamp;
			if (c->nevents > 0)
				s->seconds = c->events[c->nevents - 1].time;
			cast_free(c);
		} else {
			free(cause);
			cause = NULL;
		}
		if (commands_load(s->recording, &s->commands, &s->ncommands,
		    &s->source, &cause) != 0) {
			free(cause);
			cause = NULL;
		}
		if (s->start != 0 && (r->first_login == 0 ||
		    s->start < r->first_login))
			r->first_login = s->start;
	}
	globfree(&g);
}

int
report_load(const char *id, struct report **out, char **cause)
{
	struct exercise	*ex = NULL;
	struct scenario	*sc = NULL;
	struct diag	*d = NULL;
	struct report	*r = NULL;
	char		*path = NULL;
	size_t		 i;
	int		 rc = -1;

	if (exercise_load(id, &ex, cause) != 0)
		goto out;
	xasprintf(&path, "%s/scenario.yaml", ex->meta.dir);
	d = diag_new(path);
	if ((sc = scenario_load(path, d)) == NULL) {
		xasprintf(cause, "cannot read the scenario '%s' was launched "
		    "with: %s", id, diag_count(d) ? diag_message(d, 0) : "?");
		goto out;
	}
	r = xcalloc(1, sizeof *r);
	r->id = xstrdup(ex->id);
	r->scenario = xstrdup(sc->name);
	r->title = xstrdup(sc->title);
	r->difficulty = xstrdup(scenario_difficulty_name(sc->difficulty));
	r->candidate = xstrdup(ex->meta.candidate);
	r->state = xstrdup(ex->state);
	r->time_limit = sc->time_limit;
	r->created = ex->meta.created;
	r->downed = ex->downed;
	r->hints_total = sc->nhints;
	r->nchecks = sc->nchecks;
	r->checks = xcalloc(sc->nchecks, sizeof *r->checks);
	for (i = 0; i < sc->nchecks; i++) {
		r->checks[i].id = xstrdup(sc->checks[i].id);
		r->checks[i].describe = xstrdup(sc->checks[i].describe);
		r->checks[i].last = -1;
	}
	report_lines(ex->meta.dir, "events.log", report_event, r);
	report_lines(ex->meta.dir, "audit.log", report_audit, r);
	report_sessions(r, ex->meta.dir);
	*out = r;
	r = NULL;
	rc = 0;
out:
	report_free(r);
	scenario_free(sc);
	diag_free(d);
	exercise_free(ex);
	free(path);
	return rc;
}
