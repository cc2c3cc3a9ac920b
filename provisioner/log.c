/*
 * log.c - messages to the person at the terminal, on stderr.
 */
#include <stdarg.h>
#include <stdio.h>

#include "log.h"

static enum log_level log_level = LOG_NORMAL;

void
log_set_level(enum log_level level)
{
	log_level = level;
}

enum log_level
log_get_level(void)
{
	return log_level;
}

static void __attribute__((format(printf, 2, 0)))
log_vprint(const char *prefix, const char *fmt, va_list ap)
{
	fputs(prefix, stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void
log_error(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vprint("breakfix: ", fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list	 ap;

	if (log_level < LOG_NORMAL)
		return;
	va_start(ap, fmt);
	log_vprint("breakfix: warning: ", fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	 ap;

	if (log_level < LOG_NORMAL)
		return;
	va_start(ap, fmt);
	log_vprint("", fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	 ap;

	if (log_level < LOG_VERBOSE)
		return;
	va_start(ap, fmt);
	log_vprint("breakfix: debug: ", fmt, ap);
	va_end(ap);
}
