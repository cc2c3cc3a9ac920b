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

#include "admin.h"
#include "check.h"
#include "cmd.h"
#include "diag.h"
#include "exercise.h"
#include "inject.h"
#include "launch.h"
#include "launch-image.h"
#include "log.h"
#include "pool.h"
#include "scenario.h"
#include "util.h"
#include "variables.h"
#include "vm.h"

#define SELFTEST_SOLUTION_MS	(10 * 60 * 1000)
#define SELFTEST_SEEDS_MAX	16

/* One run: a scenario, as the variant of seed (or its default). */
struct selftest_run {
	const char	*path;
	int64_t		 seed;		/* or SCENARIO_SEED_DEFAULT */
};

static void
selftest_note(const char *msg, void *arg)
{
	(void)arg;
	log_debug("%s", msg);
}

/* Run the solution, then every check must pass. */
static int
selftest_solve(struct vm_conn *conn, const struct exercise *ex,
    const struct scenario *sc, char **cause)
{
	struct check_result	*r = NULL;
	struct check_target	 t;
	struct admin		*a;
	char			*err = NULL;
	size_t			 i;
	int			 status, rc = -1;

	if ((a = launch_admin(conn, ex, admin_ssh_fallback_ms(), cause)) == NULL)
		return -1;
	if (inject_root(a, sc->solution, NULL, SELFTEST_SOLUTION_MS, &status,
	    &err, cause) != 0)
		goto out;
	if (status != 0) {
		xasprintf(cause, "the solution %s%s%s", status == -1 ?
		    "timed out" : "failed", *err ? ": " : "", err);
		goto out;
	}
	check_target_init(&t, a, conn, ex);
	if (check_run_all(&t, sc, &r, cause) != 0 ||
	    check_log(ex->meta.dir, time(NULL),
	    admin_channel_name(admin_channel(a)), r, sc->nchecks, cause) != 0)
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
	admin_close(a);
	return rc;
}

/* "web-down" or, for a variant, "port-drift seed 123". */
static char *
selftest_name(const struct scenario *sc)
{
	char	*name;

	if (sc->vars->n == 0)
		return xstrdup(sc->name);
	xasprintf(&name, "%s seed %u", sc->name, sc->seed);
	return name;
}

static int
selftest_one(struct vm_conn *conn, const struct selftest_run *run)
{
	struct launch_opts	 o;
	struct exercise		*ex = NULL;
	struct scenario		*sc;
	struct diag		*d = diag_new(run->path);
	char			*cause = NULL, *tail = NULL, *name = NULL;
	long long		 t0 = util_now_ms(), t1;
	int			 was_up, rc = -1;

	if ((sc = scenario_load_variant(run->path, run->seed, d)) == NULL) {
		cmd_print_diag(d);
		printf("FAIL  %-16s invalid scenario\n", run->path);
		goto out;
	}
	name = selftest_name(sc);
	memset(&o, 0, sizeof o);
	o.accel = VM_ACCEL_AUTO;
	o.candidate = "selftest";
	o.note = selftest_note;
	if (launch_image_ready(sc, &o, &cause) != 0) {
		printf("FAIL  %-16s image: %s\n", sc->name, cause);
		goto out;
	}
	if (pool_up(conn, sc, &o, &ex, &tail, &cause) != 0) {
		printf("FAIL  %-16s up: %s\n", name, cause);
		goto out;
	}
	t1 = util_now_ms();
	if (selftest_solve(conn, ex, sc, &cause) != 0)
		printf("FAIL  %-16s %s\n", name, cause);
	else {
		printf("ok    %-16s %s %.1f s, %zu faults %.1f s, solved and "
		    "%zu checks pass %.1f s, total %.1f s\n", name,
		    ex->launch, ex->boot_ms / 1000.0, sc->nfaults,
		    ex->faults_ms / 1000.0,
		    sc->nchecks, (util_now_ms() - t1) / 1000.0,
		    (util_now_ms() - t0) / 1000.0);
		rc = 0;
	}
	free(cause);
	cause = NULL;
	if (launch_down(conn, ex->id, &was_up, &cause) != 0) {
		cmd_error(cause);
		cause = NULL;
		rc = -1;
	}
out:
	fflush(stdout);
	free(name);
	free(cause);
	free(tail);
	exercise_free(ex);
	scenario_free(sc);
	diag_free(d);
	return rc;
}

/* One scenario in a child process, with its own libvirt connection. */
static pid_t
selftest_spawn(const struct selftest_run *run)
{
	struct vm_conn	*conn;
	pid_t		 pid;
	int		 rc = 1;

	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) != 0)
		return pid;
	if ((conn = cmd_connect()) != NULL) {
		rc = selftest_one(conn, run) == 0 ? 0 : 1;
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

/*
 * The runs for one scenario: one, or with variables (and no `seed:` of
 * its own) nseeds distinct seeds, random unless one was given. A file
 * that does not read is one run, which reports it.
 */
static void
selftest_plan(const char *path, int nseeds, int64_t seed,
    struct selftest_run **runs, size_t *n)
{
	struct scenario	*sc;
	struct diag	*d = diag_new(path);
	uint32_t	 drawn[SELFTEST_SEEDS_MAX];
	int		 i, j, count, vary;

	sc = scenario_load_variant(path, seed, d);
	vary = sc != NULL && sc->vars->n != 0 && !sc->seed_pinned &&
	    seed == SCENARIO_SEED_DEFAULT;
	count = vary ? nseeds : 1;
	for (i = 0; i < count; i++) {
		do {
			drawn[i] = variables_random_seed();
			for (j = 0; j < i && drawn[j] != drawn[i]; j++)
				;
		} while (j < i);
		*runs = xreallocarray(*runs, *n + 1, sizeof **runs);
		(*runs)[*n].path = path;
		(*runs)[(*n)++].seed = vary ? drawn[i] : seed;
	}
	scenario_free(sc);
	diag_free(d);
}

static int
selftest_options(int argc, char **argv, int *jobs, int *nseeds,
    int64_t *seed)
{
	static const struct option longopts[] = {
		CMD_COMMON_LONGOPTS,
		{ "jobs", required_argument, NULL, 'j' },
		{ "seeds", required_argument, NULL, 'N' },
		{ "seed", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	const struct cmd_entry	*e = &cmd_selftest_entry;
	char			*end;
	long			 v;
	int			 ch, r;

	while ((ch = cmd_getopt(e, argc, argv, "j:", longopts, &r)) != -1) {
		if (ch == CMD_GETOPT_STOP)
			return r == CMD_OK ? -1 : r;
		if (ch == 's') {
			if ((r = cmd_seed_arg(e, optarg, seed)) != 0)
				return r;
			continue;
		}
		v = strtol(optarg, &end, 10);
		if (ch == 'j' && (*optarg == '\0' || *end != '\0' || v < 1 ||
		    v > 8))
			return cmd_usage_error(e, "--jobs must be 1 to 8");
		if (ch == 'N' && (*optarg == '\0' || *end != '\0' || v < 1 ||
		    v > SELFTEST_SEEDS_MAX))
			return cmd_usage_error(e, "--seeds must be 1 to %d",
			    SELFTEST_SEEDS_MAX);
		*(ch == 'j' ? jobs : nseeds) = (int)v;
	}
	if (optind == argc)
		return cmd_usage_error(e, "no scenario given");
	if (*seed != SCENARIO_SEED_DEFAULT && *nseeds != 1)
		return cmd_usage_error(e, "--seed and --seeds: one or the other");
	return 0;
}

static int
selftest_exec(int argc, char **argv)
{
	struct selftest_run	*runs = NULL;
	int64_t			 seed = SCENARIO_SEED_DEFAULT;
	size_t			 n = 0, k;
	char			*cause;
	pid_t			 pid;
	int			 r, i, jobs = 1, nseeds = 1, running = 0;
	int			 failed = 0;

	if ((r = selftest_options(argc, argv, &jobs, &nseeds, &seed)) != 0)
		return r == -1 ? CMD_OK : r;
	for (i = optind; i < argc; i++)
		selftest_plan(argv[i], nseeds, seed, &runs, &n);
	for (k = 0; k < n; k++) {
		if (running == jobs)
			selftest_reap(&running, &failed);
		if ((pid = selftest_spawn(&runs[k])) == -1) {
			xasprintf(&cause, "cannot fork: %s", strerror(errno));
			cmd_error(cause);
			failed++;
			continue;
		}
		running++;
	}
	while (running > 0)
		selftest_reap(&running, &failed);
	free(runs);
	printf("%zu passed, %d failed\n", n - (size_t)failed, failed);
	return failed == 0 ? CMD_OK : CMD_FAILED;
}

const struct cmd_entry cmd_selftest_entry = {
	"selftest", "[-j N] [--seeds N | --seed N] SCENARIO...",
	"prove scenarios solvable on real VMs: break, fail, solve, pass",
	"For each scenario: 'up' (faults applied and proven, every check\n"
	"failing), then the reference solution, then every check must pass;\n"
	"then 'down'. One line per scenario with timings; -v shows each step.\n"
	"Exit status 1 if any scenario fails. Nothing is left running.\n"
	"\n"
	"  -j, --jobs N      test N scenarios at once, each in its own VM\n"
	"                    (default 1; 2 suits a 2-core machine under TCG)\n"
	"  --seeds N         for a scenario with variables, prove N variants\n"
	"                    (distinct random seeds, each printed; 1 to 16;\n"
	"                    default 1); a scenario without, or whose file\n"
	"                    pins 'seed:', runs once\n"
	"  --seed N          prove the variant of seed N (to repeat a failure)\n",
	selftest_exec,
};
