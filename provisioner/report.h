/*
 * report.h - one exercise, summed up for the hiring decision.
 *
 * Gathered from what the exercise's directory keeps after `down`:
 * exercise.json (the record), scenario.yaml (as launched), events.log
 * (every check run), audit.log and sessions/ (the gateway's), and the
 * commands of every recording (commands.h).
 */
#ifndef BREAKFIX_REPORT_H
#define BREAKFIX_REPORT_H

#include <stddef.h>
#include <time.h>

#include "commands.h"

struct report_check {
	char		*id;
	char		*describe;
	time_t		 first_pass;	/* 0: never passed */
	int		 last;		/* last run: 1 pass, 0 fail, -1 none */
};

struct report_session {
	char			*recording;
	time_t			 start;
	double			 seconds;	/* -1: unknown */
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
	struct report_session	*sessions;
	size_t			 nsessions;
	size_t			 hints_total;
	size_t			 hints_shown;
};

/* Gather the report for exercise id. 0, or -1 with *cause set. */
int	 report_load(const char *id, struct report **out, char **cause);

void	 report_free(struct report *r);

#endif
