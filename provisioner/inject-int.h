/*
 * inject-int.h - shared by inject.c and the files that write each fault
 * kind's plan (inject-fs.c, inject-sys.c, inject-proc.c, inject-net.c,
 * inject-pkg.c).
 *
 * Every plan function fills p->apply (and usually p->proof and p->input)
 * from the fault's parameters, which the scenario reader has already
 * validated; it cannot fail. Scripts run under /bin/sh as root. A proof
 * that fails says why on its first line of standard error.
 */
#ifndef BREAKFIX_INJECT_INT_H
#define BREAKFIX_INJECT_INT_H

#include <stdint.h>

#include "inject.h"

typedef void (*inject_plan_fn)(const struct scenario_fault *,
		    struct inject_plan *);

/* The value of parameter name, or "" when it has none. */
const char	*inject_param(const struct scenario_fault *f, const char *name);

/* The value shell-quoted (caller frees). */
char		*inject_quote(const struct scenario_fault *f, const char *name);

/* A size or count parameter as a number ("0" and "64M" both work). */
uint64_t	 inject_number(const struct scenario_fault *f,
		    const char *name);

/* Is a boolean parameter "true"? */
int		 inject_true(const struct scenario_fault *f, const char *name);

/*
 * Write standard input to path, atomically, with owner and mode (all
 * unquoted; path gets quoted here); p->input must hold the content.
 * Adds to p->apply, and to p->proof the lines proving the same bytes,
 * mode and owner.
 */
void		 inject_put(struct inject_plan *p, const char *path,
		    const char *owner, const char *mode);

/*
 * The same, with p->input holding base64 (no blanks or newlines) that
 * the guest decodes: any bytes, NUL included.
 */
void		 inject_put_base64(struct inject_plan *p, const char *path,
		    const char *owner, const char *mode);

/* Proof lines: the file named by shell variable $p has mode, owner. */
void		 inject_prove_mode(char **proof, const char *mode);
void		 inject_prove_owner(char **proof, const char *owner);

void	inject_plan_file(const struct scenario_fault *, struct inject_plan *);
void	inject_plan_remove(const struct scenario_fault *, struct inject_plan *);
void	inject_plan_chmod(const struct scenario_fault *, struct inject_plan *);
void	inject_plan_chown(const struct scenario_fault *, struct inject_plan *);
void	inject_plan_immutable(const struct scenario_fault *,
	    struct inject_plan *);
void	inject_plan_mount(const struct scenario_fault *, struct inject_plan *);
void	inject_plan_capability(const struct scenario_fault *,
	    struct inject_plan *);
void	inject_plan_fill(const struct scenario_fault *, struct inject_plan *);
void	inject_plan_inodes(const struct scenario_fault *, struct inject_plan *);
void	inject_plan_volume(const struct scenario_fault *, struct inject_plan *);

void	inject_plan_service(const struct scenario_fault *,
	    struct inject_plan *);
void	inject_plan_dropin(const struct scenario_fault *, struct inject_plan *);
void	inject_plan_cron(const struct scenario_fault *, struct inject_plan *);
void	inject_plan_user(const struct scenario_fault *, struct inject_plan *);
void	inject_plan_sysctl(const struct scenario_fault *, struct inject_plan *);
void	inject_plan_clock(const struct scenario_fault *, struct inject_plan *);

void	inject_plan_hog(const struct scenario_fault *, struct inject_plan *);
void	inject_plan_held(const struct scenario_fault *, struct inject_plan *);
void	inject_plan_listen(const struct scenario_fault *, struct inject_plan *);

void	inject_plan_firewall(const struct scenario_fault *,
	    struct inject_plan *);
void	inject_plan_dns(const struct scenario_fault *, struct inject_plan *);
void	inject_plan_hosts(const struct scenario_fault *, struct inject_plan *);

void	inject_plan_package(const struct scenario_fault *,
	    struct inject_plan *);

#endif
