/*
 * scenario-fixture.c - scenarios written inline in unit tests.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "diag.h"
#include "scenario-fixture.h"

struct scenario *
fixture_scenario(const char *yaml)
{
	struct scenario	*sc;
	struct diag	*d = diag_new("t.yaml");

	sc = scenario_parse("t.yaml", yaml, strlen(yaml), d);
	if (sc == NULL)
		fail_msg("%s", diag_message(d, 0));
	diag_free(d);
	return sc;
}
