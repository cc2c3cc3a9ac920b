/*
 * cmd-verify.c - check recordings against their hash chains.
 */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "config.h"
#include "gateway.h"
#include "record.h"
#include "util.h"

static int
verify_key(unsigned char *key, char **cause)
{
	char	*path = config_path("gateway/chain.key");
	int	 fd, rc = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    read(fd, key, GATEWAY_CHAIN_KEY_LEN) != GATEWAY_CHAIN_KEY_LEN) {
		xasprintf(cause, "cannot read the chain key '%s' (run as root "
		    "or as a member of group %s)", path, "breakfix-gw");
		goto out;
	}
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	free(path);
	return rc;
}

static int
verify_exec(int argc, char **argv)
{
	static const struct option longopts[] = {
		CMD_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	unsigned char	 key[GATEWAY_CHAIN_KEY_LEN];
	char		*cause = NULL;
	int		 ch, r, i, complete, rc = CMD_OK;

	while ((ch = cmd_getopt(&cmd_verify_entry, argc, argv, "", longopts,
	    &r)) != -1) {
		if (ch == CMD_GETOPT_STOP)
			return r;
	}
	if (optind == argc)
		return cmd_usage_error(&cmd_verify_entry, "no recording given");
	if (verify_key(key, &cause) != 0) {
		cmd_error(cause);
		return CMD_FAILED;
	}
	for (i = optind; i < argc; i++) {
		r = record_verify(argv[i], key, sizeof key, &complete, &cause);
		if (r == 0)
			printf("%s: intact%s\n", argv[i], complete ? "" :
			    ", but cut short: the session's end was not "
			    "recorded (the gateway stopped?)");
		else {
			if (cause != NULL)
				util_defang(cause);
			printf("%s: %s: %s\n", argv[i], r == 1 ? "ALTERED" :
			    "cannot check", cause ? cause : "?");
			rc = CMD_FAILED;
		}
		free(cause);
		cause = NULL;
	}
	return rc;
}

const struct cmd_entry cmd_verify_entry = {
	"verify", "REC.cast...",
	"check that recordings are exactly as the gateway wrote them",
	"Recomputes each recording's hash chain (REC.cast.chain, keyed with\n"
	"the gateway's secret) and compares. Exit status 0 if every\n"
	"recording is intact; 1 if any line was edited, removed, reordered\n"
	"or appended (the first such line is named), or a chain is missing.\n"
	"A recording the gateway could not finish (killed, crashed) is\n"
	"intact up to where it stops, and says so.\n",
	verify_exec,
};
