/*
 * file-fixture.h - reading a test's data files whole.
 */
#ifndef BREAKFIX_FILE_FIXTURE_H
#define BREAKFIX_FILE_FIXTURE_H

#include <stddef.h>

/*
 * The whole file at path, NUL-terminated (caller frees), its length in
 * *len when len is not NULL; NULL if it cannot be opened. A read error
 * fails the test.
 */
char	*fixture_slurp(const char *path, size_t *len);

#endif
