/*
 * inject.c - put a scenario's faults into its guest, and prove them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
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
	{ "mount", inject_plan_mount },
	{ "capability", inject_plan_capability },
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
	{ "package", inject_plan_package },
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
inject_prove_mode(char **proof, const char *mode)
{
	util_append(proof, "[ $((0$(stat -c %%a -- \"$p\"))) -eq $((0%s)) ] ||"
	    " { echo \"$p: mode is $(stat -c %%a -- \"$p\")\" >&2; exit 1; }\n",
	    mode);
}

void
inject_prove_owner(char **proof, const char *owner)
{
	char	*q = util_shell_quote(owner);

	util_append(proof, "o=%s\n"
	    "case $o in *:*) ;; *) o=\"$o:$(stat -c %%G -- \"$p\")\" ;; esac\n"
	    "[ \"$(stat -c %%U:%%G -- \"$p\")\" = \"$o\" ] ||"
	    " { echo \"$p: owner is $(stat -c %%U:%%G -- \"$p\")\" >&2; "
	    "exit 1; }\n", q);
	free(q);
}

/*
 * Write beside the target, set owner and mode, then rename over it, so
 * that the file never exists half-written. reader turns standard input
 * into the content ("cat", or "base64 -d"), and the proof reads it the
 * same way.
 */
static void
inject_put_with(struct inject_plan *p, const char *path, const char *owner,
    const char *mode, const char *reader)
{
	char	*qpath = util_shell_quote(path);
	char	*qowner = util_shell_quote(owner);
	int	 cat = strcmp(reader, "cat") == 0;

	util_append(&p->apply, "p=%s\n"
	    "mkdir -p -- \"$(dirname -- \"$p\")\"\n"
	    "t=$(mktemp -- \"$p.XXXXXX\")\n"
	    "%s >\"$t\"\n"
	    "chown -- %s \"$t\"\n"
	    "chmod -- %s \"$t\"\n"
	    "mv -f -- \"$t\" \"$p\"\n", qpath, reader, qowner, mode);
	util_append(&p->proof, "p=%s\n"
	    "%s%scmp -s - \"$p\" || { echo \"$p: content differs\" >&2; "
	    "exit 1; }\n", qpath, cat ? "" : reader, cat ? "" : " | ");
	inject_prove_mode(&p->proof, mode);
	inject_prove_owner(&p->proof, owner);
	free(qpath);
	free(qowner);
}

void
inject_put(struct inject_plan *p, const char *path, const char *owner,
    const char *mode)
{
	inject_put_with(p, path, owner, mode, "cat");
}

void
inject_put_base64(struct inject_plan *p, const char *path, const char *owner,
    const char *mode)
{
	inject_put_with(p, path, owner, mode, "base64 -d");
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
inject_root(struct admin *a, const char *script, const char *input,
    int timeout_ms, int *status, char **err, char **cause)
{
	struct guest_result	 res;
	int			 rc = -1;

	if (admin_exec(a, script, input, timeout_ms, &res, cause) != 0)
		return -1;
	if (res.tampered) {
		xasprintf(cause, "admin channel tampered: the answer over %s "
		    "lacked its nonce", admin_channel_name(admin_channel(a)));
		goto out;
	}
	*status = res.timed_out ? -1 : res.status;
	if (err != NULL) {
		*err = xstrndup(res.err, strcspn(res.err, "\n"));
		util_defang(*err);
	}
	rc = 0;
out:
	guest_result_release(&res);
	return rc;
}

int
inject_step(struct admin *a, const char *what, const char *script,
    const char *input, int timeout_ms, char **cause)
{
	char	*err = NULL;
	int	 status, rc = -1;

	if (inject_root(a, script, input, timeout_ms, &status, &err,
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
inject_apply(struct admin *a, const struct scenario_fault *f, char **cause)
{
	struct inject_plan	 p;
	char			*what = NULL;
	int			 rc = -1;

	if (inject_plan(f, &p, cause) != 0)
		return -1;
	xasprintf(&what, "fault '%s': applying it", f->id);
	if (inject_step(a, what, p.apply, p.input, INJECT_TIMEOUT_MS,
	    cause) != 0)
		goto out;
	free(what);
	xasprintf(&what, "fault '%s': the proof that it took", f->id);
	if (p.proof != NULL && inject_step(a, what, p.proof, p.input,
	    INJECT_TIMEOUT_MS, cause) != 0)
		goto out;
	rc = 0;
out:
	free(what);
	inject_plan_release(&p);
	return rc;
}
