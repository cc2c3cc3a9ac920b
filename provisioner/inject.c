/*
 * inject.c - put a scenario's faults into its guest, and prove them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest.h"
#include "inject.h"
#include "util.h"

static const char *
inject_param(const struct scenario_fault *f, const char *name)
{
	const char	*v = scenario_fault_param(f, name);

	return v != NULL ? v : "";
}

/*
 * file: write the content beside the target, set owner and mode, then
 * rename over it, so that the file never exists half-written. Proof:
 * same bytes, mode and owner.
 */
static void
inject_file(const struct scenario_fault *f, struct inject_plan *p)
{
	char	*path = util_shell_quote(inject_param(f, "path"));
	char	*owner = util_shell_quote(inject_param(f, "owner"));
	const char *mode = inject_param(f, "mode");

	xasprintf(&p->apply, "set -e\n"
	    "p=%s\n"
	    "mkdir -p -- \"$(dirname -- \"$p\")\"\n"
	    "t=$(mktemp -- \"$p.XXXXXX\")\n"
	    "cat >\"$t\"\n"
	    "chown -- %s \"$t\"\n"
	    "chmod -- %s \"$t\"\n"
	    "mv -f -- \"$t\" \"$p\"\n", path, owner, mode);
	xasprintf(&p->proof, "p=%s\n"
	    "cmp -s - \"$p\" || { echo \"$p: content differs\" >&2; exit 1; }\n"
	    "[ $((0$(stat -c %%a -- \"$p\"))) -eq $((%s)) ] ||"
	    " { echo \"$p: mode is $(stat -c %%a -- \"$p\")\" >&2; exit 1; }\n"
	    "o=%s\n"
	    "case $o in *:*) ;; *) o=\"$o:$(stat -c %%G -- \"$p\")\" ;; esac\n"
	    "[ \"$(stat -c %%U:%%G -- \"$p\")\" = \"$o\" ] ||"
	    " { echo \"$p: owner is $(stat -c %%U:%%G -- \"$p\")\" >&2; "
	    "exit 1; }\n", path, mode, owner);
	p->input = xstrdup(inject_param(f, "content"));
	free(path);
	free(owner);
}

static void
inject_remove(const struct scenario_fault *f, struct inject_plan *p)
{
	char	*path = util_shell_quote(inject_param(f, "path"));

	xasprintf(&p->apply, "rm -rf -- %s\n", path);
	xasprintf(&p->proof, "! [ -e %s ] && ! [ -L %s ]\n", path, path);
	free(path);
}

static void
inject_service(const struct scenario_fault *f, struct inject_plan *p)
{
	const char	*action = inject_param(f, "action");
	char		*unit = util_shell_quote(inject_param(f, "unit"));

	if (strcmp(action, "stop") == 0)
		xasprintf(&p->apply, "systemctl stop -- %s\n", unit);
	else
		xasprintf(&p->apply, "systemctl %s --now -- %s\n", action, unit);
	/* Not running, whatever the action; and not coming back at boot. */
	if (strcmp(action, "stop") == 0)
		xasprintf(&p->proof, "! systemctl is-active --quiet -- %s\n",
		    unit);
	else if (strcmp(action, "disable") == 0)
		xasprintf(&p->proof, "! systemctl is-active --quiet -- %s && "
		    "! systemctl is-enabled --quiet -- %s\n", unit, unit);
	else
		xasprintf(&p->proof, "! systemctl is-active --quiet -- %s && "
		    "[ \"$(systemctl is-enabled -- %s)\" = masked ]\n", unit,
		    unit);
	free(unit);
}

int
inject_plan(const struct scenario_fault *f, struct inject_plan *p,
    char **cause)
{
	const char	*k = f->kind->name;

	memset(p, 0, sizeof *p);
	if (strcmp(k, "file") == 0)
		inject_file(f, p);
	else if (strcmp(k, "remove") == 0)
		inject_remove(f, p);
	else if (strcmp(k, "service") == 0)
		inject_service(f, p);
	else if (strcmp(k, "script") == 0)
		p->apply = xstrdup(inject_param(f, "run"));
	else {
		xasprintf(cause, "fault kind '%s' cannot be applied", k);
		return -1;
	}
	return 0;
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

/* Run one script of the plan; a non-zero exit becomes *cause. */
static int
inject_step(struct guest *g, const struct scenario_fault *f,
    const char *what, const char *script, const char *input, char **cause)
{
	char	*err = NULL;
	int	 status, rc = -1;

	if (inject_root(g, script, input, INJECT_TIMEOUT_MS, &status, &err,
	    cause) != 0)
		goto out;
	if (status == -1)
		xasprintf(cause, "fault '%s': %s timed out", f->id, what);
	else if (status != 0)
		xasprintf(cause, "fault '%s': %s failed (exit %d)%s%s", f->id,
		    what, status, *err ? ": " : "", err);
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
	int			 rc = -1;

	if (inject_plan(f, &p, cause) != 0)
		return -1;
	if (inject_step(g, f, "applying it", p.apply, p.input, cause) != 0)
		goto out;
	if (p.proof != NULL && inject_step(g, f, "the proof that it took",
	    p.proof, p.input, cause) != 0)
		goto out;
	rc = 0;
out:
	inject_plan_release(&p);
	return rc;
}
