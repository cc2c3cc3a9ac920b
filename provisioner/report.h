/*
 * report.h - one exercise, summed up for the hiring decision.
 *
 * Gathered from what the exercise's directory keeps after `down`:
 * exercise.json (the record), scenario.yaml (as launched), events.log
 * (every check run, and what happened to the admin channel), audit.log and sessions/ (the gateway's), and the
 * commands of every recording (commands.h).
 */
#ifndef BREAKFIX_REPORT_H
#define BREAKFIX_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "commands.h"
#include "exercise.h"

struct report_check {
	char		*id;
	char		*describe;
	const char	*where;		/* "host" or "guest" (static) */
	time_t		 first_pass;	/* 0: never passed */
	int		 last;		/* last run: 1 pass, 0 fail, -1 none */
};

/* What happened to the admin channel: each kind of event, first seen. */
struct report_admin {
	time_t		 time;
	char		*status;	/* lost, fallback, tampered, altered */
	char		*detail;
};

#define REPORT_ADMIN_MAX	64	/* distinct events kept */

struct report_session {
	char			*recording;
	time_t			 start;
	double			 seconds;	/* -1: unknown */
	double			 elided_from;	/* output over the recording's
						   cap left out from here;
						   -1: none */
	unsigned long long	 elided;	/* bytes of it, if known */
	struct command		*commands;
	size_t			 ncommands;
	enum commands_source	 source;
};

struct report {
	char			*id;
	char			*scenario;
	char			*title;
	char			*difficulty;
	char			*candidate;
	char			*state;
	unsigned long long	 time_limit;	/* seconds */
	time_t			 created;
	time_t			 downed;	/* 0 while up */
	time_t			 first_login;	/* 0: never */
	time_t			 last_check;	/* 0: never after up */
	struct report_check	*checks;
	size_t			 nchecks;
	struct report_admin	*admin;		/* in the order first seen */
	size_t			 nadmin;
	struct report_session	*sessions;
	size_t			 nsessions;
	size_t			 hints_total;
	size_t			 hints_shown;
	/* The candidate's variant (n 0 without variables), and as a line. */
	struct exercise_variant	 variant;
	char			*variant_line;
};

/* Gather the report for exercise id. 0, or -1 with *cause set. */
int	 report_load(const char *id, struct report **out, char **cause);

void	 report_free(struct report *r);

#endif
