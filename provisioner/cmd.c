/*
 * cmd.c - helpers every command shares.
 */
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <getopt.h>
#include <stdlib.h>

#include <jansson.h>

#include "cmd.h"
#include "config.h"
#include "exercise.h"
#include "vm.h"
#include "diag.h"
#include "log.h"
#include "scenario.h"
#include "variables.h"

const struct cmd_entry *
cmd_find(const char *name)
{
	size_t	 i;

	for (i = 0; cmd_table[i] != NULL; i++) {
		if (strcmp(cmd_table[i]->name, name) == 0)
			return cmd_table[i];
	}
	return NULL;
}

void
cmd_print_help(const struct cmd_entry *e)
{
	printf("usage: breakfix %s %s\n\n%s\n", e->name, e->args, e->summary);
	if (e->help != NULL && *e->help != '\0')
		printf("\n%s", e->help);
}

int
cmd_usage_error(const struct cmd_entry *e, const char *fmt, ...)
{
	va_list	 ap;

	if (fmt != NULL) {
		fputs("breakfix: ", stderr);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	fprintf(stderr, "usage: breakfix %s %s\n", e->name, e->args);
	fprintf(stderr, "Try 'breakfix help %s' for more.\n", e->name);
	return CMD_USAGE;
}

int
cmd_common_option(const struct cmd_entry *e, int ch)
{
	switch (ch) {
	case 'h':
		cmd_print_help(e);
		return 1;
	case 'q':
		log_set_level(LOG_QUIET);
		return 0;
	case 'v':
		log_set_level(LOG_VERBOSE);
		return 0;
	case 'C':
		config_set_connect(optarg);
		return 0;
	case 'S':
		config_set_state_dir(optarg);
		return 0;
	}
	return -1;
}

size_t
cmd_print_diag(const struct diag *d)
{
	size_t	 i, n = diag_count(d);

	for (i = 0; i < n; i++)
		fprintf(stderr, "%s\n", diag_message(d, i));
	return n;
}

int
cmd_seed_arg(const struct cmd_entry *e, const char *arg, int64_t *seed)
{
	uint32_t	 u;
	char		*cause = NULL;
	int		 rc;

	if (variables_parse_seed(arg, &u, &cause) != 0) {
		rc = cmd_usage_error(e, "--seed: %s", cause);
		free(cause);
		return rc;
	}
	*seed = u;
	return 0;
}

void
cmd_print_warnings(const struct scenario *sc)
{
	cmd_print_diag(sc->warnings);
}

struct vm_conn *
cmd_connect(void)
{
	struct vm_conn	*conn;
	char		*cause = NULL;

	if ((conn = vm_open(config_connect(), &cause)) == NULL)
		cmd_error(cause);
	return conn;
}

static volatile sig_atomic_t cmd_stop;

static void
cmd_signal(int sig)
{
	(void)sig;
	cmd_stop = 1;
}

void
cmd_catch_interrupts(void)
{
	struct sigaction	 sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = cmd_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

int
cmd_interrupted(void)
{
	return cmd_stop;
}

void
cmd_note(const char *msg, void *arg)
{
	(void)arg;
	log_info("%s", msg);
}

int
cmd_parse_accel(const char *s, enum vm_accel *out)
{
	if (strcmp(s, "auto") == 0)
		*out = VM_ACCEL_AUTO;
	else if (strcmp(s, "kvm") == 0)
		*out = VM_ACCEL_KVM;
	else if (strcmp(s, "tcg") == 0)
		*out = VM_ACCEL_TCG;
	else
		return -1;
	return 0;
}

void
cmd_error(char *cause)
{
	log_error("%s", cause);
	free(cause);
}

const char *
cmd_fmt_time(time_t t, char *buf, size_t len)
{
	struct tm	 tm;

	if (t == 0)
		return "-";
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm);
	return buf;
}

const char *
cmd_fmt_span(long long seconds, char *buf, size_t len)
{
	long long	 d = seconds / 86400, h = seconds / 3600 % 24;
	long long	 m = seconds / 60 % 60, s = seconds % 60;

	if (seconds < 0)
		snprintf(buf, len, "expired");
	else if (d > 0)
		snprintf(buf, len, "%lldd%lldh", d, h);
	else if (h > 0)
		snprintf(buf, len, "%lldh%lldm", h, m);
	else if (m > 0)
		snprintf(buf, len, "%lldm%llds", m, s);
	else
		snprintf(buf, len, "%llds", s);
	return buf;
}

int
cmd_getopt(const struct cmd_entry *e, int argc, char **argv,
    const char *shortopts, const struct option *longopts, int *status)
{
	char	 opts[64];
	int	 ch, r;

	snprintf(opts, sizeof opts, "%s%s", CMD_COMMON_SHORTOPTS, shortopts);
	while ((ch = getopt_long(argc, argv, opts, longopts, NULL)) != -1) {
		if ((r = cmd_common_option(e, ch)) == 0)
			continue;
		if (r == 1) {
			*status = CMD_OK;
			return CMD_GETOPT_STOP;
		}
		if (ch == ':') {
			*status = cmd_usage_error(e, "option '%s' needs a value",
			    argv[optind - 1]);
			return CMD_GETOPT_STOP;
		}
		if (ch == '?') {
			*status = cmd_usage_error(e, "unknown option '%s'",
			    argv[optind - 1]);
			return CMD_GETOPT_STOP;
		}
		return ch;
	}
	return -1;
}

/*
 * ASCII only: jansson escapes C0 controls but writes C1 controls (U+009B
 * is CSI to many terminals) and direction overrides as they are, and
 * this is often read on a terminal. \uXXXX is the same string to a
 * parser.
 */
void
cmd_print_json(json_t *j)
{
	json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
	    JSON_REAL_PRECISION(10) | JSON_ENSURE_ASCII);
	printf("\n");
	json_decref(j);
}
