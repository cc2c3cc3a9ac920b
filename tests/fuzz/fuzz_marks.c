/*
 * fuzz_marks.c - libFuzzer harness for the marks scanner.
 *
 * Any output bytes, fed whole or in chunks split anywhere, must give the
 * same commands log, every line of it a JSON object with the five keys,
 * and never a crash, a leak or a hang. The first two bytes of the input
 * seed the chunk sizes; the rest is the VM's output.
 */
#include <sys/mman.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "marks.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int	 fds[2] = { -1, -1 };

static int
log_fd(int i)
{
	if (fds[i] == -1 && (fds[i] = memfd_create("marks", 0)) == -1)
		abort();
	if (ftruncate(fds[i], 0) != 0 || lseek(fds[i], 0, SEEK_SET) != 0)
		abort();
	return fds[i];
}

static char *
slurp(int fd, size_t *len)
{
	off_t	 size = lseek(fd, 0, SEEK_CUR);
	char	*buf = xmalloc((size_t)size + 1);

	if (pread(fd, buf, (size_t)size, 0) != size)
		abort();
	buf[size] = '\0';
	*len = (size_t)size;
	return buf;
}

/* Every line is {"start", "end", "duration", "exit", "command"}. */
static void
check_lines(char *buf)
{
	json_t	*j;
	char	*line, *nl;

	for (line = buf; *line != '\0'; line = nl + 1) {
		if ((nl = strchr(line, '\n')) == NULL)
			abort();
		*nl = '\0';
		if ((j = json_loads(line, JSON_DECODE_ANY, NULL)) == NULL ||
		    !json_is_object(j) || json_object_size(j) != 5 ||
		    !json_is_real(json_object_get(j, "start")) ||
		    json_object_get(j, "command") == NULL)
			abort();
		json_decref(j);
	}
}

static void
feed(struct marks *m, double t, const uint8_t *p, size_t len)
{
	char	*cause = NULL;

	if (marks_feed(m, t, p, len, &cause) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct marks	*whole, *split;
	uint32_t	 seed;
	size_t		 off, n, len[2];
	char		*out[2], *cause = NULL;

	if (size < 2)
		return 0;
	seed = (uint32_t)data[0] << 8 | data[1] | 1;
	data += 2;
	size -= 2;

	whole = marks_new(log_fd(0));
	split = marks_new(log_fd(1));
	feed(whole, 1.5, data, size);
	for (off = 0; off < size; off += n) {
		seed ^= seed << 13;
		seed ^= seed >> 17;
		seed ^= seed << 5;
		n = seed % 67;		/* 0 too: an empty chunk is fine */
		if (n > size - off)
			n = size - off;
		feed(split, 1.5, data + off, n);
	}
	if (marks_close(whole, &cause) != 0 || marks_close(split, &cause) != 0)
		abort();

	out[0] = slurp(fds[0], &len[0]);
	out[1] = slurp(fds[1], &len[1]);
	if (len[0] != len[1] || memcmp(out[0], out[1], len[0]) != 0)
		abort();
	check_lines(out[0]);
	free(out[0]);
	free(out[1]);
	return 0;
}
