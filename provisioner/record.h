/*
 * record.h - session recordings: asciicast v2 files with a keyed hash
 * chain beside them.
 *
 * A recording is two files: PATH, an asciicast v2 file any player reads
 * unchanged, and PATH.chain, one HMAC-SHA256 a line over PATH's lines
 * (chain.h), so that a reviewer holding the key can tell an intact
 * recording from an edited one (verify.h). docs/recording-format.md
 * describes both for tool writers.
 *
 * Every event is written with one write(2) of a whole line as it happens
 * and both files are fsync'd at least once a second while events arrive
 * (and from record_sync), so a writer killed at any moment leaves a valid
 * asciicast up to its last line.
 *
 * Bytes are turned into text as asciinema does (utf8.h): valid UTF-8 is
 * kept, an incomplete sequence at the end of a chunk waits for the next
 * chunk of the same stream (output and input each have their own), and
 * bytes that cannot be UTF-8 become U+FFFD, one per maximal ill-formed
 * subpart.
 *
 * A struct record is not thread-safe; one writer per recording.
 */
#ifndef BREAKFIX_RECORD_H
#define BREAKFIX_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define RECORD_SYNC_MS		1000	/* longest time between fsyncs */

/*
 * Caps, in bytes on disk: a line in the .cast (JSON escaping can make
 * one byte of a stream six) and its entry in the .chain (65). Output
 * ("o") past its cap is counted, not written; input ("i", and "r"
 * resizes) is never left out, so past its cap the caller must stop
 * passing it on. docs/recording-format.md has the figures and why.
 */
#define RECORD_OUTPUT_MAX	(64ULL << 20)	/* default, for "o" lines */
#define RECORD_INPUT_MAX	(16ULL << 20)	/* "i" and "r" lines */
#define RECORD_EVENT_MAX	(64 * 1024)	/* bytes of a stream in one
						   event: no line is longer
						   than 6 times that */
#define RECORD_FULL		1	/* input over its cap: not recorded */

/* The labels of the writer's own markers ("m" events). */
#define RECORD_ELIDED_FROM	"output elided from here"
#define RECORD_ELIDED		"output elided"	/* ": N bytes not recorded" */
#define RECORD_INPUT_FULL	"input over its cap"

struct record;

struct record_header {
	unsigned	 width, height;
	time_t		 timestamp;	/* session start, Unix time; 0: now */
	const char	*term;		/* env TERM, may be NULL */
	const char	*shell;		/* env SHELL, may be NULL */
	const char	*title;		/* "exercise ID: candidate NAME", or NULL */
};

/*
 * Create path (O_EXCL, mode 0640) and path.chain (CHAIN_SUFFIX) beside
 * it and write the header line. Strings in h may hold any bytes (they
 * are made UTF-8 as event data is); h need not outlive the call.
 * key/keylen is the HMAC key for the chain (copied; keylen must not be
 * 0). Event times count from this call, on the monotonic clock.
 *
 * Returns the recording (record_close it), or NULL with *cause set;
 * on failure neither file is left behind.
 */
struct record	*record_open(const char *path, const struct record_header *h,
		    const unsigned char *key, size_t keylen, char **cause);

/*
 * The same on files someone else made: fd for the .cast and chain_fd
 * for its chain, open for writing and empty; both are taken (closed by
 * record_close, or here on failure). path names them in messages.
 */
struct record	*record_open_fds(const char *path, int fd, int chain_fd,
		    const struct record_header *h, const unsigned char *key,
		    size_t keylen, char **cause);

/*
 * Record len bytes the candidate saw ("o") or typed ("i"). A trailing
 * incomplete UTF-8 sequence is held back for the next call on the same
 * stream; a call that leaves no whole character writes no line. A
 * chunk longer than RECORD_EVENT_MAX is written as several events.
 *
 * Output that would take the "o" lines past their cap is not written:
 * a marker RECORD_ELIDED_FROM says so once, the bytes are counted from
 * then on (record_elided), and record_finish writes how many in a
 * marker RECORD_ELIDED. Input that would take the "i" and "r" lines past
 * theirs is not written either: a marker RECORD_INPUT_FULL, and
 * RECORD_FULL returned for it and every later input and resize. The
 * caller must not pass such input on: everything passed on is recorded.
 *
 * Return 0 (RECORD_FULL as above), or -1 with *cause set. After a failed
 * write or fsync the recording is broken: every later call fails too,
 * and record_close writes no end line (what was written still verifies,
 * as cut short).
 */
int		 record_output(struct record *r, const void *buf, size_t len,
		    char **cause);
int		 record_input(struct record *r, const void *buf, size_t len,
		    char **cause);

/*
 * A terminal resize: an "r" event with data "WxH", under the input's
 * cap. 0, RECORD_FULL, or -1 and *cause.
 */
int		 record_resize(struct record *r, unsigned width,
		    unsigned height, char **cause);

/*
 * A marker ("m" event) labelled label (any bytes, NULL for ""), for
 * things that happened outside the terminal: "check web-up passed".
 * Markers are under no cap: the caller's are few. 0, or -1 and *cause.
 */
int		 record_marker(struct record *r, const char *label,
		    char **cause);

/*
 * The caps of r's "o" lines and of its "i" and "r" lines, in bytes of
 * the .cast and the .chain (RECORD_OUTPUT_MAX and RECORD_INPUT_MAX
 * unless set); before the first event.
 */
void		 record_set_caps(struct record *r, uint64_t output_max,
		    uint64_t input_max);

/* Bytes of output not recorded so far, past the cap. */
uint64_t	 record_elided(const struct record *r);

/*
 * Is label one of the writer's markers about output left out? Returns
 * RECORD_MARK_FROM (output is left out from its time on),
 * RECORD_MARK_COUNT with *bytes set (how much was, at the end), or 0.
 */
#define RECORD_MARK_FROM	1
#define RECORD_MARK_COUNT	2
int		 record_marker_elided(const char *label, uint64_t *bytes);

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

/*
 * The same, saying what the finished recording holds: *n lines, the
 * last with chain digest head (CHAIN_DIGEST_LEN bytes), as seal.h
 * seals it. *n is 0 unless 0 is returned.
 */
int		 record_finish(struct record *r, uint64_t *n,
		    unsigned char *head, char **cause);

/* The number of lines written to the .cast so far (the header is 1). */
unsigned long long record_lines(const struct record *r);

/*
 * What was on disk at the last fsync: returns its number of lines and
 * puts the chain digest of the last of them in head (CHAIN_DIGEST_LEN
 * bytes). This is what the gateway seals (seal.h).
 */
unsigned long long record_synced(const struct record *r,
		    unsigned char *head);

#endif
