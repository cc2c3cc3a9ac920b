/*
 * spawn.c - run another program without a shell, and wait for it.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spawn.h"
#include "util.h"

/* In the child: wire up descriptors and exec; never returns. */
static void __attribute__((noreturn))
spawn_child(const char *const *argv, const char *const *env, int outfd,
    int errpipe)
{
	int	 null;

	if ((null = open("/dev/null", O_RDONLY)) != -1) {
		dup2(null, STDIN_FILENO);
		close(null);
	}
	if (outfd != -1) {
		dup2(outfd, STDOUT_FILENO);
		dup2(outfd, STDERR_FILENO);
		close(outfd);
	} else
		dup2(STDERR_FILENO, STDOUT_FILENO);
	for (; env != NULL && *env != NULL; env++)
		putenv((char *)*env);
	signal(SIGPIPE, SIG_DFL);
	execvp(argv[0], (char *const *)argv);
	/* Tell the parent why exec failed through the close-on-exec pipe. */
	(void)write(errpipe, &errno, sizeof errno);
	_exit(127);
}

/* Read all of fd into a capped, NUL-terminated buffer. */
static char *
spawn_collect(int fd)
{
	char	*buf = xmalloc(SPAWN_OUTPUT_MAX + 1), tmp[4096];
	size_t	 len = 0, n;
	ssize_t	 r;

	for (;;) {
		r = read(fd, tmp, sizeof tmp);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n = (size_t)r;
		if (n > SPAWN_OUTPUT_MAX - len)
			n = SPAWN_OUTPUT_MAX - len;
		memcpy(buf + len, tmp, n);
		len += n;
	}
	buf[len] = '\0';
	return buf;
}

/* The last non-empty line of s, newly allocated, or NULL. */
static char *
spawn_last_line(const char *s)
{
	const char	*end = s + strlen(s), *start;

	while (end > s && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	if (end == s)
		return NULL;
	for (start = end; start > s && start[-1] != '\n'; start--)
		;
	return xstrndup(start, (size_t)(end - start));
}

static void
spawn_status_cause(const char *prog, int status, const char *output,
    char **cause)
{
	char	*why, *last = output ? spawn_last_line(output) : NULL;

	if (WIFEXITED(status))
		xasprintf(&why, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		xasprintf(&why, "killed by signal %d", WTERMSIG(status));
	else
		why = xstrdup("stopped unexpectedly");
	if (last != NULL)
		xasprintf(cause, "%s %s: %s", prog, why, last);
	else
		xasprintf(cause, "%s %s", prog, why);
	free(why);
	free(last);
}

int
spawn_run(const char *const *argv, const char *const *env, char **output,
    char **cause)
{
	int	 errpipe[2] = { -1, -1 }, outpipe[2] = { -1, -1 };
	int	 status, err = 0, rc = -1;
	char	*out = NULL;
	pid_t	 pid;

	if (output != NULL)
		*output = NULL;
	if (pipe2(errpipe, O_CLOEXEC) == -1 ||
	    (output != NULL && pipe2(outpipe, O_CLOEXEC) == -1)) {
		xasprintf(cause, "cannot run %s: pipe: %s", argv[0],
		    strerror(errno));
		goto out;
	}
	if ((pid = fork()) == -1) {
		xasprintf(cause, "cannot run %s: fork: %s", argv[0],
		    strerror(errno));
		goto out;
	}
	if (pid == 0)	/* dup2 clears close-on-exec on the copies */
		spawn_child(argv, env, outpipe[1], errpipe[1]);
	close(errpipe[1]);
	errpipe[1] = -1;
	if (outpipe[1] != -1) {
		close(outpipe[1]);
		outpipe[1] = -1;
		out = spawn_collect(outpipe[0]);
	}
	while (read(errpipe[0], &err, sizeof err) == -1 && errno == EINTR)
		;
	while (waitpid(pid, &status, 0) == -1) {
		if (errno != EINTR) {
			xasprintf(cause, "cannot wait for %s: %s", argv[0],
			    strerror(errno));
			goto out;
		}
	}
	if (err != 0) {
		xasprintf(cause, "cannot run %s: %s", argv[0], strerror(err));
		goto out;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		spawn_status_cause(argv[0], status, out, cause);
		goto out;
	}
	rc = 0;
out:
	if (output != NULL && out != NULL) {
		*output = out;
		out = NULL;		/* transferred */
	}
	free(out);
	if (errpipe[0] != -1)
		close(errpipe[0]);
	if (errpipe[1] != -1)
		close(errpipe[1]);
	if (outpipe[0] != -1)
		close(outpipe[0]);
	if (outpipe[1] != -1)
		close(outpipe[1]);
	return rc;
}
