/*
 * spawn.h - run another program (qemu-img, an image recipe) without a
 * shell, and wait for it.
 */
#ifndef BREAKFIX_SPAWN_H
#define BREAKFIX_SPAWN_H

#include <stddef.h>

#define SPAWN_OUTPUT_MAX	(64 * 1024)	/* captured; the rest dropped */

/*
 * Run argv[0] (looked up in PATH) with argv, stdin from /dev/null, and
 * wait for it. If output is not NULL, stdout and stderr are captured
 * together into *output (NUL-terminated, at most SPAWN_OUTPUT_MAX bytes,
 * caller frees); otherwise they go to breakfix's own stderr, so the user
 * sees a long step's progress. env, if not NULL, is a NULL-terminated
 * list of NAME=VALUE added to the environment.
 *
 * Returns 0 if the program exited with status 0. Otherwise -1 with
 * *cause naming the program and how it failed ("exited with status 2",
 * "killed by signal 9", or why it could not be started), followed by the
 * last line of captured output if any.
 */
int	 spawn_run(const char *const *argv, const char *const *env,
	    char **output, char **cause);

#endif
