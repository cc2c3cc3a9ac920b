/*
 * file-fixture.h - what every unit test shares: reading its data files
 * whole, and how far past a deadline counts as not honouring it.
 */
#ifndef BREAKFIX_FILE_FIXTURE_H
#define BREAKFIX_FILE_FIXTURE_H

#include <stddef.h>

/*
 * Past a deadline by this much, a wait was not honoured. Generous: a
 * test's verdict must not depend on how loaded the machine is (the
 * figures themselves belong in bench/).
 */
#define HANG_MS		10000

/*
 * The whole file at path, NUL-terminated (caller frees), its length in
 * *len when len is not NULL; NULL if it cannot be opened. A read error
 * fails the test.
 */
char	*fixture_slurp(const char *path, size_t *len);

#endif
