/*
 * test_inject_apply.c - faults applied and proven for real, with
 * inject_apply and inject_root, over the admin channel's SSH path to the
 * loopback sshd of sshd-fixture.h (as root through sudo, as in a guest;
 * every answer carries its nonce). The faults write into the fixture's
 * temporary directory.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "diag.h"
#include "admin.h"
#include "inject.h"
#include "scenario.h"
#include "sshd-fixture.h"
#include "util.h"

/* Bounds on elapsed time that only a broken deadline gets near. */
#define START_MS	10000	/* for a login shell to say it started */
#define HANG_MS		10000	/* past a deadline: it was not honoured */

static struct sshd_fixture fx;

static int
setup(void **state)
{
	(void)state;
	return sshd_fixture_group(&fx, "test_inject_apply");
}

static int
teardown(void **state)
{
	(void)state;
	sshd_fixture_stop(&fx);
	return 0;
}

/* A scenario whose one fault is yaml_fault (a printf format). */
static struct scenario * __attribute__((format(printf, 1, 2)))
scenario_of(const char *fmt, ...)
{
	struct scenario	*sc;
	struct diag	*d = diag_new("t.yaml");
	va_list		 ap;
	char		*fault, *yaml;

	va_start(ap, fmt);
	xvasprintf(&fault, fmt, ap);
	va_end(ap);
	xasprintf(&yaml, "name: t\ntitle: t\nbriefing: b\n"
	    "solution: s\nchecks: [{id: c, describe: d, run: 'true'}]\n"
	    "faults:\n  - %s\n", fault);
	sc = scenario_parse("t.yaml", yaml, strlen(yaml), d);
	if (sc == NULL)
		fail_msg("%s", diag_message(d, 0));
	diag_free(d);
	free(yaml);
	free(fault);
	return sc;
}

static void
apply_ok(struct admin *g, const struct scenario_fault *f)
{
	char	*cause = NULL;

	if (inject_apply(g, f, &cause) != 0)
		fail_msg("inject_apply '%s': %s", f->id, cause);
}

/* inject_apply fails with exactly want as the cause. */
static void
apply_fails(struct admin *g, const struct scenario_fault *f,
    const char *want)
{
	char	*cause = NULL;

	assert_int_equal(inject_apply(g, f, &cause), -1);
	print_message("%s\n", cause);
	assert_string_equal(cause, want);
	free(cause);
}

static void
root_ok(struct admin *g, const char *script, const char *input,
    int timeout_ms, int *status, char **err)
{
	char	*cause = NULL;

	if (inject_root(g, script, input, timeout_ms, status, err,
	    &cause) != 0)
		fail_msg("inject_root '%s': %s", script, cause);
}

/* The names in directory dir, sorted and joined with spaces. */
static char *
list_dir(const char *dir)
{
	struct dirent	**names;
	char		 *list = xstrdup(""), *tmp;
	int		  i, n;

	assert_true((n = scandir(dir, &names, NULL, alphasort)) >= 0);
	for (i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.') {
			xasprintf(&tmp, "%s%s%s", list, *list ? " " : "",
			    names[i]->d_name);
			free(list);
			list = tmp;
		}
		free(names[i]);
	}
	free(names);
	return list;
}

static void
check_file(const char *file, const char *content, unsigned mode)
{
	struct stat	 sb;
	char		*disk;
	size_t		 len;

	assert_int_equal(stat(file, &sb), 0);
	assert_true(S_ISREG(sb.st_mode));
	assert_int_equal(sb.st_mode & 07777, mode);
	assert_int_equal(sb.st_uid, geteuid());
	disk = sshd_fixture_read(file, &len);
	assert_non_null(disk);
	assert_string_equal(disk, content);
	free(disk);
}

static void
test_file(void **state)
{
	struct scenario	*sc;
	struct admin	*g;
	char		*dir, *file, *list;

	(void)state;
	sshd_fixture_need(&fx);
	g = admin_over_ssh(sshd_fixture_connect(&fx));
	dir = sshd_fixture_path(&fx, "file");
	xasprintf(&file, "%s/etc/it's", dir);

	/* Into a directory that does not exist yet. */
	sc = scenario_of("{id: motd, kind: file, path: \"%s\", content: "
	    "\"broken\\n\", mode: '0640', owner: %s}", file, fx.user);
	apply_ok(g, &sc->faults[0]);
	check_file(file, "broken\n", 0640);
	scenario_free(sc);

	/* Over an existing file, leaving nothing else behind. */
	sc = scenario_of("{id: motd, kind: file, path: \"%s\", content: "
	    "\"shorter\", mode: '0600', owner: %s}", file, fx.user);
	apply_ok(g, &sc->faults[0]);
	check_file(file, "shorter", 0600);
	free(file);
	xasprintf(&file, "%s/etc", dir);
	list = list_dir(file);
	assert_string_equal(list, "it's");
	free(list);
	scenario_free(sc);
	free(file);
	free(dir);
	admin_close(g);
}

static void
test_apply_fails(void **state)
{
	struct scenario	*sc;
	struct admin	*g;

	(void)state;
	sshd_fixture_need(&fx);
	g = admin_over_ssh(sshd_fixture_connect(&fx));
	sc = scenario_of("{id: broken, kind: script, run: 'echo first >&2; "
	    "echo second >&2; exit 3'}");
	apply_fails(g, &sc->faults[0], "fault 'broken': applying it failed "
	    "(exit 3): first");
	scenario_free(sc);

	sc = scenario_of("{id: quiet, kind: script, run: 'exit 4'}");
	apply_fails(g, &sc->faults[0], "fault 'quiet': applying it failed "
	    "(exit 4)");
	scenario_free(sc);

	/* A script fault has no proof but its own exit status. */
	sc = scenario_of("{id: fine, kind: script, run: 'echo noise >&2'}");
	apply_ok(g, &sc->faults[0]);
	scenario_free(sc);
	admin_close(g);
}

/*
 * A file fault whose path is a directory: mv puts the new file inside
 * it and succeeds, and only the proof notices that the fault did not
 * take (cmp's complaint about the directory comes first on stderr).
 */
static void
test_proof_fails(void **state)
{
	static const char	 want[] = "fault 'dir': the proof that it took "
				     "failed (exit 1): cmp: ";
	struct scenario		*sc;
	struct admin		*g;
	char			*dir, *cause = NULL;

	(void)state;
	sshd_fixture_need(&fx);
	g = admin_over_ssh(sshd_fixture_connect(&fx));
	dir = sshd_fixture_path(&fx, "a-directory");
	assert_int_equal(mkdir(dir, 0755), 0);
	sc = scenario_of("{id: dir, kind: file, path: \"%s\", content: x}",
	    dir);
	assert_int_equal(inject_apply(g, &sc->faults[0], &cause), -1);
	print_message("%s\n", cause);
	assert_memory_equal(cause, want, strlen(want));
	assert_non_null(strstr(cause, dir));
	assert_null(strchr(cause, '\n'));
	free(cause);
	scenario_free(sc);
	free(dir);
	admin_close(g);
}

/* The proof of a file fault, run alone, catches each kind of change. */
static void
test_proof(void **state)
{
	struct scenario		*sc;
	struct inject_plan	 p;
	struct admin		*g;
	char			*file, *err = NULL, *cause = NULL, *want;
	int			 status;

	(void)state;
	sshd_fixture_need(&fx);
	g = admin_over_ssh(sshd_fixture_connect(&fx));
	file = sshd_fixture_path(&fx, "proven");
	sc = scenario_of("{id: p, kind: file, path: \"%s\", content: "
	    "\"one\\n\", mode: '0640', owner: %s}", file, fx.user);
	apply_ok(g, &sc->faults[0]);
	assert_int_equal(inject_plan(&sc->faults[0], &p, &cause), 0);

	root_ok(g, p.proof, p.input, 20000, &status, &err);
	assert_int_equal(status, 0);
	assert_string_equal(err, "");
	free(err);

	assert_int_equal(chmod(file, 0644), 0);
	root_ok(g, p.proof, p.input, 20000, &status, &err);
	assert_int_equal(status, 1);
	xasprintf(&want, "%s: mode is 644", file);
	assert_string_equal(err, want);
	free(want);
	free(err);

	assert_int_equal(chmod(file, 0640), 0);
	root_ok(g, p.proof, "two\n", 20000, &status, &err);
	assert_int_equal(status, 1);
	xasprintf(&want, "%s: content differs", file);
	assert_string_equal(err, want);
	free(want);
	free(err);

	inject_plan_release(&p);
	scenario_free(sc);
	free(file);
	admin_close(g);
}

static void
test_root(void **state)
{
	struct admin	*g;
	char		*err = NULL;
	int		 status;

	(void)state;
	sshd_fixture_need(&fx);
	g = admin_over_ssh(sshd_fixture_connect(&fx));
	root_ok(g, "[ \"$(id -u)\" = 0 ] || exit 9; echo 'line one' >&2; "
	    "echo 'line two' >&2; exit 5", NULL, 20000, &status, &err);
	assert_int_equal(status, 5);
	assert_string_equal(err, "line one");
	free(err);

	root_ok(g, "read -r x && [ \"$x\" = hello ] || exit 8", "hello\n",
	    20000, &status, &err);
	assert_int_equal(status, 0);
	assert_string_equal(err, "");
	free(err);

	/* Without err. */
	root_ok(g, "echo ignored >&2; exit 2", NULL, 20000, &status, NULL);
	assert_int_equal(status, 2);
	admin_close(g);
}

/*
 * Abandoned at its deadline, which leaves the login shell and sudo time
 * to start (bash reads ~/.bashrc under sshd, which can take a while);
 * the script would run far longer.
 */
static void
test_timeout(void **state)
{
	struct admin	*g;
	char		*pidfile, *script, *err = NULL;
	int		 status;
	long long	 t, took;

	(void)state;
	sshd_fixture_need(&fx);
	g = admin_over_ssh(sshd_fixture_connect(&fx));
	pidfile = sshd_fixture_path(&fx, "sleep.pid");
	xasprintf(&script, "echo $$ > '%s'; echo started >&2; exec sleep 60",
	    pidfile);
	t = util_now_ms();
	root_ok(g, script, NULL, START_MS, &status, &err);
	took = util_now_ms() - t;
	print_message("sleep 60 as root with a %d ms timeout: returned after "
	    "%lld ms\n", START_MS, took);
	assert_true(took >= START_MS && took < START_MS + HANG_MS);
	assert_int_equal(status, -1);
	/* So it had written its pidfile, for sshd_fixture_reap. */
	assert_string_equal(err, "started");
	free(err);
	sshd_fixture_reap(pidfile);

	/* The connection is still good. */
	root_ok(g, "true", NULL, 20000, &status, NULL);
	assert_int_equal(status, 0);
	free(script);
	free(pidfile);
	admin_close(g);
}

/* The guest's stderr reaches the cause without its escape sequences. */
static void
test_defang(void **state)
{
	static const char *const script = "printf "
	    "'a\\033]0;title\\007b \\033[31mred\\033[0m\\001\\r\\n' >&2; exit 1";
	struct scenario	*sc;
	struct admin	*g;
	char		*err = NULL;
	int		 status;

	(void)state;
	sshd_fixture_need(&fx);
	g = admin_over_ssh(sshd_fixture_connect(&fx));
	root_ok(g, script, NULL, 20000, &status, &err);
	assert_int_equal(status, 1);
	assert_string_equal(err, "ab red?");
	free(err);

	sc = scenario_of("{id: esc, kind: script, run: \"printf "
	    "'\\\\033[2J\\\\033]0;pwned\\\\007gone\\\\033' >&2; exit 1\"}");
	apply_fails(g, &sc->faults[0], "fault 'esc': applying it failed "
	    "(exit 1): gone?");
	scenario_free(sc);
	admin_close(g);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_apply_fails),
		cmocka_unit_test(test_proof_fails),
		cmocka_unit_test(test_proof),
		cmocka_unit_test(test_root),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_defang),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
