/*
 * cmd-report.c - one page on an exercise, for the hiring decision.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cmd.h"
#include "escape.h"
#include "report.h"
#include "units.h"
#include "util.h"

enum report_format { REPORT_TEXT, REPORT_MARKDOWN, REPORT_JSON };

/* "+12m03s" after the first login, or "-". */
static const char *
report_after(const struct report *r, time_t t, char *buf, size_t len)
{
	char	 d[UNITS_BUFSZ];

	if (t == 0 || r->first_login == 0)
		return "-";
	if (t < r->first_login)
		return "before login";
	snprintf(buf, len, "+%s", cmd_fmt_span(t - r->first_login, d,
	    sizeof d));
	return buf;
}

static double
report_total(const struct report *r, size_t *ncommands)
{
	double	 total = 0;
	size_t	 i;

	*ncommands = 0;
	for (i = 0; i < r->nsessions; i++) {
		if (r->sessions[i].seconds > 0)
			total += r->sessions[i].seconds;
		*ncommands += r->sessions[i].ncommands;
	}
	return total;
}

/*
 * A command's line: offset in its session, exit, text. The text is the
 * candidate's: escaped, it stays on its line (and in its table cell).
 */
static void
report_command(const struct command *c, const char *indent, int md)
{
	char	 ex[16], *text;

	if (c->exit >= 0)
		snprintf(ex, sizeof ex, "%d", c->exit);
	else
		snprintf(ex, sizeof ex, "-");
	if (md) {
		text = escape_markdown_code(c->text);
		printf("| %d:%04.1f | %s | %s%s |\n", (int)(c->start / 60),
		    c->start - 60 * (int)(c->start / 60), ex,
		    c->approximate ? "~ " : "", text);
	} else {
		text = escape_text(c->text);
		printf("%s%3d:%04.1f %4s  %s%s\n", indent, (int)(c->start / 60),
		    c->start - 60 * (int)(c->start / 60), ex,
		    c->approximate ? "~ " : "", text);
	}
	free(text);
}

static void
report_escape_one(char **s, int md)
{
	char	*e = md ? escape_markdown(*s) : escape_text(*s);

	free(*s);
	*s = e;
}

/*
 * The record's and the scenario's words, escaped for the terminal or
 * Markdown in place: the candidate's name and the check descriptions
 * are not the candidate's to write, but shown they are text all the
 * same, and a '|' in a description must not end its table cell.
 */
static void
report_escape(struct report *r, int md)
{
	char	**field[] = { &r->id, &r->scenario, &r->title,
		    &r->difficulty, &r->candidate, &r->state,
		    &r->variant_line };
	size_t	  i;

	for (i = 0; i < nitems(field); i++)
		report_escape_one(field[i], md);
	for (i = 0; i < r->nchecks; i++) {
		report_escape_one(&r->checks[i].id, md);
		report_escape_one(&r->checks[i].describe, md);
	}
}

/*
 * A session's heading, and when output went over the recording's cap:
 * what the candidate saw from then on is not in the recording (the
 * commands and their exit statuses still are).
 */
static void
report_session_head(const struct report_session *s, size_t i, int md)
{
	char	 a[64], span[UNITS_BUFSZ], size[UNITS_BUFSZ];

	printf(md ? "\n**Session %zu**, %s, %s%s\n" :
	    "  session %zu, %s, %s%s\n", i + 1,
	    cmd_fmt_time(s->start, a, sizeof a), s->seconds >= 0 ?
	    cmd_fmt_span((long long)s->seconds, span, sizeof span) : "?",
	    s->source == COMMANDS_INPUT ? " (rebuilt from the keys typed)" :
	    "");
	if (s->elided_from >= 0)
		printf(md ? "\nOutput over the recording's cap was not recorded "
		    "from %d:%04.1f on (%s).\n" : "  output over the "
		    "recording's cap was not recorded from %d:%04.1f on "
		    "(%s)\n", (int)(s->elided_from / 60),
		    s->elided_from - 60 * (int)(s->elided_from / 60),
		    s->elided > 0 ? units_format_human(s->elided, size) :
		    "how much is not known: the session did not end");
	if (md)
		printf("\n| at | exit | command |\n|---|---|---|\n");
}

/* What happened to the admin channel, each kind with its first time. */
static void
report_admin(const struct report *r, int md)
{
	const struct report_admin	*e;
	const char			*what;
	char				 a[64];
	size_t				 i;

	printf(md ? "\n## Admin channel\n\n" : "\nAdmin channel\n");
	if (r->nadmin == 0) {
		printf("%s%s\n", md ? "" : "  ", r->last_check != 0 ?
		    "never lost, altered or tampered with" : "-");
		return;
	}
	if (md)
		printf("| first seen | what |\n|---|---|\n");
	for (i = 0; i < r->nadmin; i++) {
		e = &r->admin[i];
		what = strcmp(e->status, "fallback") == 0 ? "fallback to ssh" :
		    e->status;
		printf(md ? "| %s | %s: %s |\n" : "  %s  %s: %s\n",
		    cmd_fmt_time(e->time, a, sizeof a), what, e->detail);
	}
}

static void
report_text(const struct report *r, int md)
{
	char		 a[64], b[64], span[UNITS_BUFSZ];
	size_t		 i, j, ncmd;
	double		 total = report_total(r, &ncmd);
	const char	*h = md ? "## " : "";

	printf(md ? "# %s: %s\n\n" : "%s: %s\n", r->id, r->title);
	printf(md ? "| | |\n|---|---|\n" : "");
	printf(md ? "| scenario | %s (%s), time limit %s |\n" :
	    "  scenario     %s (%s), time limit %s\n", r->scenario,
	    r->difficulty, units_format_duration(r->time_limit, span));
	printf(md ? "| candidate | %s |\n" : "  candidate    %s\n",
	    *r->candidate ? r->candidate : "(not named)");
	if (r->variant.n != 0)
		printf(md ? "| variant | %s |\n" : "  variant      %s\n",
		    r->variant_line);
	printf(md ? "| launched | %s (%s) |\n" : "  launched     %s (%s)\n",
	    cmd_fmt_time(r->created, a, sizeof a), r->state);
	if (r->first_login != 0)
		printf(md ? "| first login | %s, %s after launch |\n" :
		    "  first login  %s, %s after launch\n",
		    cmd_fmt_time(r->first_login, a, sizeof a),
		    cmd_fmt_span(r->first_login - r->created, span,
		    sizeof span));
	else
		printf(md ? "| first login | never |\n" :
		    "  first login  never\n");
	printf(md ? "| sessions | %zu, %s in all, %zu commands |\n" :
	    "  sessions     %zu, %s in all, %zu commands\n", r->nsessions,
	    cmd_fmt_span((long long)total, span, sizeof span), ncmd);
	printf(md ? "| hints | %zu of %zu shown |\n" :
	    "  hints        %zu of %zu shown\n", r->hints_shown,
	    r->hints_total);

	printf("\n%sChecks (last run %s)\n", h, cmd_fmt_time(r->last_check, a,
	    sizeof a));
	if (md)
		printf("\n| check | first passed | last run | from | what |\n"
		    "|---|---|---|---|---|\n");
	for (i = 0; i < r->nchecks; i++) {
		const struct report_check *c = &r->checks[i];
		const char *now = c->last == 1 ? "pass" : c->last == 0 ?
		    "FAIL" : "-";
		printf(md ? "| %s | %s | %s | %s | %s |\n" :
		    "  %-20s %-12s %-5s %-5s %s\n", c->id, report_after(r,
		    c->first_pass, b, sizeof b), now, c->where, c->describe);
	}
	if (r->downed == 0)
		printf("%s(the exercise is up: 'breakfix check %s' runs the "
		    "checks now)\n", md ? "\n" : "  ", r->id);
	report_admin(r, md);

	printf("\n%sCommands\n", h);
	for (i = 0; i < r->nsessions; i++) {
		report_session_head(&r->sessions[i], i, md);
		for (j = 0; j < r->sessions[i].ncommands; j++)
			report_command(&r->sessions[i].commands[j], "  ", md);
	}
	if (r->nsessions == 0)
		printf("  (no sessions)\n");
}

static void
report_json(const struct report *r)
{
	json_t	*j, *checks = json_array(), *sessions = json_array(), *cmds;
	json_t	*admin = json_array();
	size_t	 i, k;

	for (i = 0; i < r->nadmin; i++)
		json_array_append_new(admin, json_pack("{s:I, s:s, s:s}",
		    "time", (json_int_t)r->admin[i].time, "status",
		    r->admin[i].status, "detail", r->admin[i].detail));
	for (i = 0; i < r->nchecks; i++)
		json_array_append_new(checks, json_pack("{s:s, s:s, s:s, s:o, "
		    "s:o}", "id", r->checks[i].id, "describe",
		    r->checks[i].describe, "where", r->checks[i].where,
		    "first_pass", r->checks[i].first_pass ?
		    json_integer(r->checks[i].first_pass) : json_null(),
		    "last", r->checks[i].last < 0 ? json_null() :
		    json_boolean(r->checks[i].last)));
	for (i = 0; i < r->nsessions; i++) {
		const struct report_session *s = &r->sessions[i];
		cmds = json_array();
		for (k = 0; k < s->ncommands; k++)
			json_array_append_new(cmds, json_pack("{s:f, s:o, s:b, "
			    "s:s}", "start", s->commands[k].start, "exit",
			    s->commands[k].exit >= 0 ?
			    json_integer(s->commands[k].exit) : json_null(),
			    "approximate", s->commands[k].approximate,
			    "command", s->commands[k].text));
		json_array_append_new(sessions, json_pack("{s:s, s:I, s:f, "
		    "s:s, s:o, s:o, s:o}", "recording", s->recording, "start",
		    (json_int_t)s->start, "seconds", s->seconds, "source",
		    s->source == COMMANDS_LOG ? "log" : "input",
		    "elided_from", s->elided_from >= 0 ?
		    json_real(s->elided_from) : json_null(), "elided_bytes",
		    s->elided > 0 ? json_integer((json_int_t)s->elided) :
		    json_null(), "commands", cmds));
	}
	j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:o, s:o, "
	    "s:I, s:I, s:o, s:o}", "id", r->id, "scenario", r->scenario,
	    "title", r->title, "difficulty", r->difficulty, "candidate",
	    r->candidate, "state", r->state, "time_limit",
	    (json_int_t)r->time_limit, "created", (json_int_t)r->created,
	    "first_login", r->first_login ? json_integer(r->first_login) :
	    json_null(), "last_check", r->last_check ?
	    json_integer(r->last_check) : json_null(), "hints_shown",
	    (json_int_t)r->hints_shown, "hints_total",
	    (json_int_t)r->hints_total, "checks", checks, "sessions",
	    sessions);
	json_object_set_new(j, "admin", admin);
	json_object_set_new(j, "variant", exercise_variant_json(&r->variant));
	cmd_print_json(j);
}

static int
report_exec(int argc, char **argv)
{
	static const struct option longopts[] = {
		CMD_COMMON_LONGOPTS,
		{ "markdown", no_argument, NULL, 'm' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	enum report_format	 f = REPORT_TEXT;
	struct report		*r = NULL;
	char			*cause = NULL;
	int			 ch, st;

	while ((ch = cmd_getopt(&cmd_report_entry, argc, argv, "mj",
	    longopts, &st)) != -1) {
		switch (ch) {
		case CMD_GETOPT_STOP:
			return st;
		case 'm':
			f = REPORT_MARKDOWN;
			break;
		case 'j':
			f = REPORT_JSON;
			break;
		}
	}
	if (argc - optind != 1)
		return cmd_usage_error(&cmd_report_entry, "one exercise id");
	if (report_load(argv[optind], &r, &cause) != 0) {
		cmd_error(cause);
		return CMD_FAILED;
	}
	if (f == REPORT_JSON)
		report_json(r);
	else {
		report_escape(r, f == REPORT_MARKDOWN);
		report_text(r, f == REPORT_MARKDOWN);
	}
	report_free(r);
	return CMD_OK;
}

const struct cmd_entry cmd_report_entry = {
	"report", "[--markdown | --json] EXERCISE",
	"one page on an exercise: logins, checks, sessions, commands, hints",
	"For the hiring decision: the scenario and candidate, when the\n"
	"candidate first logged in, when each check first passed (from every\n"
	"'breakfix check' run), the last check results, what happened to the\n"
	"admin channel (lost, fallback to SSH, tampered with, altered since\n"
	"up; each first seen when), the sessions and\n"
	"their length, the commands typed in each, and how many hints were\n"
	"shown. Works on exercises that are down: all of it is kept.\n"
	"Commands are escaped to stay on their line, and in their table cell\n"
	"with --markdown (a newline shows as \\n, a backslash as \\\\).\n"
	"\n"
	"  --markdown  the same as Markdown (for a ticket or a wiki)\n"
	"  --json      one JSON object\n",
	report_exec,
};
