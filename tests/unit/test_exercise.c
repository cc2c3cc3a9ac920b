/*
 * test_exercise.c - exercise records, their directories and console
 * tails (no VM needed; the lifecycle is tested end to end in tests/e2e/,
 * the list of exercises up in test_pool.c).
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "config.h"
#include "exercise.h"
#include "util.h"

static char	 dir[] = "/tmp/test_exercise.XXXXXX";

static void
write_file(const char *path, const char *text)
{
	FILE	*fp;

	assert_non_null(fp = fopen(path, "w"));
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
}

static void
write_console(const char *text)
{
	char	*p = exercise_path(dir, EXERCISE_CONSOLE);

	write_file(p, text);
	free(p);
}

static void
test_tail_lines(void **state)
{
	char	*t;

	(void)state;
	write_console("one\ntwo\nthree\nfour\n");
	t = exercise_console_tail(dir, 2);
	assert_string_equal(t, "three\nfour\n");
	free(t);
	t = exercise_console_tail(dir, 10);
	assert_string_equal(t, "one\ntwo\nthree\nfour\n");
	free(t);
	write_console("no newline at the end");
	t = exercise_console_tail(dir, 1);
	assert_string_equal(t, "no newline at the end");
	free(t);
}

static void
test_tail_defanged(void **state)
{
	char	*t;

	(void)state;
	/* Colours dropped, a title change dropped, CR dropped, others '?'. */
	write_console("[\x1b[0;32m  OK  \x1b[0m] Started\r\n"
	    "\x1b]0;pwned\x07title\n"
	    "bell\x07 del\x7f c1\xc2\x9b end\n");
	t = exercise_console_tail(dir, 5);
	assert_string_equal(t, "[  OK  ] Started\ntitle\nbell? del? c1? end\n");
	free(t);
}

static void
test_tail_missing(void **state)
{
	(void)state;
	assert_null(exercise_console_tail("/nonexistent", 5));
}

static void
test_load_missing(void **state)
{
	struct exercise	*ex = NULL;
	char		*cause = NULL;

	(void)state;
	assert_int_equal(exercise_load("nope-0000", &ex, &cause), -1);
	assert_string_equal(cause, "no exercise 'nope-0000'");
	assert_null(ex);
	free(cause);
}

static void
test_valid_id(void **state)
{
	static const char *const good[] = { "web-down-7f3a", "ex-0000", "a" };
	static const char *const bad[] = { "", "-x", "../etc", "a/b", "Web",
	    "a b", "a.b", "a\n", "a_b" };
	struct exercise	*ex = NULL;
	char		 longest[EXERCISE_ID_MAX + 2], *cause = NULL;
	size_t		 i;

	(void)state;
	for (i = 0; i < nitems(good); i++)
		assert_true(exercise_valid_id(good[i]));
	for (i = 0; i < nitems(bad); i++)
		assert_false(exercise_valid_id(bad[i]));
	memset(longest, 'a', sizeof longest - 1);
	longest[EXERCISE_ID_MAX] = '\0';
	assert_true(exercise_valid_id(longest));
	longest[EXERCISE_ID_MAX] = 'a';
	longest[EXERCISE_ID_MAX + 1] = '\0';
	assert_false(exercise_valid_id(longest));
	/* A path never reaches the file system. */
	assert_int_equal(exercise_load("../../etc", &ex, &cause), -1);
	assert_string_equal(cause, "no exercise '../../etc'");
	free(cause);
}

static void
test_paths(void **state)
{
	char	*d, *p;

	(void)state;
	d = exercise_dir("web-down-7f3a");
	xasprintf(&p, "%s/exercises/web-down-7f3a", dir);
	assert_string_equal(d, p);
	free(p);
	p = exercise_path(d, EXERCISE_FIRST_LOGIN);
	assert_memory_equal(p, d, strlen(d));
	assert_string_equal(p + strlen(d), "/sessions/first-login");
	free(p);
	/* 2026-01-02T03:04:05Z */
	p = exercise_recording(d, 1767323045, 42);
	assert_string_equal(p + strlen(d),
	    "/sessions/20260102T030405Z-42.cast");
	free(p);
	free(d);
	p = exercise_domain("web-down-7f3a");
	assert_string_equal(p, "breakfix-web-down-7f3a");
	assert_string_equal(exercise_id_of(p), "web-down-7f3a");
	free(p);
}

/* Every field survives a save and a load. */
static void
test_save_load(void **state)
{
	struct exercise	 ex, *got = NULL;
	char		*cause = NULL;

	(void)state;
	memset(&ex, 0, sizeof ex);
	ex.id = ex.meta.id = (char *)"web-down-0a1b";
	ex.domain = (char *)"breakfix-web-down-0a1b";
	ex.state = (char *)"ready";
	ex.uri = (char *)"test:///default";
	ex.image = (char *)"debian-12";
	ex.shape.image = ex.image;
	ex.launch = (char *)"warm";
	ex.shape.memory = 512ULL << 20;
	ex.shape.vcpus = 2;
	ex.shape.disk = 8ULL << 30;
	ex.meta.scenario = (char *)"web-down";
	ex.meta.scenario_file = (char *)"/s/web-down.yaml";
	ex.meta.candidate = (char *)"ada";
	ex.meta.dir = exercise_dir(ex.id);
	ex.meta.pool = (char *)"";
	ex.meta.created = 1767225600;
	ex.meta.expires = 1767232800;
	ex.meta.port = 40123;
	ex.meta.accel = VM_ACCEL_KVM;
	ex.downed = 1767230000;
	ex.crashed = 1767229000;
	ex.boot_ms = 1;
	ex.vm_ms = 2;
	ex.ready_ms = 3;
	ex.faults_ms = 4;
	assert_int_equal(exercise_mkdir(ex.meta.dir, &cause), 0);
	assert_int_equal(exercise_save(&ex, &cause), 0);
	assert_int_equal(exercise_load(ex.id, &got, &cause), 0);
	assert_string_equal(got->id, ex.id);
	assert_string_equal(got->domain, ex.domain);
	assert_string_equal(got->state, ex.state);
	assert_string_equal(got->uri, ex.uri);
	assert_string_equal(got->image, ex.image);
	assert_string_equal(got->shape.image, ex.image);
	assert_string_equal(got->launch, ex.launch);
	assert_true(got->shape.memory == ex.shape.memory);
	assert_int_equal(got->shape.vcpus, ex.shape.vcpus);
	assert_true(got->shape.disk == ex.shape.disk);
	assert_string_equal(got->meta.id, ex.id);
	assert_string_equal(got->meta.scenario, ex.meta.scenario);
	assert_string_equal(got->meta.scenario_file, ex.meta.scenario_file);
	assert_string_equal(got->meta.candidate, ex.meta.candidate);
	assert_string_equal(got->meta.dir, ex.meta.dir);
	assert_string_equal(got->meta.pool, "");
	assert_int_equal(got->meta.created, ex.meta.created);
	assert_int_equal(got->meta.expires, ex.meta.expires);
	assert_int_equal(got->meta.port, ex.meta.port);
	assert_int_equal(got->meta.accel, VM_ACCEL_KVM);
	assert_int_equal(got->downed, ex.downed);
	assert_int_equal(got->crashed, ex.crashed);
	assert_int_equal(got->boot_ms, 1);
	assert_int_equal(got->vm_ms, 2);
	assert_int_equal(got->ready_ms, 3);
	assert_int_equal(got->faults_ms, 4);
	assert_int_equal(got->nforwards, 0);
	exercise_free(got);
	exercise_remove_dir(ex.meta.dir);
	assert_int_equal(access(ex.meta.dir, F_OK), -1);
	free(ex.meta.dir);
}

/*
 * The forwards for host checks survive a save and a load; in a record
 * damaged by hand, those with ports out of range are left out.
 */
static void
test_forwards(void **state)
{
	struct exercise_forward	 fwd[] = { { 80, 40124 }, { 5432, 40125 } };
	struct exercise		 ex, *got = NULL;
	char			*cause = NULL, *path;

	(void)state;
	memset(&ex, 0, sizeof ex);
	ex.id = ex.meta.id = (char *)"web-down-0a1c";
	ex.domain = ex.state = ex.uri = ex.image = ex.launch = (char *)"x";
	ex.meta.dir = exercise_dir(ex.id);
	ex.forwards = fwd;
	ex.nforwards = nitems(fwd);
	assert_int_equal(exercise_mkdir(ex.meta.dir, &cause), 0);
	assert_int_equal(exercise_save(&ex, &cause), 0);
	assert_int_equal(exercise_load(ex.id, &got, &cause), 0);
	assert_int_equal(got->nforwards, 2);
	assert_int_equal(got->forwards[1].guest, 5432);
	assert_int_equal(got->forwards[1].host, 40125);
	assert_ptr_equal(exercise_forward(got->forwards, got->nforwards, 80),
	    &got->forwards[0]);
	assert_int_equal(exercise_forward(got->forwards, got->nforwards,
	    80)->host, 40124);
	assert_null(exercise_forward(got->forwards, got->nforwards, 443));
	exercise_free(got);
	path = exercise_path(ex.meta.dir, EXERCISE_RECORD);
	write_file(path, "{\"id\": \"web-down-0a1c\", \"forwards\": [{\"guest\": "
	    "0, \"host\": 1}, {\"guest\": 80, \"host\": 70000}, {\"guest\": "
	    "\"x\"}, 7, {\"guest\": 443, \"host\": 40126}]}");
	assert_int_equal(exercise_load(ex.id, &got, &cause), 0);
	assert_int_equal(got->nforwards, 1);
	assert_int_equal(got->forwards[0].guest, 443);
	exercise_free(got);
	free(path);
	exercise_remove_dir(ex.meta.dir);
	free(ex.meta.dir);
}

/*
 * The variant survives a save and a load; none is JSON null; a record
 * damaged by hand keeps only what is well formed.
 */
static void
test_variant(void **state)
{
	char			 n1[] = "api_port", n2[] = "site";
	char			 v1[] = "8322", v2[] = "Porto";
	char			*names[] = { n1, n2 }, *values[] = { v1, v2 };
	struct exercise		 ex, *got = NULL;
	char			*cause = NULL, *path, *line;

	(void)state;
	memset(&ex, 0, sizeof ex);
	ex.id = ex.meta.id = (char *)"api-port-moved-0a1d";
	ex.domain = ex.state = ex.uri = ex.image = ex.launch = (char *)"x";
	ex.meta.dir = exercise_dir(ex.id);
	ex.variant.seed = 4294967295U;
	ex.variant.names = names;
	ex.variant.values = values;
	ex.variant.n = 2;
	assert_int_equal(exercise_mkdir(ex.meta.dir, &cause), 0);
	assert_int_equal(exercise_save(&ex, &cause), 0);
	assert_int_equal(exercise_load(ex.id, &got, &cause), 0);
	assert_int_equal(got->variant.seed, 4294967295U);
	assert_int_equal(got->variant.n, 2);
	line = exercise_variant_line(&got->variant);
	assert_string_equal(line, "seed 4294967295: api_port=8322 site=Porto");
	free(line);
	exercise_free(got);
	path = exercise_path(ex.meta.dir, EXERCISE_RECORD);
	write_file(path, "{\"id\": \"api-port-moved-0a1d\", \"variant\": "
	    "{\"seed\": 7, \"values\": {\"a\": \"1\", \"b\": 2}}}");
	assert_int_equal(exercise_load(ex.id, &got, &cause), 0);
	assert_int_equal(got->variant.n, 1);
	exercise_free(got);
	write_file(path, "{\"id\": \"api-port-moved-0a1d\", \"variant\": "
	    "{\"seed\": -3, \"values\": {\"a\": \"1\"}}}");
	assert_int_equal(exercise_load(ex.id, &got, &cause), 0);
	assert_int_equal(got->variant.n, 0);
	line = exercise_variant_line(&got->variant);
	assert_string_equal(line, "none (the scenario has no variables)");
	free(line);
	exercise_free(got);
	free(path);
	exercise_remove_dir(ex.meta.dir);
	free(ex.meta.dir);
}

/* Touch file f of the exercise directory d. */
static void
touch(const char *d, enum exercise_file f)
{
	char	*p = exercise_path(d, f);

	write_file(p, "x");
	free(p);
}

/*
 * Ids listed sorted, only those with a record; recordings listed
 * oldest first; removal takes every file breakfix put there, and keeps
 * a directory holding anything else (a recording: nothing is lost).
 */
static void
test_list_and_remove(void **state)
{
	char	**ids = NULL, **recs = NULL, *a, *b, *c, *p, *cause = NULL;
	size_t	  n, i;
	int	  f;

	(void)state;
	a = exercise_dir("b-0002");
	b = exercise_dir("a-0001");
	c = exercise_dir("c-0003");
	assert_int_equal(exercise_mkdir(a, &cause), 0);
	assert_int_equal(exercise_mkdir(b, &cause), 0);
	assert_int_equal(exercise_mkdir(c, &cause), 0);
	touch(a, EXERCISE_RECORD);
	touch(b, EXERCISE_RECORD);
	assert_int_equal(exercise_list_ids(&ids, &n, &cause), 0);
	assert_int_equal(n, 2);
	assert_string_equal(ids[0], "a-0001");
	assert_string_equal(ids[1], "b-0002");
	for (i = 0; i < n; i++)
		free(ids[i]);
	free(ids);

	for (f = EXERCISE_RECORD; f <= EXERCISE_AUDIT; f++)
		touch(a, (enum exercise_file)f);
	p = exercise_path(a, EXERCISE_SESSIONS);
	assert_int_equal(mkdir(p, 0770), 0);
	free(p);
	assert_int_equal(exercise_recordings(a, &recs, &n, &cause), 0);
	assert_int_equal(n, 0);
	assert_null(recs);
	touch(a, EXERCISE_FIRST_LOGIN);
	p = exercise_recording(a, 1767225700, 7);
	write_file(p, "{}");
	free(p);
	p = exercise_recording(a, 1767225600, 9);
	write_file(p, "{}");
	free(p);
	assert_int_equal(exercise_recordings(a, &recs, &n, &cause), 0);
	assert_int_equal(n, 2);
	assert_non_null(strstr(recs[0], "/sessions/20260101T000000Z-9.cast"));
	assert_non_null(strstr(recs[1], "/sessions/20260101T000140Z-7.cast"));
	for (i = 0; i < n; i++)
		free(recs[i]);
	free(recs);

	exercise_remove_dir(a);		/* recordings kept, so dir kept */
	assert_int_equal(access(a, F_OK), 0);
	p = exercise_path(a, EXERCISE_RECORD);
	assert_int_equal(access(p, F_OK), -1);
	free(p);
	touch(b, EXERCISE_CONSOLE);	/* and virtlogd's rotated copies */
	p = exercise_path(b, EXERCISE_CONSOLE);
	xasprintf(&cause, "%s.0", p);
	write_file(cause, "x");
	free(cause);
	xasprintf(&cause, "%s.2", p);
	write_file(cause, "x");
	free(cause);
	cause = NULL;
	free(p);
	exercise_remove_dir(b);
	assert_int_equal(access(b, F_OK), -1);
	exercise_remove_dir(c);
	assert_int_equal(access(c, F_OK), -1);
	free(a);
	free(b);
	free(c);
}

/*
 * Files are made root's, 0600 (0640 to the review group when asked and
 * it exists), truncated or appended to, and never through a link.
 */
static void
test_create(void **state)
{
	char		*d = exercise_dir("create-0001"), *p, *cause = NULL;
	char		 target[] = "/tmp/test_exercise_target.XXXXXX", buf[16];
	struct stat	 st;
	long		 gid = exercise_review_gid();
	int		 fd;

	(void)state;
	assert_int_equal(exercise_mkdir(d, &cause), 0);
	fd = exercise_create(d, EXERCISE_EVENTS, 1, 1, &cause);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "a\n", 2), 2);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_mode & 07777, gid == -1 ? 0600 : 0640);
	assert_int_equal(st.st_uid, 0);
	if (gid != -1)
		assert_int_equal(st.st_gid, gid);
	close(fd);
	fd = exercise_create(d, EXERCISE_EVENTS, 1, 1, &cause);
	assert_int_equal(write(fd, "b\n", 2), 2);	/* appended */
	close(fd);
	p = exercise_path(d, EXERCISE_EVENTS);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_size, 4);
	free(p);

	fd = exercise_create(d, EXERCISE_ADMIN_BASELINE, 0, 0, &cause);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	close(fd);

	/* A link planted where a file goes: refused, its target untouched. */
	assert_true((fd = mkstemp(target)) >= 0);
	assert_int_equal(write(fd, "untouched", 9), 9);
	close(fd);
	p = exercise_path(d, EXERCISE_KNOWN_HOSTS);
	assert_int_equal(symlink(target, p), 0);
	assert_int_equal(exercise_create(d, EXERCISE_KNOWN_HOSTS, 0, 0,
	    &cause), -1);
	assert_non_null(strstr(cause, "cannot write '"));
	free(cause);
	free(p);
	assert_int_equal(stat(target, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	fd = open(target, O_RDONLY);
	assert_int_equal(read(fd, buf, sizeof buf), 9);
	close(fd);
	unlink(target);
	free(d);
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
setup(void **state)
{
	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	config_set_state_dir(dir);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	return nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tail_lines),
		cmocka_unit_test(test_tail_defanged),
		cmocka_unit_test(test_tail_missing),
		cmocka_unit_test(test_load_missing),
		cmocka_unit_test(test_valid_id),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_save_load),
		cmocka_unit_test(test_forwards),
		cmocka_unit_test(test_variant),
		cmocka_unit_test(test_list_and_remove),
		cmocka_unit_test(test_create),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
