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
#include <unistd.h>
#include <cmocka.h>

#include "config.h"
#include "derived.h"
#include "file-fixture.h"
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

static char *
files_name(const struct derived_file *f, size_t n)
{
	struct derived_req	 req = { .base = "debian-12", .files = f,
	    .nfiles = n };
	char			*name = NULL, *cause = NULL;

	assert_true(derived_wanted(&req));
	assert_int_equal(derived_name(&req, &name, &cause), 0);
	return name;
}

/* Files are named by path, content, mode and owners, in any order. */
static void
test_file_names(void **state)
{
	static char	 p1[] = "/srv/a.conf", p2[] = "/srv/b.bin";
	static char	 c1[] = "x=1\n", c2[] = "\0\r\n";
	static char	 root[] = "root", www[] = "www-data";
	struct derived_file f[2] = {
		{ p1, c1, 4, 0644, root, NULL },
		{ p2, c2, 3, 0600, www, www },
	};
	struct derived_file g[2];
	char		*base, *n;

	(void)state;
	base = files_name(f, 2);
	g[0] = f[1];
	g[1] = f[0];
	n = files_name(g, 2);
	assert_string_equal(base, n);
	free(n);
	g[0].len = 2;			/* the bytes after a NUL count */
	n = files_name(g, 2);
	assert_string_not_equal(base, n);
	free(n);
	g[0] = f[1];
	g[0].mode = 0640;
	n = files_name(g, 2);
	assert_string_not_equal(base, n);
	free(n);
	g[0] = f[1];
	g[0].group = NULL;
	n = files_name(g, 2);
	assert_string_not_equal(base, n);
	free(n);
	g[0] = f[1];
	g[0].path = p1;
	g[1].path = p2;
	n = files_name(g, 2);
	assert_string_not_equal(base, n);
	free(n);
	free(base);
}

/*
 * The files reach derive.sh in a directory only root reads, as
 * files.tsv and one file each, and that directory is gone afterwards
 * whether the build worked or not.
 */
static void
test_file_stage(void **state)
{
	static char	 p1[] = "/srv/app/settings.ini", p2[] = "/opt/x y";
	static char	 c1[] = "[main]\nport=8080\n", c2[] = "\x01\0\xff";
	static char	 app[] = "app", adm[] = "adm";
	struct derived_file f[2] = {
		{ p1, c1, sizeof c1 - 1, 0640, app, adm },
		{ p2, c2, 3, 04755, app, NULL },
	};
	struct derived_req req = { .base = "debian-12", .files = f,
	    .nfiles = 2 };
	char		*cmd, *path, *name = NULL, *cause = NULL, *got;
	size_t		 len;
	int		 built;

	(void)state;
	if (geteuid() != 0)
		skip();
	xasprintf(&cmd, "cd '%s' && cp recipes/debian-12/derive.sh saved && "
	    "printf '#!/bin/bash\\nwhile getopts f: o; do s=$OPTARG; done\\n"
	    "stat -c %%%%a \"$s\" >%s/mode && cp -r \"$s\" %s/got && exit 3\\n' "
	    ">recipes/debian-12/derive.sh", tmp, tmp, tmp);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	assert_int_equal(derived_build(&req, 0, &name, &built, &cause), -1);
	assert_non_null(cause);
	free(cause);
	xasprintf(&path, "%s/mode", tmp);
	got = fixture_slurp(path, NULL);
	assert_string_equal(got, "700\n");
	free(got);
	free(path);
	xasprintf(&path, "%s/got/files.tsv", tmp);
	got = fixture_slurp(path, NULL);
	assert_string_equal(got, "0\t/srv/app/settings.ini\t0640\tapp\tadm\n"
	    "1\t/opt/x y\t4755\tapp\t\n");
	free(got);
	free(path);
	xasprintf(&path, "%s/got/1", tmp);
	got = fixture_slurp(path, &len);
	assert_int_equal(len, 3);
	assert_memory_equal(got, c2, 3);
	free(got);
	free(path);
	/* Nothing staged is left beside the images. */
	xasprintf(&cmd, "cd '%s' && test -z \"$(ls -A state/images | grep "
	    "'^\\.files')\" && mv saved recipes/debian-12/derive.sh && rm -r "
	    "got mode", tmp);
	assert_int_equal(system(cmd), 0);
	free(cmd);
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
		cmocka_unit_test(test_file_names),
		cmocka_unit_test(test_file_stage),
		cmocka_unit_test(test_list_remove),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
