/*
 * cmd-show.c - print a scenario as breakfix understands it.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
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

/* One extra disk: "disk data (vdb) 1G, LVM data/reports, ext4 on /srv". */
static void
show_disk(const struct scenario_disk *d, size_t i)
{
	char	 b[UNITS_BUFSZ];

	printf("    disk      %s (vd%c) %s", d->name, (char)('b' + i),
	    units_format_size(d->size, b));
	if (d->partition)
		printf(", one partition");
	if (d->vg != NULL)
		printf(", LVM %s/%s", d->vg, d->lv);
	if (d->format != NULL)
		printf(", %s", d->format);
	if (d->mount != NULL)
		printf(" on %s", d->mount);
	printf("%s\n", d->vg == NULL && d->format == NULL && !d->partition ?
	    ", blank" : "");
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
	for (i = 0; i < sc->nimage_packages; i++)
		printf("%s%s%s", i ? ", " : "    packages  ",
		    sc->image_packages[i], i + 1 == sc->nimage_packages ?
		    "\n" : "");
	for (i = 0; i < sc->nimage_mirror; i++)
		printf("%s%s%s", i ? ", " : "    mirror    ",
		    sc->image_mirror[i], i + 1 == sc->nimage_mirror ? "\n" : "");
	for (i = 0; i < sc->nimage_containers; i++)
		printf("    container localhost/%.*s from %s\n",
		    (int)strcspn(sc->image_containers[i], "="),
		    sc->image_containers[i], strchr(sc->image_containers[i],
		    '=') + 1);
	for (i = 0; i < sc->nimage_files; i++)
		printf("    file      %s (%zu bytes, %04o, %s%s%s)\n",
		    sc->image_files[i].path, sc->image_files[i].len,
		    sc->image_files[i].mode, sc->image_files[i].owner,
		    sc->image_files[i].group ? ":" : "",
		    sc->image_files[i].group ? sc->image_files[i].group : "");
	printf("  vm          %s memory, %u vCPU%s, %s disk\n",
	    units_format_size(sc->memory, b1), sc->vcpus,
	    sc->vcpus == 1 ? "" : "s", units_format_size(sc->disk, b2));
	for (i = 0; i < sc->ndisks; i++)
		show_disk(&sc->disks[i], i);
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

/* The variant: the seed and each variable's value and how it is drawn. */
static void
show_variant(const struct scenario *sc)
{
	const struct variable	*v;
	char			*how;
	size_t			 i;

	if (sc->vars == NULL || sc->vars->n == 0)
		return;
	printf("\nVariant: seed %u (%s)\n", sc->seed, sc->seed_pinned ?
	    "pinned by the file's 'seed:'" : "another with --seed N");
	for (i = 0; i < sc->vars->n; i++) {
		v = &sc->vars->v[i];
		how = variables_describe(v);
		printf("  %-16s %-20s (%s)\n", v->name, v->value, how);
		free(how);
	}
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

/* A host check: what breakfix asks, from where, and what passes. */
static void
show_probe(const struct scenario_check *ck)
{
	const struct scenario_probe	*p = &ck->probe;
	char				*url;

	if (ck->kind == SCENARIO_CHECK_TCP) {
		printf("    host     TCP connection to guest port %u\n",
		    p->port);
		printf("    expects  the guest accepts it\n");
		return;
	}
	url = scenario_check_url(ck);
	printf("    host     GET %s (guest port %u)\n", url, p->port);
	free(url);
	printf("    expects  status %u", p->status);
	if (p->contains != NULL)
		printf(", a body containing \"%s\"", p->contains);
	printf("\n");
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
		if (ck->kind == SCENARIO_CHECK_RUN)
			show_block(ck->run, "    $ ");
		else
			show_probe(ck);
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

/* "run": the script; "http", "tcp": the probe, defaults filled in. */
static json_t *
show_json_what(const struct scenario_check *ck)
{
	const struct scenario_probe	*p = &ck->probe;

	switch (ck->kind) {
	case SCENARIO_CHECK_HTTP:
		return json_pack("{s:i, s:s, s:s, s:i, s:o}", "port",
		    (int)p->port, "path", p->path, "host", p->host, "status",
		    (int)p->status, "contains", p->contains != NULL ?
		    json_string(p->contains) : json_null());
	case SCENARIO_CHECK_TCP:
		return json_pack("{s:i}", "port", (int)p->port);
	case SCENARIO_CHECK_RUN:
		break;
	}
	return json_string(ck->run);
}

static json_t *
show_json_checks(const struct scenario *sc)
{
	const struct scenario_check	*ck;
	json_t				*a = json_array();
	size_t				 i;

	for (i = 0; i < sc->nchecks; i++) {
		ck = &sc->checks[i];
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:o, s:I, "
		    "s:o}", "id", ck->id, "describe", ck->describe, "where",
		    scenario_check_on_host(ck) ? "host" : "guest",
		    scenario_check_kind_name(ck->kind), show_json_what(ck),
		    "timeout_s", (json_int_t)ck->timeout,
		    "fixes", show_json_strv(ck->fixes, ck->nfixes)));
	}
	return a;
}

/* {"seed": N, "pinned": bool, "values": {name: value}}, or null. */
static json_t *
show_json_variant(const struct scenario *sc)
{
	json_t	*values;
	size_t	 i;

	if (sc->vars == NULL || sc->vars->n == 0)
		return json_null();
	values = json_object();
	for (i = 0; i < sc->vars->n; i++)
		json_object_set_new(values, sc->vars->v[i].name,
		    json_string(sc->vars->v[i].value));
	return json_pack("{s:I, s:b, s:o}", "seed", (json_int_t)sc->seed,
	    "pinned", sc->seed_pinned, "values", values);
}

/* image: files:, their paths and how they are placed (not content). */
static json_t *
show_json_files(const struct scenario *sc)
{
	const struct derived_file	*f;
	json_t				*a = json_array();
	char				 mode[8];
	size_t				 i;

	for (i = 0; i < sc->nimage_files; i++) {
		f = &sc->image_files[i];
		snprintf(mode, sizeof mode, "%04o", f->mode);
		json_array_append_new(a, json_pack("{s:s, s:I, s:s, s:s, s:s?}",
		    "path", f->path, "bytes", (json_int_t)f->len, "mode", mode,
		    "owner", f->owner, "group", f->group));
	}
	return a;
}

/* vm: disks:, what is not asked for as null. */
static json_t *
show_json_disks(const struct scenario *sc)
{
	const struct scenario_disk	*d;
	json_t				*a = json_array();
	size_t				 i;

	for (i = 0; i < sc->ndisks; i++) {
		d = &sc->disks[i];
		json_array_append_new(a, json_pack("{s:s, s:I, s:b, s:s?, s:s?, "
		    "s:I, s:s?, s:s?}", "name", d->name, "size_bytes",
		    (json_int_t)d->size, "partition", d->partition, "vg", d->vg,
		    "lv", d->lv, "lv_size_bytes", (json_int_t)d->lv_size,
		    "format", d->format, "mount", d->mount));
	}
	return a;
}

static json_t *
show_json(const struct scenario *sc)
{
	json_t	*hints = json_array();
	size_t	 i;

	json_t	*variant = show_json_variant(sc);

	for (i = 0; i < sc->nhints; i++)
		json_array_append_new(hints, json_pack("{s:I, s:s}",
		    "after_s", (json_int_t)sc->hints[i].after,
		    "text", sc->hints[i].text));
	return json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:o, s:s, s:s, "
	    "s:o, s:o, s:o, s:o, s:{s:I, s:i, s:I, s:o}, s:I, s:{s:s, s:b}, s:o, s:o, "
	    "s:s, s:o, s:o}",
	    "file", sc->path, "version", (int)sc->version, "name", sc->name,
	    "title", sc->title, "summary", sc->summary,
	    "difficulty", scenario_difficulty_name(sc->difficulty),
	    "tags", show_json_strv(sc->tags, sc->ntags),
	    "briefing", sc->briefing, "image", sc->image,
	    "image_packages", show_json_strv(sc->image_packages,
	    sc->nimage_packages), "image_mirror",
	    show_json_strv(sc->image_mirror, sc->nimage_mirror),
	    "image_containers", show_json_strv(sc->image_containers,
	    sc->nimage_containers), "image_files", show_json_files(sc),
	    "vm", "memory_bytes", (json_int_t)sc->memory,
	    "vcpus", (int)sc->vcpus, "disk_bytes", (json_int_t)sc->disk,
	    "disks", show_json_disks(sc),
	    "time_limit_s", (json_int_t)sc->time_limit,
	    "candidate", "user", sc->candidate_user,
	    "sudo", sc->candidate_sudo,
	    "faults", show_json_faults(sc), "checks", show_json_checks(sc),
	    "solution", sc->solution, "hints", hints, "variant", variant);
}

static int
show_exec(int argc, char **argv)
{
	static const struct option longopts[] = {
		CMD_COMMON_LONGOPTS,
		{ "json", no_argument, NULL, 'j' },
		{ "seed", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	struct scenario	*sc = NULL;
	struct diag	*d = NULL;
	json_t		*j;
	int64_t		 seed = SCENARIO_SEED_DEFAULT;
	int		 ch, r, json = 0, rc = CMD_FAILED;

	while ((ch = cmd_getopt(&cmd_show_entry, argc, argv, "", longopts,
	    &r)) != -1) {
		if (ch == CMD_GETOPT_STOP)
			return r;
		if (ch == 'j') {
			json = 1;
			continue;
		}
		if (ch == 's' && (r = cmd_seed_arg(&cmd_show_entry, optarg,
		    &seed)) != 0)
			return r;
	}
	if (argc - optind != 1)
		return cmd_usage_error(&cmd_show_entry, optind == argc ?
		    "no file given" : "one file at a time");
	d = diag_new(argv[optind]);
	if ((sc = scenario_load_variant(argv[optind], seed, d)) == NULL) {
		cmd_print_diag(d);
		goto out;
	}
	cmd_print_warnings(sc);
	if (json) {
		j = show_json(sc);
		cmd_print_json(j);
	} else {
		show_header(sc);
		show_variant(sc);
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
	"show", "[--json] [--seed N] FILE",
	"print a scenario with every default filled in",
	"Prints the scenario as breakfix will run it: identity, VM size,\n"
	"briefing, faults with their parameters, checks, hints and the\n"
	"reference solution. Problems are reported as by 'validate'.\n\n"
	"A scenario with variables is shown as one variant, its values\n"
	"written in: the seed the file pins with 'seed:', else seed 0, else\n"
	"the one --seed names.\n\n"
	"Options:\n"
	"  --seed N  the variant of seed N (0 to 4294967295)\n"
	"  --json  one JSON object for scripts (sizes in bytes, times in\n"
	"          seconds)\n",
	show_exec,
};
