/*
 * inject-proc.c - faults that are processes: hog (CPU or memory),
 * held-open (a deleted file kept open), listen (a port taken).
 *
 * Each installs a small Python program as /usr/local/bin/NAME, so that
 * ps, top and ss show NAME, and starts it: as a transient systemd unit
 * NAME.service (respawn: none), from /etc/cron.d/NAME every minute when
 * it is not running (respawn: cron), or as an enabled unit with
 * Restart=always (respawn: unit).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "inject-int.h"
#include "util.h"

#define INJECT_BIN	"/usr/local/bin/"

/* s as a Python string literal. */
static char *
inject_py_quote(const char *s)
{
	char	*out = xmalloc(2 * strlen(s) + 3), *o = out;

	*o++ = '\'';
	for (; *s != '\0'; s++) {
		if (*s == '\\' || *s == '\'')
			*o++ = '\\';
		*o++ = *s;
	}
	*o++ = '\'';
	*o = '\0';
	return out;
}

/* Install p->input as the program NAME. */
static void
inject_program(struct inject_plan *p, const char *name)
{
	util_append(&p->apply, "set -e\n"
	    "b=" INJECT_BIN "%s\n"
	    "t=$(mktemp -- \"$b.XXXXXX\")\n"
	    "cat >\"$t\"\n"
	    "chmod 0755 \"$t\"\n"
	    "mv -f -- \"$t\" \"$b\"\n", name);
}

static void
inject_start(struct inject_plan *p, const char *name, const char *user,
    const char *respawn)
{
	char	*quser = util_shell_quote(user);

	if (strcmp(respawn, "unit") == 0) {
		util_append(&p->apply, "printf '%%s\\n' '[Unit]' "
		    "'Description=%s' '' '[Service]' "
		    "'ExecStart=" INJECT_BIN "%s' 'User='%s "
		    "'Restart=always' 'RestartSec=2' '' '[Install]' "
		    "'WantedBy=multi-user.target' "
		    ">/etc/systemd/system/%s.service\n"
		    "systemctl daemon-reload\n"
		    "systemctl enable --quiet --now %s.service\n", name, name,
		    quser, name, name);
	} else {
		if (strcmp(respawn, "cron") == 0)
			util_append(&p->apply, "printf '%%s\\n' "
			    "'SHELL=/bin/sh' "
			    "'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:"
			    "/usr/bin:/sbin:/bin' "
			    "'* * * * * '%s' pgrep -x %s >/dev/null || "
			    INJECT_BIN "%s >/dev/null 2>&1 &' "
			    ">/etc/cron.d/%s\n", quser, name, name, name);
		util_append(&p->apply, "systemd-run --quiet --collect "
		    "--unit=%s --uid=%s -- " INJECT_BIN "%s\n", name, quser,
		    name);
	}
	free(quser);
}

/* Proof lines: NAME runs as USER within 10 s; $pid is its oldest. */
static void
inject_prove_running(struct inject_plan *p, const char *name,
    const char *user)
{
	char	*quser = util_shell_quote(user);

	util_append(&p->proof, "i=0\n"
	    "until pid=$(pgrep -o -x -u %s %s); do\n"
	    "    i=$((i + 1))\n"
	    "    [ $i -le 20 ] || { echo 'no process %s running as '%s >&2; "
	    "exit 1; }\n"
	    "    sleep 0.5\n"
	    "done\n", quser, name, name, quser);
	free(quser);
}

void
inject_plan_hog(const struct scenario_fault *f, struct inject_plan *p)
{
	const char	*name = inject_param(f, "name");
	const char	*user = inject_param(f, "user");
	uint64_t	 bytes = inject_number(f, "memory");
	int		 memory = strcmp(inject_param(f, "load"), "memory") == 0;

	if (memory)
		xasprintf(&p->input, "#!/usr/bin/python3\n"
		    "import time\n"
		    "size = %" PRIu64 "\n"
		    "cache = bytearray(size)\n"
		    "for i in range(0, size, 4096):\n"
		    "    cache[i] = 1\n"
		    "while True:\n"
		    "    time.sleep(3600)\n", bytes);
	else
		p->input = xstrdup("#!/usr/bin/python3\n"
		    "n = 0\n"
		    "while True:\n"
		    "    n = (n * 7 + 1) % 1000003\n");
	inject_program(p, name);
	inject_start(p, name, user, inject_param(f, "respawn"));
	inject_prove_running(p, name, user);
	if (memory)
		util_append(&p->proof, "i=0\n"
		    "while :; do\n"
		    "    kb=$(awk '$1 == \"VmRSS:\" { print $2 }' "
		    "/proc/$pid/status)\n"
		    "    [ $((${kb:-0} * 1024)) -lt %" PRIu64 " ] || break\n"
		    "    i=$((i + 1))\n"
		    "    [ $i -le 120 ] || { echo \"%s holds only ${kb:-0} KiB\" "
		    ">&2; exit 1; }\n"
		    "    sleep 0.5\n"
		    "done\n", bytes / 10 * 9, name);
}

/*
 * held-open: the program writes size bytes of log lines to path and
 * keeps it open; once written, the file is deleted from under it.
 */
void
inject_plan_held(const struct scenario_fault *f, struct inject_plan *p)
{
	const char	*name = inject_param(f, "name");
	const char	*user = inject_param(f, "user");
	char		*pypath = inject_py_quote(inject_param(f, "path"));
	char		*path = inject_quote(f, "path");
	uint64_t	 bytes = inject_number(f, "size");

	xasprintf(&p->input, "#!/usr/bin/python3\n"
	    "import time\n"
	    "path = %s\n"
	    "size = %" PRIu64 "\n"
	    "block = b''.join(b'%%06d DEBUG %s: flushed batch, queue depth %%d\\n'"
	    " %% (i, i %% 97) for i in range(1024))\n"
	    "written = 0\n"
	    "with open(path, 'ab', buffering=0) as log:\n"
	    "    try:\n"
	    "        while written < size:\n"
	    "            written += log.write(block[:size - written])\n"
	    "    except OSError:\n"
	    "        pass\n"
	    "    while True:\n"
	    "        time.sleep(3600)\n", pypath, bytes, name);
	inject_program(p, name);
	inject_start(p, name, user, "none");
	util_append(&p->apply, "f=%s\n"
	    "i=0\n"
	    "while :; do\n"
	    "    s=$(stat -c %%s -- \"$f\" 2>/dev/null || echo 0)\n"
	    "    [ \"$s\" -lt %" PRIu64 " ] || break\n"
	    "    pgrep -x %s >/dev/null ||"
	    " { echo \"%s exited before writing $f\" >&2; exit 1; }\n"
	    "    [ \"$s\" -eq 0 ] ||\n"
	    "        [ \"$(stat -f -c %%a -- \"$(dirname -- \"$f\")\")\" -gt 0 ]"
	    " || break\n"
	    "    i=$((i + 1))\n"
	    "    [ $i -le 600 ] || { echo \"%s wrote only $s bytes\" >&2; "
	    "exit 1; }\n"
	    "    sleep 0.5\n"
	    "done\n"
	    "rm -f -- \"$f\"\n", path, bytes, name, name, name);
	inject_prove_running(p, name, user);
	util_append(&p->proof, "f=%s\n"
	    "! [ -e \"$f\" ] || { echo \"$f is still there\" >&2; exit 1; }\n"
	    "for fd in /proc/$pid/fd/*; do\n"
	    "    [ \"$(readlink \"$fd\")\" != \"$f (deleted)\" ] || exit 0\n"
	    "done\n"
	    "echo \"%s does not hold $f open\" >&2\n"
	    "exit 1\n", path, name);
	free(pypath);
	free(path);
}

void
inject_plan_listen(const struct scenario_fault *f, struct inject_plan *p)
{
	const char	*name = inject_param(f, "name");
	const char	*user = inject_param(f, "user");
	const char	*addr = inject_param(f, "address");
	const char	*port = inject_param(f, "port");

	xasprintf(&p->input, "#!/usr/bin/python3\n"
	    "import socket\n"
	    "s = socket.socket(socket.%s)\n"
	    "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
	    "s.bind(('%s', %s))\n"
	    "s.listen(64)\n"
	    "while True:\n"
	    "    c, _ = s.accept()\n"
	    "    c.close()\n", strchr(addr, ':') ? "AF_INET6" : "AF_INET", addr,
	    port);
	inject_program(p, name);
	inject_start(p, name, user, inject_param(f, "respawn"));
	inject_prove_running(p, name, user);
	util_append(&p->proof, "i=0\n"
	    "until ss -Hltnp 'sport = :%s' | grep -qF '((\"%s\",'; do\n"
	    "    i=$((i + 1))\n"
	    "    [ $i -le 20 ] || { echo 'port %s is not held by %s' >&2; "
	    "exit 1; }\n"
	    "    sleep 0.5\n"
	    "done\n", port, name, port, name);
}
