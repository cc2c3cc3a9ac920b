/*
 * cmd-replay.c - play a recorded session back in the terminal, or print
 * its output when there is no terminal.
 *
 * The terminal is put in raw mode for the keys and must come back
 * whatever happens: the end, q, ^C (a key in raw mode), SIGINT, SIGTERM
 * or SIGHUP (handlers only set a flag the player polls), or an error.
 * Everything after replay_raw goes through replay_restore.
 */
#include <sys/ioctl.h>

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cast.h"
#include "cmd.h"
#include "log.h"
#include "marks.h"
#include "player.h"
#include "units.h"
#include "util.h"

#define REPLAY_IDLE_LIMIT	2.0	/* seconds, unless the header says */

static volatile sig_atomic_t	 replay_signal;

static const int replay_signals[] = { SIGINT, SIGTERM, SIGHUP };

static void
replay_on_signal(int sig)
{
	replay_signal = sig;
}

/* A plain decimal number: "90", "1.5", ".5". Returns 0 or -1. */
static int
replay_parse_number(const char *s, double *out)
{
	size_t	 n = strspn(s, "0123456789");
	char	*end;

	if (s[n] == '.')
		n += 1 + strspn(s + n + 1, "0123456789");
	if (*s == '\0' || s[n] != '\0' || strcmp(s, ".") == 0)
		return -1;
	*out = strtod(s, &end);
	return *end == '\0' && isfinite(*out) ? 0 : -1;
}

/* Seconds as a number (1.5) or a duration (1m30s). */
static int
replay_parse_time(const char *s, double *out, char **cause)
{
	uint64_t	 v;

	if (replay_parse_number(s, out) == 0)
		return 0;
	if (units_parse_duration(s, &v, cause) != 0)
		return -1;
	*out = (double)v;
	return 0;
}

static const char *
replay_option_name(int ch)
{
	switch (ch) {
	case 'i':
		return "idle-limit";
	case 'f':
		return "from";
	}
	return "to";
}

static int
replay_options(int argc, char **argv, struct player_opts *o, int *idle_set)
{
	static const struct option longopts[] = {
		CMD_COMMON_LONGOPTS,
		{ "speed", required_argument, NULL, 's' },
		{ "idle-limit", required_argument, NULL, 'i' },
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	const struct cmd_entry	*e = &cmd_replay_entry;
	char			*cause = NULL;
	double			 v;
	int			 ch, r;

	while ((ch = cmd_getopt(e, argc, argv, "", longopts, &r)) != -1) {
		if (ch == CMD_GETOPT_STOP)
			return r;
		if (ch == 's' && replay_parse_number(optarg, &v) != 0)
			return cmd_usage_error(e, "--speed: '%s' is not a "
			    "number", optarg);
		if (ch != 's' && replay_parse_time(optarg, &v, &cause) != 0) {
			r = cmd_usage_error(e, "--%s: %s",
			    replay_option_name(ch), cause);
			free(cause);
			return r;
		}
		switch (ch) {
		case 's':
			if (v < PLAYER_SPEED_MIN || v > PLAYER_SPEED_MAX)
				return cmd_usage_error(e, "--speed must be "
				    "from %g to %g", PLAYER_SPEED_MIN,
				    PLAYER_SPEED_MAX);
			o->speed = v;
			break;
		case 'i':
			if (v <= 0)
				return cmd_usage_error(e, "--idle-limit must "
				    "be more than 0");
			o->idle_limit = v;
			*idle_set = 1;
			break;
		case 'f':
			o->from = v;
			break;
		case 't':
			o->to = v;
			break;
		}
	}
	if (o->to <= o->from)
		return cmd_usage_error(e, "--to must be after --from");
	if (optind == argc)
		return cmd_usage_error(e, "no recording given");
	if (optind + 1 < argc)
		return cmd_usage_error(e, "one recording at a time");
	return CMD_OK;
}

/* What the reader noticed that the reviewer should know. */
static void
replay_notes(const struct cast_file *f, const struct player *p)
{
	const struct cast_notes	*n = cast_file_notes(f);
	const char		*path = cast_file_path(f);
	double			 t = player_elided(p);

	if (n->truncated)
		log_warn("%s: the last line is cut short (the recording was "
		    "not finished): played up to the line before", path);
	if (n->backwards)
		log_warn("%s: event times go backwards in places: played in "
		    "file order", path);
	if (n->skipped > 0)
		log_debug("%s: %lu events of kinds other than o, i, r and m "
		    "skipped", path, n->skipped);
	if (t >= 0)
		log_warn("%s: output over the recording's cap was not recorded "
		    "from %d:%04.1f on: the screen stops changing there", path,
		    (int)(t / 60), t - 60 * (int)(t / 60));
}

static void
replay_check_size(const struct cast_header *h)
{
	struct winsize	 ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) != 0 || ws.ws_col == 0)
		return;
	if (ws.ws_col < h->width || ws.ws_row < h->height)
		log_warn("this terminal is %ux%u, smaller than the recording's "
		    "%ux%u: lines will wrap or scroll differently",
		    ws.ws_col, ws.ws_row, h->width, h->height);
}

static void
replay_handlers(int install, struct sigaction *old)
{
	struct sigaction	 sa;
	size_t			 i;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = replay_on_signal;	/* no SA_RESTART: wake poll */
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < nitems(replay_signals); i++) {
		if (install)
			sigaction(replay_signals[i], &sa, &old[i]);
		else
			sigaction(replay_signals[i], &old[i], NULL);
	}
}

/* Raw mode on fd, keeping its settings in *saved. */
static int
replay_raw(int fd, struct termios *saved, char **cause)
{
	struct termios	 t;

	if (tcgetattr(fd, saved) != 0) {
		xasprintf(cause, "cannot read the terminal's settings: %s",
		    strerror(errno));
		return -1;
	}
	t = *saved;
	t.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR |
	    ICRNL | IXON);
	t.c_oflag &= ~OPOST;
	t.c_lflag &= ~(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	t.c_cflag &= ~(CSIZE | PARENB);
	t.c_cflag |= CS8;
	t.c_cc[VMIN] = 0;		/* read(2) never blocks */
	t.c_cc[VTIME] = 0;
	if (tcsetattr(fd, TCSANOW, &t) != 0) {
		xasprintf(cause, "cannot set up the terminal: %s",
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* Undo what the recording and replay_raw did; cursor on a new line. */
static void
replay_restore(int fd, const struct termios *saved)
{
	static const char	 reset[] = PLAYER_RESET "\r\n";
	size_t			 off = 0;
	ssize_t			 n;

	while (off < sizeof reset - 1) {
		n = write(STDOUT_FILENO, reset + off, sizeof reset - 1 - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	tcsetattr(fd, TCSANOW, saved);
}

/* On the terminal, with the keys. */
static int
replay_play(struct player *p, const char *path, char **cause)
{
	struct sigaction	 old[nitems(replay_signals)];
	struct termios		 saved;
	char			*commands = marks_path(path);
	char			*why = NULL;
	int			 rc;

	if (player_add_commands(p, commands, &why) != 0) {
		log_warn("%s (n jumps to markers only)", why);
		free(why);
	}
	free(commands);
	replay_signal = 0;
	replay_handlers(1, old);
	if (replay_raw(STDIN_FILENO, &saved, cause) != 0) {
		replay_handlers(0, old);
		return -1;
	}
	rc = player_play(p, STDIN_FILENO, STDOUT_FILENO, &replay_signal,
	    cause);
	replay_restore(STDIN_FILENO, &saved);
	replay_handlers(0, old);
	if (rc == 0 && replay_signal != 0) {
		xasprintf(cause, "stopped by %s", replay_signal == SIGINT ?
		    "SIGINT" : replay_signal == SIGTERM ? "SIGTERM" :
		    "SIGHUP");
		rc = -1;
	}
	return rc;
}

static int
replay_exec(int argc, char **argv)
{
	struct player_opts	 o = { 1, REPLAY_IDLE_LIMIT, 0, HUGE_VAL };
	const struct cast_header *h;
	struct player		*p = NULL;
	struct cast_file	*f = NULL;
	char			*cause = NULL;
	int			 idle_set = 0, rc;

	if ((rc = replay_options(argc, argv, &o, &idle_set)) != CMD_OK)
		return rc;
	rc = CMD_FAILED;
	if ((f = cast_open(argv[optind], &cause)) == NULL)
		goto out;
	h = cast_file_header(f);
	if (!idle_set && h->idle_time_limit > 0)
		o.idle_limit = h->idle_time_limit;
	if ((p = player_new(f, &o, &cause)) == NULL)
		goto out;
	replay_notes(f, p);
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		if (player_dump(p, STDOUT_FILENO, &cause) == 0)
			rc = CMD_OK;
		goto out;
	}
	replay_check_size(h);
	if (replay_play(p, cast_file_path(f), &cause) == 0)
		rc = CMD_OK;
out:
	if (cause != NULL)
		cmd_error(cause);
	player_free(p);
	cast_close(f);
	return rc;
}

const struct cmd_entry cmd_replay_entry = {
	"replay", "[--speed N] [--idle-limit S] [--from T] [--to T] REC.cast",
	"play a recorded session back in the terminal",
	"Plays the recording's output with its original timing, pauses\n"
	"capped. Times (T, S) are seconds (90, 1.5) or durations (1m30s) on\n"
	"the recording's own clock, the one REC.commands uses. Keys:\n"
	"\n"
	"  space          pause or resume\n"
	"  + -            double or halve the speed\n"
	"  right, left    5 seconds forward or back\n"
	"  n              jump to the next command (REC.commands) or marker\n"
	"  q, ^C          quit\n"
	"\n"
	"Without a terminal (standard input or output not a tty), the output\n"
	"between --from and --to is printed at once with no delays, as\n"
	"'asciinema cat' prints it.\n"
	"\n"
	"  --speed N        play N times as fast (default 1)\n"
	"  --idle-limit S   pause no longer than S (default: the recording's\n"
	"                   idle_time_limit, else 2 seconds)\n"
	"  --from T         start at T, the screen as it was then\n"
	"  --to T           stop at T\n",
	replay_exec,
};
