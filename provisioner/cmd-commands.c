/*
 * cmd-commands.c - list the commands a candidate typed.
 */
#include <getopt.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cmd.h"
#include "commands.h"
#include "escape.h"
#include "exercise.h"
#include "util.h"

/* The recordings an argument names: one .cast, or an exercise's all. */
static int
commands_paths(const char *arg, char ***paths, size_t *n, char **cause)
{
	size_t	 len = strlen(arg);
	char	*dir;
	int	 r;

	*paths = NULL;
	*n = 0;
	if (len > 5 && strcmp(arg + len - 5, ".cast") == 0) {
		*paths = xcalloc(1, sizeof **paths);
		(*paths)[(*n)++] = xstrdup(arg);
		return 0;
	}
	if (!exercise_valid_id(arg)) {
		xasprintf(cause, "'%s' is neither a recording (.cast) nor an "
		    "exercise id", arg);
		return -1;
	}
	dir = exercise_dir(arg);
	r = exercise_recordings(dir, paths, n, cause);
	free(dir);
	if (r == 0 && *n == 0) {
		xasprintf(cause, "no recordings for exercise '%s'", arg);
		r = -1;
	}
	return r;
}

static void
commands_print(const char *path, const struct command *c, size_t n,
    enum commands_source src, const regex_t *re, int many)
{
	char	 when[32], dur[32], ex[16], *text;
	size_t	 i;

	if (many)
		printf("# %s (%s)\n", path, src == COMMANDS_LOG ?
		    "commands log" : "rebuilt from the keys typed");
	for (i = 0; i < n; i++) {
		if (re != NULL && regexec(re, c[i].text, 0, NULL, 0) != 0)
			continue;
		snprintf(when, sizeof when, "%d:%04.1f", (int)(c[i].start / 60),
		    c[i].start - 60 * (int)(c[i].start / 60));
		if (c[i].duration >= 0)
			snprintf(dur, sizeof dur, "%.1fs", c[i].duration);
		else
			snprintf(dur, sizeof dur, "-");
		if (c[i].exit >= 0)
			snprintf(ex, sizeof ex, "%d", c[i].exit);
		else
			snprintf(ex, sizeof ex, "-");
		text = escape_text(c[i].text);	/* one line, all of it */
		printf("%9s %8s %4s  %s%s\n", when, dur, ex,
		    c[i].approximate ? "~ " : "", text);
		free(text);
	}
}

static void
commands_json(json_t *all, const char *path, const struct command *c,
    size_t n, enum commands_source src, const regex_t *re)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (re != NULL && regexec(re, c[i].text, 0, NULL, 0) != 0)
			continue;
		json_array_append_new(all, json_pack("{s:s, s:s, s:f, s:o, "
		    "s:o, s:b, s:s}", "recording", path, "source",
		    src == COMMANDS_LOG ? "log" : "input", "start", c[i].start,
		    "duration", c[i].duration >= 0 ?
		    json_real(c[i].duration) : json_null(), "exit",
		    c[i].exit >= 0 ? json_integer(c[i].exit) : json_null(),
		    "approximate", c[i].approximate, "command", c[i].text));
	}
}

/* Every command of every recording, as text or one JSON array. */
static int
commands_show(char **paths, size_t npaths, int json, const regex_t *re)
{
	enum commands_source	 src;
	struct command		*c;
	json_t			*all = json ? json_array() : NULL;
	char			*cause = NULL;
	size_t			 n, i;

	for (i = 0; i < npaths; i++) {
		if (commands_load(paths[i], &c, &n, &src, &cause) != 0) {
			cmd_error(cause);
			json_decref(all);
			return CMD_FAILED;
		}
		if (json)
			commands_json(all, paths[i], c, n, src, re);
		else
			commands_print(paths[i], c, n, src, re,
			    npaths > 1 || src == COMMANDS_INPUT);
		commands_free(c, n);
	}
	if (json)
		cmd_print_json(all);
	return CMD_OK;
}

static int
commands_exec(int argc, char **argv)
{
	static const struct option longopts[] = {
		CMD_COMMON_LONGOPTS,
		{ "json", no_argument, NULL, 'j' },
		{ "grep", required_argument, NULL, 'g' },
		{ NULL, 0, NULL, 0 }
	};
	regex_t		 re, *rep = NULL;
	char		*cause = NULL, err[256], **paths = NULL;
	const char	*grep = NULL;
	size_t		 npaths = 0, i;
	int		 ch, r, json = 0, rc = CMD_FAILED;

	while ((ch = cmd_getopt(&cmd_commands_entry, argc, argv, "jg:",
	    longopts, &r)) != -1) {
		switch (ch) {
		case CMD_GETOPT_STOP:
			return r;
		case 'j':
			json = 1;
			break;
		case 'g':
			grep = optarg;
			break;
		}
	}
	if (argc - optind != 1)
		return cmd_usage_error(&cmd_commands_entry,
		    "one recording or exercise id");
	if (grep != NULL) {
		if ((r = regcomp(&re, grep, REG_EXTENDED | REG_NOSUB)) != 0) {
			regerror(r, &re, err, sizeof err);
			return cmd_usage_error(&cmd_commands_entry,
			    "--grep '%s': %s", grep, err);
		}
		rep = &re;
	}
	if (commands_paths(argv[optind], &paths, &npaths, &cause) != 0)
		cmd_error(cause);
	else
		rc = commands_show(paths, npaths, json, rep);
	for (i = 0; i < npaths; i++)
		free(paths[i]);
	free(paths);
	if (rep != NULL)
		regfree(rep);
	return rc;
}

const struct cmd_entry cmd_commands_entry = {
	"commands", "[--json] [--grep PATTERN] REC.cast|EXERCISE",
	"list the commands typed in a recording, with times and exit status",
	"One line per command: offset in the session, duration, exit status,\n"
	"the command, escaped to stay on its line (a newline shows as \\n, a\n"
	"tab as \\t, ESC as \\e, a backslash as \\\\). The source is the\n"
	"gateway's commands log beside the recording (from the guest shell's\n"
	"marks); without it, commands are rebuilt from the keys typed,\n"
	"without durations or exit statuses, and lines edited with keys that\n"
	"cannot be followed (history, completion, cursor moves) are marked\n"
	"'~'. An exercise id lists all its recordings in order.\n"
	"\n"
	"  --grep PATTERN  only commands matching the extended regex\n"
	"  --json          a JSON array, one object per command\n",
	commands_exec,
};
