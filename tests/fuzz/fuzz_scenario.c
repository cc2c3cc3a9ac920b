/*
 * fuzz_scenario.c - libFuzzer harness for the scenario reader.
 *
 * Any input must yield either a scenario or at least one problem, never
 * a crash, a leak or a hang: read as its default variant, and as the
 * variant of a seed taken from its size (variables.h).
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
	int		 i;

	for (i = 0; i < 2; i++) {
		d = diag_new("fuzz.yaml");
		sc = scenario_parse_variant("fuzz.yaml", (const char *)data,
		    size, i == 0 ? SCENARIO_SEED_DEFAULT : (int64_t)size, d);
		if ((sc == NULL) == (diag_count(d) == 0))
			abort();
		scenario_free(sc);
		diag_free(d);
	}
	return 0;
}
