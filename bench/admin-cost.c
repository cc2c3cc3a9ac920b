/*
 * admin-cost.c - what one command costs over each admin channel: the
 * guest agent and SSH, into a running exercise. Built by `make bench`
 * (as $(O)/bench_admin-cost) and run by bench/admin.sh.
 *
 * usage: bench_admin-cost EXERCISE [RUNS]
 *
 * Prints, per channel, the time to open it and the median, mean and
 * slowest of RUNS runs of `true` (each through admin_exec, with its
 * nonce), then the agent's cost as a multiple of SSH's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "exercise.h"
#include "launch.h"
#include "util.h"
#include "vm.h"

struct cost {
	double	 open_ms;
	double	 median;
	double	 mean;
	double	 max;
};

static int
cost_cmp(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Open a channel (conn NULL: SSH only) and run `true` n times. */
static int
cost_measure(struct vm_conn *conn, const struct exercise *ex, int n,
    enum admin_channel want, struct cost *c)
{
	struct guest_result	 res;
	struct admin		*a;
	double			*ms = xcalloc((size_t)n, sizeof *ms), sum = 0;
	char			*cause = NULL;
	long long		 t = util_now_ms();
	int			 i;

	if ((a = launch_admin(conn, ex, 30000, &cause)) == NULL ||
	    admin_channel(a) != want) {
		fprintf(stderr, "admin-cost: no %s channel: %s\n",
		    admin_channel_name(want), cause != NULL ? cause :
		    admin_fallback(a));
		exit(1);
	}
	c->open_ms = (double)(util_now_ms() - t);
	for (i = 0; i < n; i++) {
		t = util_now_ms();
		if (admin_exec(a, "true", NULL, 30000, &res, &cause) != 0 ||
		    res.status != 0 || res.tampered) {
			fprintf(stderr, "admin-cost: true failed: %s\n",
			    cause != NULL ? cause : "bad answer");
			exit(1);
		}
		guest_result_release(&res);
		sum += ms[i] = (double)(util_now_ms() - t);
	}
	qsort(ms, (size_t)n, sizeof *ms, cost_cmp);
	c->median = ms[n / 2];
	c->mean = sum / n;
	c->max = ms[n - 1];
	admin_close(a);
	free(ms);
	return 0;
}

int
main(int argc, char **argv)
{
	struct exercise	*ex;
	struct vm_conn	*conn;
	struct cost	 agent, ssh;
	char		*cause = NULL;
	int		 n = argc > 2 ? atoi(argv[2]) : 20;

	if (argc < 2 || n < 1) {
		fprintf(stderr, "usage: bench_admin-cost EXERCISE [RUNS]\n");
		return 2;
	}
	if (exercise_load(argv[1], &ex, &cause) != 0 ||
	    (conn = vm_open(ex->uri, &cause)) == NULL) {
		fprintf(stderr, "admin-cost: %s\n", cause);
		return 1;
	}
	cost_measure(conn, ex, n, ADMIN_AGENT, &agent);
	cost_measure(NULL, ex, n, ADMIN_SSH, &ssh);
	printf("%-12s %9s %12s %10s %10s\n", "channel", "open ms",
	    "median ms", "mean ms", "max ms");
	printf("%-12s %9.0f %12.1f %10.1f %10.1f\n", "guest agent",
	    agent.open_ms, agent.median, agent.mean, agent.max);
	printf("%-12s %9.0f %12.1f %10.1f %10.1f\n", "ssh", ssh.open_ms,
	    ssh.median, ssh.mean, ssh.max);
	printf("agent / ssh: %.2fx per command (median), %.2fx to open; "
	    "%d runs of 'true' each\n", agent.median / ssh.median,
	    agent.open_ms / ssh.open_ms, n);
	vm_close(conn);
	exercise_free(ex);
	return 0;
}
