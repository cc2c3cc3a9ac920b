/*
 * fuzz_cast.c - libFuzzer harness for the asciicast reader.
 *
 * Any bytes must give either a cast that keeps cast.h's promises or an
 * error naming the file, never a crash, a leak or a hang; cast_load
 * (which reads in pieces) must agree with cast_parse (one buffer); the
 * player must write any cast out without trouble; and the commands
 * rebuilt from its keys must be UTF-8 that escape.h shows on one line,
 * with nothing for a terminal to obey.
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
#include "commands.h"
#include "escape.h"
#include "player.h"
#include "utf8.h"

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

/* The file played with no delays, read as the player reads it. */
static void
play(void)
{
	struct player_opts	 o = { 1, 2, 0.5, 100 };
	struct cast_file	*f;
	struct player		*p;
	char			*cause = NULL;

	if ((f = cast_open(path, &cause)) == NULL ||
	    (p = player_new(f, &o, &cause)) == NULL ||
	    player_dump(p, devnull, &cause) != 0)
		abort();
	player_free(p);
	cast_close(f);
}

/* s is well-formed UTF-8; shown, with no C0 control, DEL or C1 control. */
static void
text(const char *s, int shown)
{
	size_t	 len = strlen(s), n, i;

	for (i = 0; i < len; i += n) {
		if ((n = utf8_char(s + i, len - i)) == 0)
			abort();
		if (shown && ((n == 1 && ((unsigned char)s[i] < 0x20 ||
		    s[i] == 0x7f)) || (n == 2 && (unsigned char)s[i] == 0xc2 &&
		    (unsigned char)s[i + 1] < 0xa0)))
			abort();
	}
}

static void
commands(const struct cast *c)
{
	struct command	*v;
	char		*s;
	size_t		 n, i;

	commands_from_input(c, &v, &n);
	for (i = 0; i < n; i++) {
		text(v[i].text, 0);
		text(s = escape_text(v[i].text), 1);
		free(s);
		text(s = escape_markdown_code(v[i].text), 1);
		free(s);
	}
	commands_free(v, n);
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
		play();
		commands(a);
	}
	cast_free(a);
	cast_free(b);
	free(ca);
	free(cb);
	return 0;
}
