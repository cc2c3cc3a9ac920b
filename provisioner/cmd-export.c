/*
 * cmd-export.c - a recorded session as one HTML page a reviewer opens
 * anywhere, without a network: the player, the recording, and the
 * commands beside it.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "htmlexport.h"
#include "log.h"

static void
export_report(const char *out, const struct htmlexport_stats *st)
{
	if (!st->have_log)
		log_warn("no commands log beside the recording: listing its "
		    "%zu marker%s instead", st->nmarkers,
		    st->nmarkers == 1 ? "" : "s");
	if (st->log_skipped > 0)
		log_warn("%lu line%s of the commands log could not be read and "
		    "%s left out", st->log_skipped, st->log_skipped == 1 ? "" :
		    "s", st->log_skipped == 1 ? "is" : "are");
	if (st->truncated)
		log_warn("the recording's last line was cut short: left out");
	if (st->elided_from >= 0)
		log_warn("output over the recording's cap was not recorded from "
		    "%d:%04.1f on: the page says so", (int)(st->elided_from /
		    60), st->elided_from - 60 * (int)(st->elided_from / 60));
	log_info("wrote '%s': %zu events over %.0f s, %zu %s", out,
	    st->nevents, st->duration, st->have_log ? st->ncommands :
	    st->nmarkers, st->have_log ? "commands" : "markers");
}

static int
export_exec(int argc, char **argv)
{
	static const struct option longopts[] = {
		CMD_COMMON_LONGOPTS,
		{ "html", required_argument, NULL, 'o' },
		{ "commands", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 }
	};
	struct htmlexport_stats	 st;
	const char		*html = NULL, *commands = NULL;
	char			*cause = NULL;
	int			 ch, r;

	while ((ch = cmd_getopt(&cmd_export_entry, argc, argv, "", longopts,
	    &r)) != -1) {
		switch (ch) {
		case CMD_GETOPT_STOP:
			return r;
		case 'o':
			html = optarg;
			break;
		case 'c':
			commands = optarg;
			break;
		}
	}
	if (optind == argc)
		return cmd_usage_error(&cmd_export_entry, "no recording given");
	if (argc - optind > 1)
		return cmd_usage_error(&cmd_export_entry,
		    "one recording at a time");
	if (html == NULL)
		return cmd_usage_error(&cmd_export_entry,
		    "say where to write the page: --html FILE");
	if (*html == '\0')
		return cmd_usage_error(&cmd_export_entry,
		    "--html needs a file name");
	if (htmlexport_write(argv[optind], commands, html,
	    htmlexport_player_dir(), &st, &cause) != 0) {
		cmd_error(cause);
		return CMD_FAILED;
	}
	export_report(html, &st);
	return CMD_OK;
}

const struct cmd_entry cmd_export_entry = {
	"export", "[--commands LOG] RECORDING.cast --html OUT.html",
	"write a recorded session as one self-contained HTML page",
	"Writes OUT.html: asciinema-player and the recording inlined (the\n"
	"page needs no network and no other file), and beside the player the\n"
	"commands the candidate ran, from the commands log next to the\n"
	"recording (X.commands for X.cast), each with when it started and its\n"
	"exit status. Clicking a command plays the session from there. With\n"
	"no commands log, the recording's markers are listed instead.\n"
	"\n"
	"The player's files come from 'make web-player' (source tree) or\n"
	"PREFIX/share/breakfix/web-player (installed); BREAKFIX_PLAYER_DIR\n"
	"overrides both. OUT.html is replaced whole or not at all.\n"
	"\n"
	"      --html FILE      where to write the page\n"
	"      --commands LOG   the commands log to list (default: the one\n"
	"                       beside the recording)\n",
	export_exec,
};
