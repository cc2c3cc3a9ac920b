/*
 * cmd-commands.c - list the commands a candidate typed.
 */
#include <getopt.h>
#include <glob.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cmd.h"
#include "commands.h"
#include "config.h"
#include "util.h"

/* The recordings an argument names: one .cast, or an exercise's all. */
static int
commands_paths(const char *arg, glob_t *g, char **cause)
{
	char	*pattern;
	size_t	 len = strlen(arg);
	int	 r;

	memset(g, 0, sizeof *g);
	if (len > 5 && strcmp(arg + len - 5, ".cast") == 0)
		xasprintf(&pattern, "%s", arg);
	else if (strchr(arg, '/') == NULL && len > 0 && len <= 64 &&
	    strspn(arg, "abcdefghijklmnopqrstuvwxyz0123456789-") == len)
		xasprintf(&pattern, "%s/exercises/%s/sessions/*.cast",
		    config_state_dir(), arg);
	else {
		xasprintf(cause, "'%s' is neither a recording (.cast) nor an "
		    "exercise id", arg);
		return -1;
	}
	r = glob(pattern, strchr(arg, '/') || len > 5 ? GLOB_NOCHECK : 0,
	    NULL, g);
	free(pattern);
	if (r == GLOB_NOMATCH || g->gl_pathc == 0) {
		xasprintf(cause, "no recordings for exercise '%s'", arg);
		globfree(g);
		return -1;
	}
	return 0;
}

static void
commands_print(const char *path, const struct command *c, size_t n,
    enum commands_source src, const regex_t *re, int many)
{
	char	 when[32], dur[32], ex[16];
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
		util_defang(c[i].text);
		printf("%9s %8s %4s  %s%s\n", when, dur, ex,
		    c[i].approximate ? "~ " : "", c[i].text);
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

static int
commands_exec(int argc, char **argv)
{
	static const struct option longopts[] = {
		CMD_COMMON_LONGOPTS,
		{ "json", no_argument, NULL, 'j' },
		{ "grep", required_argument, NULL, 'g' },
		{ NULL, 0, NULL, 0 }
	};
	enum commands_source	 src;
	struct command		*c;
	regex_t			 re, *rep = NULL;
	glob_t			 g;
	json_t			*all = NULL;
	char			*cause = NULL, err[256];
	const char		*grep = NULL;
	size_t			 n, i;
	int			 ch, r, json = 0, rc = CMD_FAILED;

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
	if (commands_paths(argv[optind], &g, &cause) != 0) {
		cmd_error(cause);
		goto out_re;
	}
	if (json)
		all = json_array();
	for (i = 0; i < g.gl_pathc; i++) {
		if (commands_load(g.gl_pathv[i], &c, &n, &src, &cause) != 0) {
			cmd_error(cause);
			goto out;
		}
		if (json)
			commands_json(all, g.gl_pathv[i], c, n, src, rep);
		else
			commands_print(g.gl_pathv[i], c, n, src, rep,
			    g.gl_pathc > 1 || src == COMMANDS_INPUT);
		commands_free(c, n);
	}
	if (json) {
		cmd_print_json(all);
		all = NULL;
	}
	rc = CMD_OK;
out:
	json_decref(all);
	globfree(&g);
out_re:
	if (rep != NULL)
		regfree(rep);
	return rc;
}

const struct cmd_entry cmd_commands_entry = {
	"commands", "[--json] [--grep PATTERN] REC.cast|EXERCISE",
	"list the commands typed in a recording, with times and exit status",
	"One line per command: offset in the session, duration, exit status,\n"
	"the command. The source is the gateway's commands log beside the\n"
	"recording (from the guest shell's marks); without it, commands are\n"
	"rebuilt from the keys typed, without durations or exit statuses,\n"
	"and lines edited with keys that cannot be followed (history,\n"
	"completion, cursor moves) are marked '~'. An exercise id lists all\n"
	"its recordings in order.\n"
	"\n"
	"  --grep PATTERN  only commands matching the extended regex\n"
	"  --json          a JSON array, one object per command\n",
	commands_exec,
};
