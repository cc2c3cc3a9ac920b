/*
 * variables.c - a scenario's variants: declarations, values drawn from
 * a seed, and `${{name}}` replaced in the scenario's tree.
 *
 * Everything here reads the scenario file, which is untrusted: names,
 * lists and values are bounded, values are held to a character set that
 * is harmless in a shell script, and the text a substitution makes is
 * capped at VARIABLES_TEXT_MAX.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "variables.h"

#define VS_TEXT_MAX	(1024 * 1024)	/* one field once substituted */
#define VS_REF_MAX	(VARIABLES_NAME_MAX + 16)	/* ${{ name }} */
#define VS_WORD_MIN	4
#define VS_WORD_MAX	64
#define VS_WORD_DEFAULT	12
#define VS_NUMBER_MAX	999999999ULL
#define VS_PORT_MIN	1024		/* defaults */
#define VS_PORT_MAX	65535
#define VS_PORT_SSH	22		/* the logins': never drawn */

#define VS_DIGITS	"0123456789"
#define VS_LOWER	"abcdefghijklmnopqrstuvwxyz"
#define VS_UPPER	"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define VS_CHOICE_SET	VS_LOWER VS_UPPER VS_DIGITS "._:@+/=,-"
#define VS_PATH_SET	VS_LOWER VS_UPPER VS_DIGITS "._/+@-"
#define VS_USER_SET	VS_LOWER VS_DIGITS "_-"
#define VS_WORD_SET	VS_LOWER VS_DIGITS

struct vs_type {
	const char		*name;
	enum variable_type	 type;
	const char *const	 keys[5];	/* besides type */
};

static const struct vs_type vs_types[] = {
	{ "port", VARIABLE_PORT, { "min", "max", "exclude", NULL } },
	{ "number", VARIABLE_NUMBER, { "min", "max", NULL } },
	{ "word", VARIABLE_WORD, { "length", NULL } },
	{ "choice", VARIABLE_CHOICE, { "from", NULL } },
	{ "user", VARIABLE_USER, { "from", "pattern", NULL } },
	{ "path", VARIABLE_PATH, { "from", "pattern", NULL } },
};

/* Accounts the image keeps for itself, as for candidate.user. */
static const char *const vs_reserved_users[] = {
	"root", "breakfix", "daemon", "nobody", "sshd", NULL
};

/* One field being read or substituted. */
struct vs_ctx {
	struct variables	*vs;	/* NULL: substitute nothing here */
	const char		*buf;	/* the file, for positions */
	size_t			 len;
	struct diag		*d;
	int			 key;	/* a mapping's key: never replaced */
	size_t			*placed;	/* problems placed so far */
};

const char *
variables_type_name(enum variable_type t)
{
	size_t	 i;

	for (i = 0; i < nitems(vs_types); i++) {
		if (vs_types[i].type == t)
			return vs_types[i].name;
	}
	return "?";
}

static int
vs_is_name(const char *s)
{
	size_t	 len = strlen(s);

	return len != 0 && len <= VARIABLES_NAME_MAX &&
	    strchr(VS_LOWER, s[0]) != NULL &&
	    strspn(s, VS_LOWER VS_DIGITS "_") == len;
}

/* --- the values ---------------------------------------------------- */

/* SplitMix64 (Steele, Lea and Flood, 2014): the next 64-bit number. */
static uint64_t
vs_next(uint64_t *state)
{
	uint64_t	 z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A number below n (n > 0), without modulo bias: redraw below 2^64 % n. */
static uint64_t
vs_below(uint64_t *state, uint64_t n)
{
	uint64_t	 r, threshold = -n % n;

	do
		r = vs_next(state);
	while (r < threshold);
	return r % n;
}

/* FNV-1a, 64 bits, of a variable's name: each name its own stream. */
static uint64_t
vs_fnv1a(const char *s)
{
	uint64_t	 h = 0xcbf29ce484222325ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static int
vs_excluded(const struct variable *v, uint64_t port)
{
	size_t	 i;

	if (port == VS_PORT_SSH)
		return 1;
	for (i = 0; i < v->nexclude; i++) {
		if (v->exclude[i] == port)
			return 1;
	}
	return 0;
}

/* How many ports min..max may be drawn. */
static uint64_t
vs_port_count(const struct variable *v)
{
	uint64_t	 p, n = 0;

	for (p = v->min; p <= v->max; p++)
		n += !vs_excluded(v, p);
	return n;
}

/* The k'th port of min..max that is not excluded. */
static char *
vs_draw_port(const struct variable *v, uint64_t *state)
{
	uint64_t	 k = vs_below(state, vs_port_count(v)), p;
	char		*out;

	for (p = v->min; p <= v->max; p++) {
		if (!vs_excluded(v, p) && k-- == 0)
			break;
	}
	xasprintf(&out, "%llu", (unsigned long long)p);
	return out;
}

/* A pattern: each # a digit, each ? a lowercase letter, left to right. */
static char *
vs_draw_pattern(const char *pattern, uint64_t *state)
{
	char	*out = xstrdup(pattern), *p;

	for (p = out; *p != '\0'; p++) {
		if (*p == '#')
			*p = VS_DIGITS[vs_below(state, 10)];
		else if (*p == '?')
			*p = VS_LOWER[vs_below(state, 26)];
	}
	return out;
}

static char *
vs_draw_one(const struct variable *v, uint64_t *state)
{
	char	*out;
	size_t	 i;

	switch (v->type) {
	case VARIABLE_PORT:
		return vs_draw_port(v, state);
	case VARIABLE_NUMBER:
		xasprintf(&out, "%llu", (unsigned long long)(v->min +
		    vs_below(state, v->max - v->min + 1)));
		return out;
	case VARIABLE_WORD:
		out = xmalloc(v->length + 1);
		for (i = 0; i < v->length; i++)
			out[i] = VS_WORD_SET[vs_below(state,
			    sizeof VS_WORD_SET - 1)];
		out[i] = '\0';
		return out;
	default:
		if (v->pattern != NULL)
			return vs_draw_pattern(v->pattern, state);
		return xstrdup(v->from[vs_below(state, v->nfrom)]);
	}
}

void
variables_draw(struct variables *vs, uint32_t seed)
{
	uint64_t	 state;
	size_t		 i;

	vs->seed = seed;
	for (i = 0; i < vs->n; i++) {
		state = (uint64_t)seed ^ vs_fnv1a(vs->v[i].name);
		free(vs->v[i].value);
		vs->v[i].value = vs_draw_one(&vs->v[i], &state);
	}
}

uint32_t
variables_random_seed(void)
{
	return arc4random();
}

int
variables_parse_seed(const char *s, uint32_t *seed, char **cause)
{
	unsigned long long	 u;
	char			*end;

	errno = 0;
	u = strtoull(s, &end, 10);
	if (*s == '\0' || strspn(s, VS_DIGITS) != strlen(s) || errno != 0 ||
	    u > VARIABLES_SEED_MAX) {
		xasprintf(cause, "'%s' is not a seed (a whole number from 0 "
		    "to %u)", s, VARIABLES_SEED_MAX);
		return -1;
	}
	*seed = (uint32_t)u;
	return 0;
}

/* --- declarations -------------------------------------------------- */

/* Why value is no good as a value of type t, or NULL. */
static const char *
vs_bad_value(enum variable_type t, const char *s)
{
	size_t	 len = strlen(s), i;

	if (len == 0)
		return "it is empty";
	if (len > VARIABLES_VALUE_MAX)
		return "it is longer than 128 bytes";
	if (t == VARIABLE_USER) {
		if (len > 32 || strspn(s, VS_USER_SET) != len ||
		    strchr(VS_LOWER "_", s[0]) == NULL)
			return "a user name is at most 32 lowercase letters, "
			    "digits, '_' and '-', and starts with a letter "
			    "or '_'";
		for (i = 0; vs_reserved_users[i] != NULL; i++) {
			if (strcmp(s, vs_reserved_users[i]) == 0)
				return "the image keeps that account for itself";
		}
		return NULL;
	}
	if (t == VARIABLE_PATH) {
		if (s[0] != '/' || strspn(s, VS_PATH_SET) != len)
			return "a path is absolute, made of letters, digits "
			    "and '._/+@-'";
		if (len == 1 || s[len - 1] == '/' || strstr(s, "//") != NULL ||
		    strstr(s, "/./") != NULL || strstr(s, "/../") != NULL ||
		    strcmp(s + len - 2, "/.") == 0 ||
		    (len >= 3 && strcmp(s + len - 3, "/..") == 0))
			return "a path may not be '/', end in '/', or hold "
			    "'//', '.' or '..' components";
		return NULL;
	}
	if (strspn(s, VS_CHOICE_SET) != len)
		return "values are letters, digits and '._:@+/=,-' (no spaces, "
		    "quotes or '$'), so that scripts can use them unquoted";
	return NULL;
}

/* A whole number min..max, reported against path. */
static int
vs_uint(struct diag *d, const char *path, const struct ynode *n,
    uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long	 u;

	errno = 0;
	if (n->type != YNODE_SCALAR || !n->plain || n->value[0] == '\0' ||
	    strspn(n->value, VS_DIGITS) != strlen(n->value)) {
		diag_add(d, n->line, n->col, "'%s' must be a whole number "
		    "without quotes", path);
		return -1;
	}
	u = strtoull(n->value, NULL, 10);
	if (errno != 0 || u < min || u > max) {
		diag_add(d, n->line, n->col, "'%s' is %s, out of range (%llu "
		    "to %llu)", path, n->value, (unsigned long long)min,
		    (unsigned long long)max);
		return -1;
	}
	*out = u;
	return 0;
}

/* A list of 1..VARIABLES_FROM_MAX values of v's type. */
static int
vs_from(struct diag *d, const char *path, const struct ynode *n,
    struct variable *v)
{
	const struct ynode	*it;
	const char		*why;
	size_t			 i;
	int			 rc = 0;

	if (n->type != YNODE_SEQ || n->n == 0 || n->n > VARIABLES_FROM_MAX) {
		diag_add(d, n->line, n->col, "'%s' must be a list of 1 to %d "
		    "values%s", path, VARIABLES_FROM_MAX, n->type ==
		    YNODE_SEQ && n->n == 0 ? ", not an empty one" : "");
		return -1;
	}
	v->from = xcalloc(n->n + 1, sizeof *v->from);	/* NULL-terminated */
	for (i = 0; i < n->n; i++) {
		it = n->items[i];
		if (it->type != YNODE_SCALAR)
			why = "it is not a plain value";
		else
			why = vs_bad_value(v->type, it->value);
		if (why != NULL) {
			diag_add(d, it->line, it->col, "'%s[%zu]': %s", path, i,
			    why);
			rc = -1;
			continue;
		}
		v->from[v->nfrom++] = xstrdup(it->value);
	}
	return rc;
}

/* A pattern for a user name or path: checked as its every value is. */
static int
vs_pattern(struct diag *d, const char *path, const struct ynode *n,
    struct variable *v)
{
	const char	*why = NULL;
	char		*sample, *p;

	if (n->type != YNODE_SCALAR) {
		diag_add(d, n->line, n->col, "'%s' must be text such as "
		    "svc-### ('#' a digit, '?' a letter)", path);
		return -1;
	}
	sample = xstrdup(n->value);
	for (p = sample; *p != '\0'; p++) {
		if (*p == '#' || *p == '?')
			*p = *p == '#' ? '0' : 'a';
	}
	if (v->type == VARIABLE_USER && n->value[0] == '#')
		why = "a user name cannot start with a digit";
	else
		why = vs_bad_value(v->type, sample);
	free(sample);
	if (why != NULL) {
		diag_add(d, n->line, n->col, "'%s' ('%s'): %s", path, n->value,
		    why);
		return -1;
	}
	v->pattern = xstrdup(n->value);
	return 0;
}

static int
vs_exclude(struct diag *d, const char *path, const struct ynode *n,
    struct variable *v)
{
	uint64_t	 u;
	size_t		 i;
	char		*ipath;
	int		 rc = 0;

	if (n->type != YNODE_SEQ || n->n > VARIABLES_FROM_MAX) {
		diag_add(d, n->line, n->col, "'%s' must be a list of at most "
		    "%d ports", path, VARIABLES_FROM_MAX);
		return -1;
	}
	v->exclude = xcalloc(n->n + 1, sizeof *v->exclude);
	for (i = 0; i < n->n; i++) {
		xasprintf(&ipath, "%s[%zu]", path, i);
		if (vs_uint(d, ipath, n->items[i], 1, 65535, &u) == 0)
			v->exclude[v->nexclude++] = (unsigned)u;
		else
			rc = -1;
		free(ipath);
	}
	return rc;
}

/* One key of a declaration, known to its type. */
static int
vs_key(struct diag *d, const char *path, const char *key,
    const struct ynode *n, struct variable *v)
{
	uint64_t	 u;

	if (strcmp(key, "min") == 0 || strcmp(key, "max") == 0) {
		if (vs_uint(d, path, n, v->type == VARIABLE_PORT ? 1 : 0,
		    v->type == VARIABLE_PORT ? 65535 : VS_NUMBER_MAX, &u) != 0)
			return -1;
		*(key[1] == 'i' ? &v->min : &v->max) = u;
		return 0;
	}
	if (strcmp(key, "length") == 0) {
		if (vs_uint(d, path, n, VS_WORD_MIN, VS_WORD_MAX, &u) != 0)
			return -1;
		v->length = (unsigned)u;
		return 0;
	}
	if (strcmp(key, "exclude") == 0)
		return vs_exclude(d, path, n, v);
	if (strcmp(key, "from") == 0)
		return vs_from(d, path, n, v);
	return vs_pattern(d, path, n, v);
}

/* The type named by a declaration's `type:`, or NULL (reported). */
static const struct vs_type *
vs_type_of(struct diag *d, const char *path, const struct ynode *map)
{
	const struct ynode	*n = yamltree_get(map, "type");
	const char		*names[nitems(vs_types) + 1], *near;
	size_t			 i;

	if (n == NULL) {
		diag_add(d, map->line, map->col, "missing required key 'type' "
		    "in '%s' (port, number, word, choice, user or path)", path);
		return NULL;
	}
	for (i = 0; i < nitems(vs_types); i++) {
		names[i] = vs_types[i].name;
		if (n->type == YNODE_SCALAR &&
		    strcmp(n->value, vs_types[i].name) == 0)
			return &vs_types[i];
	}
	names[i] = NULL;
	near = n->type == YNODE_SCALAR ? util_closest(n->value, names) : NULL;
	diag_add(d, n->line, n->col, "'%s.type' must be one of port, number, "
	    "word, choice, user, path%s%s%s", path, near ? " (did you mean '" :
	    "", near ? near : "", near ? "'?)" : "");
	return NULL;
}

/* Each key of a declaration: known to the type, then read. */
static int
vs_keys(struct diag *d, const char *path, const struct ynode *map,
    const struct vs_type *t, struct variable *v)
{
	const struct ynode	*key;
	const char		*near;
	char			*kpath;
	size_t			 i, j;
	int			 rc = 0;

	for (i = 0; i + 1 < map->n; i += 2) {
		key = map->items[i];
		if (key->duplicate || strcmp(key->value, "type") == 0)
			continue;
		for (j = 0; t->keys[j] != NULL; j++) {
			if (strcmp(t->keys[j], key->value) == 0)
				break;
		}
		if (t->keys[j] == NULL) {
			near = util_closest(key->value, t->keys);
			diag_add(d, key->line, key->col, "unknown key '%s' in "
			    "'%s' (a %s variable%s%s%s)", key->value, path,
			    t->name, near ? ": did you mean '" : "",
			    near ? near : "", near ? "'?" : "");
			rc = -1;
			continue;
		}
		xasprintf(&kpath, "%s.%s", path, key->value);
		if (vs_key(d, kpath, key->value, map->items[i + 1], v) != 0)
			rc = -1;
		free(kpath);
	}
	return rc;
}

/* What must hold once every key is read. */
static int
vs_complete(struct diag *d, const char *path, const struct ynode *map,
    struct variable *v)
{
	const char	*need = NULL;

	if (v->type == VARIABLE_NUMBER && (yamltree_get(map, "min") == NULL ||
	    yamltree_get(map, "max") == NULL))
		need = "'min' and 'max'";
	else if (v->type == VARIABLE_CHOICE && v->from == NULL)
		need = "'from', a list of values";
	else if ((v->type == VARIABLE_USER || v->type == VARIABLE_PATH) &&
	    (v->from == NULL) == (v->pattern == NULL))
		need = "either 'from' (a list) or 'pattern', not both";
	if (need != NULL) {
		diag_add(d, map->line, map->col, "'%s' needs %s", path, need);
		return -1;
	}
	if (v->min > v->max) {
		diag_add(d, map->line, map->col, "'%s': min (%llu) is more than "
		    "max (%llu)", path, (unsigned long long)v->min,
		    (unsigned long long)v->max);
		return -1;
	}
	if (v->type == VARIABLE_PORT && vs_port_count(v) == 0) {
		diag_add(d, map->line, map->col, "'%s': every port from %llu to "
		    "%llu is excluded (22 always is)", path,
		    (unsigned long long)v->min, (unsigned long long)v->max);
		return -1;
	}
	return 0;
}

static int
vs_one(struct diag *d, const struct ynode *key, const struct ynode *map,
    struct variable *v)
{
	const struct vs_type	*t;
	char			*path;
	int			 rc = -1;

	xasprintf(&path, "variables.%s", key->value);
	v->name = xstrdup(key->value);
	v->line = key->line;
	v->col = key->col;
	if (!vs_is_name(key->value)) {
		diag_add(d, key->line, key->col, "'%s' is not a variable name "
		    "(lowercase letters, digits and '_', starting with a "
		    "letter, at most %d)", key->value, VARIABLES_NAME_MAX);
		goto out;
	}
	if (map->type != YNODE_MAP) {
		diag_add(d, map->line, map->col, "'%s' must be a mapping such "
		    "as {type: port, min: 8000, max: 8999}", path);
		goto out;
	}
	if ((t = vs_type_of(d, path, map)) == NULL)
		goto out;
	v->type = t->type;
	v->min = t->type == VARIABLE_PORT ? VS_PORT_MIN : 0;
	v->max = t->type == VARIABLE_PORT ? VS_PORT_MAX : 0;
	v->length = VS_WORD_DEFAULT;
	if (vs_keys(d, path, map, t, v) != 0 ||
	    vs_complete(d, path, map, v) != 0)
		goto out;
	rc = 0;
out:
	free(path);
	return rc;
}

struct variables *
variables_parse(const struct ynode *node, struct diag *d)
{
	struct variables	*vs = xcalloc(1, sizeof *vs);
	size_t			 i;
	int			 bad = 0;

	if (node == NULL)
		return vs;
	if (node->type != YNODE_MAP || node->n / 2 > VARIABLES_MAX) {
		diag_add(d, node->line, node->col, "'variables' must be a "
		    "mapping of at most %d names to declarations", VARIABLES_MAX);
		variables_free(vs);
		return NULL;
	}
	vs->v = xcalloc(node->n / 2 + 1, sizeof *vs->v);
	for (i = 0; i + 1 < node->n; i += 2) {
		if (node->items[i]->duplicate)
			continue;	/* reported by yamltree */
		if (vs_one(d, node->items[i], node->items[i + 1],
		    &vs->v[vs->n++]) != 0)
			bad = 1;
	}
	if (bad) {
		variables_free(vs);
		return NULL;
	}
	variables_draw(vs, 0);
	return vs;
}

static struct variable *
vs_find(struct variables *vs, const char *name)
{
	size_t	 i;

	for (i = 0; vs != NULL && i < vs->n; i++) {
		if (strcmp(vs->v[i].name, name) == 0)
			return &vs->v[i];
	}
	return NULL;
}

const struct variable *
variables_find(const struct variables *vs, const char *name)
{
	return vs_find((struct variables *)vs, name);
}

void
variables_free(struct variables *vs)
{
	size_t	 i, j;

	if (vs == NULL)
		return;
	for (i = 0; i < vs->n; i++) {
		free(vs->v[i].name);
		free(vs->v[i].exclude);
		for (j = 0; j < vs->v[i].nfrom; j++)
			free(vs->v[i].from[j]);
		free(vs->v[i].from);
		free(vs->v[i].pattern);
		free(vs->v[i].value);
	}
	free(vs->v);
	free(vs);
}

/* --- substitution -------------------------------------------------- */

/*
 * Where the occ'th "${{" of scalar n is in the file: the node's own
 * position is where its text starts (for a block scalar, its '|'), and
 * the text of a scalar holds its "${{" in the same order as its value.
 * Columns count characters, as the YAML reader's do.
 */
static void
vs_locate(const struct vs_ctx *c, const struct ynode *n, size_t occ,
    unsigned *line, unsigned *col)
{
	const char	*p = c->buf, *end = c->buf + c->len;
	unsigned	 l = 1, k = 1;

	*line = n->line;
	*col = n->col;
	while (p < end && l < n->line) {
		if (*p++ == '\n')
			l++;
	}
	for (; p < end; k++) {
		if ((l > n->line || k >= n->col) && end - p >= 3 && memcmp(p, "${{", 3) == 0 &&
		    occ-- == 0) {
			*line = l;
			*col = k;
			return;
		}
		if (*p == '\n') {
			l++;
			k = 0;
			p++;
			continue;
		}
		do
			p++;
		while (p < end && ((unsigned char)*p & 0xc0) == 0x80);
	}
}

/* The declared names, NULL-terminated, for suggestions. */
static void
vs_names(const struct variables *vs, const char **names)
{
	size_t	 i;

	for (i = 0; i < vs->n && i < VARIABLES_MAX; i++)
		names[i] = vs->v[i].name;
	names[i] = NULL;
}

/*
 * The reference at s (just after "${{"): its name into name, and its
 * length up to and including "}}"; 0 when not closed or not a name.
 */
static size_t
vs_reference(const char *s, char *name)
{
	const char	*close;
	size_t		 a, b;

	/* Looked for near s only: "${{" after "${{" must not cost n^2. */
	close = memmem(s, strnlen(s, VS_REF_MAX + 2), "}}", 2);
	if (close == NULL)
		return 0;
	a = strspn(s, " ");
	b = (size_t)(close - s);
	while (b > a && s[b - 1] == ' ')
		b--;
	if (b - a == 0 || b - a > VARIABLES_NAME_MAX)
		return 0;
	memcpy(name, s + a, b - a);
	name[b - a] = '\0';
	return vs_is_name(name) ? (size_t)(close - s) + 2 : 0;
}

/* One reference at n's occ'th "${{", reported unless declared. */
static struct variable *
vs_resolve(const struct vs_ctx *c, const char *where, const struct ynode *n,
    size_t occ, const char *name, size_t reflen)
{
	struct variable		*v;
	const char		*names[VARIABLES_MAX + 1], *near;
	unsigned		 line, col;

	if (reflen != 0 && !c->key && c->vs != NULL &&
	    (v = vs_find(c->vs, name)) != NULL)
		return v;
	/*
	 * Only a problem is placed: a scan from the file's start. Past what
	 * a diag keeps, the node's own position does (and costs nothing).
	 */
	line = n->line;
	col = n->col;
	if ((*c->placed)++ < DIAG_MAX)
		vs_locate(c, n, occ, &line, &col);
	if (reflen == 0) {
		diag_add(c->d, line, col, "'%s': '${{' must be followed by a "
		    "variable's name and '}}' (write '$${{' for a literal "
		    "'${{')", where);
		return NULL;
	}
	if (c->key) {
		diag_add(c->d, line, col, "'%s': variables are not replaced in "
		    "keys (write '$${{' for a literal '${{')", where);
		return NULL;
	}
	if (c->vs == NULL) {
		diag_add(c->d, line, col, "'%s': variables are replaced only in "
		    "briefing, faults, checks, hints and solution, not here "
		    "(write '$${{' for a literal '${{')", where);
		return NULL;
	}
	vs_names(c->vs, names);
	near = util_closest(name, names);
	diag_add(c->d, line, col, "'%s': variable '%s' is not declared in "
	    "'variables'%s%s%s", where, name, near ? " (did you mean '" : "",
	    near ? near : "", near ? "'?)" : "");
	return NULL;
}

/* Text being made: grown by doubling, so appends cost linear time. */
struct vs_buf {
	char	*p;
	size_t	 len;
	size_t	 size;
};

/* Append len bytes, within VS_TEXT_MAX; -1 (and nothing added) past it. */
static int
vs_append(struct vs_buf *b, const char *s, size_t len)
{
	if (b->len + len > VS_TEXT_MAX)
		return -1;
	if (b->len + len + 1 > b->size) {
		while (b->len + len + 1 > b->size)
			b->size = b->size < 64 ? 64 : b->size * 2;
		b->p = xreallocarray(b->p, b->size, 1);
	}
	memcpy(b->p + b->len, s, len);
	b->len += len;
	b->p[b->len] = '\0';
	return 0;
}

/*
 * The value of scalar n with its references replaced, or NULL with the
 * problems reported (the node is then left as it was).
 */
static char *
vs_expand(const struct vs_ctx *c, const char *where, const struct ynode *n)
{
	struct variable		*v;
	const char		*s = n->value, *dollar;
	struct vs_buf		 out = { NULL, 0, 0 };
	char			 name[VS_REF_MAX + 1];
	size_t			 occ = 0, reflen;
	int			 bad = 0, full = 0;

	while ((dollar = strstr(s, "${{")) != NULL) {
		if (dollar > s && dollar[-1] == '$') {	/* "$${{" */
			full |= vs_append(&out, s, (size_t)(dollar - s));
			s = dollar + 1;
			occ++;
			continue;
		}
		full |= vs_append(&out, s, (size_t)(dollar - s));
		reflen = vs_reference(dollar + 3, name);
		if ((v = vs_resolve(c, where, n, occ++, name, reflen)) == NULL) {
			bad = 1;
			s = dollar + 3;
			continue;
		}
		v->used = 1;
		full |= vs_append(&out, v->value, strlen(v->value));
		s = dollar + 3 + reflen;
	}
	full |= vs_append(&out, s, strlen(s));
	if (full && !bad)
		diag_add(c->d, n->line, n->col, "'%s' is longer than %d KiB once "
		    "variables are replaced", where, VS_TEXT_MAX / 1024);
	if (bad || full) {
		free(out.p);
		return NULL;
	}
	return out.p != NULL ? out.p : xstrdup("");
}

/*
 * Every scalar of the tree n, values and keys; a tree is at most
 * YAMLTREE_MAX_DEPTH deep, which bounds the recursion.
 */
static void
vs_tree(const struct vs_ctx *c, const char *where, struct ynode *n)
{
	char	*path, *out, name[VS_REF_MAX + 1];
	size_t	 i;
	int	 whole;

	if (n->type == YNODE_SCALAR) {
		if (strstr(n->value, "${{") == NULL)
			return;
		whole = strncmp(n->value, "${{", 3) == 0 &&
		    vs_reference(n->value + 3, name) + 3 == strlen(n->value);
		if ((out = vs_expand(c, where, n)) != NULL && c->vs != NULL) {
			free(n->value);
			n->value = out;
			/* "${{port}}", quoted in a flow mapping, is a number */
			n->plain |= whole;
			out = NULL;	/* transferred */
		}
		free(out);
		return;
	}
	for (i = 0; i < n->n; i++) {
		if (n->type == YNODE_SEQ)
			xasprintf(&path, "%s[%zu]", where, i);
		else if (i % 2 == 1)
			xasprintf(&path, "%s.%s", where, n->items[i - 1]->value);
		else
			path = xstrdup(where);
		if (n->type == YNODE_MAP && i % 2 == 0) {
			/* keys name fields: never substituted */
			struct vs_ctx keys = *c;
			keys.vs = NULL;
			keys.key = 1;
			vs_tree(&keys, path, n->items[i]);
		} else
			vs_tree(c, path, n->items[i]);
		free(path);
	}
}

void
variables_substitute(struct variables *vs, const char *where,
    struct ynode *n, const char *buf, size_t len, struct diag *d)
{
	struct vs_ctx	 c;
	size_t		 placed = 0;

	c.vs = vs;
	c.buf = buf;
	c.len = len;
	c.d = d;
	c.key = 0;
	c.placed = &placed;
	vs_tree(&c, where, n);
}

void
variables_refuse(const char *where, const struct ynode *n, const char *buf,
    size_t len, struct diag *d)
{
	/* Nothing is replaced, so the tree is left as it is. */
	variables_substitute(NULL, where, (struct ynode *)n, buf, len, d);
}

void
variables_unused(const struct variables *vs, struct diag *warn)
{
	size_t	 i;

	for (i = 0; vs != NULL && i < vs->n; i++) {
		if (!vs->v[i].used)
			diag_add(warn, vs->v[i].line, vs->v[i].col, "warning: "
			    "variable '%s' is declared but never used",
			    vs->v[i].name);
	}
}

char *
variables_describe(const struct variable *v)
{
	char	*out, *list;

	switch (v->type) {
	case VARIABLE_PORT:
	case VARIABLE_NUMBER:
		xasprintf(&out, "%s, %llu to %llu%s", variables_type_name(
		    v->type), (unsigned long long)v->min,
		    (unsigned long long)v->max, v->nexclude != 0 ?
		    ", some excluded" : "");
		return out;
	case VARIABLE_WORD:
		xasprintf(&out, "word, %u letters and digits", v->length);
		return out;
	default:
		if (v->pattern != NULL) {
			xasprintf(&out, "%s, pattern %s",
			    variables_type_name(v->type), v->pattern);
			return out;
		}
		list = util_join((const char *const *)v->from, ", ");
		xasprintf(&out, "%s, one of %s", variables_type_name(v->type),
		    list);
		free(list);
		return out;
	}
}
