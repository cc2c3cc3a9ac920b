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

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "vm.h"

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

extern const struct cmd_entry cmd_check_entry;
extern const struct cmd_entry cmd_doctor_entry;
extern const struct cmd_entry cmd_down_entry;
extern const struct cmd_entry cmd_export_entry;
extern const struct cmd_entry cmd_help_entry;
extern const struct cmd_entry cmd_image_entry;
extern const struct cmd_entry cmd_ls_entry;
extern const struct cmd_entry cmd_reap_entry;
extern const struct cmd_entry cmd_pool_entry;
extern const struct cmd_entry cmd_replay_entry;
extern const struct cmd_entry cmd_gateway_entry;
extern const struct cmd_entry cmd_commands_entry;
extern const struct cmd_entry cmd_verify_entry;
extern const struct cmd_entry cmd_report_entry;
extern const struct cmd_entry cmd_selftest_entry;
extern const struct cmd_entry cmd_status_entry;
extern const struct cmd_entry cmd_up_entry;
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
 * Options every command accepts besides its own: -h/--help, -q/--quiet,
 * -v/--verbose, --connect URI and --state-dir DIR. cmd_getopt calls this
 * with each option character; returns 1 if it was handled (help printed: the
 * caller returns CMD_OK), 0 if handled and parsing goes on, -1 if the
 * option is unknown (the caller returns cmd_usage_error).
 */
int	 cmd_common_option(const struct cmd_entry *e, int ch);

/*
 * Open the libvirt connection commands use (config_connect()), printing
 * the error if it fails. Returns NULL on failure.
 */
struct vm_conn;
struct vm_conn *cmd_connect(void);

/* Down exercise id, printing the outcome (cmd-down.c). 0 or -1. */
int	 cmd_down_one(struct vm_conn *conn, const char *id);

/* "2026-11-25 15:44:44 UTC", or "-" for 0; returns buf. */
const char *cmd_fmt_time(time_t t, char *buf, size_t len);

/* "3h12m" for an age or time left: the two largest units. */
const char *cmd_fmt_span(long long seconds, char *buf, size_t len);

/* Report an error cause ("breakfix: cause") and free it. */
void	 cmd_error(char *cause);

/* "auto", "kvm" or "tcg" into *out. Returns 0, or -1 for anything else. */
int	 cmd_parse_accel(const char *s, enum vm_accel *out);

/*
 * Ctrl-C and SIGTERM set a flag instead of killing us, so that long
 * waits stop and clean up: cmd_interrupted is launch_opts.cancelled.
 */
void	 cmd_catch_interrupts(void);
int	 cmd_interrupted(void);
/* launch_opts.note for commands: the message as one log_info line. */
void	 cmd_note(const char *msg, void *arg);

/*
 * Print j on stdout, indented, in ASCII (every other character \uXXXX),
 * with a newline; then release j.
 */
typedef struct json_t json_t;
void	 cmd_print_json(json_t *j);

/*
 * A --seed argument for e into *seed. Returns 0, or CMD_USAGE with the
 * usage error printed.
 */
int	 cmd_seed_arg(const struct cmd_entry *e, const char *arg,
	    int64_t *seed);

/* Print a scenario's warnings (sc->warnings) on stderr. */
struct scenario;
void	 cmd_print_warnings(const struct scenario *sc);

/* Print each of d's problems on stderr; returns how many. */
struct diag;
size_t	 cmd_print_diag(const struct diag *d);

/* getopt_long entries for the common options, for the caller's table. */
#define CMD_COMMON_LONGOPTS				\
	{ "help", no_argument, NULL, 'h' },		\
	{ "quiet", no_argument, NULL, 'q' },		\
	{ "verbose", no_argument, NULL, 'v' },		\
	{ "connect", required_argument, NULL, 'C' },	\
	{ "state-dir", required_argument, NULL, 'S' }
#define CMD_COMMON_SHORTOPTS ":hqv"

#define CMD_GETOPT_STOP	(-2)

/*
 * getopt_long for a command: the common options are handled here, the
 * command's own (shortopts, without the common ones, and longopts, which
 * starts with CMD_COMMON_LONGOPTS) are returned as getopt_long returns
 * them, -1 at the end. CMD_GETOPT_STOP means the command must return
 * *status now: help was printed, or the usage error reported.
 */
struct option;
int	 cmd_getopt(const struct cmd_entry *e, int argc, char **argv,
	    const char *shortopts, const struct option *longopts,
	    int *status);

#endif
