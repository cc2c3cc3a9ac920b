/*
 * test_inject.c - the scripts each fault kind becomes, as golden text.
 *
 * Every tests/data/inject/NAME.yaml holds a list of faults; their plans
 * must match NAME.plan byte for byte (UPDATE_GOLDEN=1 rewrites them).
 * The scripts themselves run on real VMs in tests/e2e/ and selftest.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "fault.h"
#include "file-fixture.h"
#include "inject.h"
#include "scenario-fixture.h"
#include "util.h"

#define FIXTURES	DATADIR "/inject"

/* A scenario whose faults are the YAML list text. */
static struct scenario *
scenario_with(const char *faults)
{
	struct scenario	*sc;
	char		*yaml;

	xasprintf(&yaml, "name: t\ntitle: t\nbriefing: b\nsolution: s\n"
	    "checks: [{id: c, describe: d, run: 'true'}]\nfaults:\n%s",
	    faults);
	sc = fixture_scenario(yaml);
	free(yaml);
	return sc;
}

static void
add_section(char **text, const char *name, const char *body)
{
	char	*more;

	if (body == NULL)
		return;
	xasprintf(&more, "%s--- %s\n%s%s", *text, name, body,
	    body[0] != '\0' && body[strlen(body) - 1] == '\n' ? "" : "\n");
	free(*text);
	*text = more;
}

/* The plans of every fault in the fixture, as one text. */
static char *
plans_of(const char *yaml, const char ***kinds, size_t *nkinds)
{
	struct scenario		*sc = scenario_with(yaml);
	struct inject_plan	 p;
	char			*text = xstrdup(""), *more, *cause = NULL;
	size_t			 i;

	for (i = 0; i < sc->nfaults; i++) {
		if (inject_plan(&sc->faults[i], &p, &cause) != 0)
			fail_msg("%s", cause);
		xasprintf(&more, "%s### %s (%s)\n", text, sc->faults[i].id,
		    sc->faults[i].kind->name);
		free(text);
		text = more;
		add_section(&text, "apply", p.apply);
		add_section(&text, "proof", p.proof);
		add_section(&text, "input", p.input);
		inject_plan_release(&p);
		*kinds = xreallocarray(*kinds, *nkinds + 1, sizeof **kinds);
		(*kinds)[(*nkinds)++] = sc->faults[i].kind->name;
	}
	scenario_free(sc);
	return text;
}

static void
test_golden(void **state)
{
	DIR		*dir = opendir(FIXTURES);
	struct dirent	*e;
	const char	**kinds = NULL;
	const char *const *names = fault_kind_names();
	size_t		 nkinds = 0, nfiles = 0, i, j, len;
	char		*path, *golden, *yaml, *got, *want;
	int		 update = getenv("UPDATE_GOLDEN") != NULL;
	FILE		*f;

	(void)state;
	assert_non_null(dir);
	while ((e = readdir(dir)) != NULL) {
		len = strlen(e->d_name);
		if (len < 6 || strcmp(e->d_name + len - 5, ".yaml") != 0)
			continue;
		nfiles++;
		xasprintf(&path, "%s/%s", FIXTURES, e->d_name);
		xasprintf(&golden, "%s/%.*s.plan", FIXTURES, (int)len - 5,
		    e->d_name);
		assert_non_null(yaml = fixture_slurp(path, NULL));
		got = plans_of(yaml, &kinds, &nkinds);
		if (update) {
			assert_non_null(f = fopen(golden, "w"));
			fputs(got, f);
			fclose(f);
		}
		if ((want = fixture_slurp(golden, NULL)) == NULL)
			fail_msg("%s: missing (UPDATE_GOLDEN=1 makes it)",
			    golden);
		if (strcmp(got, want) != 0) {
			fprintf(stderr, "%s differs; got:\n%s", golden, got);
			fail();
		}
		free(want);
		free(got);
		free(yaml);
		free(path);
		free(golden);
	}
	closedir(dir);
	assert_true(nfiles > 0);

	/* Every kind has at least one golden plan. */
	for (i = 0; names[i] != NULL; i++) {
		for (j = 0; j < nkinds; j++) {
			if (strcmp(kinds[j], names[i]) == 0)
				break;
		}
		if (j == nkinds)
			fail_msg("no fixture in %s uses kind '%s'", FIXTURES,
			    names[i]);
	}
	free(kinds);
}

/* What the old plan functions produced must not drift for file. */
static void
test_file_shape(void **state)
{
	struct scenario		*sc;
	struct inject_plan	 p;
	char			*cause = NULL;

	(void)state;
	sc = scenario_with("  - {id: f, kind: file, path: \"/etc/it's\", "
	    "content: \"x\\n\", mode: '0600', owner: www-data}\n");
	assert_int_equal(inject_plan(&sc->faults[0], &p, &cause), 0);
	assert_string_equal(p.apply, "set -e\n"
	    "p='/etc/it'\\''s'\n"
	    "mkdir -p -- \"$(dirname -- \"$p\")\"\n"
	    "t=$(mktemp -- \"$p.XXXXXX\")\n"
	    "cat >\"$t\"\n"
	    "chown -- 'www-data' \"$t\"\n"
	    "chmod -- 0600 \"$t\"\n"
	    "mv -f -- \"$t\" \"$p\"\n");
	assert_string_equal(p.input, "x\n");
	assert_non_null(strstr(p.proof, "$((00600))"));
	inject_plan_release(&p);
	scenario_free(sc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_file_shape),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
