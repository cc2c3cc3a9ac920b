/*
 * cmd-reap.c - tear down exercises past their expiry time.
 */
#include <getopt.h>
#include <stdio.h>
#include <time.h>

#include "cmd.h"
#include "exercise.h"
#include "log.h"
#include "vm.h"

static int
reap_exec(int argc, char **argv)
{
	static const struct option longopts[] = {
		CMD_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct vm_entry	*v = NULL;
	struct vm_conn	*conn;
	char		*cause = NULL;
	time_t		 now = time(NULL);
	size_t		 n = 0, i, reaped = 0, crashed = 0;
	int		 ch, r, rc = CMD_OK;

	while ((ch = cmd_getopt(&cmd_reap_entry, argc, argv, "", longopts,
	    &r)) != -1) {
		if (ch == CMD_GETOPT_STOP)
			return r;
	}
	if (optind != argc)
		return cmd_usage_error(&cmd_reap_entry, "no arguments expected");
	if ((conn = cmd_connect()) == NULL)
		return CMD_FAILED;
	if (exercise_list_up(conn, &v, &n, NULL, &cause) != 0) {
		cmd_error(cause);
		rc = CMD_FAILED;
	}
	for (i = 0; i < n; i++) {
		/* A crashed VM has nothing left to give: its record stays. */
		if (v[i].state == VM_STATE_CRASHED)
			crashed++;
		/* No expiry known (metadata unreadable): leave it alone. */
		else if (v[i].meta.expires == 0 || v[i].meta.expires > now)
			continue;
		if (cmd_down_one(conn, exercise_id_of(v[i].name)) != 0)
			rc = CMD_FAILED;
		reaped++;
	}
	log_info("%zu exercise%s reaped (%zu expired, %zu crashed), %zu left "
	    "up", reaped, reaped == 1 ? "" : "s", reaped - crashed, crashed,
	    n - reaped);
	vm_entries_free(v, n);
	vm_close(conn);
	return rc;
}

const struct cmd_entry cmd_reap_entry = {
	"reap", "",
	"tear down every exercise past its expiry time or crashed (for cron)",
	"Runs 'down' on each exercise whose --ttl has run out, and on each\n"
	"whose VM crashed (its record keeps when). Meant to run from cron,\n"
	"e.g. every 5 minutes:\n\n"
	"  */5 * * * *  root  breakfix -q reap\n",
	reap_exec,
};
