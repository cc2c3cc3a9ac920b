/*
 * yamltree.h - a bounded YAML reader for untrusted files.
 *
 * Turns one YAML document into a small tree of scalars, sequences and
 * mappings, each node with its position. Everything that is not needed
 * for configuration files and that makes YAML dangerous is refused:
 * anchors and aliases (billion laughs), tags, more than one document,
 * NUL bytes, invalid UTF-8, nesting deeper than YAMLTREE_MAX_DEPTH and
 * more than YAMLTREE_MAX_NODES nodes. The caller bounds the input size.
 */
#ifndef BREAKFIX_YAMLTREE_H
#define BREAKFIX_YAMLTREE_H

#include <stddef.h>

#include "diag.h"

#define YAMLTREE_MAX_DEPTH	32
#define YAMLTREE_MAX_NODES	20000

enum ynode_type {
	YNODE_SCALAR,
	YNODE_SEQ,
	YNODE_MAP,
};

struct ynode {
	enum ynode_type	  type;
	unsigned	  line;		/* 1-based */
	unsigned	  col;		/* 1-based */

	/* YNODE_SCALAR */
	char		 *value;	/* NUL-terminated, never contains NUL */
	int		  plain;	/* unquoted, so may be a number or bool */
	int		  duplicate;	/* a key seen before in its mapping */

	/*
	 * YNODE_SEQ: items[0..n-1] are the elements.
	 * YNODE_MAP: items[2i] is a scalar key, items[2i+1] its value.
	 * A repeated key is reported and kept with duplicate set, so that
	 * the rest of the file is still checked; yamltree_get finds the
	 * first.
	 */
	struct ynode	**items;
	size_t		  n;
};

/*
 * Parse len bytes at buf. Returns the root node (caller frees with
 * yamltree_free), or NULL with every problem recorded in d.
 */
struct ynode	*yamltree_parse(const char *buf, size_t len, struct diag *d);

/* Free a tree; NULL is accepted. */
void		 yamltree_free(struct ynode *);

/* The value for key in map, or NULL. */
struct ynode	*yamltree_get(const struct ynode *map, const char *key);

/* Human name of a node's type for messages: "a string", "a list", ... */
const char	*yamltree_kind(const struct ynode *);

#endif
