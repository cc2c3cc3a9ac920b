/*
 * util.h - allocation wrappers and small string helpers.
 *
 * The x* allocators never return NULL: on exhaustion they print a message
 * and abort, as there is nothing sensible a CLI can do instead.
 */
#ifndef BREAKFIX_UTIL_H
#define BREAKFIX_UTIL_H

#include <stdarg.h>
#include <stddef.h>

#define nitems(a) (sizeof (a) / sizeof (a)[0])

/* Letters and digits that cannot be taken for one another. */
#define UTIL_READABLE	"abcdefghjkmnpqrstuvwxyz23456789"

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);

/* Allocate a formatted string into *ret; returns its length. */
int	 xasprintf(char **ret, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
int	 xvasprintf(char **ret, const char *fmt, va_list ap)
	    __attribute__((format(printf, 2, 0)));
/* Append formatted text to *s (which may be NULL). */
void	 util_append(char **s, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/*
 * Levenshtein distance between two strings, capped: returns a value larger
 * than any sensible cap for strings over 64 bytes.
 */
unsigned util_distance(const char *, const char *);

/*
 * The candidate in the NULL-terminated array closest to word, or NULL if
 * none is close enough to be a plausible typo. The result points into the
 * array.
 */
const char *util_closest(const char *word, const char *const *candidates);

/*
 * mkdir(path, mode); an existing directory is fine when exist_ok.
 * Returns 0, or -1 with *cause set ("cannot create 'path': ...").
 */
int	 util_mkdir(const char *path, unsigned mode, int exist_ok, char **cause);

/*
 * Write j (indented, keys in order) to path with the given mode and
 * group (gid -1: root's), through "path.tmp" and a rename, so that a
 * reader never sees half a file. Returns 0, or -1 with *cause set and
 * path as it was.
 */
typedef struct json_t json_t;
int	 util_write_json(json_t *j, const char *path, unsigned mode, long gid,
	    char **cause);

/*
 * Write all len bytes of buf to fd, carrying on after short writes and
 * EINTR. Returns 0, or -1 with errno set.
 */
int	 util_write_all(int fd, const void *buf, size_t len);

/* The n bytes of p as 2n lowercase hex digits into out (not terminated). */
void	 util_hex(const unsigned char *p, size_t n, char *out);

/*
 * The len characters of s, which must be exactly 2n lowercase hex
 * digits, into the n bytes of out. Returns 0, or -1 (out undefined).
 */
int	 util_unhex(const char *s, size_t len, unsigned char *out, size_t n);

/* "dir/name", newly allocated. */
char	*util_path(const char *dir, const char *name);

/* Milliseconds on the monotonic clock, for timing and deadlines. */
long long util_now_ms(void);

/* The pid of a running process whose command name is comm, or -1. */
int	 util_pid_of(const char *comm);

/*
 * When process pid started, in clock ticks since boot (the 22nd field
 * of /proc/PID/stat): with the pid, it names one process for good.
 * Returns 0, or -1 if there is no such process.
 */
int	 util_proc_start(long pid, unsigned long long *start);

/* Does process pid have capability cap (a CAP_* number) effective? */
int	 util_has_capability(int pid, int cap);

/*
 * Make text from a guest (which the candidate controls) safe to print:
 * drop terminal escape sequences (colours, titles, cursor moves) and CR,
 * show any other control character as '?', keep newline and tab. In
 * place.
 */
void	 util_defang(char *s);

/* s in single quotes for a POSIX shell, newly allocated. */
char	*util_shell_quote(const char *s);

/* The NULL-terminated words joined with sep, newly allocated. */
char	*util_join(const char *const *words, const char *sep);

#endif
