/*
 * fuzz_cast.c - libFuzzer harness for the asciicast reader.
 *
 * Any bytes must give either a cast that keeps cast.h's promises or an
 * error naming the file, never a crash, a leak or a hang; cast_load
 * (which reads in pieces) must agree with cast_parse (one buffer); and
 * the player must write any cast out without trouble.
 */
#include <sys/mman.h>

#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cast.h"
#include "player.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int	 memfd = -1, devnull = -1;
static char	 path[64];

static void
check(const struct cast *c)
{
	size_t	 i;

	if (c->header.version != 2 || c->header.width < 1 ||
	    c->header.width > 10000 || c->header.height < 1 ||
	    c->header.height > 10000 || !(c->header.idle_time_limit >= 0))
		abort();
	for (i = 0; i < c->nevents; i++) {
		if (!(c->events[i].time >= 0) || !isfinite(c->events[i].time) ||
		    c->events[i].code > CAST_MARKER ||
		    c->events[i].data[c->events[i].len] != '\0' ||
		    c->events[i].line < 2 ||
		    (i > 0 && c->events[i].line <= c->events[i - 1].line))
			abort();
	}
}

static void
same(const struct cast *a, const struct cast *b)
{
	size_t	 i;

	if (a->nevents != b->nevents || a->truncated != b->truncated ||
	    a->skipped != b->skipped || a->backwards != b->backwards)
		abort();
	for (i = 0; i < a->nevents; i++) {
		if (a->events[i].len != b->events[i].len ||
		    a->events[i].line != b->events[i].line ||
		    memcmp(a->events[i].data, b->events[i].data,
		    a->events[i].len) != 0)
			abort();
	}
}

/* The same bytes read from a file, in pieces. */
static struct cast *
load(const uint8_t *data, size_t size, char **cause)
{
	if (memfd == -1) {
		if ((memfd = memfd_create("cast", 0)) == -1 ||
		    (devnull = open("/dev/null", O_WRONLY)) == -1)
			abort();
		snprintf(path, sizeof path, "/proc/self/fd/%d", memfd);
	}
	if (ftruncate(memfd, 0) != 0 ||
	    pwrite(memfd, data, size, 0) != (ssize_t)size)
		abort();
	return cast_load(path, cause);
}

static void
play(const struct cast *c)
{
	struct player_opts	 o = { 1, 2, 0.5, 100 };
	struct player		*p = player_new(c, &o);
	char			*cause = NULL;

	if (player_dump(p, devnull, &cause) != 0)
		abort();
	player_free(p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cast	*a, *b;
	char		*ca = NULL, *cb = NULL;

	b = load(data, size, &cb);
	a = cast_parse(path, (const char *)data, size, &ca);
	if ((a == NULL) != (ca != NULL) || (b == NULL) != (cb != NULL) ||
	    (a == NULL) != (b == NULL))
		abort();
	if (a == NULL) {
		if (strcmp(ca, cb) != 0 || strncmp(ca, path, strlen(path)) != 0)
			abort();
	} else {
		check(a);
		same(a, b);
		play(a);
	}
	cast_free(a);
	cast_free(b);
	free(ca);
	free(cb);
	return 0;
}
