/*
 * cmd-reap.c - tear down exercises past their expiry time.
 */
#include <getopt.h>
#include <stdio.h>
#include <time.h>

#include "cmd.h"
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
	size_t		 n = 0, i, reaped = 0, pooled = 0;
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
	if (vm_list(conn, &v, &n, &cause) != 0) {
		cmd_error(cause);
		rc = CMD_FAILED;
	}
	for (i = 0; i < n; i++) {
		if (*v[i].meta.pool != '\0') {
			pooled++;	/* not an exercise yet */
			continue;
		}
		/* No expiry known (metadata unreadable): leave it alone. */
		if (v[i].meta.expires == 0 || v[i].meta.expires > now)
			continue;
		if (cmd_down_one(conn, v[i].name + sizeof VM_NAME_PREFIX - 1)
		    != 0)
			rc = CMD_FAILED;
		reaped++;
	}
	log_info("%zu expired exercise%s reaped, %zu left up", reaped,
	    reaped == 1 ? "" : "s", n - reaped - pooled);
	vm_entries_free(v, n);
	vm_close(conn);
	return rc;
}

const struct cmd_entry cmd_reap_entry = {
	"reap", "",
	"tear down every exercise past its expiry time (for cron)",
	"Runs 'down' on each exercise whose --ttl has run out. Meant to run\n"
	"from cron, e.g. every 5 minutes:\n\n"
	"  */5 * * * *  root  breakfix -q reap\n",
	reap_exec,
};
