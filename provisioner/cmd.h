/*
 * cmd.h - the command table.
 *
 * Each command lives in cmd-<verb>.c and exports one struct cmd_entry.
 * exec receives argv with argv[0] set to the command's name, parses its
 * own options, and returns the exit status: CMD_OK, CMD_FAILED or
 * CMD_USAGE.
 */
#ifndef BREAKFIX_CMD_H
#define BREAKFIX_CMD_H

#define CMD_OK		0
#define CMD_FAILED	1
#define CMD_USAGE	2

struct cmd_entry {
	const char	*name;
	const char	*args;		/* "[--json] FILE" */
	const char	*summary;	/* one line, for the command list */
	const char	*help;		/* paragraphs for `breakfix help CMD` */
	int		(*exec)(int argc, char **argv);
};

extern const struct cmd_entry cmd_help_entry;
extern const struct cmd_entry cmd_show_entry;
extern const struct cmd_entry cmd_validate_entry;

/* The table, NULL-terminated, in the order `breakfix help` lists it. */
extern const struct cmd_entry *const cmd_table[];

/* The command called name, or NULL. */
const struct cmd_entry *cmd_find(const char *name);

/* Print "usage: breakfix NAME ARGS" and the help text to stdout. */
void	 cmd_print_help(const struct cmd_entry *);

/*
 * Report a usage error for e: the message (if fmt is not NULL) and the
 * command's usage line on stderr. Returns CMD_USAGE.
 */
int	 cmd_usage_error(const struct cmd_entry *e, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/*
 * Options every command accepts besides its own: -h/--help, -q/--quiet
 * and -v/--verbose. Call from the getopt loop's default case with the
 * option character; returns 1 if it was handled (help printed: the
 * caller returns CMD_OK), 0 if handled and parsing goes on, -1 if the
 * option is unknown (the caller returns cmd_usage_error).
 */
int	 cmd_common_option(const struct cmd_entry *e, int ch);

/* Print each of d's problems on stderr; returns how many. */
struct diag;
size_t	 cmd_print_diag(const struct diag *d);

/* getopt_long entries for the common options, for the caller's table. */
#define CMD_COMMON_LONGOPTS			\
	{ "help", no_argument, NULL, 'h' },	\
	{ "quiet", no_argument, NULL, 'q' },	\
	{ "verbose", no_argument, NULL, 'v' }
#define CMD_COMMON_SHORTOPTS "+hqv"

#endif
