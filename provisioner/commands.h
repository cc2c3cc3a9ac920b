/*
 * commands.h - the commands a candidate typed in one recording.
 *
 * The best source is the gateway's commands log beside the recording
 * (X.commands for X.cast, written from the guest shell's marks, with
 * exit statuses). Without it (marks switched off in the guest, or a
 * recording made elsewhere, such as asciinema rec --stdin), commands are
 * rebuilt from the keys typed ("i" events) by replaying line editing:
 * printable keys, backspace, Ctrl-U, Ctrl-W, Ctrl-C and Enter. Keys the
 * rebuild cannot follow (history recall, tab completion, cursor moves)
 * mark the command approximate.
 */
#ifndef BREAKFIX_COMMANDS_H
#define BREAKFIX_COMMANDS_H

#include <stddef.h>

struct cast;

enum commands_source {
	COMMANDS_LOG,		/* the gateway's .commands file */
	COMMANDS_INPUT,		/* rebuilt from the keys typed */
};

struct command {
	double		 start;		/* seconds from the recording's start */
	double		 duration;	/* -1: unknown */
	int		 exit;		/* -1: unknown */
	int		 approximate;	/* rebuilt through keys it cannot follow */
	char		*text;		/* UTF-8 */
};

/*
 * The commands of the recording at cast_path: from its .commands file
 * if there is one, else rebuilt from its input events. *source says
 * which. Returns 0 with *out (commands_free) and *n set, or -1 with
 * *cause set.
 *
 * Memory is bounded whatever the files hold: the recording is read an
 * event at a time, a log no further than four times what the gateway
 * writes (MARKS_LOG_MAX), and no more than a million commands are kept.
 */
int	 commands_load(const char *cast_path, struct command **out, size_t *n,
	    enum commands_source *source, char **cause);

/* Rebuild from c's input events (pure; for tests). */
void	 commands_from_input(const struct cast *c, struct command **out,
	    size_t *n);

void	 commands_free(struct command *cmds, size_t n);

#endif
