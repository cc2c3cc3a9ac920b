/*
 * file-fixture.c - reading a test's data files whole.
 */
#include <sys/types.h>

#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <unistd.h>
#include <cmocka.h>

#include "file-fixture.h"
#include "util.h"

char *
fixture_slurp(const char *path, size_t *len)
{
	char	*buf = NULL;
	size_t	 size = 0, n = 0;
	ssize_t	 got;
	int	 fd;

	if ((fd = open(path, O_RDONLY)) == -1)
		return NULL;
	for (;;) {
		if (n == size)
			buf = xreallocarray(buf, size = size * 2 + 4096, 1);
		if ((got = read(fd, buf + n, size - n)) <= 0)
			break;
		n += (size_t)got;
	}
	assert_int_equal(got, 0);
	close(fd);
	buf = xreallocarray(buf, n + 1, 1);
	buf[n] = '\0';
	if (len != NULL)
		*len = n;
	return buf;
}
