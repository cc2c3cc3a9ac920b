/*
 * cmd-ls.c - list exercises.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cmd.h"
#include "escape.h"
#include "exercise.h"
#include "log.h"
#include "vm.h"

static json_t *
ls_json_row(const char *id, const char *state, const struct vm_meta *m)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:i, s:s, s:s}",
	    "id", id, "scenario", m->scenario ? m->scenario : "",
	    "candidate", m->candidate ? m->candidate : "", "state", state,
	    "created", (json_int_t)m->created, "expires",
	    (json_int_t)m->expires, "port", (int)m->port,
	    "accel", vm_accel_name(m->accel), "dir", m->dir ? m->dir : "");
}

static void
ls_row(const char *id, const char *state, const struct vm_meta *m)
{
	char	 age[32], left[32], *who;
	time_t	 now = time(NULL);

	who = escape_text(m->candidate && *m->candidate ? m->candidate : "-");
	printf("%-28s %-16s %-12s %-10s %-8s %-8s %u\n", id,
	    m->scenario && *m->scenario ? m->scenario : "?", who, state,
	    m->created ? cmd_fmt_span(now - m->created, age, sizeof age) : "?",
	    m->expires ? cmd_fmt_span(m->expires - now, left, sizeof left) :
	    "?", m->port);
	free(who);
}

/* A crashed VM: its record says so too (exercise_vm_state). */
static void
ls_note_crash(struct vm_conn *conn, const char *id)
{
	struct exercise	*ex;
	enum vm_state	 st;
	char		*cause = NULL;

	if (exercise_load(id, &ex, &cause) != 0 ||
	    exercise_vm_state(conn, ex, &st, &cause) < 0) {
		log_warn("%s", cause);
		free(cause);
	}
	exercise_free(ex);
}

/* Exercises with a record but no domain: ended, or lost. */
static void
ls_records(struct vm_entry *v, size_t n, json_t *arr)
{
	struct exercise	*ex;
	char		**ids = NULL, *cause = NULL;
	size_t		  nids = 0, i, j;

	if (exercise_list_ids(&ids, &nids, &cause) != 0) {
		cmd_error(cause);
		return;
	}
	for (i = 0; i < nids; i++) {
		for (j = 0; j < n; j++) {
			if (strcmp(exercise_id_of(v[j].name), ids[i]) == 0)
				break;
		}
		if (j == n && exercise_load(ids[i], &ex, &cause) == 0) {
			const char *st;
			if (*ex->meta.pool != '\0') {
				exercise_free(ex);
				free(ids[i]);
				continue;
			}
			st = strcmp(ex->state, "down") == 0 ?
			    "down" : "lost";
			if (arr != NULL)
				json_array_append_new(arr,
				    ls_json_row(ex->id, st, &ex->meta));
			else
				ls_row(ex->id, st, &ex->meta);
			exercise_free(ex);
		} else if (j == n) {
			log_warn("%s", cause);
			free(cause);
			cause = NULL;
		}
		free(ids[i]);
	}
	free(ids);
}

static int
ls_exec(int argc, char **argv)
{
	static const struct option longopts[] = {
		CMD_COMMON_LONGOPTS,
		{ "all", no_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	struct vm_entry	*v = NULL;
	struct vm_conn	*conn;
	json_t		*arr = NULL;
	char		*cause = NULL;
	size_t		 n = 0, i;
	int		 ch, r, all = 0, json = 0;

	while ((ch = cmd_getopt(&cmd_ls_entry, argc, argv, "a", longopts,
	    &r)) != -1) {
		if (ch == CMD_GETOPT_STOP)
			return r;
		if (ch == 'a' || ch == 'j') {
			*(ch == 'a' ? &all : &json) = 1;
			continue;
		}
	}
	if (optind != argc)
		return cmd_usage_error(&cmd_ls_entry, "no arguments expected");
	if ((conn = cmd_connect()) == NULL)
		return CMD_FAILED;
	if (exercise_list_up(conn, &v, &n, NULL, &cause) != 0) {
		cmd_error(cause);
		vm_close(conn);
		return CMD_FAILED;
	}
	if (json)
		arr = json_array();
	else
		printf("%-28s %-16s %-12s %-10s %-8s %-8s %s\n", "ID",
		    "SCENARIO", "CANDIDATE", "STATE", "AGE", "LEFT", "PORT");
	for (i = 0; i < n; i++) {
		const char *id = exercise_id_of(v[i].name);
		if (v[i].state == VM_STATE_CRASHED)
			ls_note_crash(conn, id);
		if (json)
			json_array_append_new(arr, ls_json_row(id,
			    vm_state_name(v[i].state), &v[i].meta));
		else
			ls_row(id, vm_state_name(v[i].state), &v[i].meta);
	}
	if (all)
		ls_records(v, n, arr);
	if (json) {
		cmd_print_json(arr);
	}
	vm_entries_free(v, n);
	vm_close(conn);
	return CMD_OK;
}

const struct cmd_entry cmd_ls_entry = {
	"ls", "[--all] [--json]",
	"list exercises: id, scenario, candidate, state, age, time left",
	"Lists the exercises whose VMs exist on the libvirt connection.\n\n"
	"Options:\n"
	"  --all   also exercises that are down (their records are kept)\n"
	"  --json  a JSON array for scripts\n",
	ls_exec,
};
