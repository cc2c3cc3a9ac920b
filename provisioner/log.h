/*
 * log.h - messages to the person at the terminal, on stderr.
 *
 * Only commands (cmd-*.c) and main.c call these; modules report through
 * their char **cause argument instead.
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
