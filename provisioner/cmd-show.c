/*
 * cmd-show.c - print a scenario as breakfix understands it.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cmd.h"
#include "diag.h"
#include "log.h"
#include "scenario.h"
#include "units.h"

/* Print text indented, each line behind a margin. */
static void
show_block(const char *text, const char *margin)
{
	const char	*p = text, *nl;

	while (*p != '\0') {
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p);
		printf("%s%.*s\n", margin, (int)(nl - p), p);
		p = *nl == '\n' ? nl + 1 : nl;
	}
}

static void
show_header(const struct scenario *sc)
{
	char	 b1[UNITS_BUFSZ], b2[UNITS_BUFSZ];
	size_t	 i;

	printf("%s: %s\n", sc->name, sc->title);
	printf("  file        %s\n", sc->path);
	printf("  difficulty  %s\n", scenario_difficulty_name(sc->difficulty));
	printf("  tags        ");
	for (i = 0; i < sc->ntags; i++)
		printf("%s%s", i ? ", " : "", sc->tags[i]);
	printf("%s\n", sc->ntags ? "" : "(none)");
	printf("  image       %s\n", sc->image);
	printf("  vm          %s memory, %u vCPU%s, %s disk\n",
	    units_format_size(sc->memory, b1), sc->vcpus,
	    sc->vcpus == 1 ? "" : "s", units_format_size(sc->disk, b2));
	printf("  time limit  %s\n", units_format_duration(sc->time_limit, b1));
	printf("  candidate   %s (%s)\n", sc->candidate_user,
	    sc->candidate_sudo ? "with sudo" : "no sudo");
	if (*sc->summary != '\0') {
		printf("\nSummary:\n");
		show_block(sc->summary, "  ");
	}
	printf("\nBriefing (shown to the candidate at login):\n");
	show_block(sc->briefing, "  | ");
}

static void
show_faults(const struct scenario *sc)
{
	const struct scenario_fault	*f;
	size_t				 i, j;

	printf("\nFaults (%zu):\n", sc->nfaults);
	for (i = 0; i < sc->nfaults; i++) {
		f = &sc->faults[i];
		printf("  %s (%s)%s%s\n", f->id, f->kind->name,
		    f->describe ? ": " : "", f->describe ? f->describe : "");
		for (j = 0; j < f->nparams; j++) {
			if (f->params[j].value == NULL)
				continue;
			if (strchr(f->params[j].value, '\n') == NULL)
				printf("    %-8s %s%s\n", f->params[j].name,
				    f->params[j].value,
				    f->params[j].is_default ? " (default)" : "");
			else {
				printf("    %s:\n", f->params[j].name);
				show_block(f->params[j].value, "      | ");
			}
		}
	}
}

static void
show_checks(const struct scenario *sc)
{
	const struct scenario_check	*ck;
	char				 b[UNITS_BUFSZ];
	size_t				 i, j;

	printf("\nChecks (%zu; each must fail after the faults, pass when "
	    "fixed):\n", sc->nchecks);
	for (i = 0; i < sc->nchecks; i++) {
		ck = &sc->checks[i];
		printf("  %s: %s\n", ck->id, ck->describe);
		printf("    timeout  %s\n", units_format_duration(ck->timeout, b));
		if (ck->nfixes != 0) {
			printf("    fixes    ");
			for (j = 0; j < ck->nfixes; j++)
				printf("%s%s", j ? ", " : "", ck->fixes[j]);
			printf("\n");
		}
		show_block(ck->run, "    $ ");
	}
}

static void
show_rest(const struct scenario *sc)
{
	char	 b[UNITS_BUFSZ];
	size_t	 i;

	printf("\nHints (%zu):\n", sc->nhints);
	for (i = 0; i < sc->nhints; i++) {
		printf("  after %s:\n",
		    units_format_duration(sc->hints[i].after, b));
		show_block(sc->hints[i].text, "    ");
	}
	printf("\nSolution (never shown to the candidate):\n");
	show_block(sc->solution, "  | ");
}

static json_t *
show_json_strv(char **v, size_t n)
{
	json_t	*a = json_array();
	size_t	 i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

static json_t *
show_json_faults(const struct scenario *sc)
{
	const struct scenario_fault	*f;
	json_t				*a = json_array(), *o, *p;
	size_t				 i, j;

	for (i = 0; i < sc->nfaults; i++) {
		f = &sc->faults[i];
		p = json_object();
		for (j = 0; j < f->nparams; j++) {
			if (f->params[j].value != NULL)
				json_object_set_new(p, f->params[j].name,
				    json_string(f->params[j].value));
		}
		o = json_pack("{s:s, s:s, s:o}", "id", f->id, "kind",
		    f->kind->name, "params", p);
		if (f->describe != NULL)
			json_object_set_new(o, "describe",
			    json_string(f->describe));
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *
show_json_checks(const struct scenario *sc)
{
	const struct scenario_check	*ck;
	json_t				*a = json_array();
	size_t				 i;

	for (i = 0; i < sc->nchecks; i++) {
		ck = &sc->checks[i];
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:I, s:o}",
		    "id", ck->id, "describe", ck->describe, "run", ck->run,
		    "timeout_s", (json_int_t)ck->timeout,
		    "fixes", show_json_strv(ck->fixes, ck->nfixes)));
	}
	return a;
}

static json_t *
show_json(const struct scenario *sc)
{
	json_t	*hints = json_array();
	size_t	 i;

	for (i = 0; i < sc->nhints; i++)
		json_array_append_new(hints, json_pack("{s:I, s:s}",
		    "after_s", (json_int_t)sc->hints[i].after,
		    "text", sc->hints[i].text));
	return json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:o, s:s, s:s, "
	    "s:{s:I, s:i, s:I}, s:I, s:{s:s, s:b}, s:o, s:o, s:s, s:o}",
	    "file", sc->path, "version", (int)sc->version, "name", sc->name,
	    "title", sc->title, "summary", sc->summary,
	    "difficulty", scenario_difficulty_name(sc->difficulty),
	    "tags", show_json_strv(sc->tags, sc->ntags),
	    "briefing", sc->briefing, "image", sc->image,
	    "vm", "memory_bytes", (json_int_t)sc->memory,
	    "vcpus", (int)sc->vcpus, "disk_bytes", (json_int_t)sc->disk,
	    "time_limit_s", (json_int_t)sc->time_limit,
	    "candidate", "user", sc->candidate_user,
	    "sudo", sc->candidate_sudo,
	    "faults", show_json_faults(sc), "checks", show_json_checks(sc),
	    "solution", sc->solution, "hints", hints);
}

static int
show_exec(int argc, char **argv)
{
	static const struct option longopts[] = {
		CMD_COMMON_LONGOPTS,
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	struct scenario	*sc = NULL;
	struct diag	*d = NULL;
	json_t		*j;
	int		 ch, r, json = 0, rc = CMD_FAILED;

	while ((ch = cmd_getopt(&cmd_show_entry, argc, argv, "", longopts,
	    &r)) != -1) {
		if (ch == CMD_GETOPT_STOP)
			return r;
		if (ch == 'j') {
			json = 1;
			continue;
		}
	}
	if (argc - optind != 1)
		return cmd_usage_error(&cmd_show_entry, optind == argc ?
		    "no file given" : "one file at a time");
	d = diag_new(argv[optind]);
	if ((sc = scenario_load(argv[optind], d)) == NULL) {
		cmd_print_diag(d);
		goto out;
	}
	if (json) {
		j = show_json(sc);
		cmd_print_json(j);
	} else {
		show_header(sc);
		show_faults(sc);
		show_checks(sc);
		show_rest(sc);
	}
	rc = CMD_OK;
out:
	scenario_free(sc);
	diag_free(d);
	return rc;
}

const struct cmd_entry cmd_show_entry = {
	"show", "[--json] FILE",
	"print a scenario with every default filled in",
	"Prints the scenario as breakfix will run it: identity, VM size,\n"
	"briefing, faults with their parameters, checks, hints and the\n"
	"reference solution. Problems are reported as by 'validate'.\n\n"
	"Options:\n"
	"  --json  one JSON object for scripts (sizes in bytes, times in\n"
	"          seconds)\n",
	show_exec,
};
