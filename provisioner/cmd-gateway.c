/*
 * cmd-gateway.c - run the candidates' SSH gateway.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "gateway.h"
#include "record.h"
#include "units.h"
#include "util.h"

/*
 * ADDR, ADDR:PORT, [V6]:PORT or :PORT, split in arg: a copy of the
 * option that o->listen may point into (the caller frees it), so that
 * ps still shows the command line as given.
 */
static int
gateway_parse_listen(char *arg, struct gateway_opts *o)
{
	char	*colon, *end;
	long	 port;

	if (*arg == '[') {
		if ((colon = strstr(arg, "]:")) == NULL)
			return -1;
		*colon = '\0';
		o->listen = arg + 1;
		colon++;
	} else if ((colon = strrchr(arg, ':')) != NULL &&
	    strchr(arg, ':') == colon) {
		*colon = '\0';
		if (*arg != '\0')
			o->listen = arg;
	} else {
		o->listen = arg;
		return 0;
	}
	port = strtol(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || port < 1 || port > 65535)
		return -1;
	o->port = (unsigned)port;
	return 0;
}

/* A number of seconds from 1 to a day, or -1. */
static int
gateway_seconds(const char *s)
{
	char	*end;
	long	 v;

	v = strtol(s, &end, 10);
	return *s == '\0' || *end != '\0' || v < 1 || v > 86400 ? -1 : (int)v;
}

/* --record-max: a size, from GATEWAY_RECORD_MIN. */
static int
gateway_record_max(const char *s, struct gateway_opts *o)
{
	char	*cause = NULL, min[UNITS_BUFSZ];
	int	 rc;

	if (units_parse_size(s, &o->record_max, &cause) != 0) {
		rc = cmd_usage_error(&cmd_gateway_entry, "--record-max: %s",
		    cause);
		free(cause);
		return rc;
	}
	if (o->record_max < GATEWAY_RECORD_MIN)
		return cmd_usage_error(&cmd_gateway_entry, "--record-max must "
		    "be at least %s", units_format_size(GATEWAY_RECORD_MIN,
		    min));
	return 0;
}

/*
 * The options into o (*listen: the copy --listen points into, caller
 * frees; *connection: set for a connection's process). Returns 0, or
 * the exit status to return now.
 */
static int
gateway_options(int argc, char **argv, struct gateway_opts *o,
    char **listen, const char **connection)
{
	static const struct option longopts[] = {
		CMD_COMMON_LONGOPTS,
		{ "listen", required_argument, NULL, 'l' },
		{ "advertise", required_argument, NULL, 'a' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "new-host-key", no_argument, NULL, 'N' },
		{ "login-grace", required_argument, NULL, 'g' },
		{ "max-startups", required_argument, NULL, 'm' },
		{ "record-max", required_argument, NULL, 'R' },
		/* The gateway's own: one connection's process. */
		{ "connection", required_argument, NULL, 'X' },
		{ NULL, 0, NULL, 0 }
	};
	const struct cmd_entry	*e = &cmd_gateway_entry;
	int			 ch, r;

	while ((ch = cmd_getopt(e, argc, argv, "l:a:f", longopts, &r)) !=
	    -1) {
		switch (ch) {
		case CMD_GETOPT_STOP:
			return r;
		case 'l':
			free(*listen);
			*listen = xstrdup(optarg);
			o->listen = "0.0.0.0";
			o->port = GATEWAY_PORT;
			if (gateway_parse_listen(*listen, o) != 0)
				return cmd_usage_error(e, "--listen wants ADDR, "
				    "ADDR:PORT or :PORT");
			break;
		case 'a':
			o->advertise = optarg;
			break;
		case 'f':
			o->foreground = 1;
			break;
		case 'N':
			o->new_host_key = 1;
			break;
		case 'g':
			if ((o->login_grace = gateway_seconds(optarg)) == -1)
				return cmd_usage_error(e, "--login-grace wants "
				    "seconds, from 1 to 86400");
			break;
		case 'm':
			if (gateway_parse_startups(optarg, o->startups) != 0)
				return cmd_usage_error(e, "--max-startups wants "
				    "START:RATE:FULL, e.g. %s", GATEWAY_STARTUPS);
			break;
		case 'R':
			if ((r = gateway_record_max(optarg, o)) != 0)
				return r;
			break;
		case 'X':
			*connection = optarg;
			break;
		}
	}
	if (optind != argc)
		return cmd_usage_error(e, "no arguments expected");
	return 0;
}

static int
gateway_exec(int argc, char **argv)
{
	struct gateway_opts	 o;
	const char		*connection = NULL;
	char			*cause = NULL, *listen = NULL;
	int			 rc;

	memset(&o, 0, sizeof o);
	o.listen = "0.0.0.0";
	o.port = GATEWAY_PORT;
	o.login_grace = GATEWAY_LOGIN_GRACE;
	o.record_max = RECORD_OUTPUT_MAX;
	(void)gateway_parse_startups(GATEWAY_STARTUPS, o.startups);
	if ((rc = gateway_options(argc, argv, &o, &listen, &connection)) != 0)
		goto out;
	rc = CMD_FAILED;
	if (connection != NULL)
		gateway_connection(connection, &o, &cause);
	else if (gateway_run(&o, &cause) == 0)
		rc = CMD_OK;
	if (rc != CMD_OK)
		cmd_error(cause);
out:
	free(listen);
	return rc;
}

const struct cmd_entry cmd_gateway_entry = {
	"gateway", "[--listen ADDR:PORT] [--advertise HOST] [--foreground] "
	    "[--login-grace SECONDS] [--max-startups START:RATE:FULL] "
	    "[--record-max SIZE] [--new-host-key]",
	"run the SSH gateway candidates log in through (root)",
	"Candidates log in with 'ssh -p PORT EXERCISE@HOST' and the password\n"
	"(or key) that 'up' gave them. The gateway relays their terminal to\n"
	"the exercise's VM and records it in the exercise's sessions/.\n"
	"\n"
	"  --listen ADDR:PORT  where to listen (default 0.0.0.0:2222)\n"
	"  --advertise HOST    the host name 'up' tells candidates (default\n"
	"                      this machine's name)\n"
	"  --foreground        stay attached, log to stderr (default: go to\n"
	"                      the background, log to gateway/gateway.log)\n"
	"  --login-grace S     seconds a connection has to log in (default 20)\n"
	"  --max-startups START:RATE:FULL\n"
	"                      connections not logged in yet: from START on,\n"
	"                      refuse a new one with probability RATE %,\n"
	"                      rising to all at FULL (default 10:30:50)\n"
	"  --record-max SIZE   output a session's recording keeps, in bytes\n"
	"                      of the .cast (default 64M, at least 64K); past\n"
	"                      it output is relayed but not recorded, and a\n"
	"                      marker says how much was left out\n"
	"  --new-host-key      make a new host key when it is missing (on the\n"
	"                      first start one is made anyway; after that a\n"
	"                      missing key is an error, as candidates would\n"
	"                      be warned of a changed host key)\n",
	gateway_exec,
};
