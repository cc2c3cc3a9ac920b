/*
 * test_derived.c - derived images: package names, names by content,
 * listing and removing, on a state directory and recipe made here.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "config.h"
#include "derived.h"
#include "util.h"

static char	 tmp[] = "/tmp/test_derived.XXXXXX";

static void
put(const char *path, const char *text)
{
	FILE	*f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* A built base image (its disk's sha256 "aa") and a recipe. */
static int
setup(void **state)
{
	char	*cmd;

	(void)state;
	assert_non_null(mkdtemp(tmp));
	xasprintf(&cmd, "cd '%s' && mkdir -p state/images/debian-12 "
	    "recipes/debian-12 && cd state/images/debian-12 && touch "
	    "disk.qcow2 vmlinuz initrd.img && printf '#!/bin/sh\\nexit 1\\n' "
	    ">../../../recipes/debian-12/derive.sh && chmod 755 "
	    "../../../recipes/debian-12/derive.sh", tmp);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	xasprintf(&cmd, "%s/state/images/debian-12/manifest.json", tmp);
	put(cmd, "{\"disk\": {\"path\": \"disk.qcow2\", \"sha256\": \"aa\"}, "
	    "\"kernel\": {\"path\": \"vmlinuz\"}, \"initrd\": {\"path\": "
	    "\"initrd.img\"}}\n");
	free(cmd);
	xasprintf(&cmd, "%s/state", tmp);
	config_set_state_dir(cmd);
	free(cmd);
	xasprintf(&cmd, "%s/recipes", tmp);
	setenv("BREAKFIX_RECIPES", cmd, 1);
	free(cmd);
	return 0;
}

static int
teardown(void **state)
{
	char	*cmd;

	(void)state;
	xasprintf(&cmd, "rm -rf '%s'", tmp);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	return 0;
}

static void
test_package_names(void **state)
{
	(void)state;
	assert_true(derived_valid_package("rsync"));
	assert_true(derived_valid_package("postgresql-15"));
	assert_true(derived_valid_package("g++"));
	assert_true(derived_valid_package("0ad"));
	assert_false(derived_valid_package("r"));
	assert_false(derived_valid_package("Rsync"));
	assert_false(derived_valid_package("-rsync"));
	assert_false(derived_valid_package("rsync;reboot"));
	assert_false(derived_valid_package("a b"));
	assert_false(derived_valid_package("rsync\n"));
	assert_false(derived_valid_package(
	    "a23456789012345678901234567890123456789012345678901234567890123"
	    "45"));
}

static char *
name_of(char **install, size_t ni, char **mirror, size_t nm)
{
	struct derived_req	 req = { .base = "debian-12", .install = install,
	    .ninstall = ni, .mirror = mirror, .nmirror = nm };
	char			*name = NULL, *cause = NULL;

	assert_int_equal(derived_name(&req, &name, &cause), 0);
	assert_null(cause);
	return name;
}

/* Container images are part of the request: another name for each. */
static void
test_container_names(const char *plain)
{
	static char	 r[] = "rsync", p[] = "podman";
	static char	 c1[] = "web:1.4=busybox-static";
	static char	 c2[] = "web:1.5=busybox-static";
	char		*a[] = { r, p }, *x[] = { c1 }, *y[] = { c2 };
	char		*n[3], *cause = NULL;
	struct derived_req req = { .base = "debian-12", .install = a,
	    .ninstall = 2, .containers = x, .ncontainers = 1 };
	size_t		 i;

	assert_int_equal(derived_name(&req, &n[0], &cause), 0);
	req.containers = y;
	assert_int_equal(derived_name(&req, &n[1], &cause), 0);
	req.ncontainers = 0;
	assert_int_equal(derived_name(&req, &n[2], &cause), 0);
	assert_string_not_equal(n[0], n[1]);
	assert_string_not_equal(n[0], n[2]);
	assert_string_not_equal(n[0], plain);
	assert_true(derived_wanted(&(struct derived_req){ .base = "debian-12",
	    .containers = x, .ncontainers = 1 }));
	for (i = 0; i < nitems(n); i++)
		free(n[i]);

	assert_true(derived_valid_container("shop-web", 0));
	assert_true(derived_valid_container("a.b_c", 0));
	assert_false(derived_valid_container("Shop", 0));
	assert_false(derived_valid_container("-x", 0));
	assert_false(derived_valid_container("a/b", 0));
	assert_false(derived_valid_container("a:b", 0));
	assert_false(derived_valid_container("", 0));
	assert_false(derived_valid_container("web-", 0));
	assert_false(derived_valid_container("a..b", 0));
	assert_false(derived_valid_container("a___b", 0));
	assert_true(derived_valid_container("a__b--c", 0));
	assert_true(derived_valid_container("1.4", 1));
	assert_true(derived_valid_container("Latest_2", 1));
	assert_false(derived_valid_container(".x", 1));
	assert_false(derived_valid_container("a=b", 1));
	assert_false(derived_valid_container("a,b", 1));
}

/* Same request in any order, duplicates or not: one name. */
static void
test_names(void **state)
{
	static char	 r[] = "rsync", p[] = "postgresql";
	char		*a[] = { r, p }, *b[] = { p, r, r }, *m[] = { r };
	char		*n1, *n2, *n3, *n4;

	(void)state;
	n1 = name_of(a, 2, NULL, 0);
	n2 = name_of(b, 3, NULL, 0);
	n3 = name_of(a, 2, m, 1);
	n4 = name_of(m, 1, a, 2);
	assert_int_equal(strncmp(n1, "debian-12+", 10), 0);
	assert_int_equal(strlen(n1), 22);
	assert_true(derived_is_name(n1));
	assert_string_equal(n1, n2);
	assert_string_not_equal(n1, n3);
	assert_string_not_equal(n3, n4);
	assert_false(derived_is_name("debian-12"));
	assert_false(derived_is_name("../x+0123456789ab"));
	free(n2);
	free(n3);
	free(n4);
	n2 = n3 = n4 = NULL;
	test_container_names(n1);
	assert_false(derived_is_name("debian-12+0123456789AB"));
	free(n1);
}

static void
test_list_remove(void **state)
{
	struct derived_info	*v = NULL;
	char			*cmd, *cause = NULL;
	size_t			 n;

	(void)state;
	xasprintf(&cmd, "cd '%s/state/images' && mkdir debian-12+0123456789ab "
	    "&& touch debian-12+0123456789ab/disk.qcow2 "
	    ".debian-12+0123456789ab.lock", tmp);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	assert_int_equal(derived_list(&v, &n, &cause), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].name, "debian-12+0123456789ab");
	assert_true(v[0].stale);		/* no manifest: not usable */
	derived_list_free(v, n);
	assert_int_equal(derived_remove("debian-12", &cause), -1);
	free(cause);
	cause = NULL;
	assert_int_equal(derived_remove("debian-12+0123456789ab", &cause), 0);
	assert_int_equal(derived_list(&v, &n, &cause), 0);
	assert_int_equal(n, 0);
	derived_list_free(v, n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_package_names),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_list_remove),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
