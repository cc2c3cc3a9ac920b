/*
 * cast.h - reading asciicast v2 recordings: breakfix's own (record.h)
 * and anything else that claims the format (asciinema's, edited ones,
 * truncated ones).
 *
 * Recordings are untrusted: every line is bounded (CAST_LINE_MAX), bad
 * JSON and wrong types are reported with the line number, unknown event
 * codes are skipped, and a last line cut short (a crashed writer) is
 * dropped with a note rather than failing the whole file.
 */
#ifndef BREAKFIX_CAST_H
#define BREAKFIX_CAST_H

#include <stddef.h>
#include <time.h>

#define CAST_LINE_MAX	(8 * 1024 * 1024)	/* longest line read */

struct cast_header {
	unsigned	 version;	/* always 2 */
	unsigned	 width, height;
	time_t		 timestamp;	/* 0 if absent */
	double		 idle_time_limit; /* 0 if absent */
	char		*title;		/* NULL if absent */
	char		*term;		/* env.TERM, NULL if absent */
	char		*shell;		/* env.SHELL, NULL if absent */
};

enum cast_code {
	CAST_OUTPUT,	/* "o" */
	CAST_INPUT,	/* "i" */
	CAST_RESIZE,	/* "r": data "WxH" */
	CAST_MARKER,	/* "m" */
};

struct cast_event {
	double		 time;		/* seconds from the start */
	enum cast_code	 code;
	char		*data;		/* UTF-8, NUL-terminated */
	size_t		 len;		/* bytes in data (may hold NULs) */
	unsigned long	 line;		/* 1-based line in the file */
};

struct cast {
	char			*path;
	struct cast_header	 header;
	struct cast_event	*events;
	size_t			 nevents;
	int			 truncated;	/* last line cut short, dropped */
	unsigned long		 skipped;	/* events with unknown codes */
	int			 backwards;	/* some time went backwards */
};

/*
 * Read the whole recording at path. Returns the cast (cast_free it), or
 * NULL with *cause naming the file and line ("x.cast:3: not a JSON
 * array"). Times that go backwards are kept as written and flagged.
 */
struct cast	*cast_load(const char *path, char **cause);

/* The same, for len bytes in memory; name is used in messages. */
struct cast	*cast_parse(const char *name, const char *buf, size_t len,
		    char **cause);

void		 cast_free(struct cast *c);

#endif
