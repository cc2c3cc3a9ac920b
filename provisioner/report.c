/*
 * report.c - one exercise, summed up for the hiring decision.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cast.h"
#include "diag.h"
#include "exercise.h"
#include "record.h"
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
	for (i = 0; i < r->nadmin; i++) {
		free(r->admin[i].status);
		free(r->admin[i].detail);
	}
	free(r->admin);
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
	exercise_variant_release(&r->variant);
	free(r->variant_line);
	free(r);
}

/* Call fn for each JSON object line of dir/name; bad lines are skipped. */
static void
report_lines(const char *dir, enum exercise_file name,
    void (*fn)(struct report *, json_t *), struct report *r)
{
	char	*path, *line = xmalloc(REPORT_LINE_MAX);
	FILE	*fp;
	json_t	*j;

	path = exercise_path(dir, name);
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

/* An admin channel event, unless one just like it came first. */
static void
report_admin(struct report *r, json_t *j, time_t t)
{
	const char	*st = json_string_value(json_object_get(j, "status"));
	const char	*d = json_string_value(json_object_get(j, "detail"));
	size_t		 i;

	if (st == NULL || d == NULL || r->nadmin == REPORT_ADMIN_MAX)
		return;
	for (i = 0; i < r->nadmin; i++) {
		if (strcmp(r->admin[i].status, st) == 0 &&
		    strcmp(r->admin[i].detail, d) == 0)
			return;
	}
	r->admin = xreallocarray(r->admin, r->nadmin + 1, sizeof *r->admin);
	r->admin[r->nadmin].time = t;
	r->admin[r->nadmin].status = xstrdup(st);
	r->admin[r->nadmin].detail = xstrdup(d);
	util_defang(r->admin[r->nadmin].detail);
	r->nadmin++;
}

/* events.log: every check run, the one at up included. */
static void
report_event(struct report *r, json_t *j)
{
	struct report_check	*c;
	const char		*ev = json_string_value(json_object_get(j,
				    "event"));
	json_t			*res, *v;
	time_t			 t;
	size_t			 i;

	t = (time_t)json_integer_value(json_object_get(j, "time"));
	if (ev != NULL && strcmp(ev, "admin") == 0)
		report_admin(r, j, t);
	if (ev == NULL || strcmp(ev, "check") != 0 ||
	    !json_is_array(res = json_object_get(j, "results")))
		return;
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

/*
 * What a recording says of itself: when it started, how long it ran,
 * and whether output was left out. Read an event at a time: a
 * recording of any length costs one line of memory.
 */
static void
report_recording(struct report_session *s)
{
	struct cast_file	*f;
	struct cast_event	 ev;
	char			*cause = NULL;
	uint64_t		 bytes;
	int			 rc;

	if ((f = cast_open(s->recording, &cause)) == NULL) {
		free(cause);
		return;
	}
	s->start = cast_file_header(f)->timestamp;
	while ((rc = cast_next(f, &ev, &cause)) == 1) {
		s->seconds = ev.time;
		if (ev.code != CAST_MARKER)
			continue;
		switch (record_marker_elided(ev.data, &bytes)) {
		case RECORD_MARK_FROM:
			if (s->elided_from < 0)
				s->elided_from = ev.time;
			break;
		case RECORD_MARK_COUNT:
			s->elided = bytes;
			break;
		}
	}
	if (rc == -1) {
		free(cause);	/* not a recording: nothing known of it */
		s->start = 0;
		s->seconds = s->elided_from = -1;
		s->elided = 0;
	}
	cast_close(f);
}

static void
report_sessions(struct report *r, const char *dir)
{
	struct report_session	*s;
	char			**paths = NULL, *cause = NULL;
	size_t			  n = 0, i;

	if (exercise_recordings(dir, &paths, &n, &cause) != 0) {
		free(cause);
		return;
	}
	r->sessions = xcalloc(n, sizeof *r->sessions);
	for (i = 0; i < n; i++) {
		s = &r->sessions[r->nsessions++];
		s->recording = paths[i];	/* transferred */
		s->seconds = -1;
		s->elided_from = -1;
		report_recording(s);
		if (commands_load(s->recording, &s->commands, &s->ncommands,
		    &s->source, &cause) != 0) {
			free(cause);
			cause = NULL;
		}
		if (s->start != 0 && (r->first_login == 0 ||
		    s->start < r->first_login))
			r->first_login = s->start;
	}
	free(paths);
}

int
report_load(const char *id, struct report **out, char **cause)
{
	struct exercise	*ex = NULL;
	struct scenario	*sc = NULL;
	struct diag	*d = NULL;
	struct report	*r = NULL;
	size_t		 i;
	int		 rc = -1;

	if (exercise_load(id, &ex, cause) != 0)
		goto out;
	if ((sc = exercise_scenario(ex->meta.dir, &d)) == NULL) {
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
	r->variant = ex->variant;
	memset(&ex->variant, 0, sizeof ex->variant);	/* transferred */
	r->variant_line = exercise_variant_line(&r->variant);
	r->nchecks = sc->nchecks;
	r->checks = xcalloc(sc->nchecks, sizeof *r->checks);
	for (i = 0; i < sc->nchecks; i++) {
		r->checks[i].id = xstrdup(sc->checks[i].id);
		r->checks[i].describe = xstrdup(sc->checks[i].describe);
		r->checks[i].where = scenario_check_on_host(&sc->checks[i]) ?
		    "host" : "guest";
		r->checks[i].last = -1;
	}
	report_lines(ex->meta.dir, EXERCISE_EVENTS, report_event, r);
	report_lines(ex->meta.dir, EXERCISE_AUDIT, report_audit, r);
	report_sessions(r, ex->meta.dir);
	*out = r;
	r = NULL;
	rc = 0;
out:
	report_free(r);
	scenario_free(sc);
	diag_free(d);
	exercise_free(ex);
	return rc;
}
