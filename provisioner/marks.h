/*
 * marks.h - the commands log: what the candidate's shell says it ran,
 * read from shell-integration marks in the VM's output.
 *
 * Every interactive bash in the image prints escape sequences a terminal
 * draws nothing for (images/debian-12/overlay/etc/breakfix-marks.bash):
 *
 *	ESC ] 133 ; C BEL		a command line starts
 *	ESC ] 7701 ; cmd ; BASE64 BEL	its text (after C)
 *	ESC ] 133 ; D ; STATUS BEL	the command line ended, with $?
 *	ESC ] 133 ; A BEL		a prompt starts
 *
 * A struct marks scans the output bytes for them, in chunks split
 * anywhere, and writes one JSON line per command as it ends:
 *
 *	{"start": 12.345678, "end": 14.500000, "duration": 2.154322,
 *	 "exit": 0, "command": "systemctl status nginx"}
 *
 * (one line in the file). docs/recording-format.md, "The commands log",
 * is the contract for the format and for what the log can and cannot be
 * trusted with.
 *
 * Open commands nest (a shell started from the prompt marks its own
 * commands inside the one that started it): D ends the innermost.
 *
 * The bytes come from the VM, which the candidate controls: any input is
 * fine. Memory is bounded: a sequence longer than MARKS_OSC_MAX bytes is
 * dropped, and a C with MARKS_DEPTH_MAX commands open first writes the
 * oldest as unfinished (as marks_close does).
 *
 * Each line goes out in one write(2) when its command ends, so a writer
 * killed at any moment leaves whole lines. A log is at most
 * MARKS_LOG_MAX bytes: a line that would pass it is not written, nor
 * any after it (marks_dropped counts them), so a flood of marks cannot
 * fill the disk. A struct marks is not
 * thread-safe; one writer per log.
 */
#ifndef BREAKFIX_MARKS_H
#define BREAKFIX_MARKS_H

#include <stddef.h>

#define MARKS_SUFFIX		".commands"
#define MARKS_OSC_MAX		65536	/* longest sequence payload kept */
#define MARKS_DEPTH_MAX		16	/* commands open at once */
#define MARKS_LOG_MAX		(8 * 1024 * 1024) /* bytes of a log */

struct marks;

/*
 * Create path (O_EXCL, mode 0640) for a commands log. Returns the log
 * (marks_close it), or NULL with *cause set; on failure no file is left.
 */
struct marks	*marks_open(const char *path, char **cause);

/*
 * A commands log written to fd, which the caller keeps: marks_close
 * neither closes nor fsyncs it. Never fails.
 */
struct marks	*marks_new(int fd);

/*
 * The commands log that goes with the recording cast_path: its name with
 * ".cast" replaced by MARKS_SUFFIX (appended if it has no ".cast").
 * Newly allocated.
 */
char		*marks_path(const char *cast_path);

/*
 * Scan len bytes of the VM's output. t is when they arrived, in seconds
 * since the recording started (the clock of its event times: the
 * monotonic clock, from record_open); a t below an earlier one counts as
 * the earlier one. A mark split across calls takes effect, with the t of
 * its last chunk, when it is complete.
 *
 * Returns 0, or -1 with *cause set if a line could not be written. After
 * that the log is broken: every later call fails too.
 */
int		 marks_feed(struct marks *m, double t, const void *buf,
		    size_t len, char **cause);

/* The number of lines written so far. */
unsigned long long marks_lines(const struct marks *m);

/* The number of lines left out so far: the log reached MARKS_LOG_MAX. */
unsigned long long marks_dropped(const struct marks *m);

/*
 * Write the commands still open, as unfinished ("end", "duration" and
 * "exit" null), the innermost first: the session is over. marks_close
 * does it too. 0, or -1 with *cause set.
 */
int		 marks_end(struct marks *m, char **cause);

/*
 * Finish the log: commands still open (the session ended, or the shell
 * that ran them went away) are written with "end", "duration" and "exit"
 * null, the innermost first; a file marks_open created is fsync'd and
 * closed; m is freed whatever happens. m may be NULL. Returns 0, or -1
 * with *cause set.
 */
int		 marks_close(struct marks *m, char **cause);

#endif
