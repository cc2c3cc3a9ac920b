/*
 * cmd-up.c - launch an exercise: a scenario in its own VM.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cmd.h"
#include "config.h"
#include "diag.h"
#include "exercise.h"
#include "gateway.h"
#include "keys.h"
#include "launch.h"
#include "launch-image.h"
#include "log.h"
#include "pool.h"
#include "scenario.h"
#include "units.h"
#include "util.h"
#include "vm.h"

/* The variant, for the interviewer: `up --seed N` launches it again. */
static void
up_print_variant(const struct exercise *ex)
{
	char	*line;

	if (ex->variant.n == 0)
		return;
	line = exercise_variant_line(&ex->variant);
	printf("  variant    %s\n", line);
	free(line);
}

static void
up_print(const struct exercise *ex, int json)
{
	char		 b[UNITS_BUFSZ], when[64], *key = NULL, *ignored = NULL;
	char		*host = NULL, *fp = NULL, *gwerr = NULL;
	unsigned	 port = GATEWAY_PORT;
	struct tm	 tm;
	json_t		*j;

	if (keys_admin_paths(&key, NULL, &ignored) != 0)
		free(ignored);
	if (gateway_info(&host, &port, &fp, &gwerr) != 0)
		host = xstrdup("HOST");
	if (json) {
		j = json_pack("{s:s, s:s, s:i, s:s, s:s, s:I, s:s, s:i, s:i, "
		    "s:i, s:s, s:s, s:{s:s, s:i, s:s?, s:b}}",
		    "id", ex->id, "domain", ex->domain, "port",
		    (int)ex->meta.port, "dir", ex->meta.dir, "accel",
		    vm_accel_name(ex->meta.accel), "expires",
		    (json_int_t)ex->meta.expires, "launch", ex->launch,
		    "boot_ms", ex->boot_ms, "vm_ms", ex->vm_ms,
		    "ready_ms", ex->ready_ms,
		    "user", ex->id, "password", ex->password ? ex->password : "",
		    "gateway", "host", host, "port", (int)port, "fingerprint",
		    fp, "running", gwerr == NULL);
		json_object_set_new(j, "variant",
		    exercise_variant_json(&ex->variant));
		cmd_print_json(j);
		goto out;
	}
	gmtime_r(&ex->meta.expires, &tm);
	strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", &tm);
	printf("%s is ready in %.1f s: %s in %.1f s (%s), then the account, "
	    "faults and checks in %.1f s\n", ex->id, ex->ready_ms / 1000.0,
	    strcmp(ex->launch, "cold") == 0 ? "booted" :
	    strcmp(ex->launch, "warm") == 0 ? "restored from the pool" :
	    "taken running from the pool", ex->vm_ms / 1000.0,
	    vm_accel_name(ex->meta.accel),
	    (ex->ready_ms - ex->vm_ms) / 1000.0);
	printf("  scenario   %s (%s)\n", ex->meta.scenario,
	    ex->meta.scenario_file);
	printf("  candidate  %s\n", *ex->meta.candidate ? ex->meta.candidate :
	    "(not named)");
	up_print_variant(ex);
	printf("  expires    %s (in %s)\n", when, cmd_fmt_span(
	    ex->meta.expires - time(NULL), b, sizeof b));
	printf("  admin      ssh -i %s -p %u %s@127.0.0.1\n", key ? key : "?",
	    ex->meta.port, EXERCISE_ADMIN_USER);
	printf("Give the candidate:\n");
	printf("  login      ssh -p %u %s@%s\n", port, ex->id, host);
	printf("  password   %s\n", ex->password ? ex->password : "?");
	if (fp != NULL)
		printf("  host key   %s\n", fp);
	else
		printf("  (%s)\n", gwerr);
	printf("When done: breakfix down %s\n", ex->id);
out:
	free(gwerr);
	free(host);
	free(fp);
	free(key);
}

/* Options from the environment first, flags override them. */
static int
up_options(int argc, char **argv, struct launch_opts *o, int *json,
    int *no_pool, int64_t *seed)
{
	static const struct option longopts[] = {
		CMD_COMMON_LONGOPTS,
		{ "candidate", required_argument, NULL, 'c' },
		{ "candidate-key", required_argument, NULL, 'k' },
		{ "ttl", required_argument, NULL, 't' },
		{ "accel", required_argument, NULL, 'a' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "json", no_argument, NULL, 'j' },
		{ "no-pool", no_argument, NULL, 'P' },
		{ "seed", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	const struct cmd_entry	*e = &cmd_up_entry;
	const char		*env = getenv("BREAKFIX_ACCEL");
	uint64_t		 v;
	char			*cause = NULL;
	int			 ch, r;

	if (env != NULL && *env != '\0' && cmd_parse_accel(env, &o->accel) != 0)
		return cmd_usage_error(e, "BREAKFIX_ACCEL is '%s': use auto, "
		    "kvm or tcg", env);
	while ((ch = cmd_getopt(e, argc, argv, "c:j", longopts, &r)) != -1) {
		switch (ch) {
		case CMD_GETOPT_STOP:
			return r == CMD_OK ? -1 : r;
		case 'c':
			o->candidate = optarg;
			continue;
		case 'k':
			o->candidate_key = optarg;
			continue;
		case 'j':
			*json = 1;
			continue;
		case 'P':
			*no_pool = 1;
			continue;
		case 's':
			if ((r = cmd_seed_arg(e, optarg, seed)) != 0)
				return r;
			continue;
		case 'a':
			if (cmd_parse_accel(optarg, &o->accel) != 0)
				return cmd_usage_error(e, "--accel is '%s': "
				    "use auto, kvm or tcg", optarg);
			continue;
		case 't':
		case 'T':
			if (units_parse_duration(optarg, &v, &cause) != 0 ||
			    v == 0 || v > 7 * 86400) {
				r = cmd_usage_error(e, "--%s: %s", ch == 't' ?
				    "ttl" : "timeout", cause ? cause :
				    "out of range (1s to 7d)");
				free(cause);
				return r;
			}
			if (ch == 't')
				o->ttl = (time_t)v;
			else
				o->boot_timeout = (int)v;
			continue;
		}
	}
	if (argc - optind != 1)
		return cmd_usage_error(e, optind == argc ?
		    "no scenario given" : "one scenario at a time");
	return 0;
}

static int
up_exec(int argc, char **argv)
{
	struct launch_opts	 o;
	struct scenario		*sc = NULL;
	struct exercise		*ex = NULL;
	struct vm_conn		*conn = NULL;
	struct diag		*d = NULL;
	char			*cause = NULL, *tail = NULL;
	int64_t			 seed = SCENARIO_SEED_RANDOM;
	int			 json = 0, no_pool = 0, r, rc = CMD_FAILED;

	memset(&o, 0, sizeof o);
	o.accel = VM_ACCEL_AUTO;
	if ((r = up_options(argc, argv, &o, &json, &no_pool, &seed)) != 0)
		return r == -1 ? CMD_OK : r;
	d = diag_new(argv[optind]);
	if ((sc = scenario_load_variant(argv[optind], seed, d)) == NULL) {
		cmd_print_diag(d);
		goto out;
	}
	if ((conn = cmd_connect()) == NULL)
		goto out;
	cmd_catch_interrupts();
	o.note = cmd_note;
	o.cancelled = cmd_interrupted;
	log_info("launching %s: %s", sc->name, sc->title);
	if (launch_image_ready(sc, &o, &cause) != 0) {
		log_error("up failed: %s", cause);
		goto out;
	}
	if ((no_pool ? launch_up(conn, sc, &o, &ex, &tail, &cause) :
	    pool_up(conn, sc, &o, &ex, &tail, &cause)) != 0) {
		log_error("up failed: %s", cause);
		if (tail != NULL && *tail != '\0')
			fprintf(stderr, "last lines of the VM's console:\n%s",
			    tail);
		log_error("nothing was left behind");
		goto out;
	}
	up_print(ex, json);
	rc = CMD_OK;
out:
	free(cause);
	free(tail);
	exercise_free(ex);
	vm_close(conn);
	scenario_free(sc);
	diag_free(d);
	return rc;
}

const struct cmd_entry cmd_up_entry = {
	"up", "[--candidate NAME] [--candidate-key FILE] [--ttl 2h] "
	    "[--accel auto|kvm|tcg] [--timeout 5m] [--seed N] [--json] "
	    "SCENARIO",
	"launch an exercise: boot the scenario's VM and wait until it is ready",
	"Reads the scenario, creates an exercise (its own directory, a disk\n"
	"overlay on the base image and a libvirt domain breakfix-<id>),\n"
	"boots it and waits for its guest agent (breakfix's admin channel)\n"
	"and learns the VM's own SSH host key through it, then sets up the\n"
	"candidate's account, injects the faults and proves them. If anything fails, or on Ctrl-C, everything made is removed\n"
	"again.\n\n"
	"A VM from the pool, booted ahead of time, is used when one is ready\n"
	"(seconds instead of a minute); 'up' then refills the pool in the\n"
	"background.\n\n"
	"Options:\n"
	"  --candidate NAME  who the exercise is for (recorded)\n"
	"  --candidate-key FILE  the candidate's SSH public keys: they may\n"
	"                    log in to the gateway with them as well as with\n"
	"                    the password\n"
	"  --ttl DURATION    when 'breakfix reap' may remove it (default 2h,\n"
	"                    or the time limit plus 30m if longer)\n"
	"  --accel MODE      auto (default: KVM when it works, else TCG),\n"
	"                    kvm or tcg; also BREAKFIX_ACCEL\n"
	"  --timeout DUR     how long to wait for the VM's guest agent\n"
	"                    (default 5m under TCG, 2m under KVM)\n"
	"  --seed N          the variant of a scenario with variables (0 to\n"
	"                    4294967295; default: a random one, printed, and\n"
	"                    kept in exercise.json); the same N gives the\n"
	"                    same values again\n"
	"  --json            print one JSON object (id, port, ...)\n"
	"  --no-pool         boot a new VM even if the pool has one ready\n"
	"                    (see 'breakfix help pool')\n"
	"  --connect URI     libvirt to use (default qemu:///system; also\n"
	"                    BREAKFIX_CONNECT)\n"
	"  --state-dir DIR   default /var/lib/breakfix (BREAKFIX_STATE_DIR)\n",
	up_exec,
};
