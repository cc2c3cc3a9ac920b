/*
 * util.c - allocation wrappers and small string helpers.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
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
util_write_json(json_t *j, const char *path, unsigned mode, char **cause)
{
	char	*tmp;
	int	 rc = -1;

	xasprintf(&tmp, "%s.tmp", path);
	errno = 0;
	if (j == NULL || json_dump_file(j, tmp, JSON_INDENT(2) |
	    JSON_PRESERVE_ORDER) != 0 || chmod(tmp, mode) != 0) {
		xasprintf(cause, "cannot write '%s'%s%s", tmp,
		    errno != 0 ? ": " : "", errno != 0 ? strerror(errno) : "");
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

long long
util_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
