/*
 * player.h - playing a recording's output ("o" events) back: to a
 * terminal with the original timing and the keys a reviewer uses, or
 * as a plain stream with no delays.
 *
 * Times are the recording's own (seconds since its header was written,
 * what the .cast and the .commands log say), whatever the speed and the
 * idle limit. Times that go backwards in the file count as the latest
 * time before them.
 *
 * The player only reads keys and writes bytes: putting the terminal in
 * raw mode, signals and restoring it all belong to the caller.
 */
#ifndef BREAKFIX_PLAYER_H
#define BREAKFIX_PLAYER_H

#include <signal.h>
#include <stddef.h>

struct cast_file;
struct player;

#define PLAYER_SEEK_STEP	5.0	/* seconds an arrow key moves */
#define PLAYER_SPEED_MIN	(1.0 / 64)
#define PLAYER_SPEED_MAX	256.0
#define PLAYER_COMMANDS_MAX	(16 * 1024 * 1024) /* largest .commands read */
#define PLAYER_STOPS_MAX	(1024 * 1024)	/* stops for 'n' kept */

struct player_opts {
	double	 speed;		/* 1 is real time; > 0 */
	double	 idle_limit;	/* longest pause played, in seconds; > 0 */
	double	 from;		/* play from here; output before is written
				   at once, so that the screen is right */
	double	 to;		/* stop after here; HUGE_VAL for the end */
};

/*
 * A player for f, opened with cast_open, which must outlive it; o is
 * copied. f is read once to its end (for where it ends and its markers,
 * which are the first jump stops for 'n'), then again as it plays.
 * Returns the player, or NULL with *cause set if f cannot be read.
 * Memory: one line of f and PLAYER_FLUSH bytes, whatever f's length,
 * and at most PLAYER_STOPS_MAX stops.
 */
struct player	*player_new(struct cast_file *f, const struct player_opts *o,
		    char **cause);

/*
 * When output over the recording's cap started being left out (the
 * writer's RECORD_ELIDED_FROM marker), or -1.
 */
double		 player_elided(const struct player *p);

void		 player_free(struct player *p);

/*
 * Add the start of every command in the commands log at path (JSON
 * lines with a "start" in seconds, docs/recording-format.md) to the jump
 * stops. Lines that are not such objects are skipped: the log is a
 * convenience. A missing file adds nothing and is not an error. Returns
 * 0, or -1 with *cause set if the file cannot be read or is larger than
 * PLAYER_COMMANDS_MAX.
 */
int		 player_add_commands(struct player *p, const char *path,
		    char **cause);

/*
 * Write the output between o->from and o->to, inclusive, to fd with no
 * delays: the bytes the candidate's terminal received, as asciinema cat
 * prints them. Returns 0, or -1 with *cause set on a read or write
 * error.
 */
int		 player_dump(struct player *p, int fd, char **cause);

/*
 * Play to out_fd, a terminal, reading keys from in_fd, which the caller
 * has put in raw mode (read(2) must not block after poll(2) says it is
 * readable):
 *
 *	space		pause or resume (a one-line status at the bottom
 *			while paused, nothing else on screen)
 *	+ -		double or halve the speed
 *	right, left	PLAYER_SEEK_STEP seconds forward, back (back clears
 *			the screen and writes everything up to there again)
 *	n		jump to the next command start or marker
 *	q, ^C		quit
 *
 * Returns 0 at the end (o->to, or the last output event), when the
 * reviewer quits, or as soon as *stop is non-zero (a signal handler's
 * flag; it is checked at least every 200 ms and after every interrupted
 * call). Returns -1 with *cause set if out_fd cannot be written or the
 * recording read again. The status line is always cleared before
 * returning.
 */
int		 player_play(struct player *p, int in_fd, int out_fd,
		    volatile sig_atomic_t *stop, char **cause);

/*
 * Bytes that put back what a recording may have changed in the
 * reviewer's terminal and would get in the way after it: attributes,
 * hidden cursor, scroll region, application keypad and cursor keys,
 * mouse reporting, bracketed paste. The cursor stays where it is; the
 * alternate screen is left alone (so the last frame stays on screen).
 */
#define PLAYER_RESET	"\033[0m\033[?25h\0337\033[r\0338\033[?7h" \
			"\033[?1l\033>\033[?1000l\033[?1002l\033[?1003l" \
			"\033[?1006l\033[?2004l"

#endif
