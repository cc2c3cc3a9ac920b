/*
 * scenario-fixture.h - scenarios written inline in unit tests.
 */
#ifndef BREAKFIX_SCENARIO_FIXTURE_H
#define BREAKFIX_SCENARIO_FIXTURE_H

#include "scenario.h"

/*
 * Parse yaml (a whole scenario) as "t.yaml"; the test fails with the
 * first problem if it is not valid. Caller frees with scenario_free.
 */
struct scenario	*fixture_scenario(const char *yaml);

#endif
