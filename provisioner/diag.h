/*
 * diag.h - problems found in one input file, each with a location.
 *
 * A struct diag collects every problem found while reading one file so
 * that a user fixes them all in one pass. Messages are kept in
 * (line, column) order and formatted GCC-style:
 *
 *	web.yaml:12:5: unknown key 'faultz' (did you mean 'faults'?)
 *
 * A problem with line 0 concerns the whole file and prints as
 * "web.yaml: message". At most DIAG_MAX problems are kept; the rest are
 * counted and summarised in one last message.
 */
#ifndef BREAKFIX_DIAG_H
#define BREAKFIX_DIAG_H

#include <stddef.h>

#define DIAG_MAX 100

struct diag;

/* A new, empty collection for file (copied). Free with diag_free. */
struct diag	*diag_new(const char *file);
/* Free d and its messages; NULL is accepted. */
void		 diag_free(struct diag *d);

/* Record a problem at line:col (1-based; line 0 for the whole file). */
void		 diag_add(struct diag *d, unsigned line, unsigned col,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* How many messages diag_message will return (dropped ones summarised). */
size_t		 diag_count(const struct diag *d);

/* The i'th formatted message; owned by d, valid until diag_free. */
const char	*diag_message(const struct diag *d, size_t i);

/* The file name d was created for. */
const char	*diag_file(const struct diag *d);

#endif
