/*
 * test_scenario.c - reading and validating scenario files.
 *
 * Every malformed fixture in tests/data/bad/NAME.yaml has its expected
 * messages in NAME.err, one per line. Run with UPDATE_GOLDEN=1 to write
 * the .err files afresh, then review the diff.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "diag.h"
#include "file-fixture.h"
#include "scenario.h"
#include "util.h"

#define MIN_BAD_FIXTURES 25

static const char full_yaml[] =
    "version: 1\n"
    "name: web-down\n"
    "title: Website down\n"
    "summary: |\n"
    "  nginx config typo and a stopped service.\n"
    "difficulty: hard\n"
    "tags: [nginx, systemd]\n"
    "briefing: |\n"
    "  Users report the site is down.\n"
    "  Caf\xc3\xa9 \xe2\x9c\x93\n"
    "image: debian-12-web\n"
    "vm:\n"
    "  memory: 1G\n"
    "  vcpus: 2\n"
    "  disk: 8G\n"
    "time_limit: 1h30m\n"
    "candidate:\n"
    "  user: ada\n"
    "  sudo: false\n"
    "faults:\n"
    "  - id: typo\n"
    "    kind: file\n"
    "    describe: missing semicolon\n"
    "    path: /etc/nginx/sites-enabled/default\n"
    "    content: \"server { listen 80 }\\n\"\n"
    "    mode: 0600\n"
    "  - id: stopped\n"
    "    kind: service\n"
    "    unit: nginx.service\n"
    "    action: mask\n"
    "checks:\n"
    "  - id: http\n"
    "    describe: the site answers\n"
    "    run: curl -fsS http://localhost/\n"
    "    timeout: 1m\n"
    "    fixes: [typo, stopped]\n"
    "  - id: config\n"
    "    describe: nginx -t passes\n"
    "    run: nginx -t\n"
    "solution: |\n"
    "  systemctl unmask nginx\n"
    "hints:\n"
    "  - after: 30m\n"
    "    text: second\n"
    "  - after: 10m\n"
    "    text: first\n";

static struct scenario *
parse_ok(const char *yaml)
{
	struct diag	*d = diag_new("t.yaml");
	struct scenario	*sc;
	size_t		 i;

	sc = scenario_parse("t.yaml", yaml, strlen(yaml), d);
	for (i = 0; i < diag_count(d); i++)
		print_error("%s\n", diag_message(d, i));
	assert_int_equal(diag_count(d), 0);
	assert_non_null(sc);
	diag_free(d);
	return sc;
}

static void
test_every_field(void **state)
{
	struct scenario		*sc;
	struct scenario_fault	*f;
	struct scenario_check	*ck;

	(void)state;
	sc = parse_ok(full_yaml);
	assert_string_equal(sc->path, "t.yaml");
	assert_int_equal(sc->version, 1);
	assert_string_equal(sc->name, "web-down");
	assert_string_equal(sc->title, "Website down");
	assert_string_equal(sc->summary, "nginx config typo and a stopped "
	    "service.\n");
	assert_int_equal(sc->difficulty, SCENARIO_HARD);
	assert_int_equal(sc->ntags, 2);
	assert_string_equal(sc->tags[1], "systemd");
	assert_string_equal(sc->briefing, "Users report the site is down.\n"
	    "Caf\xc3\xa9 \xe2\x9c\x93\n");
	assert_string_equal(sc->image, "debian-12-web");
	assert_true(sc->memory == 1ULL << 30);
	assert_int_equal(sc->vcpus, 2);
	assert_true(sc->disk == 8ULL << 30);
	assert_int_equal(sc->time_limit, 5400);
	assert_string_equal(sc->candidate_user, "ada");
	assert_int_equal(sc->candidate_sudo, 0);

	assert_int_equal(sc->nfaults, 2);
	f = &sc->faults[0];
	assert_string_equal(f->id, "typo");
	assert_string_equal(f->kind->name, "file");
	assert_string_equal(f->describe, "missing semicolon");
	assert_string_equal(scenario_fault_param(f, "path"),
	    "/etc/nginx/sites-enabled/default");
	assert_string_equal(scenario_fault_param(f, "content"),
	    "server { listen 80 }\n");
	assert_string_equal(scenario_fault_param(f, "mode"), "0600");
	assert_string_equal(scenario_fault_param(f, "owner"), "root:root");
	assert_null(scenario_fault_param(f, "unit"));
	assert_int_equal(f->line, 21);
	f = &sc->faults[1];
	assert_null(f->describe);
	assert_string_equal(scenario_fault_param(f, "action"), "mask");

	assert_int_equal(sc->nchecks, 2);
	ck = &sc->checks[0];
	assert_string_equal(ck->id, "http");
	assert_string_equal(ck->describe, "the site answers");
	assert_string_equal(ck->run, "curl -fsS http://localhost/");
	assert_int_equal(ck->timeout, 60);
	assert_int_equal(ck->nfixes, 2);
	assert_string_equal(ck->fixes[1], "stopped");
	assert_int_equal(sc->checks[1].timeout, 30);
	assert_int_equal(sc->checks[1].nfixes, 0);

	assert_string_equal(sc->solution, "systemctl unmask nginx\n");
	assert_int_equal(sc->nhints, 2);
	assert_int_equal(sc->hints[0].after, 600);	/* sorted */
	assert_string_equal(sc->hints[0].text, "first");
	assert_int_equal(sc->hints[1].after, 1800);
	scenario_free(sc);
}

static void
test_defaults(void **state)
{
	struct scenario	*sc;

	(void)state;
	sc = parse_ok("name: m\ntitle: t\nbriefing: b\nsolution: s\n"
	    "faults: [{id: f, kind: script, run: 'true'}]\n"
	    "checks: [{id: c, describe: d, run: 'true'}]\n");
	assert_int_equal(sc->version, 1);
	assert_string_equal(sc->summary, "");
	assert_int_equal(sc->difficulty, SCENARIO_MEDIUM);
	assert_int_equal(sc->ntags, 0);
	assert_string_equal(sc->image, "debian-12");
	assert_true(sc->memory == 512ULL << 20);
	assert_int_equal(sc->vcpus, 1);
	assert_true(sc->disk == 4ULL << 30);
	assert_int_equal(sc->time_limit, 45 * 60);
	assert_string_equal(sc->candidate_user, "candidate");
	assert_int_equal(sc->candidate_sudo, 1);
	assert_int_equal(sc->nhints, 0);
	assert_true(sc->faults[0].params[0].is_default == 0);
	scenario_free(sc);
}

/* Load file; all messages joined by newlines. */
static char *
messages(const char *file, int *ok)
{
	struct diag	*d = diag_new(file);
	struct scenario	*sc;
	char		*out = xstrdup(""), *tmp;
	size_t		 i;

	sc = scenario_load(file, d);
	*ok = sc != NULL;
	for (i = 0; i < diag_count(d); i++) {
		xasprintf(&tmp, "%s%s\n", out, diag_message(d, i));
		free(out);
		out = tmp;
	}
	scenario_free(sc);
	diag_free(d);
	return out;
}

static int
yaml_name(const struct dirent *de)
{
	size_t	 len = strlen(de->d_name);

	return len > 5 && strcmp(de->d_name + len - 5, ".yaml") == 0;
}

static void
test_golden_bad(void **state)
{
	struct dirent	**list;
	char		 *file, *errfile, *got, *want;
	int		  n, i, ok, update = getenv("UPDATE_GOLDEN") != NULL;

	(void)state;
	n = scandir("bad", &list, yaml_name, alphasort);
	assert_true(n >= MIN_BAD_FIXTURES);
	for (i = 0; i < n; i++) {
		xasprintf(&file, "bad/%s", list[i]->d_name);
		xasprintf(&errfile, "%.*s.err", (int)strlen(file) - 5, file);
		got = messages(file, &ok);
		if (ok)
			fail_msg("%s: accepted, but it is malformed", file);
		if (update) {
			FILE *fp = fopen(errfile, "w");
			assert_non_null(fp);
			fputs(got, fp);
			fclose(fp);
		}
		if ((want = fixture_slurp(errfile, NULL)) == NULL)
			fail_msg("%s: no golden file (run with "
			    "UPDATE_GOLDEN=1)", errfile);
		if (strcmp(got, want) != 0)
			fail_msg("%s: got\n%swanted\n%s", file, got, want);
		free(want);
		free(got);
		free(errfile);
		free(file);
		free(list[i]);
	}
	free(list);
}

/* Every good fixture and every shipped scenario loads without a word. */
static void
check_all_good(const char *dir)
{
	struct dirent	**list;
	char		 *file, *got;
	int		  n, i, ok;

	n = scandir(dir, &list, yaml_name, alphasort);
	assert_true(n >= 3);
	for (i = 0; i < n; i++) {
		xasprintf(&file, "%s/%s", dir, list[i]->d_name);
		got = messages(file, &ok);
		if (!ok || *got != '\0')
			fail_msg("%s: refused:\n%s", file, got);
		free(got);
		free(file);
		free(list[i]);
	}
	free(list);
}

static void
test_good(void **state)
{
	(void)state;
	check_all_good("good");
	check_all_good("../../scenarios");
}

/* Inputs found by the fuzzer: each must be refused or read, cleanly. */
static void
test_fuzz_regressions(void **state)
{
	struct dirent	**list;
	char		 *file, *got;
	int		  n, i, ok;

	(void)state;
	if ((n = scandir("fuzz", &list, NULL, alphasort)) < 0)
		return;		/* none found so far */
	for (i = 0; i < n; i++) {
		if (list[i]->d_name[0] != '.') {
			xasprintf(&file, "fuzz/%s", list[i]->d_name);
			got = messages(file, &ok);
			assert_true(ok == (*got == '\0'));
			free(got);
			free(file);
		}
		free(list[i]);
	}
	free(list);
}

static void
expect_one(const char *file, const char *want)
{
	char	*got;
	int	 ok;

	got = messages(file, &ok);
	assert_false(ok);
	assert_string_equal(got, want);
	free(got);
}

static void
test_special_files(void **state)
{
	char	 dir[] = "/tmp/breakfix-test.XXXXXX", *p, *want;
	FILE	*fp;

	(void)state;
	assert_non_null(mkdtemp(dir));
	expect_one("/nonexistent/x.yaml", "/nonexistent/x.yaml: cannot open: "
	    "No such file or directory\n");
	xasprintf(&want, "%s: not a regular file\n", dir);
	expect_one(dir, want);
	free(want);

	/* A FIFO with no writer must not hang the reader. */
	xasprintf(&p, "%s/fifo.yaml", dir);
	assert_int_equal(mkfifo(p, 0600), 0);
	xasprintf(&want, "%s: not a regular file\n", p);
	expect_one(p, want);
	unlink(p);
	free(want);
	free(p);

	/* One byte over the limit is refused before any parsing. */
	xasprintf(&p, "%s/big.yaml", dir);
	assert_non_null(fp = fopen(p, "w"));
	assert_int_equal(ftruncate(fileno(fp), SCENARIO_MAX_BYTES + 1), 0);
	fclose(fp);
	xasprintf(&want, "%s: file is larger than 1024 KiB: refusing to read "
	    "it\n", p);
	expect_one(p, want);
	unlink(p);
	free(want);
	free(p);
	assert_int_equal(rmdir(dir), 0);
}

static void
test_parse_size_limit(void **state)
{
	struct diag	*d = diag_new("t.yaml");
	char		*buf = xmalloc(SCENARIO_MAX_BYTES + 1);

	(void)state;
	memset(buf, '#', SCENARIO_MAX_BYTES + 1);
	assert_null(scenario_parse("t.yaml", buf, SCENARIO_MAX_BYTES + 1, d));
	assert_string_equal(diag_message(d, 0), "t.yaml: file is larger than "
	    "1024 KiB: refusing to read it");
	free(buf);
	diag_free(d);
}

/* image: files: decoded bytes, modes and owners as written. */
static void
test_image_files(void **state)
{
	struct diag			*d = diag_new("good/image-files.yaml");
	struct scenario			*sc;
	const struct derived_file	*f;

	(void)state;
	sc = scenario_load("good/image-files.yaml", d);
	assert_non_null(sc);
	assert_int_equal(sc->nimage_files, 3);
	f = &sc->image_files[0];
	assert_string_equal(f->path, "/srv/reports/settings.ini");
	assert_int_equal(f->mode, 0640);
	assert_string_equal(f->owner, "www-data");
	assert_null(f->group);
	assert_int_equal(f->len, strlen(f->content));
	f = &sc->image_files[1];
	assert_int_equal(f->mode, 0755);
	assert_string_equal(f->owner, "root");
	assert_string_equal(f->group, "root");
	f = &sc->image_files[2];
	assert_int_equal(f->len, 23);
	assert_memory_equal(f->content, "id,name\r\n1,ada\r\n2,bob\r\n", 23);
	assert_string_equal(f->group, "adm");
	scenario_free(sc);
	diag_free(d);
}

/* Host checks: kinds, defaults filled in, and their URLs. */
static void
test_host_checks(void **state)
{
	struct diag			*d = diag_new("good/host-checks.yaml");
	struct scenario			*sc;
	const struct scenario_check	*ck;
	char				*url;

	(void)state;
	sc = scenario_load("good/host-checks.yaml", d);
	assert_non_null(sc);
	assert_int_equal(sc->nchecks, 4);
	ck = &sc->checks[0];
	assert_int_equal(ck->kind, SCENARIO_CHECK_RUN);
	assert_false(scenario_check_on_host(ck));
	ck = &sc->checks[1];
	assert_int_equal(ck->kind, SCENARIO_CHECK_HTTP);
	assert_true(scenario_check_on_host(ck));
	assert_null(ck->run);
	assert_int_equal(ck->probe.port, 80);
	assert_string_equal(ck->probe.path, "/");
	assert_int_equal(ck->probe.status, 200);
	assert_string_equal(ck->probe.contains,
	    "<h1>Northwind Operations Portal</h1>");
	assert_int_equal(ck->timeout, 15);
	url = scenario_check_url(ck);
	assert_string_equal(url, "http://portal.northwind.internal/");
	free(url);
	ck = &sc->checks[2];
	assert_string_equal(ck->probe.host, "localhost");
	assert_int_equal(ck->probe.status, 503);
	assert_null(ck->probe.contains);
	assert_int_equal(ck->timeout, 30);
	url = scenario_check_url(ck);
	assert_string_equal(url, "http://localhost:8080/health?full=1");
	free(url);
	ck = &sc->checks[3];
	assert_int_equal(ck->kind, SCENARIO_CHECK_TCP);
	assert_string_equal(scenario_check_kind_name(ck->kind), "tcp");
	assert_int_equal(ck->probe.port, 5432);
	scenario_free(sc);
	diag_free(d);
}

static int
setup(void **state)
{
	(void)state;
	return chdir(DATADIR);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_field),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_golden_bad),
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_fuzz_regressions),
		cmocka_unit_test(test_special_files),
		cmocka_unit_test(test_parse_size_limit),
		cmocka_unit_test(test_host_checks),
		cmocka_unit_test(test_image_files),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
