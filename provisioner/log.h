/*
 * log.h - messages on stderr, for the person at the terminal or, for the
 * gateway and background pool fills, for their log files.
 *
 * Who may print, and who may exit:
 * - Commands (cmd-*.c, main.c) own stdout and the exit status: they
 *   print results, and turn a module's cause into "breakfix: ..." and
 *   an exit code (0 ok, 1 failed, 2 usage).
 * - Modules never write to stdout and never exit, except to end a
 *   process they forked themselves (_exit in a child: spawn.c, the
 *   pool's refill, the gateway's connection processes). A failure goes
 *   back in char **cause; progress of a step the caller waits on goes
 *   through the caller's note callback (launch_opts.note).
 * - Modules may call these functions for what has nowhere else to go:
 *   a warning about work that carries on regardless (a recording write
 *   that failed while the relay goes on, a stale pool member that could
 *   not be removed) and the running log of the long-lived processes
 *   (the gateway, a background pool fill).
 */
#ifndef BREAKFIX_LOG_H
#define BREAKFIX_LOG_H

enum log_level {
	LOG_QUIET = 0,		/* errors only */
	LOG_NORMAL,		/* plus warnings and progress */
	LOG_VERBOSE,		/* plus debugging detail */
};

void	log_set_level(enum log_level);
enum log_level log_get_level(void);

/* "breakfix: <message>" on stderr, always. */
void	log_error(const char *, ...) __attribute__((format(printf, 1, 2)));
/* "breakfix: warning: <message>" unless quiet. */
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
/* "<message>" on stderr unless quiet: progress for long steps. */
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
/* "breakfix: debug: <message>" with -v only. */
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));

#endif
