/*
 * util.c - allocation wrappers and small string helpers.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "util.h"

static void __attribute__((noreturn))
util_fatal_oom(size_t size)
{
	fprintf(stderr, "breakfix: out of memory allocating %zu bytes\n", size);
	abort();
}

void *
xmalloc(size_t size)
{
	void	*p;

	if (size == 0)
		size = 1;
	if ((p = malloc(size)) == NULL)
		util_fatal_oom(size);
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void	*p;

	if (n == 0 || size == 0)
		n = size = 1;
	if ((p = calloc(n, size)) == NULL)
		util_fatal_oom(n * size);
	return p;
}

void *
xreallocarray(void *old, size_t n, size_t size)
{
	void	*p;

	if (size != 0 && n > SIZE_MAX / size)
		util_fatal_oom(SIZE_MAX);
	if (n == 0 || size == 0)
		n = size = 1;
	if ((p = realloc(old, n * size)) == NULL)
		util_fatal_oom(n * size);
	return p;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char	*p;

	if ((p = strndup(s, n)) == NULL)
		util_fatal_oom(n + 1);
	return p;
}

int
xasprintf(char **ret, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = xvasprintf(ret, fmt, ap);
	va_end(ap);
	return n;
}

int
xvasprintf(char **ret, const char *fmt, va_list ap)
{
	int	 n;

	if ((n = vasprintf(ret, fmt, ap)) < 0)
		util_fatal_oom(strlen(fmt));
	return n;
}

void
util_append(char **s, const char *fmt, ...)
{
	va_list	 ap;
	char	*more, *all;

	va_start(ap, fmt);
	xvasprintf(&more, fmt, ap);
	va_end(ap);
	if (*s == NULL) {
		*s = more;
		return;
	}
	xasprintf(&all, "%s%s", *s, more);
	free(*s);
	free(more);
	*s = all;
}

#define UTIL_DISTANCE_MAX 64

unsigned
util_distance(const char *a, const char *b)
{
	unsigned	 row[UTIL_DISTANCE_MAX + 1];
	size_t		 la = strlen(a), lb = strlen(b), i, j;
	unsigned	 diag, up, best;

	if (la > UTIL_DISTANCE_MAX || lb > UTIL_DISTANCE_MAX)
		return UINT16_MAX;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		diag = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			up = row[j];
			best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

const char *
util_closest(const char *word, const char *const *candidates)
{
	const char	*best = NULL;
	unsigned	 d, bestd = UINT16_MAX, limit;
	size_t		 len = strlen(word);

	/* One edit for short words, about a third of the word for long ones. */
	limit = len < 6 ? 1 + (len > 3) : len / 3;
	for (; *candidates != NULL; candidates++) {
		d = util_distance(word, *candidates);
		if (d < bestd) {
			bestd = d;
			best = *candidates;
		}
	}
	return bestd <= limit ? best : NULL;
}

char *
util_join(const char *const *words, const char *sep)
{
	size_t	 len = 1, i;
	char	*out;

	for (i = 0; words[i] != NULL; i++)
		len += strlen(words[i]) + strlen(sep);
	out = xmalloc(len);
	out[0] = '\0';
	for (i = 0; words[i] != NULL; i++) {
		if (i != 0)
			strcat(out, sep);
		strcat(out, words[i]);
	}
	return out;
}

int
util_pid_of(const char *comm)
{
	struct dirent	*de;
	char		 path[300], buf[64];
	FILE		*fp;
	DIR		*d;
	int		 pid = -1;

	if ((d = opendir("/proc")) == NULL)
		return -1;
	while (pid == -1 && (de = readdir(d)) != NULL) {
		if (strspn(de->d_name, "0123456789") != strlen(de->d_name))
			continue;
		snprintf(path, sizeof path, "/proc/%s/comm", de->d_name);
		if ((fp = fopen(path, "r")) == NULL)
			continue;
		if (fgets(buf, sizeof buf, fp) != NULL) {
			buf[strcspn(buf, "\n")] = '\0';
			if (strcmp(buf, comm) == 0)
				pid = atoi(de->d_name);
		}
		fclose(fp);
	}
	closedir(d);
	return pid;
}

int
util_has_capability(int pid, int cap)
{
	unsigned long long	 eff = 0;
	char			 path[64], line[128];
	FILE			*fp;
	int			 found = 0;

	snprintf(path, sizeof path, "/proc/%d/status", pid);
	if ((fp = fopen(path, "r")) == NULL)
		return 0;
	while (!found && fgets(line, sizeof line, fp) != NULL)
		found = sscanf(line, "CapEff: %llx", &eff) == 1;
	fclose(fp);
	return found && cap >= 0 && cap < 64 && (eff >> cap) & 1;
}

int
util_write_json(json_t *j, const char *path, unsigned mode, long gid,
    char **cause)
{
	char	*tmp;
	int	 fd, ok, rc = -1;

	xasprintf(&tmp, "%s.tmp", path);
	/* Never through a link someone planted, never into their file. */
	if (unlink(tmp) == -1 && errno != ENOENT) {
		xasprintf(cause, "cannot remove '%s': %s", tmp,
		    strerror(errno));
		goto out;
	}
	if (j == NULL || (fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0600)) == -1) {
		xasprintf(cause, "cannot write '%s': %s", tmp,
		    j == NULL ? "nothing to write" : strerror(errno));
		goto out;
	}
	ok = json_dumpfd(j, fd, JSON_INDENT(2) | JSON_PRESERVE_ORDER) == 0 &&
	    util_write_all(fd, "\n", 1) == 0 && (gid == -1 ||
	    fchown(fd, (uid_t)-1, (gid_t)gid) == 0) && fchmod(fd, mode) == 0;
	if (close(fd) != 0 || !ok) {
		xasprintf(cause, "cannot write '%s': %s", tmp,
		    strerror(errno));
		goto out;
	}
	if (rename(tmp, path) != 0) {
		xasprintf(cause, "cannot rename '%s': %s", tmp,
		    strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (rc != 0)
		unlink(tmp);
	free(tmp);
	return rc;
}

int
util_mkdir(const char *path, unsigned mode, int exist_ok, char **cause)
{
	if (mkdir(path, (mode_t)mode) == 0 || (exist_ok && errno == EEXIST))
		return 0;
	xasprintf(cause, "cannot create '%s': %s", path, strerror(errno));
	return -1;
}

/* s in single quotes for a POSIX shell, each ' written as '\''. */
char *
util_shell_quote(const char *s)
{
	char	*q, *p;

	p = q = xreallocarray(NULL, strlen(s) + 1, 4);
	*p++ = '\'';
	for (; *s != '\0'; s++) {
		if (*s == '\'') {
			memcpy(p, "'\\''", 4);
			p += 4;
		} else
			*p++ = *s;
	}
	*p++ = '\'';
	*p = '\0';
	return q;
}

void
util_defang(char *s)
{
	unsigned char	*r = (unsigned char *)s, *w = r;

	while (*r != '\0') {
		if (r[0] == 0x1b && r[1] == '[') {		/* CSI */
			for (r += 2; *r != '\0' && (*r < 0x40 || *r > 0x7e);
			    r++)
				;
			if (*r != '\0')
				r++;
		} else if (r[0] == 0x1b && r[1] == ']') {	/* OSC */
			for (r += 2; *r != '\0' && *r != 0x07 && *r != 0x1b;
			    r++)
				;
			if (*r == 0x07)
				r++;
		} else if (*r == '\r')
			r++;
		else if (r[0] == 0xc2 && r[1] >= 0x80 && r[1] <= 0x9f) {
			*w++ = '?';				/* C1 */
			r += 2;
		}
		else if ((*r < 0x20 && *r != '\n' && *r != '\t') ||
		    *r == 0x7f) {
			*w++ = '?';
			r++;
		} else
			*w++ = *r++;
	}
	*w = '\0';
}

int
util_write_all(int fd, const void *buf, size_t len)
{
	const char	*p = buf;
	ssize_t		 n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

void
util_hex(const unsigned char *p, size_t n, char *out)
{
	static const char	 hex[] = "0123456789abcdef";
	size_t			 i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hex[p[i] >> 4];
		out[2 * i + 1] = hex[p[i] & 0xf];
	}
}

/* The value of a lowercase hex digit, or -1. */
static int
util_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int
util_unhex(const char *s, size_t len, unsigned char *out, size_t n)
{
	size_t	 i;
	int	 hi, lo;

	if (len != 2 * n)
		return -1;
	for (i = 0; i < n; i++) {
		if ((hi = util_hex_digit(s[2 * i])) == -1 ||
		    (lo = util_hex_digit(s[2 * i + 1])) == -1)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

char *
util_path(const char *dir, const char *name)
{
	char	*p;

	xasprintf(&p, "%s/%s", dir, name);
	return p;
}

int
util_proc_start(long pid, unsigned long long *start)
{
	char	 path[64], buf[1024], *p, *end;
	ssize_t	 n;
	int	 fd, field;

	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* The command name may hold spaces and ')': count from the last. */
	if ((p = strrchr(buf, ')')) == NULL)
		return -1;
	for (field = 2; field < 22 && p != NULL; field++)
		p = strchr(p + 1, ' ');
	if (p == NULL)
		return -1;
	errno = 0;
	*start = strtoull(p + 1, &end, 10);
	return errno != 0 || end == p + 1 ? -1 : 0;
}

long long
util_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
