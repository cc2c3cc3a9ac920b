/*
 * main.c - the breakfix command line: global options and the table.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "config.h"
#include "log.h"
#include "util.h"

#ifndef BREAKFIX_VERSION
#define BREAKFIX_VERSION "unknown"
#endif

const struct cmd_entry *const cmd_table[] = {
	&cmd_up_entry,
	&cmd_ls_entry,
	&cmd_status_entry,
	&cmd_check_entry,
	&cmd_down_entry,
	&cmd_reap_entry,
	&cmd_pool_entry,
	&cmd_gateway_entry,
	&cmd_replay_entry,
	&cmd_verify_entry,
	&cmd_commands_entry,
	&cmd_report_entry,
	&cmd_export_entry,
	&cmd_validate_entry,
	&cmd_show_entry,
	&cmd_selftest_entry,
	&cmd_image_entry,
	&cmd_doctor_entry,
	&cmd_help_entry,
	NULL,
};

static void
main_usage(FILE *fp)
{
	size_t	 i;

	fprintf(fp, "usage: breakfix [-q | -v] [--connect URI] [--state-dir DIR] "
	    "COMMAND [ARGS]\n"
	    "       breakfix --version\n\n"
	    "Run Linux troubleshooting exercises in throwaway VMs.\n\n"
	    "Commands:\n");
	for (i = 0; cmd_table[i] != NULL; i++)
		fprintf(fp, "  %-12s %s\n", cmd_table[i]->name,
		    cmd_table[i]->summary);
	fprintf(fp, "\nOptions:\n"
	    "  -q, --quiet    only errors on stderr\n"
	    "  -v, --verbose  more detail on stderr\n"
	    "  -h, --help     this text ('breakfix help COMMAND' for one "
	    "command)\n"
	    "      --version  print the version\n"
	    "  --connect URI    libvirt to use (BREAKFIX_CONNECT; default "
	    "qemu:///system)\n"
	    "  --state-dir DIR  where breakfix keeps its state "
	    "(BREAKFIX_STATE_DIR;\n"
	    "                   default /var/lib/breakfix)\n\n"
	    "Exit status: 0 success, 1 failure, 2 usage error.\n");
}

static int
main_unknown_command(const char *name)
{
	const char	*names[32], *near;
	size_t		 i;

	for (i = 0; i < nitems(names) - 1 && cmd_table[i] != NULL; i++)
		names[i] = cmd_table[i]->name;
	names[i] = NULL;
	log_error("'%s' is not a breakfix command", name);
	if ((near = util_closest(name, names)) != NULL)
		fprintf(stderr, "\nThe most similar command is\n\t%s\n\n", near);
	main_usage(stderr);
	return CMD_USAGE;
}

static int
cmd_help_exec(int argc, char **argv)
{
	const struct cmd_entry	*e;

	if (argc > 2)
		return cmd_usage_error(&cmd_help_entry, "too many arguments");
	if (argc < 2 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0) {
		main_usage(stdout);
		return CMD_OK;
	}
	if ((e = cmd_find(argv[1])) == NULL)
		return main_unknown_command(argv[1]);
	cmd_print_help(e);
	return CMD_OK;
}

const struct cmd_entry cmd_help_entry = {
	"help", "[COMMAND]",
	"show the commands, or one command's usage and options",
	NULL,
	cmd_help_exec,
};

/*
 * A global option with a value, "--name VALUE" or "--name=VALUE": set
 * it and advance *i past it. Returns 0 if argv[*i] is not that option.
 * Leaves *i at argc when the value is missing.
 */
static int
main_valued(int argc, char **argv, int *i, const char *name,
    void (*set)(const char *))
{
	size_t	 len = strlen(name);

	if (strncmp(argv[*i], name, len) != 0)
		return 0;
	if (argv[*i][len] == '=') {
		set(argv[*i] + len + 1);
		return 1;
	}
	if (argv[*i][len] != '\0')
		return 0;
	if (*i + 1 >= argc) {
		*i = argc;
		return 1;
	}
	set(argv[++*i]);
	return 1;
}

int
main(int argc, char **argv)
{
	const struct cmd_entry	*e;
	int			 i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0)
			log_set_level(LOG_QUIET);
		else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0)
			log_set_level(LOG_VERBOSE);
		else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			main_usage(stdout);
			return CMD_OK;
		} else if (main_valued(argc, argv, &i, "--connect",
		    config_set_connect) ||
		    main_valued(argc, argv, &i, "--state-dir",
		    config_set_state_dir)) {
			if (i == argc) {
				log_error("option '%s' needs a value", a);
				return CMD_USAGE;
			}
		} else if (strcmp(a, "--version") == 0) {
			printf("breakfix %s\n", BREAKFIX_VERSION);
			return CMD_OK;
		} else {
			log_error("unknown option '%s'", a);
			main_usage(stderr);
			return CMD_USAGE;
		}
	}
	if (i == argc) {
		main_usage(stderr);
		return CMD_USAGE;
	}
	if ((e = cmd_find(argv[i])) == NULL)
		return main_unknown_command(argv[i]);
	optind = 1;
	opterr = 0;
	return e->exec(argc - i, argv + i);
}
