/*
 * yamltree.c - a bounded YAML reader for untrusted files.
 *
 * libyaml's event parser does the lexing; the tree is built here with an
 * explicit stack so that nesting depth is bounded by us, not by the C
 * stack, and no alias is ever expanded.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "util.h"
#include "yamltree.h"

struct yamltree_state {
	struct diag	*d;
	struct ynode	*root;
	struct ynode	*stack[YAMLTREE_MAX_DEPTH];
	size_t		 depth;
	size_t		 nodes;
	size_t		 documents;
	int		 failed;
};

/* Length of the valid UTF-8 sequence at p (at most n bytes), or 0. */
static size_t
yamltree_utf8_len(const unsigned char *p, size_t n)
{
	uint32_t	 cp;
	size_t		 len, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2;
		cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		cp = p[0] & 0x07;
	} else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	/* Overlong forms, UTF-16 surrogates and beyond U+10FFFF. */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

/* The code point of the valid UTF-8 sequence at p. */
static uint32_t
yamltree_utf8_cp(const unsigned char *p, size_t len)
{
	static const unsigned char lead_mask[] = { 0, 0x7f, 0x1f, 0x0f, 0x07 };
	uint32_t	 cp = p[0] & lead_mask[len];
	size_t		 i;

	for (i = 1; i < len; i++)
		cp = (cp << 6) | (p[i] & 0x3f);
	return cp;
}

/*
 * Characters that are not text or that move lines about: C0 controls but
 * tab, LF and CR before LF; DEL; C1 controls (NEL among them); U+2028 and
 * U+2029, which YAML counts as line breaks and editors do not.
 */
static int
yamltree_bad_char(uint32_t cp, const unsigned char *next, size_t left)
{
	if (cp == '\r')
		return left == 0 || *next != '\n';
	if (cp < 0x20)
		return cp != '\t' && cp != '\n';
	return (cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029;
}

static int
yamltree_check_encoding(const unsigned char *p, size_t len, struct diag *d)
{
	if ((len >= 2 && ((p[0] == 0xff && p[1] == 0xfe) ||
	    (p[0] == 0xfe && p[1] == 0xff))) ||
	    (len >= 4 && p[0] == 0 && p[1] == 0 && p[2] == 0xfe &&
	    p[3] == 0xff)) {
		diag_add(d, 0, 0, "file is UTF-16 or UTF-32: save it as UTF-8");
		return -1;
	}
	return 0;
}

/* Refuse bytes that are not text before libyaml sees them. */
static int
yamltree_check_bytes(const char *buf, size_t len, struct diag *d)
{
	const unsigned char	*p = (const unsigned char *)buf;
	size_t			 i, n;
	unsigned		 line = 1, col = 1;
	uint32_t		 cp;

	if (yamltree_check_encoding(p, len, d) != 0)
		return -1;
	for (i = 0; i < len; i += n, col++) {
		if (i > 0 && p[i - 1] == '\n') {
			line++;
			col = 1;
		}
		if (p[i] == '\0') {
			diag_add(d, line, col, "NUL byte: this is not a text "
			    "file");
			return -1;
		}
		if ((n = yamltree_utf8_len(p + i, len - i)) == 0) {
			diag_add(d, line, col, "invalid UTF-8 (byte 0x%02x): "
			    "scenarios must be UTF-8 text", p[i]);
			return -1;
		}
		cp = yamltree_utf8_cp(p + i, n);
		if (!yamltree_bad_char(cp, p + i + n, len - i - n))
			continue;
		if (cp == '\r')
			diag_add(d, line, col, "carriage return without a line "
			    "feed: save the file with Unix line endings");
		else if (cp == 0x2028 || cp == 0x2029)
			diag_add(d, line, col, "%s separator U+%04X is not "
			    "allowed in a scenario: use a plain newline",
			    cp == 0x2028 ? "line" : "paragraph", (unsigned)cp);
		else
			diag_add(d, line, col, "control character U+%04X is not "
			    "allowed in a scenario", (unsigned)cp);
		return -1;
	}
	return 0;
}

static void
yamltree_fail(struct yamltree_state *st, const yaml_mark_t *m,
    const char *msg)
{
	diag_add(st->d, (unsigned)m->line + 1, (unsigned)m->column + 1, "%s",
	    msg);
	st->failed = 1;
}

static void
yamltree_append(struct ynode *parent, struct ynode *child)
{
	parent->items = xreallocarray(parent->items, parent->n + 1,
	    sizeof *parent->items);
	parent->items[parent->n++] = child;
}

/*
 * A mapping receiving its key: refuse non-scalar keys; report and mark a
 * duplicate key but keep going, so later problems are found too.
 */
static int
yamltree_check_key(struct yamltree_state *st, struct ynode *map,
    struct ynode *key)
{
	size_t	 i;

	if (key->type != YNODE_SCALAR) {
		diag_add(st->d, key->line, key->col, "mapping keys must be "
		    "plain strings, not %s", yamltree_kind(key));
		return -1;
	}
	for (i = 0; i + 1 < map->n; i += 2) {
		if (strcmp(map->items[i]->value, key->value) == 0) {
			diag_add(st->d, key->line, key->col, "duplicate key "
			    "'%s' (first at line %u)", key->value,
			    map->items[i]->line);
			key->duplicate = 1;
			break;
		}
	}
	return 0;
}

/* Attach a finished node to the open collection, or make it the root. */
static int
yamltree_attach(struct yamltree_state *st, struct ynode *node)
{
	struct ynode	*parent;

	if (st->depth == 0) {
		st->root = node;
		return 0;
	}
	parent = st->stack[st->depth - 1];
	if (parent->type == YNODE_MAP && parent->n % 2 == 0 &&
	    yamltree_check_key(st, parent, node) != 0) {
		st->failed = 1;
		yamltree_free(node);
		return -1;
	}
	yamltree_append(parent, node);
	return 0;
}

static struct ynode *
yamltree_node(struct yamltree_state *st, enum ynode_type type,
    const yaml_mark_t *m)
{
	struct ynode	*node;

	if (++st->nodes > YAMLTREE_MAX_NODES) {
		yamltree_fail(st, m, "too many values in one file (limit "
		    "reached)");
		return NULL;
	}
	node = xcalloc(1, sizeof *node);
	node->type = type;
	node->line = (unsigned)m->line + 1;
	node->col = (unsigned)m->column + 1;
	return node;
}

static int
yamltree_scalar(struct yamltree_state *st, const yaml_event_t *ev)
{
	struct ynode	*node;
	const char	*v = (const char *)ev->data.scalar.value;
	size_t		 len = ev->data.scalar.length;

	if (memchr(v, '\0', len) != NULL) {
		yamltree_fail(st, &ev->start_mark, "string contains a NUL "
		    "character");
		return -1;
	}
	if ((node = yamltree_node(st, YNODE_SCALAR, &ev->start_mark)) == NULL)
		return -1;
	node->value = xstrndup(v, len);
	node->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	return yamltree_attach(st, node);
}

static int
yamltree_open(struct yamltree_state *st, const yaml_event_t *ev,
    enum ynode_type type)
{
	struct ynode	*node;

	if (st->depth == YAMLTREE_MAX_DEPTH) {
		yamltree_fail(st, &ev->start_mark, "nested too deeply");
		return -1;
	}
	if ((node = yamltree_node(st, type, &ev->start_mark)) == NULL)
		return -1;
	if (yamltree_attach(st, node) != 0)
		return -1;
	st->stack[st->depth++] = node;
	return 0;
}

/* Refuse anchors and tags, which configuration never needs. */
static int
yamltree_check_props(struct yamltree_state *st, const yaml_event_t *ev)
{
	const yaml_char_t	*anchor = NULL, *tag = NULL;

	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		anchor = ev->data.scalar.anchor;
		tag = ev->data.scalar.tag;
		break;
	case YAML_SEQUENCE_START_EVENT:
		anchor = ev->data.sequence_start.anchor;
		tag = ev->data.sequence_start.tag;
		break;
	case YAML_MAPPING_START_EVENT:
		anchor = ev->data.mapping_start.anchor;
		tag = ev->data.mapping_start.tag;
		break;
	default:
		return 0;
	}
	if (anchor != NULL) {
		yamltree_fail(st, &ev->start_mark, "anchors ('&') and aliases "
		    "('*') are not supported");
		return -1;
	}
	if (tag != NULL) {
		yamltree_fail(st, &ev->start_mark, "tags ('!') are not "
		    "supported");
		return -1;
	}
	return 0;
}

/* Handle one event; returns 1 at the end of the stream, -1 on error. */
static int
yamltree_event(struct yamltree_state *st, const yaml_event_t *ev)
{
	if (yamltree_check_props(st, ev) != 0)
		return -1;
	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (++st->documents > 1) {
			yamltree_fail(st, &ev->start_mark, "more than one YAML "
			    "document: a file holds one scenario");
			return -1;
		}
		return 0;
	case YAML_ALIAS_EVENT:
		yamltree_fail(st, &ev->start_mark, "anchors ('&') and aliases "
		    "('*') are not supported");
		return -1;
	case YAML_SCALAR_EVENT:
		return yamltree_scalar(st, ev);
	case YAML_SEQUENCE_START_EVENT:
		return yamltree_open(st, ev, YNODE_SEQ);
	case YAML_MAPPING_START_EVENT:
		return yamltree_open(st, ev, YNODE_MAP);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		st->depth--;
		return 0;
	case YAML_STREAM_END_EVENT:
		return 1;
	default:
		return 0;
	}
}

static void
yamltree_syntax_error(struct yamltree_state *st, const yaml_parser_t *p)
{
	const char	*problem = p->problem != NULL ? p->problem : "error";
	char		*where = NULL;

	/* Say where an unclosed quote or bracket began, if elsewhere. */
	if (p->context != NULL && p->context_mark.line != p->problem_mark.line)
		xasprintf(&where, " (started at line %zu, column %zu)",
		    p->context_mark.line + 1, p->context_mark.column + 1);
	diag_add(st->d, (unsigned)p->problem_mark.line + 1,
	    (unsigned)p->problem_mark.column + 1, "YAML syntax error: %s%s%s%s",
	    problem, p->context ? " " : "", p->context ? p->context : "",
	    where ? where : "");
	free(where);
	st->failed = 1;
}

struct ynode *
yamltree_parse(const char *buf, size_t len, struct diag *d)
{
	struct yamltree_state	 st;
	yaml_parser_t		 parser;
	yaml_event_t		 ev;
	int			 r = 0;

	memset(&st, 0, sizeof st);
	st.d = d;
	if (yamltree_check_bytes(buf, len, d) != 0)
		return NULL;
	if (!yaml_parser_initialize(&parser)) {
		diag_add(d, 0, 0, "cannot initialise the YAML parser");
		return NULL;
	}
	/* Columns as an editor shows them: the byte order mark is not one. */
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) {
		buf += 3;
		len -= 3;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
	while (r == 0) {
		if (!yaml_parser_parse(&parser, &ev)) {
			yamltree_syntax_error(&st, &parser);
			break;
		}
		r = yamltree_event(&st, &ev);
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	if (!st.failed && st.root == NULL) {
		diag_add(d, 0, 0, "file is empty: no scenario in it");
		st.failed = 1;
	}
	if (st.failed) {
		yamltree_free(st.root);
		return NULL;
	}
	return st.root;
}

void
yamltree_free(struct ynode *node)
{
	size_t	 i;

	if (node == NULL)
		return;
	/* Recursion is bounded by YAMLTREE_MAX_DEPTH. */
	for (i = 0; i < node->n; i++)
		yamltree_free(node->items[i]);
	free(node->items);
	free(node->value);
	free(node);
}

struct ynode *
yamltree_get(const struct ynode *map, const char *key)
{
	size_t	 i;

	if (map == NULL || map->type != YNODE_MAP)
		return NULL;
	for (i = 0; i + 1 < map->n; i += 2) {
		if (strcmp(map->items[i]->value, key) == 0)
			return map->items[i + 1];
	}
	return NULL;
}

const char *
yamltree_kind(const struct ynode *node)
{
	switch (node->type) {
	case YNODE_SCALAR:
		return "a single value";
	case YNODE_SEQ:
		return "a list";
	case YNODE_MAP:
		return "a mapping";
	}
	return "something";
}
