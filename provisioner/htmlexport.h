/*
 * htmlexport.h - one recording as a single self-contained HTML page:
 * asciinema-player (its JS and CSS inlined), the recording inlined, and
 * beside the player the commands the candidate ran (from the commands
 * log, else the recording's "m" markers); clicking one seeks there.
 *
 * The recording and the log are untrusted: lines are bounded
 * (HTMLEXPORT_LINE_MAX), what is read of the log too (HTMLEXPORT_LOG_MAX),
 * every line is parsed before it is embedded, and everything taken from
 * them is escaped for where it lands (HTML text, or a JS string in which
 * no '<' can end the script).
 *
 * A recording of any length is exported in bounded memory: it is read
 * twice, a line at a time, once for what the page says of it and once
 * into the page, and never held whole.
 */
#ifndef BREAKFIX_HTMLEXPORT_H
#define BREAKFIX_HTMLEXPORT_H

#include <stddef.h>

#define HTMLEXPORT_LINE_MAX	(8 * 1024 * 1024)	/* a line of either */
/* Of the log: four times what the gateway writes (marks.h). */
#define HTMLEXPORT_LOG_MAX	(32 * 1024 * 1024)
#define HTMLEXPORT_COMMANDS_MAX	100000			/* items listed */

/* What went into a page, for the command to report. */
struct htmlexport_stats {
	size_t		 nevents;	/* recording events embedded */
	size_t		 ncommands;	/* commands listed (0 if no log) */
	size_t		 nmarkers;	/* "m" events (listed if no log) */
	int		 have_log;	/* the commands log was there */
	unsigned long	 log_skipped;	/* log lines not understood */
	int		 truncated;	/* the recording's cut-short last
					   line was dropped */
	double		 duration;	/* time of the last event */
	double		 elided_from;	/* output over the recording's cap
					   not recorded from here; -1 */
};

/*
 * The directory holding the player's files (asciinema-player.min.js,
 * asciinema-player.css, LICENSE, VERSION): $BREAKFIX_PLAYER_DIR, else
 * web-player/ beside the binary, where make puts it in a source tree
 * (or build/web-player beside ./breakfix), else
 * PREFIX/share/breakfix/web-player.
 * The string is static; it is not checked for the files.
 */
const char	*htmlexport_player_dir(void);

/*
 * Write the page for the recording cast_path to out_path: through a
 * temporary file in out_path's directory renamed over it, so out_path is
 * either untouched or complete. commands_path is the commands log, NULL
 * for the one beside the recording (X.commands for X.cast); a log that
 * does not exist is not an error (st->have_log is 0). player_dir is
 * htmlexport_player_dir() or another directory holding the same files.
 * Returns 0 and fills *st, or -1 with *cause set (caller frees), e.g.
 * "x.cast:3: not a JSON array" or "asciinema-player is not in 'DIR'".
 */
int		 htmlexport_write(const char *cast_path,
		    const char *commands_path, const char *out_path,
		    const char *player_dir, struct htmlexport_stats *st,
		    char **cause);

#endif
