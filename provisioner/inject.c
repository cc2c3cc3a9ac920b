/*
 * inject.c - put a scenario's faults into its guest, and prove them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest.h"
#include "inject-int.h"
#include "units.h"
#include "util.h"

static const struct {
	const char	*kind;
	inject_plan_fn	 plan;
} inject_kinds[] = {
	{ "script", NULL },
	{ "file", inject_plan_file },
	{ "remove", inject_plan_remove },
	{ "chmod", inject_plan_chmod },
	{ "chown", inject_plan_chown },
	{ "immutable", inject_plan_immutable },
	{ "fill", inject_plan_fill },
	{ "inodes", inject_plan_inodes },
	{ "volume", inject_plan_volume },
	{ "service", inject_plan_service },
	{ "dropin", inject_plan_dropin },
	{ "cron", inject_plan_cron },
	{ "user", inject_plan_user },
	{ "sysctl", inject_plan_sysctl },
	{ "clock", inject_plan_clock },
	{ "hog", inject_plan_hog },
	{ "held-open", inject_plan_held },
	{ "listen", inject_plan_listen },
	{ "firewall", inject_plan_firewall },
	{ "dns", inject_plan_dns },
	{ "hosts", inject_plan_hosts },
};

const char *
inject_param(const struct scenario_fault *f, const char *name)
{
	const char	*v = scenario_fault_param(f, name);

	return v != NULL ? v : "";
}

char *
inject_quote(const struct scenario_fault *f, const char *name)
{
	return util_shell_quote(inject_param(f, name));
}

uint64_t
inject_number(const struct scenario_fault *f, const char *name)
{
	const char	*v = inject_param(f, name);
	uint64_t	 n = 0;
	char		*ignored = NULL;

	if (v[strspn(v, "0123456789")] == '\0')
		return strtoull(v, NULL, 10);
	if (units_parse_size(v, &n, &ignored) != 0)
		free(ignored);
	return n;
}

int
inject_true(const struct scenario_fault *f, const char *name)
{
	return strcmp(inject_param(f, name), "true") == 0;
}

void
inject_add(char **script, const char *fmt, ...)
{
	va_list	 ap;
	char	*more, *all;

	va_start(ap, fmt);
	xvasprintf(&more, fmt, ap);
	va_end(ap);
	if (*script == NULL) {
		*script = more;
		return;
	}
	xasprintf(&all, "%s%s", *script, more);
	free(*script);
	free(more);
	*script = all;
}

void
inject_prove_mode(char **proof, const char *mode)
{
	inject_add(proof, "[ $((0$(stat -c %%a -- \"$p\"))) -eq $((0%s)) ] ||"
	    " { echo \"$p: mode is $(stat -c %%a -- \"$p\")\" >&2; exit 1; }\n",
	    mode);
}

void
inject_prove_owner(char **proof, const char *owner)
{
	char	*q = util_shell_quote(owner);

	inject_add(proof, "o=%s\n"
	    "case $o in *:*) ;; *) o=\"$o:$(stat -c %%G -- \"$p\")\" ;; esac\n"
	    "[ \"$(stat -c %%U:%%G -- \"$p\")\" = \"$o\" ] ||"
	    " { echo \"$p: owner is $(stat -c %%U:%%G -- \"$p\")\" >&2; "
	    "exit 1; }\n", q);
	free(q);
}

/*
 * Write beside the target, set owner and mode, then rename over it, so
 * that the file never exists half-written.
 */
void
inject_put(struct inject_plan *p, const char *path, const char *owner,
    const char *mode)
{
	char	*qpath = util_shell_quote(path);
	char	*qowner = util_shell_quote(owner);

	inject_add(&p->apply, "p=%s\n"
	    "mkdir -p -- \"$(dirname -- \"$p\")\"\n"
	    "t=$(mktemp -- \"$p.XXXXXX\")\n"
	    "cat >\"$t\"\n"
	    "chown -- %s \"$t\"\n"
	    "chmod -- %s \"$t\"\n"
	    "mv -f -- \"$t\" \"$p\"\n", qpath, qowner, mode);
	inject_add(&p->proof, "p=%s\n"
	    "cmp -s - \"$p\" || { echo \"$p: content differs\" >&2; exit 1; }\n",
	    qpath);
	inject_prove_mode(&p->proof, mode);
	inject_prove_owner(&p->proof, owner);
	free(qpath);
	free(qowner);
}

int
inject_plan(const struct scenario_fault *f, struct inject_plan *p,
    char **cause)
{
	size_t	 i;

	memset(p, 0, sizeof *p);
	for (i = 0; i < nitems(inject_kinds); i++) {
		if (strcmp(inject_kinds[i].kind, f->kind->name) != 0)
			continue;
		if (inject_kinds[i].plan == NULL)
			p->apply = xstrdup(inject_param(f, "run"));
		else
			inject_kinds[i].plan(f, p);
		return 0;
	}
	xasprintf(cause, "fault kind '%s' cannot be applied", f->kind->name);
	return -1;
}

void
inject_plan_release(struct inject_plan *p)
{
	free(p->apply);
	free(p->proof);
	free(p->input);
	memset(p, 0, sizeof *p);
}

int
inject_root(struct guest *g, const char *script, const char *input,
    int timeout_ms, int *status, char **err, char **cause)
{
	struct guest_result	 res;

	memset(&res, 0, sizeof res);
	if (guest_exec_root(g, script, input, timeout_ms, &res, cause) != 0)
		return -1;
	*status = res.timed_out ? -1 : res.status;
	if (err != NULL) {
		*err = xstrndup(res.err, strcspn(res.err, "\n"));
		util_defang(*err);
	}
	guest_result_release(&res);
	return 0;
}

int
inject_step(struct guest *g, const char *what, const char *script,
    const char *input, int timeout_ms, char **cause)
{
	char	*err = NULL;
	int	 status, rc = -1;

	if (inject_root(g, script, input, timeout_ms, &status, &err,
	    cause) != 0)
		goto out;
	if (status == -1)
		xasprintf(cause, "%s timed out", what);
	else if (status != 0)
		xasprintf(cause, "%s failed (exit %d)%s%s", what, status,
		    *err ? ": " : "", err);
	else
		rc = 0;
out:
	free(err);
	return rc;
}

int
inject_apply(struct guest *g, const struct scenario_fault *f, char **cause)
{
	struct inject_plan	 p;
	char			*what = NULL;
	int			 rc = -1;

	if (inject_plan(f, &p, cause) != 0)
		return -1;
	xasprintf(&what, "fault '%s': applying it", f->id);
	if (inject_step(g, what, p.apply, p.input, INJECT_TIMEOUT_MS,
	    cause) != 0)
		goto out;
	free(what);
	xasprintf(&what, "fault '%s': the proof that it took", f->id);
	if (p.proof != NULL && inject_step(g, what, p.proof, p.input,
	    INJECT_TIMEOUT_MS, cause) != 0)
		goto out;
	rc = 0;
out:
	free(what);
	inject_plan_release(&p);
	return rc;
}
