/*
 * cmd-gateway.c - run the candidates' SSH gateway.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "gateway.h"
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

static int
gateway_exec(int argc, char **argv)
{
	static const struct option longopts[] = {
		CMD_COMMON_LONGOPTS,
		{ "listen", required_argument, NULL, 'l' },
		{ "advertise", required_argument, NULL, 'a' },
		{ "foreground", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	struct gateway_opts	 o;
	char			*cause = NULL, *listen = NULL;
	int			 ch, r, rc = CMD_FAILED;

	memset(&o, 0, sizeof o);
	o.listen = "0.0.0.0";
	o.port = GATEWAY_PORT;
	while ((ch = cmd_getopt(&cmd_gateway_entry, argc, argv, "l:a:f",
	    longopts, &r)) != -1) {
		switch (ch) {
		case CMD_GETOPT_STOP:
			rc = r;
			goto out;
		case 'l':
			free(listen);
			listen = xstrdup(optarg);
			o.listen = "0.0.0.0";
			o.port = GATEWAY_PORT;
			if (gateway_parse_listen(listen, &o) != 0) {
				rc = cmd_usage_error(&cmd_gateway_entry,
				    "--listen wants ADDR, ADDR:PORT or :PORT");
				goto out;
			}
			break;
		case 'a':
			o.advertise = optarg;
			break;
		case 'f':
			o.foreground = 1;
			break;
		}
	}
	if (optind != argc) {
		rc = cmd_usage_error(&cmd_gateway_entry,
		    "no arguments expected");
		goto out;
	}
	if (gateway_run(&o, &cause) != 0) {
		cmd_error(cause);
		goto out;
	}
	rc = CMD_OK;
out:
	free(listen);
	return rc;
}

const struct cmd_entry cmd_gateway_entry = {
	"gateway", "[--listen ADDR:PORT] [--advertise HOST] [--foreground]",
	"run the SSH gateway candidates log in through (root)",
	"Candidates log in with 'ssh -p PORT EXERCISE@HOST' and the password\n"
	"(or key) that 'up' gave them. The gateway relays their terminal to\n"
	"the exercise's VM and records it in the exercise's sessions/.\n"
	"\n"
	"  --listen ADDR:PORT  where to listen (default 0.0.0.0:2222)\n"
	"  --advertise HOST    the host name 'up' tells candidates (default\n"
	"                      this machine's name)\n"
	"  --foreground        stay attached, log to stderr (default: go to\n"
	"                      the background, log to gateway/gateway.log)\n",
	gateway_exec,
};
