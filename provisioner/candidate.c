/*
 * candidate.c - the candidate's account and the briefing at login.
 */
#include <stdlib.h>
#include <string.h>

#include "candidate.h"
#include "units.h"
#include "util.h"

#define CANDIDATE_IMAGE_USER	"candidate"	/* as the image ships it */
#define CANDIDATE_TIMEOUT_MS	(60 * 1000)

char *
candidate_motd(const struct scenario *sc)
{
	char		 limit[UNITS_BUFSZ], *motd;
	const char	*b = sc->briefing;
	size_t		 len = strlen(b);

	units_format_duration(sc->time_limit, limit);
	xasprintf(&motd, "\n"
	    "  %s\n"
	    "  Time limit: %s\n"
	    "\n"
	    "%s%s"
	    "\n"
	    "  (This briefing stays in /etc/motd.)\n"
	    "\n", sc->title, limit, b, len > 0 && b[len - 1] == '\n' ? "" :
	    "\n");
	return motd;
}

void
candidate_plan(const struct scenario *sc, const char *relay_pub,
    struct inject_plan *p)
{
	char	*user = util_shell_quote(sc->candidate_user);
	char	*key = util_shell_quote(relay_pub);

	memset(p, 0, sizeof *p);
	xasprintf(&p->apply, "set -e\n"
	    "u=%s\n"
	    "if [ \"$u\" != " CANDIDATE_IMAGE_USER " ]; then\n"
	    "    if id -u \"$u\" >/dev/null 2>&1; then\n"
	    "        echo \"the image already has an account $u\" >&2\n"
	    "        exit 1\n"
	    "    fi\n"
	    "    usermod -l \"$u\" -d \"/home/$u\" -m -c \"$u\" "
	    CANDIDATE_IMAGE_USER "\n"
	    "    groupmod -n \"$u\" " CANDIDATE_IMAGE_USER "\n"
	    "fi\n"
	    "rm -f /etc/sudoers.d/" CANDIDATE_IMAGE_USER "\n"
	    "%s"
	    "h=$(getent passwd \"$u\" | cut -d: -f6)\n"
	    "g=$(id -gn \"$u\")\n"
	    "install -d -m 0700 -o \"$u\" -g \"$g\" \"$h/.ssh\"\n"
	    "printf '%%s\\n' %s >\"$h/.ssh/authorized_keys\"\n"
	    "chown \"$u:$g\" \"$h/.ssh/authorized_keys\"\n"
	    "chmod 0600 \"$h/.ssh/authorized_keys\"\n"
	    "t=$(mktemp /etc/motd.XXXXXX)\n"
	    "cat >\"$t\"\n"
	    "chmod 0644 \"$t\"\n"
	    "mv -f \"$t\" /etc/motd\n", user, sc->candidate_sudo ?
	    "printf '%s ALL=(ALL:ALL) NOPASSWD: ALL\\n' \"$u\" "
	    ">/etc/sudoers.d/" CANDIDATE_IMAGE_USER "\n"
	    "chmod 0440 /etc/sudoers.d/" CANDIDATE_IMAGE_USER "\n"
	    "usermod -a -G sudo \"$u\"\n" :
	    "gpasswd -d \"$u\" sudo >/dev/null 2>&1 || true\n", key);
	xasprintf(&p->proof, "u=%s\n"
	    "id -u \"$u\" >/dev/null || { echo \"no account $u\" >&2; "
	    "exit 1; }\n"
	    "cmp -s - /etc/motd || { echo '/etc/motd differs' >&2; exit 1; }\n"
	    "h=$(getent passwd \"$u\" | cut -d: -f6)\n"
	    "grep -qxF -- %s \"$h/.ssh/authorized_keys\" ||"
	    " { echo \"the gateway's key is not in $h/.ssh/authorized_keys\" "
	    ">&2; exit 1; }\n"
	    "%s", user, key, sc->candidate_sudo ?
	    "sudo -n -l -U \"$u\" 2>/dev/null | grep -q 'NOPASSWD: ALL' ||"
	    " { echo \"$u cannot use sudo\" >&2; exit 1; }\n" :
	    "! sudo -n -l -U \"$u\" 2>/dev/null | grep -q '(ALL' ||"
	    " { echo \"$u can still use sudo\" >&2; exit 1; }\n");
	p->input = candidate_motd(sc);
	free(user);
	free(key);
}

int
candidate_setup(struct admin *a, const struct scenario *sc,
    const char *relay_pub, char **cause)
{
	struct inject_plan	 p;
	int			 rc = -1;

	candidate_plan(sc, relay_pub, &p);
	if (inject_step(a, "setting up the candidate's account", p.apply,
	    p.input, CANDIDATE_TIMEOUT_MS, cause) != 0 ||
	    inject_step(a, "the proof of the candidate's account", p.proof,
	    p.input, CANDIDATE_TIMEOUT_MS, cause) != 0)
		goto out;
	rc = 0;
out:
	inject_plan_release(&p);
	return rc;
}
