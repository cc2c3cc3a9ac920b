/*
 * cmd-pool.c - the pool of exercises booted ahead of time.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cmd.h"
#include "exercise.h"
#include "log.h"
#include "pool.h"
#include "units.h"
#include "util.h"
#include "vm.h"

static const char *
pool_member_state(const struct pool_member *m)
{
	if (m->stale)
		return "stale";
	if (strcmp(m->state, "filling") == 0)
		return "booting";
	return m->vm == VM_STATE_RUNNING ? "hot" : "warm";
}

/* What pool_status shows, counted once. */
struct pool_view {
	struct pool_config	 c;
	struct pool_member	*v;
	size_t			 n;
	uint64_t		 used;
	size_t			 warm, hot;
	int			 filler;
};

static void
pool_status_json(const struct pool_view *pv)
{
	const struct pool_config	*c = &pv->c;
	json_t				*arr = json_array();
	size_t				 i;

	for (i = 0; i < pv->n; i++)
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:I, "
		    "s:I}", "id", pv->v[i].id, "state",
		    pool_member_state(&pv->v[i]), "image", pv->v[i].image,
		    "created", (json_int_t)pv->v[i].created, "disk",
		    (json_int_t)pv->v[i].disk));
	cmd_print_json(json_pack("{s:i, s:i, s:I, s:I, s:i, s:i, s:i, s:o, "
	    "s:{s:s, s:s, s:s}}",
	    "size", c->size, "hot_wanted", c->hot, "disk_limit",
	    (json_int_t)c->disk, "disk_used", (json_int_t)pv->used,
	    "warm", (int)pv->warm, "hot", (int)pv->hot, "filling_pid",
	    pv->filler, "members", arr, "from",
	    "size", pool_config_from(c->size_from, "BREAKFIX_POOL_SIZE"),
	    "hot", pool_config_from(c->hot_from, "BREAKFIX_POOL_HOT"),
	    "disk", pool_config_from(c->disk_from, "BREAKFIX_POOL_DISK")));
}

static void
pool_status_text(const struct pool_view *pv)
{
	const struct pool_config	*c = &pv->c;
	char				 b1[UNITS_BUFSZ], b2[UNITS_BUFSZ];
	char				 span[32];
	size_t				 i;

	if (c->size == 0)
		printf("pool: off (size 0, from %s)\n",
		    pool_config_from(c->size_from, "BREAKFIX_POOL_SIZE"));
	else
		printf("pool: %zu ready (%zu warm, %zu hot) of %d wanted (%d "
		    "hot)\n", pv->warm + pv->hot, pv->warm, pv->hot, c->size,
		    c->hot);
	printf("settings: size %d (%s), hot %d (%s), disk %s (%s)\n",
	    c->size, pool_config_from(c->size_from, "BREAKFIX_POOL_SIZE"),
	    c->hot, pool_config_from(c->hot_from, "BREAKFIX_POOL_HOT"),
	    units_format_size(c->disk, b2),
	    pool_config_from(c->disk_from, "BREAKFIX_POOL_DISK"));
	printf("disk: %s used of %s allowed\n",
	    units_format_human(pv->used, b1), units_format_human(c->disk, b2));
	if (pv->filler > 0)
		printf("fill: running (pid %d)\n", pv->filler);
	else
		printf("fill: %s\n", pv->filler != 0 ? "running" : "idle");
	if (pv->n > 0)
		printf("\n%-12s %-8s %-12s %-8s %s\n", "ID", "STATE", "IMAGE",
		    "AGE", "DISK");
	for (i = 0; i < pv->n; i++)
		printf("%-12s %-8s %-12s %-8s %s\n", pv->v[i].id,
		    pool_member_state(&pv->v[i]), pv->v[i].image,
		    cmd_fmt_span(time(NULL) - pv->v[i].created, span,
		    sizeof span), units_format_human(pv->v[i].disk, b1));
}

static int
pool_status(struct vm_conn *conn, int json)
{
	struct pool_view	 pv;
	char			*cause = NULL;
	size_t			 i;

	memset(&pv, 0, sizeof pv);
	pv.filler = pool_filling();
	if (pool_config_load(&pv.c, &cause) != 0 ||
	    pool_list(conn, &pv.v, &pv.n, &cause) != 0) {
		cmd_error(cause);
		return CMD_FAILED;
	}
	for (i = 0; i < pv.n; i++) {
		pv.used += pv.v[i].disk;
		if (!pv.v[i].stale && strcmp(pv.v[i].state, "pooled") == 0)
			*(pv.v[i].vm == VM_STATE_RUNNING ? &pv.hot :
			    &pv.warm) += 1;
	}
	if (json)
		pool_status_json(&pv);
	else
		pool_status_text(&pv);
	pool_members_free(pv.v, pv.n);
	return CMD_OK;
}

static int
pool_do_fill(struct vm_conn *conn, int size, int hot)
{
	struct launch_opts	 o;
	struct pool_config	 c;
	const char		*env = getenv("BREAKFIX_ACCEL");
	char			*cause = NULL;
	int			 busy, made;

	if (pool_config_load(&c, &cause) != 0) {
		cmd_error(cause);
		return CMD_FAILED;
	}
	if (size >= 0)
		c.size = size;
	if (hot >= 0)
		c.hot = hot;
	if (c.hot > c.size)
		c.hot = c.size;
	cmd_catch_interrupts();
	memset(&o, 0, sizeof o);
	o.accel = VM_ACCEL_AUTO;
	if (env != NULL && *env != '\0' && cmd_parse_accel(env, &o.accel) != 0)
		return cmd_usage_error(&cmd_pool_entry, "BREAKFIX_ACCEL is "
		    "'%s': use auto, kvm or tcg", env);
	o.note = cmd_note;
	o.cancelled = cmd_interrupted;
	if ((made = pool_fill(conn, &c, &o, &busy, &cause)) < 0) {
		cmd_error(cause);
		return CMD_FAILED;
	}
	if (busy)
		log_info("another fill is running (pid %d); leaving it to that",
		    pool_filling());
	else
		log_info("pool filled: %d new member%s, %d wanted", made,
		    made == 1 ? "" : "s", c.size);
	return CMD_OK;
}

static int
pool_number(const char *opt, const char *s, int *out)
{
	char	*end;
	long	 n;

	n = strtol(s, &end, 10);
	if (*s < '0' || *s > '9' || *end != '\0' || n > POOL_SIZE_MAX)
		return cmd_usage_error(&cmd_pool_entry, "%s must be 0 to %d",
		    opt, POOL_SIZE_MAX);
	*out = (int)n;
	return 0;
}

static int
pool_do_set(int size, int hot, const char *disk)
{
	struct pool_config	 kept, c;
	char			*cause = NULL, buf[UNITS_BUFSZ];

	if (pool_config_set(size, hot, disk, &kept, &cause) != 0) {
		cmd_error(cause);
		return CMD_FAILED;
	}
	log_info("pool settings kept: size %d, hot %d, disk %s", kept.size,
	    kept.hot, units_format_size(kept.disk, buf));
	if (pool_config_load(&c, &cause) != 0) {
		cmd_error(cause);
		return CMD_FAILED;
	}
	if (c.size != kept.size || c.hot != kept.hot || c.disk != kept.disk)
		log_warn("this environment's BREAKFIX_POOL_* override them: "
		    "size %d, hot %d, disk %s", c.size, c.hot,
		    units_format_size(c.disk, buf));
	return CMD_OK;
}

static int
pool_exec(int argc, char **argv)
{
	static const struct option longopts[] = {
		CMD_COMMON_LONGOPTS,
		{ "json", no_argument, NULL, 'j' },
		{ "hot", required_argument, NULL, 'H' },
		{ "disk", required_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 }
	};
	struct vm_conn	*conn;
	const char	*verb, *disk = NULL;
	char		*cause = NULL;
	int		 ch, r, json = 0, size = -1, hot = -1, rc;

	while ((ch = cmd_getopt(&cmd_pool_entry, argc, argv, "n:", longopts,
	    &r)) != -1) {
		if (ch == CMD_GETOPT_STOP)
			return r;
		if (ch == 'j')
			json = 1;
		else if (ch == 'n' && pool_number("-n", optarg, &size) != 0)
			return CMD_USAGE;
		else if (ch == 'H' && pool_number("--hot", optarg, &hot) != 0)
			return CMD_USAGE;
		else if (ch == 'D')
			disk = optarg;
	}
	if (optind == argc)
		return cmd_usage_error(&cmd_pool_entry, "no action given "
		    "(status, fill, drain or set)");
	verb = argv[optind];
	if (optind + 1 != argc)
		return cmd_usage_error(&cmd_pool_entry, "too many arguments");
	if (strcmp(verb, "status") != 0 && strcmp(verb, "fill") != 0 &&
	    strcmp(verb, "drain") != 0 && strcmp(verb, "set") != 0)
		return cmd_usage_error(&cmd_pool_entry, "unknown action '%s' "
		    "(status, fill, drain or set)", verb);
	if (strcmp(verb, "fill") != 0 && strcmp(verb, "set") != 0 &&
	    (size != -1 || hot != -1))
		return cmd_usage_error(&cmd_pool_entry, "-n and --hot are for "
		    "fill and set");
	if (strcmp(verb, "set") != 0 && disk != NULL)
		return cmd_usage_error(&cmd_pool_entry, "--disk is for set");
	if (strcmp(verb, "set") == 0) {
		if (size == -1 && hot == -1 && disk == NULL)
			return cmd_usage_error(&cmd_pool_entry, "nothing to "
			    "set: give -n, --hot or --disk");
		return pool_do_set(size, hot, disk);
	}
	if (strcmp(verb, "status") != 0 && json)
		return cmd_usage_error(&cmd_pool_entry, "--json is for status");
	if ((conn = cmd_connect()) == NULL)
		return CMD_FAILED;
	if (strcmp(verb, "status") == 0)
		rc = pool_status(conn, json);
	else if (strcmp(verb, "fill") == 0)
		rc = pool_do_fill(conn, size, hot);
	else if ((r = pool_drain(conn, &cause)) < 0) {
		cmd_error(cause);
		rc = CMD_FAILED;
	} else {
		log_info("pool drained: %d member%s removed", r,
		    r == 1 ? "" : "s");
		rc = CMD_OK;
	}
	vm_close(conn);
	return rc;
}

const struct cmd_entry cmd_pool_entry = {
	"pool", "status [--json] | fill [-n N] [--hot H] | drain |\n"
	"    set [-n N] [--hot H] [--disk SIZE]",
	"exercises booted ahead of time, so that up takes seconds",
	"A cold boot takes about a minute under software emulation. The pool\n"
	"keeps VMs that have already booted, saved to disk (warm: started\n"
	"again in a few seconds) or left running (hot). 'up' takes one when\n"
	"the scenario's VM is the default shape (image, memory, vCPUs, disk,\n"
	"no extra disks), then starts 'pool fill' in the background to\n"
	"replace it. When the pool is empty, or the image was rebuilt since\n"
	"its members booted, 'up' boots a new VM as before.\n"
	"\n"
	"  status        members, their state and disk use, the settings\n"
	"                and where each came from (--json)\n"
	"  fill          boot members until the pool is full; only one fill\n"
	"                runs at a time; -n and --hot for this fill only\n"
	"  drain         stop a running fill and remove every member\n"
	"  set           keep settings for every later up and fill:\n"
	"    -n N        members to keep (default 2; 0 turns the pool off)\n"
	"    --hot H     of which left running (default 0); a hot member\n"
	"                costs its memory all the time\n"
	"    --disk SIZE the most disk the pool may take (default 8G)\n"
	"\n"
	"Each member takes its memory size on disk for the saved state plus\n"
	"its overlay; fill stops before the pool passes the disk setting.\n"
	"BREAKFIX_POOL_SIZE, BREAKFIX_POOL_HOT and BREAKFIX_POOL_DISK, when\n"
	"set, override what 'pool set' kept.\n",
	pool_exec,
};
