/*
 * cast.h - reading asciicast v2 recordings: breakfix's own (record.h)
 * and anything else that claims the format (asciinema's, edited ones,
 * truncated ones).
 *
 * Recordings are untrusted: every line is bounded (CAST_LINE_MAX), bad
 * JSON and wrong types are reported with the line number, unknown event
 * codes are skipped, and a last line cut short (a crashed writer) is
 * dropped with a note rather than failing the whole file.
 *
 * A recording is read an event at a time (cast_open, cast_next), in
 * memory bounded by its longest line whatever its length: that is how
 * the reviewer's tools read them. cast_load gathers every event of a
 * file in memory, for tests and small files.
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

/* What the reader noticed that a reviewer may want to know. */
struct cast_notes {
	int		 truncated;	/* last line cut short, dropped */
	unsigned long	 skipped;	/* events with unknown codes */
	int		 backwards;	/* some time went backwards */
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

struct cast_file;

/*
 * Open the recording at path and read up to its header. Returns the
 * file (cast_close it), or NULL with *cause naming the file and line
 * ("x.cast:1: not an asciicast version 2 header ...").
 */
struct cast_file *cast_open(const char *path, char **cause);

/*
 * The next event into *ev: returns 1 (ev->data points into f, valid
 * until the next call), 0 at the end of the file, -1 with *cause naming
 * the line. Memory held is at most one line (CAST_LINE_MAX) and a read.
 */
int		 cast_next(struct cast_file *f, struct cast_event *ev,
		    char **cause);

/*
 * Back to the first event. From then on the file is read no further
 * than it had been (so a recording still growing ends where it ended
 * the first time). 0, or -1 with *cause set.
 */
int		 cast_rewind(struct cast_file *f, char **cause);

const struct cast_header *cast_file_header(const struct cast_file *f);
/* What was noticed in the events read so far. */
const struct cast_notes	 *cast_file_notes(const struct cast_file *f);
const char		 *cast_file_path(const struct cast_file *f);

void		 cast_close(struct cast_file *f);

/*
 * Read the whole recording at path into memory. Returns the cast (cast_free it), or
 * NULL with *cause naming the file and line ("x.cast:3: not a JSON
 * array"). Times that go backwards are kept as written and flagged.
 */
struct cast	*cast_load(const char *path, char **cause);

/* The same, for len bytes in memory; name is used in messages. */
struct cast	*cast_parse(const char *name, const char *buf, size_t len,
		    char **cause);

void		 cast_free(struct cast *c);

/*
 * len bytes of valid UTF-8 as a JSON string, quotes included, escaped as
 * asciinema escapes them (the recording's writer uses it). out needs
 * room for 6 * len + 2 bytes. Returns the length written.
 */
size_t		 cast_json_string(char *out, const char *s, size_t len);

#endif
