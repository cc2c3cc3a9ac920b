/*
 * cmd-selftest.c - prove scenarios solvable: faults applied and proven,
 * every check failing, then the reference solution making every check
 * pass, on a real VM that is removed afterwards.
 */
#include <sys/wait.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "cmd.h"
#include "diag.h"
#include "exercise.h"
#include "guest.h"
#include "inject.h"
#include "log.h"
#include "pool.h"
#include "scenario.h"
#include "util.h"
#include "vm.h"

#define SELFTEST_SOLUTION_MS	(10 * 60 * 1000)

static void
selftest_note(const char *msg, void *arg)
{
	(void)arg;
	log_debug("%s", msg);
}

/* Run the solution, then every check must pass. */
static int
selftest_solve(const struct exercise *ex, const struct scenario *sc,
    char **cause)
{
	struct check_result	*r = NULL;
	struct guest		*g;
	char			*err = NULL;
	size_t			 i;
	int			 status, rc = -1;

	if ((g = exercise_connect(ex, 30, cause)) == NULL)
		return -1;
	if (inject_root(g, sc->solution, NULL, SELFTEST_SOLUTION_MS, &status,
	    &err, cause) != 0)
		goto out;
	if (status != 0) {
		xasprintf(cause, "the solution %s%s%s", status == -1 ?
		    "timed out" : "failed", *err ? ": " : "", err);
		goto out;
	}
	if (check_run_all(g, sc, &r, cause) != 0 ||
	    check_log(ex->meta.dir, time(NULL), r, sc->nchecks, cause) != 0)
		goto out;
	for (i = 0; i < sc->nchecks; i++) {
		if (!r[i].pass) {
			xasprintf(cause, "check '%s' still fails after the "
			    "solution", r[i].check->id);
			goto out;
		}
	}
	rc = 0;
out:
	if (r != NULL)
		check_results_free(r, sc->nchecks);
	free(err);
	guest_close(g);
	return rc;
}

static int
selftest_one(struct vm_conn *conn, const char *path)
{
	struct exercise_opts	 o;
	struct exercise		*ex = NULL;
	struct scenario		*sc;
	struct diag		*d = diag_new(path);
	char			*cause = NULL, *tail = NULL;
	long long		 t0 = util_now_ms(), t1;
	int			 was_up, rc = -1;

	if ((sc = scenario_load(path, d)) == NULL) {
		cmd_print_diag(d);
		printf("FAIL  %-16s invalid scenario\n", path);
		goto out;
	}
	memset(&o, 0, sizeof o);
	o.candidate = "selftest";
	o.note = selftest_note;
	if (pool_up(conn, sc, &o, &ex, &tail, &cause) != 0) {
		printf("FAIL  %-16s up: %s\n", sc->name, cause);
		goto out;
	}
	t1 = util_now_ms();
	if (selftest_solve(ex, sc, &cause) != 0)
		printf("FAIL  %-16s %s\n", sc->name, cause);
	else {
		printf("ok    %-16s %s %.1f s, %zu faults %.1f s, solved and "
		    "%zu checks pass %.1f s, total %.1f s\n", sc->name,
		    ex->launch, ex->boot_ms / 1000.0, sc->nfaults,
		    ex->faults_ms / 1000.0,
		    sc->nchecks, (util_now_ms() - t1) / 1000.0,
		    (util_now_ms() - t0) / 1000.0);
		rc = 0;
	}
	free(cause);
	cause = NULL;
	if (exercise_down(conn, ex->id, &was_up, &cause) != 0) {
		cmd_error(cause);
		cause = NULL;
		rc = -1;
	}
out:
	fflush(stdout);
	free(cause);
	free(tail);
	exercise_free(ex);
	scenario_free(sc);
	diag_free(d);
	return rc;
}

/* One scenario in a child process, with its own libvirt connection. */
static pid_t
selftest_spawn(const char *path)
{
	struct vm_conn	*conn;
	pid_t		 pid;
	int		 rc = 1;

	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) != 0)
		return pid;
	if ((conn = cmd_connect()) != NULL) {
		rc = selftest_one(conn, path) == 0 ? 0 : 1;
		vm_close(conn);
	}
	fflush(stdout);
	_exit(rc);
}

/* Wait for one child; count it failed unless it exited 0. */
static void
selftest_reap(int *running, int *failed)
{
	int	 status;

	while (waitpid(-1, &status, 0) == -1) {
		if (errno != EINTR) {
			*running = 0;
			return;
		}
	}
	(*running)--;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		(*failed)++;
}

static int
selftest_exec(int argc, char **argv)
{
	static const struct option longopts[] = {
		CMD_COMMON_LONGOPTS,
		{ "jobs", required_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	char		*end, *cause;
	pid_t		 pid;
	int		 ch, r, i, jobs = 1, running = 0, failed = 0;

	while ((ch = cmd_getopt(&cmd_selftest_entry, argc, argv, "j:",
	    longopts, &r)) != -1) {
		switch (ch) {
		case CMD_GETOPT_STOP:
			return r;
		case 'j':
			jobs = (int)strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || jobs < 1 ||
			    jobs > 8)
				return cmd_usage_error(&cmd_selftest_entry,
				    "--jobs must be 1 to 8");
			break;
		}
	}
	if (optind == argc)
		return cmd_usage_error(&cmd_selftest_entry, "no scenario given");
	for (i = optind; i < argc; i++) {
		if (running == jobs)
			selftest_reap(&running, &failed);
		if ((pid = selftest_spawn(argv[i])) == -1) {
			xasprintf(&cause, "cannot fork: %s", strerror(errno));
			cmd_error(cause);
			failed++;
			continue;
		}
		running++;
	}
	while (running > 0)
		selftest_reap(&running, &failed);
	printf("%d passed, %d failed\n", argc - optind - failed, failed);
	return failed == 0 ? CMD_OK : CMD_FAILED;
}

const struct cmd_entry cmd_selftest_entry = {
	"selftest", "[-j N] SCENARIO...",
	"prove scenarios solvable on real VMs: break, fail, solve, pass",
	"For each scenario: 'up' (faults applied and proven, every check\n"
	"failing), then the reference solution, then every check must pass;\n"
	"then 'down'. One line per scenario with timings; -v shows each step.\n"
	"Exit status 1 if any scenario fails. Nothing is left running.\n"
	"\n"
	"  -j, --jobs N      test N scenarios at once, each in its own VM\n"
	"                    (default 1; 2 suits a 2-core machine under TCG)\n",
	selftest_exec,
};
