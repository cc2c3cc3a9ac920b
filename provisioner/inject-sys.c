/*
 * inject-sys.c - faults on the system's configuration: service, dropin,
 * cron, user, sysctl, clock.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "inject-int.h"
#include "units.h"
#include "util.h"

void
inject_plan_service(const struct scenario_fault *f, struct inject_plan *p)
{
	const char	*action = inject_param(f, "action");
	char		*unit = inject_quote(f, "unit");

	if (strcmp(action, "disable") == 0 || strcmp(action, "mask") == 0 ||
	    strcmp(action, "enable") == 0)
		xasprintf(&p->apply, "systemctl %s --now -- %s\n", action, unit);
	else
		xasprintf(&p->apply, "systemctl %s -- %s\n", action, unit);

	if (strcmp(action, "stop") == 0)
		xasprintf(&p->proof, "! systemctl is-active --quiet -- %s\n",
		    unit);
	else if (strcmp(action, "disable") == 0)
		xasprintf(&p->proof, "! systemctl is-active --quiet -- %s && "
		    "! systemctl is-enabled --quiet -- %s\n", unit, unit);
	else if (strcmp(action, "mask") == 0)
		xasprintf(&p->proof, "! systemctl is-active --quiet -- %s && "
		    "[ \"$(systemctl is-enabled -- %s)\" = masked ]\n", unit,
		    unit);
	else if (strcmp(action, "enable") == 0)
		xasprintf(&p->proof, "systemctl is-active --quiet -- %s && "
		    "systemctl is-enabled --quiet -- %s\n", unit, unit);
	else if (strcmp(action, "reload") == 0)
		xasprintf(&p->proof, "systemctl is-active --quiet -- %s ||"
		    " { echo %s' is not running after its reload' >&2; "
		    "exit 1; }\n", unit, unit);
	else
		xasprintf(&p->proof, "systemctl is-active --quiet -- %s\n",
		    unit);
	free(unit);
}

/*
 * dropin: /etc/systemd/system/UNIT.d/NAME, then daemon-reload; proof
 * that systemd now reads it (a drop-in for a unit that does not exist,
 * or in a misspelt directory, would silently do nothing).
 */
void
inject_plan_dropin(const struct scenario_fault *f, struct inject_plan *p)
{
	const char	*unit = inject_param(f, "unit");
	char		*full, *path, *comment, *qunit, *qcomment;

	if (strchr(unit, '.') == NULL)
		xasprintf(&full, "%s.service", unit);
	else
		full = xstrdup(unit);
	xasprintf(&path, "/etc/systemd/system/%s.d/%s", full,
	    inject_param(f, "name"));
	xasprintf(&comment, "# %s", path);
	qunit = util_shell_quote(full);
	qcomment = util_shell_quote(comment);

	util_append(&p->apply, "set -e\n");
	p->input = xstrdup(inject_param(f, "content"));
	inject_put(p, path, "root:root", "0644");
	util_append(&p->apply, "systemctl daemon-reload\n");
	if (inject_true(f, "restart"))
		util_append(&p->apply, "systemctl restart -- %s || true\n",
		    qunit);
	util_append(&p->proof, "systemctl cat -- %s 2>/dev/null | "
	    "grep -qxF -- %s ||"
	    " { echo \"systemd does not read $p\" >&2; exit 1; }\n",
	    qunit, qcomment);
	free(full);
	free(path);
	free(comment);
	free(qunit);
	free(qcomment);
}

void
inject_plan_cron(const struct scenario_fault *f, struct inject_plan *p)
{
	char	*path;

	xasprintf(&path, "/etc/cron.d/%s", inject_param(f, "name"));
	xasprintf(&p->input, "SHELL=/bin/sh\n"
	    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n"
	    "%s %s %s\n", inject_param(f, "schedule"), inject_param(f, "user"),
	    inject_param(f, "command"));
	util_append(&p->apply, "set -e\n");
	inject_put(p, path, "root:root", "0644");
	free(path);
}

/* Groups: each must exist; the user's primary group cannot be left. */
static void
inject_user_groups(struct inject_plan *p, const char *name, const char *list,
    int add)
{
	util_append(&p->apply, "set -e\n"
	    "u=%s\n"
	    "for g in $(echo '%s' | tr , ' '); do\n"
	    "    getent group \"$g\" >/dev/null ||"
	    " { echo \"group '$g' does not exist\" >&2; exit 1; }\n", name,
	    list);
	if (add)
		util_append(&p->apply, "done\n"
		    "usermod -a -G '%s' \"$u\"\n", list);
	else
		util_append(&p->apply, "    [ \"$(id -gn \"$u\")\" != \"$g\" ] ||"
		    " { echo \"'$g' is $u's primary group\" >&2; exit 1; }\n"
		    "    gpasswd -d \"$u\" \"$g\" >/dev/null\n"
		    "done\n");
	util_append(&p->proof, "u=%s\n"
	    "m=\" $(id -nG \"$u\") \"\n"
	    "for g in $(echo '%s' | tr , ' '); do\n"
	    "    case $m in *\" $g \"*) %s ;; *) %s ;; esac\n"
	    "done\n", name, list,
	    add ? "" : "echo \"$u is still in $g\" >&2; exit 1",
	    add ? "echo \"$u is not in $g\" >&2; exit 1" : "");
}

void
inject_plan_user(const struct scenario_fault *f, struct inject_plan *p)
{
	const char	*action = inject_param(f, "action");
	char		*name = inject_quote(f, "name");
	char		*shell = inject_quote(f, "shell");

	if (strcmp(action, "lock") == 0) {
		xasprintf(&p->apply, "usermod -L %s\n", name);
		xasprintf(&p->proof, "[ \"$(passwd -S %s | cut -d' ' -f2)\" = "
		    "L ] || { echo %s': password not locked' >&2; exit 1; }\n",
		    name, name);
	} else if (strcmp(action, "unlock") == 0) {
		/* passwd -S says L for '*' too: look for lock's '!' itself. */
		xasprintf(&p->apply, "usermod -U %s\n", name);
		xasprintf(&p->proof, "case $(getent shadow %s | cut -d: -f2) in "
		    "'!'*) echo %s': password still locked' >&2; exit 1 ;; "
		    "esac\n", name, name);
	} else if (strcmp(action, "expire") == 0) {
		xasprintf(&p->apply, "usermod -e 1 %s\n", name);
		xasprintf(&p->proof, "[ \"$(getent shadow %s | cut -d: -f8)\" "
		    "= 1 ] || { echo %s': account not expired' >&2; exit 1; }\n",
		    name, name);
	} else if (strcmp(action, "unexpire") == 0) {
		xasprintf(&p->apply, "usermod -e '' %s\n", name);
		xasprintf(&p->proof, "[ -z \"$(getent shadow %s | cut -d: -f8)\" "
		    "] || { echo %s': account still expires' >&2; exit 1; }\n",
		    name, name);
	} else if (strcmp(action, "shell") == 0) {
		xasprintf(&p->apply, "usermod -s %s %s\n", shell, name);
		xasprintf(&p->proof, "[ \"$(getent passwd %s | cut -d: -f7)\" "
		    "= %s ] || { echo %s': shell not changed' >&2; exit 1; }\n",
		    name, shell, name);
	} else
		inject_user_groups(p, name, inject_param(f, "groups"),
		    strcmp(action, "add-groups") == 0);
	free(name);
	free(shell);
}

/*
 * sysctl: set now, and in /etc/sysctl.d when persist is true. The proof
 * compares what the kernel reports, whitespace squeezed (some values are
 * lists separated by tabs).
 */
void
inject_plan_sysctl(const struct scenario_fault *f, struct inject_plan *p)
{
	const char	*key = inject_param(f, "key");
	char		*setting, *qsetting, *qkey, *qvalue, *file, *s;

	xasprintf(&setting, "%s=%s", key, inject_param(f, "value"));
	qsetting = util_shell_quote(setting);
	qkey = util_shell_quote(key);
	qvalue = inject_quote(f, "value");
	util_append(&p->apply, "set -e\nsysctl -q -w %s\n", qsetting);
	if (inject_true(f, "persist")) {
		xasprintf(&file, "/etc/sysctl.d/60-%s.conf", key);
		for (s = file + strlen("/etc/sysctl.d/"); *s != '\0'; s++) {
			if (*s == '/')
				*s = '.';
		}
		xasprintf(&p->input, "%s = %s\n", key, inject_param(f, "value"));
		inject_put(p, file, "root:root", "0644");
		free(file);
	}
	util_append(&p->proof, "v=$(sysctl -n %s | tr -s ' \\t' ' ')\n"
	    "[ \"$v\" = \"$(printf '%%s' %s | tr -s ' \\t' ' ')\" ] ||"
	    " { echo %s\" is $v\" >&2; exit 1; }\n", qkey, qvalue, qkey);
	free(setting);
	free(qsetting);
	free(qkey);
	free(qvalue);
}

/*
 * clock: move the system clock; the real-time clock (which QEMU keeps
 * on the host's time) is left alone, so the proof measures the skew
 * against it, and so can the candidate (timedatectl shows both).
 */
void
inject_plan_clock(const struct scenario_fault *f, struct inject_plan *p)
{
	const char	*v = inject_param(f, "offset");
	uint64_t	 secs = 0;
	int64_t		 off;
	char		*ignored = NULL;

	if (units_parse_duration(v + (*v == '+' || *v == '-'), &secs,
	    &ignored) != 0)
		free(ignored);
	off = *v == '-' ? -(int64_t)secs : (int64_t)secs;
	xasprintf(&p->apply, "date -s \"@$(( $(date +%%s) + (%" PRId64 ") ))\""
	    " >/dev/null\n", off);
	xasprintf(&p->proof, "r=/sys/class/rtc/rtc0/since_epoch\n"
	    "[ -r $r ] || { echo 'no real-time clock to compare with' >&2; "
	    "exit 1; }\n"
	    "d=$(( $(date +%%s) - $(cat $r) ))\n"
	    "e=$(( d - (%" PRId64 ") ))\n"
	    "[ \"${e#-}\" -le 30 ] ||"
	    " { echo \"the clock is $d s off the real-time clock\" >&2; "
	    "exit 1; }\n", off);
}
