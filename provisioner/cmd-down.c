/*
 * cmd-down.c - tear exercises down, keeping their records.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "exercise.h"
#include "launch.h"
#include "log.h"
#include "vm.h"

/* Down one exercise and say what happened; returns 0 or -1. */
int
cmd_down_one(struct vm_conn *conn, const char *id)
{
	char	*cause = NULL;
	int	 was_up;

	if (launch_down(conn, id, &was_up, &cause) != 0) {
		cmd_error(cause);
		return -1;
	}
	if (log_get_level() >= LOG_NORMAL)
		printf("%s: %s\n", id, was_up ? "down" : "was already down");
	return 0;
}

static int
down_all(struct vm_conn *conn)
{
	struct vm_entry	*v = NULL;
	char		*cause = NULL;
	size_t		 n, i, pooled;
	int		 rc = CMD_OK;

	if (exercise_list_up(conn, &v, &n, &pooled, &cause) != 0) {
		cmd_error(cause);
		return CMD_FAILED;
	}
	for (i = 0; i < n; i++) {
		if (cmd_down_one(conn, exercise_id_of(v[i].name)) != 0)
			rc = CMD_FAILED;
	}
	if (n == 0)
		log_info("no exercise is up");
	if (pooled > 0)
		log_info("%zu pool member%s left ('breakfix pool drain' removes "
		    "them)", pooled, pooled == 1 ? "" : "s");
	vm_entries_free(v, n);
	return rc;
}

static int
down_exec(int argc, char **argv)
{
	static const struct option longopts[] = {
		CMD_COMMON_LONGOPTS,
		{ "all", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 }
	};
	struct vm_conn	*conn;
	int		 ch, r, all = 0, i, rc = CMD_OK;

	while ((ch = cmd_getopt(&cmd_down_entry, argc, argv, "a", longopts,
	    &r)) != -1) {
		if (ch == CMD_GETOPT_STOP)
			return r;
		if (ch == 'a') {
			all = 1;
			continue;
		}
	}
	if (all == (optind < argc))
		return cmd_usage_error(&cmd_down_entry, all ? "--all or "
		    "exercise ids, not both" : "no exercise given");
	if ((conn = cmd_connect()) == NULL)
		return CMD_FAILED;
	if (all)
		rc = down_all(conn);
	for (i = optind; i < argc; i++) {
		if (cmd_down_one(conn, argv[i]) != 0)
			rc = CMD_FAILED;
	}
	vm_close(conn);
	return rc;
}

const struct cmd_entry cmd_down_entry = {
	"down", "[--all] [EXERCISE...]",
	"stop exercises and delete their VMs, keeping records and recordings",
	"Destroys and undefines each exercise's domain and removes its disk\n"
	"overlay and keys. The record (exercise.json), console log and\n"
	"recordings stay in the exercise's directory for reviewers. Downing\n"
	"an exercise that is already down is not an error.\n\n"
	"Options:\n"
	"  --all  every exercise that is up\n",
	down_exec,
};
