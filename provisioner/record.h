/*
 * record.h - session recordings: asciicast v2 files with a keyed hash
 * chain beside them.
 *
 * A recording is two files: PATH, an asciicast v2 file any player reads
 * unchanged, and PATH.chain, one HMAC-SHA256 a line over PATH's lines, so
 * that a reviewer holding the key can tell an intact recording from an
 * edited one. docs/recording-format.md describes both for tool writers.
 *
 * Every event is written with one write(2) of a whole line as it happens
 * and both files are fsync'd at least once a second while events arrive
 * (and from record_sync), so a writer killed at any moment leaves a valid
 * asciicast up to its last line.
 *
 * Bytes are turned into text as asciinema does: valid UTF-8 is kept, an
 * incomplete sequence at the end of a chunk waits for the next chunk of
 * the same stream (output and input each have their own), and bytes that
 * cannot be UTF-8 become U+FFFD, one per maximal ill-formed subpart.
 *
 * A struct record is not thread-safe; one writer per recording.
 */
#ifndef BREAKFIX_RECORD_H
#define BREAKFIX_RECORD_H

#include <stddef.h>
#include <time.h>

#define RECORD_CHAIN_SUFFIX	".chain"
#define RECORD_DIGEST_LEN	32	/* HMAC-SHA256 */
#define RECORD_SYNC_MS		1000	/* longest time between fsyncs */

struct record;

struct record_header {
	unsigned	 width, height;
	time_t		 timestamp;	/* session start, Unix time; 0: now */
	const char	*term;		/* env TERM, may be NULL */
	const char	*shell;		/* env SHELL, may be NULL */
	const char	*title;		/* "exercise ID: candidate NAME", or NULL */
};

/*
 * Create path (O_EXCL, mode 0640) and path.chain beside it and write the
 * header line. Strings in h may hold any bytes (they are made UTF-8 as
 * event data is); h need not outlive the call. key/keylen is the HMAC
 * key for the chain (copied; keylen must not be 0). Event times count
 * from this call, on the monotonic clock.
 *
 * Returns the recording (record_close it), or NULL with *cause set;
 * on failure neither file is left behind.
 */
struct record	*record_open(const char *path, const struct record_header *h,
		    const unsigned char *key, size_t keylen, char **cause);

/*
 * Record len bytes the candidate saw ("o") or typed ("i"). A trailing
 * incomplete UTF-8 sequence is held back for the next call on the same
 * stream; a call that leaves no whole character writes no line.
 *
 * Return 0, or -1 with *cause set. After a failed write or fsync the
 * recording is broken: every later call fails too, and record_close
 * writes no end line (what was written still verifies, as cut short).
 */
int		 record_output(struct record *r, const void *buf, size_t len,
		    char **cause);
int		 record_input(struct record *r, const void *buf, size_t len,
		    char **cause);

/* A terminal resize: an "r" event with data "WxH". 0, or -1 and *cause. */
int		 record_resize(struct record *r, unsigned width,
		    unsigned height, char **cause);

/*
 * A marker ("m" event) labelled label (any bytes, NULL for ""), for
 * things that happened outside the terminal: "check web-up passed".
 * 0, or -1 and *cause.
 */
int		 record_marker(struct record *r, const char *label,
		    char **cause);

/*
 * fsync both files if something was written and at least RECORD_SYNC_MS
 * passed since the last fsync; cheap otherwise, so call it from a poll
 * loop (the event functions call it too). 0, or -1 and *cause.
 */
int		 record_sync(struct record *r, char **cause);

/*
 * Finish the recording: held-back partial UTF-8 sequences are written as
 * U+FFFD, the chain gets its end line, both files are fsync'd, closed and
 * r is freed whatever happens. r may be NULL. Returns 0, or -1 with
 * *cause set (the recording is then incomplete or broken).
 */
int		 record_close(struct record *r, char **cause);

/* The number of lines written to the .cast so far (the header is 1). */
unsigned long long record_lines(const struct record *r);

/*
 * Check path against path.chain with key. Never trusts either file:
 * lines of any length and any bytes are fine.
 *
 * Returns 0 if every line of path is the one the chain vouches for;
 * *complete is then 1 if the chain has its end line, 0 if the recording
 * was cut short (a writer that crashed or was killed: what is there is
 * authentic, but may not be the whole session). Returns 1 if the
 * recording was altered or its chain is missing or damaged, with *cause
 * saying how, naming the first .cast line (1-based) that differs:
 * "line 17 does not match its chain entry", "no chain file". Returns -1
 * with *cause set if a file cannot be read. *complete is 0 unless 0 is
 * returned for a finished recording.
 */
int		 record_verify(const char *path, const unsigned char *key,
		    size_t keylen, int *complete, char **cause);

#endif
