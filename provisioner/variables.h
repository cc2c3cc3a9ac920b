/*
 * variables.h - a scenario's variants: values drawn per exercise from a
 * seed and written into the text of the scenario.
 *
 * A scenario may declare `variables:` (a port, a number, a word, a
 * choice from a list, a user name, a path). Each exercise fills them in
 * from a 32-bit seed, and `${{name}}` in the briefing, faults, checks,
 * hints and solution is replaced by the value before the scenario is
 * read further, so every field is checked with the values it will
 * really have. `$${{` stands for a literal `${{`. The syntax cannot
 * clash with the shell: `${{` is a syntax error in sh and bash.
 *
 * Values are drawn with SplitMix64 seeded from the seed and the name
 * (variables_draw_seed below); the algorithm is part of the format
 * (docs/scenario-format.md), so a seed means the same variant in every
 * version of breakfix. Every value is made only of letters, digits and
 * `._:@+/=,-`, so it can be written unquoted in a shell script.
 */
#ifndef BREAKFIX_VARIABLES_H
#define BREAKFIX_VARIABLES_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "yamltree.h"

#define VARIABLES_MAX		32	/* per scenario */
#define VARIABLES_NAME_MAX	32
#define VARIABLES_FROM_MAX	64	/* values in a from: list */
#define VARIABLES_VALUE_MAX	128	/* bytes of one value */
#define VARIABLES_SEED_MAX	UINT32_MAX

enum variable_type {
	VARIABLE_PORT,
	VARIABLE_NUMBER,
	VARIABLE_WORD,
	VARIABLE_CHOICE,
	VARIABLE_USER,
	VARIABLE_PATH,
};

struct variable {
	char			 *name;
	enum variable_type	  type;
	uint64_t		  min, max;	/* port, number */
	unsigned		 *exclude;	/* port: never drawn */
	size_t			  nexclude;
	unsigned		  length;	/* word */
	char			**from;		/* choice; user, path */
	size_t			  nfrom;
	char			 *pattern;	/* user, path: # ? */
	char			 *value;	/* drawn for the seed */
	int			  used;
	unsigned		  line, col;
};

struct variables {
	struct variable		 *v;		/* in the file's order */
	size_t			  n;
	uint32_t		  seed;
};

/*
 * Read the declarations under `variables:` (a mapping of name to
 * mapping; NULL for none), reporting every problem in d. Returns the
 * set (caller frees with variables_free; empty when node is NULL), or
 * NULL when anything was wrong.
 */
struct variables *variables_parse(const struct ynode *node, struct diag *d);

/* Draw every value for seed (replacing earlier ones). */
void		 variables_draw(struct variables *vs, uint32_t seed);

/*
 * Replace every `${{name}}` in the scalars of the tree n (in place) by
 * the drawn values, and `$${{` by `${{`. where names the field for
 * messages; buf and len are the file's text, to place problems at the
 * line and column of the reference itself. A name not declared, or a
 * `${{` not closed, is reported in d. vs may be empty.
 */
void		 variables_substitute(struct variables *vs, const char *where,
		    struct ynode *n, const char *buf, size_t len,
		    struct diag *d);

/*
 * Report, in d, a `${{` in the tree n, a field where nothing is
 * substituted (`$${{` is fine there too: it is left as it is).
 */
void		 variables_refuse(const char *where, const struct ynode *n,
		    const char *buf, size_t len, struct diag *d);

/* Report, in warn, each variable that no substituted field uses. */
void		 variables_unused(const struct variables *vs,
		    struct diag *warn);

/* The variable called name, or NULL. */
const struct variable *variables_find(const struct variables *vs,
		    const char *name);

/*
 * One line on how v is drawn, for reviewers: "port, 20000 to 20999",
 * "choice, one of a, b". Newly allocated.
 */
char		*variables_describe(const struct variable *v);

/* "port", "number", ... */
const char	*variables_type_name(enum variable_type);

/*
 * A seed for a new exercise, from the kernel's random numbers
 * (getrandom). Never fails: falls back to the clock and pid.
 */
uint32_t	 variables_random_seed(void);

/*
 * Parse a seed as written on a command line: a decimal number from 0
 * to VARIABLES_SEED_MAX. Returns 0, or -1 with *cause set.
 */
int		 variables_parse_seed(const char *s, uint32_t *seed,
		    char **cause);

/* Free vs and everything in it; NULL is accepted. */
void		 variables_free(struct variables *vs);

#endif
