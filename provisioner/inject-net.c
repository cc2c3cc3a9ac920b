/*
 * inject-net.c - faults on the network: firewall, dns, hosts.
 */
#include <stdlib.h>
#include <string.h>

#include "inject-int.h"
#include "util.h"

/*
 * firewall: one rule in table inet filter (made if missing, as Debian's
 * stock /etc/nftables.conf makes it), saved to /etc/nftables.conf with
 * nftables.service enabled and started, so that a reboot keeps it. The
 * apply script proves itself: the rule nft reported adding must be in
 * the live ruleset, and the saved file must load.
 */
void
inject_plan_firewall(const struct scenario_fault *f, struct inject_plan *p)
{
	const char	*chain = inject_param(f, "direction");
	const char	*host = inject_param(f, "host");
	const char	*port = inject_param(f, "port");
	char		*rule = NULL;
	size_t		 len;

	if (*host != '\0') {
		len = strlen(host);
		util_append(&rule, "ip %s %.*s ",
		    strcmp(chain, "input") == 0 ? "saddr" : "daddr",
		    len > 3 && strcmp(host + len - 3, "/32") == 0 ?
		    (int)len - 3 : (int)len, host);
	}
	if (*port != '\0')
		util_append(&rule, "%s dport %s ", inject_param(f, "protocol"),
		    port);
	util_append(&rule, "%s", inject_param(f, "action"));

	xasprintf(&p->apply, "set -e\n"
	    "c=%s\n"
	    "nft list table inet filter >/dev/null 2>&1 ||"
	    " nft add table inet filter\n"
	    "nft list chain inet filter $c >/dev/null 2>&1 ||\n"
	    "    nft add chain inet filter $c"
	    " \"{ type filter hook $c priority 0; policy accept; }\"\n"
	    "h=$(nft --echo --handle add rule inet filter $c %s |\n"
	    "    sed -n 's/.*# handle \\([0-9][0-9]*\\)$/\\1/p')\n"
	    "[ -n \"$h\" ] || { echo 'nft did not report the new rule' >&2; "
	    "exit 1; }\n"
	    "{ echo '#!/usr/sbin/nft -f'; echo 'flush ruleset'; "
	    "nft list ruleset; } >/etc/nftables.conf.new\n"
	    "nft -c -f /etc/nftables.conf.new\n"
	    "mv -f /etc/nftables.conf.new /etc/nftables.conf\n"
	    "systemctl enable --quiet --now nftables.service\n"
	    "nft -a list chain inet filter $c | grep -q \"# handle $h\\$\" ||"
	    " { echo 'the rule is not in the ruleset' >&2; exit 1; }\n",
	    chain, rule);
	free(rule);
}

void
inject_plan_dns(const struct scenario_fault *f, struct inject_plan *p)
{
	const char	*ns = inject_param(f, "nameserver");

	if (*ns == '\0')
		ns = "192.0.2.53";
	if (strcmp(inject_param(f, "break"), "nsswitch") == 0) {
		xasprintf(&p->apply, "sed -i -E '/^hosts:/ "
		    "s/[[:space:]]+(dns|resolve)([[:space:]]+\\[[^]]*\\])?//g' "
		    "/etc/nsswitch.conf\n");
		xasprintf(&p->proof, "grep -q '^hosts:' /etc/nsswitch.conf && "
		    "! grep -Eq '^hosts:.*[[:space:]](dns|resolve)([[:space:]]|$)'"
		    " /etc/nsswitch.conf ||"
		    " { echo 'nsswitch.conf still resolves hosts by DNS' >&2; "
		    "exit 1; }\n");
		return;
	}
	xasprintf(&p->apply, "set -e\n"
	    "t=$(mktemp /etc/resolv.conf.XXXXXX)\n"
	    "grep -v '^[[:space:]]*nameserver[[:space:]]' /etc/resolv.conf "
	    ">\"$t\" || true\n"
	    "echo 'nameserver %s' >>\"$t\"\n"
	    "chmod 0644 \"$t\"\n"
	    "mv -f \"$t\" /etc/resolv.conf\n", ns);
	xasprintf(&p->proof, "[ \"$(awk '$1 == \"nameserver\" { print $2 }' "
	    "/etc/resolv.conf)\" = '%s' ] ||"
	    " { echo 'resolv.conf names other servers' >&2; exit 1; }\n", ns);
}

/*
 * hosts: take name off every line of /etc/hosts, then add "address
 * name"; proof by the resolver itself (getent, its files source: asking
 * DNS too would wait for a resolver the guest may not have).
 */
void
inject_plan_hosts(const struct scenario_fault *f, struct inject_plan *p)
{
	const char	*name = inject_param(f, "name");
	const char	*addr = inject_param(f, "address");

	xasprintf(&p->apply, "set -e\n"
	    "t=$(mktemp /etc/hosts.XXXXXX)\n"
	    "awk -v n='%s' '{\n"
	    "    hit = 0\n"
	    "    for (i = 2; i <= NF; i++) if ($i == n) hit = 1\n"
	    "    if (!hit || $1 ~ /^#/) { print; next }\n"
	    "    out = $1; k = 0\n"
	    "    for (i = 2; i <= NF; i++) if ($i != n) { out = out \"\\t\" $i; "
	    "k++ }\n"
	    "    if (k > 0) print out\n"
	    "}' /etc/hosts >\"$t\"\n"
	    "printf '%%s\\t%%s\\n' '%s' '%s' >>\"$t\"\n"
	    "chmod 0644 \"$t\"\n"
	    "mv -f \"$t\" /etc/hosts\n", name, addr, name);
	xasprintf(&p->proof, "a=$(getent -s files hosts '%s' |"
	    " awk '{ print $1; exit }')\n"
	    "[ \"$a\" = '%s' ] || { echo \"%s resolves to ${a:-nothing}\" >&2; "
	    "exit 1; }\n", name, addr, name);
}
