/*
 * fuzz_scenario.c - libFuzzer harness for the scenario reader.
 *
 * Any input must yield either a scenario or at least one problem, never
 * a crash, a leak or a hang.
 */
#include <stdint.h>
#include <stdlib.h>

#include "diag.h"
#include "scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scenario	*sc;
	struct diag	*d;

	d = diag_new("fuzz.yaml");
	sc = scenario_parse("fuzz.yaml", (const char *)data, size, d);
	if ((sc == NULL) == (diag_count(d) == 0))
		abort();
	scenario_free(sc);
	diag_free(d);
	return 0;
}
