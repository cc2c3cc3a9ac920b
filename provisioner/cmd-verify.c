/*
 * cmd-verify.c - check recordings against their seals.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "gateway.h"
#include "seal.h"
#include "util.h"
#include "verify.h"

/* Exit statuses beyond cmd.h's. */
#define VERIFY_EXIT_CUT		3	/* cut short, the session over */
#define VERIFY_EXIT_UNREAD	4	/* a file could not be read */

/* The key's path: --key, else the gateway's public half. */
static struct seal_key *
verify_key(const char *file, char **cause)
{
	struct seal_key	*k;
	char		*path = NULL, *seal;

	if (file == NULL) {
		seal = gateway_seal_key_path();
		xasprintf(&path, "%s.pub", seal);
		free(seal);
		file = path;
	}
	k = seal_key_public(file, cause);
	free(path);
	return k;
}

/* ", sealed as NAME (exercise ID)" for a renamed copy, else "". */
static const char *
verify_renamed(const char *path, const struct verify_result *res)
{
	static char	 buf[sizeof res->name + sizeof res->exercise + 64];
	const char	*slash = strrchr(path, '/');

	if (strcmp(slash != NULL ? slash + 1 : path, res->name) == 0)
		return "";
	snprintf(buf, sizeof buf, ", sealed as %s (exercise %s)", res->name,
	    res->exercise);
	return buf;
}

/* One recording: its line of output and its exit status. */
static int
verify_one(const char *path, struct seal_key *k)
{
	struct verify_result	 res;
	char			*cause = NULL;
	int			 rc;

	if (verify_recording(path, k, &res, &cause) != 0) {
		util_defang(cause);
		printf("%s: cannot check: %s\n", path, cause);
		free(cause);
		return VERIFY_EXIT_UNREAD;
	}
	if (res.why != NULL)
		util_defang(res.why);
	switch (res.verdict) {
	case VERIFY_INTACT:
		printf("%s: intact (%llu lines, its end sealed)%s\n", path,
		    res.lines, verify_renamed(path, &res));
		rc = CMD_OK;
		break;
	case VERIFY_LIVE:
		printf("%s: intact so far: its session is still going (%llu "
		    "of %llu lines sealed)%s\n", path, res.sealed, res.lines,
		    verify_renamed(path, &res));
		rc = CMD_OK;
		break;
	case VERIFY_CUT:
		printf("%s: CUT SHORT: %s\n", path, res.why);
		rc = VERIFY_EXIT_CUT;
		break;
	default:
		printf("%s: ALTERED: %s\n", path, res.why);
		rc = CMD_FAILED;
		break;
	}
	free(res.why);
	return rc;
}

static int
verify_exec(int argc, char **argv)
{
	static const struct option longopts[] = {
		CMD_COMMON_LONGOPTS,
		{ "key", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 }
	};
	struct seal_key	*k;
	const char	*file = NULL;
	char		*cause = NULL;
	int		 ch, r, i, rc = CMD_OK;

	while ((ch = cmd_getopt(&cmd_verify_entry, argc, argv, "k:",
	    longopts, &r)) != -1) {
		if (ch == CMD_GETOPT_STOP)
			return r;
		if (ch == 'k')
			file = optarg;
	}
	if (optind == argc)
		return cmd_usage_error(&cmd_verify_entry, "no recording given");
	if ((k = verify_key(file, &cause)) == NULL) {
		cmd_error(cause);
		return VERIFY_EXIT_UNREAD;
	}
	/* The worst verdict decides: altered, then unreadable, then cut. */
	for (i = optind; i < argc; i++) {
		r = verify_one(argv[i], k);
		if (r == CMD_FAILED || (r != CMD_OK && rc != CMD_FAILED &&
		    (rc == CMD_OK || r == VERIFY_EXIT_UNREAD)))
			rc = r;
	}
	seal_key_free(k);
	return rc;
}

const struct cmd_entry cmd_verify_entry = {
	"verify", "[--key FILE] REC.cast...",
	"check that recordings are exactly as the gateway sealed them",
	"Recomputes each recording's chain and checks it against the seals\n"
	"the gateway signed as the session went (REC.cast.seal), with the\n"
	"gateway's public key: no secret is needed, and nobody but the\n"
	"gateway's listener can make a seal.\n"
	"\n"
	"  --key FILE  the public key (default: the gateway's, STATE/gateway/\n"
	"              seal_ed25519.pub; copy it to check elsewhere)\n"
	"\n"
	"Exit status: 0 every recording intact (or intact so far, its session\n"
	"still going); 1 one was altered: a line edited, removed, reordered\n"
	"or appended, or its chain or seals changed (the first such line is\n"
	"named); 3 one was cut short: its session ended without its end\n"
	"being sealed (the connection was killed or the gateway stopped), so\n"
	"what is there is authentic but may not be all; 4 a file could not\n"
	"be read.\n",
	verify_exec,
};
