/*
 * cmd.c - helpers every command shares.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "diag.h"
#include "log.h"

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
