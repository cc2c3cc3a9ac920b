/*
 * test_disks.c - a scenario's extra disks: the guest script that
 * prepares them (a golden file), and their files made with the real
 * qemu-img and removed again.
 *
 * UPDATE_GOLDEN=1 rewrites tests/data/disks/disks.sh.
 */
#include <sys/stat.h>

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
#include "disks.h"
#include "exercise.h"
#include "file-fixture.h"
#include "scenario.h"
#include "util.h"

#define FIXTURES	DATADIR "/disks"

static struct scenario *
load(const char *file)
{
	struct diag	*d;
	struct scenario	*sc;
	char		*path;

	xasprintf(&path, "%s/%s", FIXTURES, file);
	d = diag_new(path);
	sc = scenario_load(path, d);
	if (sc == NULL)
		fail_msg("%s: %s", path, diag_message(d, 0));
	diag_free(d);
	free(path);
	return sc;
}

/* Partition, LVM, ext4 and a mount; xfs and a mount; a blank disk. */
static void
test_script_golden(void **state)
{
	struct scenario	*sc = load("disks.yaml");
	char		*got, *want, *path;
	FILE		*fp;

	(void)state;
	assert_int_equal(sc->ndisks, 3);
	got = disks_script(sc->disks, sc->ndisks);
	assert_non_null(got);
	xasprintf(&path, "%s/disks.sh", FIXTURES);
	if (getenv("UPDATE_GOLDEN") != NULL) {
		assert_non_null(fp = fopen(path, "w"));
		fputs(got, fp);
		assert_int_equal(fclose(fp), 0);
	}
	assert_non_null(want = fixture_slurp(path, NULL));
	assert_string_equal(got, want);
	/* The blank disk is waited for, but nothing is done to it. */
	assert_non_null(strstr(got, "wait_dev \"$dev\" spare\n"));
	assert_null(strstr(strstr(got, "# disk spare"), "mkfs"));
	free(want);
	free(got);
	free(path);
	scenario_free(sc);
}

/* Blank disks only: nothing to run in the guest. */
static void
test_script_blank(void **state)
{
	struct scenario	*sc = load("disks.yaml");

	(void)state;
	assert_null(disks_script(sc->disks + 2, 1));
	assert_null(disks_script(sc->disks, 0));
	scenario_free(sc);
}

static void
test_create_remove(void **state)
{
	struct scenario	*sc = load("disks.yaml");
	char		 dir[] = "/tmp/test_disks.XXXXXX", *path, *cause = NULL;
	char		*keep;
	struct stat	 st;
	size_t		 i;
	FILE		*fp;

	(void)state;
	assert_non_null(mkdtemp(dir));
	xasprintf(&keep, "%s/disk.qcow2", dir);
	assert_non_null(fp = fopen(keep, "w"));
	fclose(fp);
	assert_int_equal(disks_create(dir, sc->disks, sc->ndisks, &cause), 0);
	for (i = 0; i < sc->ndisks; i++) {
		path = disks_path(dir, &sc->disks[i]);
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_mode & 07777, 0600);
		/* Sparse: a qcow2 header, not the disk's size. */
		assert_true((uint64_t)st.st_blocks * 512 < (1 << 20));
		free(path);
	}
	/*
	 * The second disk's file is there already: refused; the first,
	 * made on the way, goes again; the one that was there stays.
	 */
	disks_remove(dir);
	path = disks_path(dir, &sc->disks[1]);
	assert_non_null(fp = fopen(path, "w"));
	fclose(fp);
	free(path);
	assert_int_equal(disks_create(dir, sc->disks, sc->ndisks, &cause), -1);
	assert_non_null(strstr(cause, "exists already"));
	free(cause);
	for (i = 0; i < sc->ndisks; i++) {
		path = disks_path(dir, &sc->disks[i]);
		assert_int_equal(access(path, F_OK), i == 1 ? 0 : -1);
		free(path);
	}
	disks_remove(dir);
	/* Removing touches only the extra disks, not the system disk. */
	assert_int_equal(disks_create(dir, sc->disks, sc->ndisks, &cause), 0);
	disks_remove(dir);
	assert_int_equal(access(keep, F_OK), 0);
	/* An exercise directory removed whole takes its extra disks too. */
	assert_int_equal(disks_create(dir, sc->disks, sc->ndisks, &cause), 0);
	exercise_remove_dir(dir);
	assert_int_equal(access(dir, F_OK), -1);
	free(keep);
	scenario_free(sc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_script_golden),
		cmocka_unit_test(test_script_blank),
		cmocka_unit_test(test_create_remove),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
