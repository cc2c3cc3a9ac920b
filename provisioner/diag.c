/*
 * diag.c - problems found in one input file, each with a location.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "util.h"

struct diag_entry {
	unsigned	 line;
	unsigned	 col;
	char		*text;		/* formatted, with the location */
};

struct diag {
	char			*file;
	struct diag_entry	 entries[DIAG_MAX + 1];	/* +1: the summary */
	size_t			 n;
	size_t			 dropped;
	char			*summary;
};

/*
 * Messages quote values from the file, and the file is untrusted: turn
 * control characters (C0, DEL, and C1 in UTF-8) into '?' so that printing
 * a message cannot drive the reader's terminal.
 */
static void
diag_defang(char *s)
{
	unsigned char	*p = (unsigned char *)s;

	for (; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f)
			*p = '?';
		else if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			p[0] = '?';
			p[1] = '?';
			p++;
		}
	}
}

struct diag *
diag_new(const char *file)
{
	struct diag	*d;

	d = xcalloc(1, sizeof *d);
	d->file = xstrdup(file);
	return d;
}

void
diag_free(struct diag *d)
{
	size_t	 i;

	if (d == NULL)
		return;
	for (i = 0; i < d->n; i++)
		free(d->entries[i].text);
	free(d->summary);
	free(d->file);
	free(d);
}

void
diag_add(struct diag *d, unsigned line, unsigned col, const char *fmt, ...)
{
	struct diag_entry	 e;
	va_list			 ap;
	char			*msg;
	size_t			 at;

	if (d->n == DIAG_MAX) {
		d->dropped++;
		return;
	}
	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	diag_defang(msg);
	e.line = line;
	e.col = col;
	if (line == 0)
		xasprintf(&e.text, "%s: %s", d->file, msg);
	else
		xasprintf(&e.text, "%s:%u:%u: %s", d->file, line, col, msg);
	free(msg);

	/* Insert after every entry at or before this position: stable. */
	for (at = d->n; at > 0; at--) {
		const struct diag_entry *p = &d->entries[at - 1];
		if (p->line < line || (p->line == line && p->col <= col))
			break;
	}
	memmove(&d->entries[at + 1], &d->entries[at],
	    (d->n - at) * sizeof d->entries[0]);
	d->entries[at] = e;
	d->n++;
}

size_t
diag_count(const struct diag *d)
{
	return d->n + (d->dropped != 0);
}

const char *
diag_message(const struct diag *d, size_t i)
{
	struct diag	*md = (struct diag *)d;	/* summary is built lazily */

	if (i < d->n)
		return d->entries[i].text;
	if (i == d->n && d->dropped != 0) {
		if (md->summary == NULL)
			xasprintf(&md->summary, "%s: %zu more problems not shown",
			    d->file, d->dropped);
		return d->summary;
	}
	return NULL;
}

const char *
diag_file(const struct diag *d)
{
	return d->file;
}
