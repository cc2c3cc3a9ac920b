/*
 * scenario.h - one break-fix exercise, read from a YAML file.
 *
 * scenario_load reads and validates a file and returns a struct scenario
 * with every default filled in, or NULL with every problem found
 * recorded in a struct diag (file:line:col: message). The format is
 * described for authors in docs/scenario-format.md.
 *
 * Files are untrusted: they are refused before parsing when larger than
 * SCENARIO_MAX_BYTES or not regular files, and every list and string has
 * a bound below.
 */
#ifndef BREAKFIX_SCENARIO_H
#define BREAKFIX_SCENARIO_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "fault.h"

#define SCENARIO_VERSION	1
#define SCENARIO_MAX_BYTES	(1024 * 1024)
#define SCENARIO_MAX_FAULTS	64
#define SCENARIO_MAX_CHECKS	64
#define SCENARIO_MAX_HINTS	32
#define SCENARIO_MAX_TAGS	16
#define SCENARIO_MAX_FIXES	64

/* The VM a scenario gets unless its `vm:` says otherwise. */
#define SCENARIO_DEFAULT_IMAGE	"debian-12"
#define SCENARIO_DEFAULT_MEMORY	(512ULL << 20)
#define SCENARIO_DEFAULT_VCPUS	1
#define SCENARIO_DEFAULT_DISK	(4ULL << 30)
#define SCENARIO_ID_MAX		40	/* name, fault and check ids */

enum scenario_difficulty {
	SCENARIO_EASY,
	SCENARIO_MEDIUM,
	SCENARIO_HARD,
};

struct scenario_param {
	const char		 *name;		/* static, from the kind */
	char			 *value;
	int			  is_default;
};

struct scenario_fault {
	char			 *id;
	const struct fault_kind	 *kind;
	char			 *describe;	/* for reviewers; may be NULL */
	struct scenario_param	 *params;	/* in the kind's order */
	size_t			  nparams;
	unsigned		  line;
	unsigned		  col;
};

struct scenario_check {
	char			 *id;
	char			 *describe;
	char			 *run;
	uint64_t		  timeout;	/* seconds */
	char			**fixes;	/* fault ids */
	size_t			  nfixes;
	unsigned		  line;
};

struct scenario_hint {
	uint64_t		  after;	/* seconds from login */
	char			 *text;
};

struct scenario {
	char			 *path;
	unsigned		  version;
	char			 *name;
	char			 *title;
	char			 *summary;
	enum scenario_difficulty  difficulty;
	char			**tags;
	size_t			  ntags;
	char			 *briefing;
	char			 *image;
	uint64_t		  memory;	/* bytes */
	unsigned		  vcpus;
	uint64_t		  disk;		/* bytes */
	uint64_t		  time_limit;	/* seconds */
	char			 *candidate_user;
	int			  candidate_sudo;
	struct scenario_fault	 *faults;
	size_t			  nfaults;
	struct scenario_check	 *checks;
	size_t			  nchecks;
	char			 *solution;
	struct scenario_hint	 *hints;	/* sorted by after */
	size_t			  nhints;
};

/*
 * Read and validate the file at path. Returns the scenario (caller frees
 * with scenario_free), or NULL with the problems in d (at least one).
 */
struct scenario	*scenario_load(const char *path, struct diag *d);

/*
 * The same for len bytes already in memory; path is used for messages
 * and recorded in the result.
 */
struct scenario	*scenario_parse(const char *path, const char *buf, size_t len,
		    struct diag *d);

/* Free sc and everything in it; NULL is accepted. */
void		 scenario_free(struct scenario *sc);

/* "easy", "medium" or "hard". */
const char	*scenario_difficulty_name(enum scenario_difficulty);

/* The value of a fault's parameter (default filled in), or NULL. */
const char	*scenario_fault_param(const struct scenario_fault *f,
		    const char *name);

#endif
