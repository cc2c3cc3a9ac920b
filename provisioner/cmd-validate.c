/*
 * cmd-validate.c - check scenario files and report every problem.
 */
#include <getopt.h>
#include <stdio.h>

#include "cmd.h"
#include "diag.h"
#include "log.h"
#include "scenario.h"

static int
validate_exec(int argc, char **argv)
{
	static const struct option longopts[] = {
		CMD_COMMON_LONGOPTS,
		{ "seed", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	struct scenario	*sc;
	struct diag	*d;
	size_t		 problems = 0, bad = 0;
	int64_t		 seed = SCENARIO_SEED_DEFAULT;
	int		 ch, i, r;

	while ((ch = cmd_getopt(&cmd_validate_entry, argc, argv, "", longopts,
	    &r)) != -1) {
		if (ch == CMD_GETOPT_STOP)
			return r;
		if (ch == 's' && (r = cmd_seed_arg(&cmd_validate_entry, optarg,
		    &seed)) != 0)
			return r;
	}
	if (optind == argc)
		return cmd_usage_error(&cmd_validate_entry, "no file given");
	for (i = optind; i < argc; i++) {
		d = diag_new(argv[i]);
		if ((sc = scenario_load_variant(argv[i], seed, d)) == NULL) {
			problems += cmd_print_diag(d);
			bad++;
			diag_free(d);
			continue;
		}
		cmd_print_warnings(sc);
		if (log_get_level() >= LOG_NORMAL)
			printf("%s: ok (%s: %zu fault%s, %zu check%s)\n",
			    argv[i], sc->name, sc->nfaults,
			    sc->nfaults == 1 ? "" : "s", sc->nchecks,
			    sc->nchecks == 1 ? "" : "s");
		scenario_free(sc);
		diag_free(d);
	}
	if (bad != 0 && argc - optind > 1)
		log_error("%zu problem%s in %zu of %d files", problems,
		    problems == 1 ? "" : "s", bad, argc - optind);
	return bad == 0 ? CMD_OK : CMD_FAILED;
}

const struct cmd_entry cmd_validate_entry = {
	"validate", "[-q] [--seed N] FILE...",
	"check scenario files and report every problem in them",
	"Reads each scenario file and reports every problem found, one per\n"
	"line, as FILE:LINE:COLUMN: MESSAGE on stderr. Files that are fine\n"
	"are listed on stdout as FILE: ok (unless -q).\n\n"
	"Warnings (a variable declared but never used) are printed as\n"
	"FILE:LINE:COLUMN: warning: MESSAGE and do not fail the file.\n\n"
	"A scenario with variables is read with the values of one variant:\n"
	"the seed the file pins with 'seed:', else seed 0, else --seed N.\n\n"
	"Options:\n"
	"  -q, --quiet  print only problems\n"
	"  --seed N     read the variant of seed N (0 to 4294967295)\n\n"
	"Exit status: 0 if every file is valid, 1 if any has a problem,\n"
	"2 on a usage error. The format is in docs/scenario-format.md.\n",
	validate_exec,
};
