/*
 * candidate.h - the candidate's account in the guest, and the briefing
 * they read when they log in.
 *
 * The image ships an account "candidate" with passwordless sudo. At up,
 * before any fault, it is renamed to the scenario's candidate.user when
 * that differs, its sudo is taken away when candidate.sudo is false,
 * /etc/motd becomes the briefing with the time limit (sshd shows it
 * at every login), and the gateway's relay key (relay_pub, an
 * authorized_keys line) lets the gateway log in as the candidate.
 */
#ifndef BREAKFIX_CANDIDATE_H
#define BREAKFIX_CANDIDATE_H

#include "inject.h"
#include "scenario.h"

struct admin;

/* The text of /etc/motd for sc (caller frees). */
char	*candidate_motd(const struct scenario *sc);

/*
 * The scripts that set up the account and the briefing, as an inject
 * plan: apply, proof, and the motd as input (release with
 * inject_plan_release). Pure: tested as text.
 */
void	 candidate_plan(const struct scenario *sc, const char *relay_pub,
	    struct inject_plan *p);

/*
 * Apply the plan through a and prove it. Returns 0, or -1 with *cause set
 * (caller frees).
 */
int	 candidate_setup(struct admin *a, const struct scenario *sc,
	    const char *relay_pub, char **cause);

#endif
