/*
 * inject-pkg.c - faults on installed packages: package.
 */
#include <stdlib.h>
#include <string.h>

#include "inject-int.h"
#include "util.h"

/*
 * What apt would remove along with the package must not include what
 * breakfix stands on (fault.c refuses naming those; this catches a
 * library they depend on).
 */
#define INJECT_PKG_NEEDED "apt|bash|dbus|dpkg|libc6|login|openssh-server|" \
	"passwd|qemu-guest-agent|sudo|systemd|systemd-sysv|udev"

/*
 * package: apt-get remove or purge, through dpkg's own log like an
 * administrator's. Proof: dpkg no longer has it installed (purge: not
 * even its configuration files) and, when installable, apt would
 * install it again from what the VM has (its local repository), with
 * no network.
 */
void
inject_plan_package(const struct scenario_fault *f, struct inject_plan *p)
{
	const char	*action = inject_param(f, "action");
	char		*name = inject_quote(f, "name");
	int		 purge = strcmp(action, "purge") == 0;

	xasprintf(&p->apply,
	    "export DEBIAN_FRONTEND=noninteractive\n"
	    "dpkg-query -W -f '${db:Status-Abbrev}' -- %s 2>/dev/null | "
	    "grep -q '^ii' || { echo \"package \"%s\" is not installed\" >&2; "
	    "exit 1; }\n"
	    "gone=$(apt-get -s -q %s -- %s | awk '$1 == \"Remv\" "
	    "{ print $2 }' | grep -xE '%s' | tr '\\n' ' ')\n"
	    "[ -z \"$gone\" ] || { echo \"removing \"%s\" would remove "
	    "$gone(breakfix needs them)\" >&2; exit 1; }\n"
	    "apt-get -y -q %s -- %s >/dev/null\n",
	    name, name, action, name, INJECT_PKG_NEEDED, name, action, name);
	xasprintf(&p->proof,
	    "st=$(dpkg-query -W -f '${db:Status-Abbrev}' -- %s 2>/dev/null "
	    "|| true)\n"
	    "case $st in ii*) echo \"still installed\" >&2; exit 1 ;; %s"
	    "esac\n", name, purge ?
	    "rc*) echo \"its configuration files are still there\" >&2; "
	    "exit 1 ;; " : "");
	if (inject_true(f, "installable"))
		util_append(&p->proof,
		    "apt-get -s -q -o Debug::NoLocking=1 install -- %s "
		    ">/dev/null 2>&1 || { echo \"it cannot be installed again "
		    "without a network (is it in the image's mirror:?)\" >&2; "
		    "exit 1; }\n", name);
	free(name);
}
