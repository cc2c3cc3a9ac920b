/*
 * scenario.c - one break-fix exercise, read from a YAML file.
 *
 * The YAML tree (yamltree.c) is walked with a table of fields per
 * mapping; every handler reports its own problems and carries on, so one
 * run of `breakfix validate` lists everything wrong with a file.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "derived.h"
#include "fault.h"
#include "scenario.h"
#include "units.h"
#include "util.h"
#include "yamltree.h"

#define SC_TITLE_MAX	80
#define SC_SUMMARY_MAX	500
#define SC_LINE_MAX	200		/* describe texts */
#define SC_BRIEFING_MAX	(16 * 1024)
#define SC_SCRIPT_MAX	(64 * 1024)	/* run, solution, fault params */
#define SC_HINT_MAX	2048
#define SC_TAG_MAX	32
#define SC_USER_MAX	32

#define SC_MEMORY_MIN	(128ULL << 20)
#define SC_MEMORY_MAX	(16ULL << 30)
#define SC_DISK_MIN	(1ULL << 30)
#define SC_DISK_MAX	(256ULL << 30)
#define SC_VCPUS_MAX	16
#define SC_XDISK_MIN	(64ULL << 20)	/* vm: disks: */
#define SC_XDISK_MAX	(64ULL << 30)
#define SC_LVM_NAME_MAX	32
#define SC_LIMIT_MIN	(5 * 60)
#define SC_LIMIT_MAX	(24 * 3600)
#define SC_TIMEOUT_MIN	1
#define SC_TIMEOUT_MAX	(30 * 60)
#define SC_TIMEOUT_DEFAULT 30

struct sc_ctx {
	struct diag	*d;
	struct scenario	*sc;
	int		 bad_time_limit;	/* hints cannot be compared */
	int		 bad_variables;		/* nothing else is read */
};

static void	sc_free_strv(char **, size_t);

typedef void sc_field_fn(struct sc_ctx *, const char *, struct ynode *,
    void *);

struct sc_field {
	const char	*key;
	int		 required;
	sc_field_fn	*fn;
};

static const char *const sc_difficulties[] = {
	"easy", "medium", "hard", NULL
};

/* Users the image keeps for itself. */
static const char *const sc_reserved_users[] = {
	"root", "breakfix", "daemon", "nobody", "sshd", NULL
};

/* "vm" + "memory" -> "vm.memory"; "" + "name" -> "name". */
static char *
sc_path(const char *where, const char *key)
{
	char	*p;

	if (*where == '\0')
		return xstrdup(key);
	xasprintf(&p, "%s.%s", where, key);
	return p;
}

static char *
sc_item_path(const char *where, size_t i)
{
	char	*p;

	xasprintf(&p, "%s[%zu]", where, i);
	return p;
}

/* No value: empty in any style ("", |), or a plain ~ or null. */
static int
sc_is_null(const struct ynode *n)
{
	return n->type == YNODE_SCALAR && (n->value[0] == '\0' ||
	    (n->plain && (strcmp(n->value, "~") == 0 ||
	    strcmp(n->value, "null") == 0)));
}

/* A scalar with a value, or a problem reported against path. */
static int
sc_scalar(struct sc_ctx *c, const char *path, struct ynode *n,
    const char *what)
{
	if (n->type != YNODE_SCALAR) {
		diag_add(c->d, n->line, n->col, "'%s' must be %s, not %s",
		    path, what, yamltree_kind(n));
		return -1;
	}
	if (sc_is_null(n) || n->value[strspn(n->value, " \t\n")] == '\0') {
		diag_add(c->d, n->line, n->col, "'%s' has no value", path);
		return -1;
	}
	return 0;
}

/*
 * Line and paragraph separators and bidirectional overrides, which make
 * text read differently from what it is (U+2028, U+2029, U+202A..U+202E,
 * U+2066..U+2069); 0 for anything else. p points at a 0xe2 byte.
 */
static unsigned
sc_format_char(const unsigned char *p)
{
	unsigned	 cp;

	if ((p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80)
		return 0;
	cp = 0x2000 | ((p[1] & 0x3fu) << 6) | (p[2] & 0x3fu);
	if ((cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069))
		return cp;
	return 0;
}

/* Refuse control characters: they would reach terminals unfiltered. */
static int
sc_check_chars(struct sc_ctx *c, const char *path, const struct ynode *n,
    int multiline)
{
	const unsigned char	*p = (const unsigned char *)n->value;
	unsigned		 ch;

	for (; *p != '\0'; p++) {
		ch = *p;
		if (ch == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			ch = p[1];		/* C1 control, U+0080..U+009F */
		else if (ch == 0xe2 && sc_format_char(p) != 0) {
			diag_add(c->d, n->line, n->col, "'%s' contains an "
			    "invisible formatting character (U+%04X)", path,
			    sc_format_char(p));
			return -1;
		} else if ((ch >= 0x20 && ch != 0x7f) || ch >= 0x80)
			continue;
		if (ch == '\t' || (ch == '\n' && multiline))
			continue;
		if (ch == '\n')
			diag_add(c->d, n->line, n->col, "'%s' must be a single "
			    "line", path);
		else
			diag_add(c->d, n->line, n->col, "'%s' contains a "
			    "control character (U+%04X)", path, ch);
		return -1;
	}
	return 0;
}

static int
sc_string(struct sc_ctx *c, const char *path, struct ynode *n, size_t max,
    int multiline, char **out)
{
	size_t	 len;

	if (sc_scalar(c, path, n, "text") != 0)
		return -1;
	if ((len = strlen(n->value)) > max) {
		diag_add(c->d, n->line, n->col, "'%s' is %zu bytes long, more "
		    "than the limit of %zu", path, len, max);
		return -1;
	}
	if (sc_check_chars(c, path, n, multiline) != 0)
		return -1;
	free(*out);
	*out = xstrdup(n->value);
	return 0;
}

/* Lowercase letters, digits and inner dashes: web-down, disk-full-2. */
static int
sc_is_slug(const char *v)
{
	size_t	 len = strlen(v);

	return len != 0 &&
	    strspn(v, "abcdefghijklmnopqrstuvwxyz0123456789-") == len &&
	    v[0] != '-' && v[len - 1] != '-';
}

static int
sc_slug(struct sc_ctx *c, const char *path, struct ynode *n, size_t max,
    char **out)
{
	const char	*v;
	size_t		 len;

	if (sc_scalar(c, path, n, "a name such as web-down") != 0)
		return -1;
	v = n->value;
	len = strlen(v);
	if (len > max) {
		diag_add(c->d, n->line, n->col, "'%s' is %zu characters long, "
		    "more than the limit of %zu", path, len, max);
		return -1;
	}
	if (!sc_is_slug(v)) {
		diag_add(c->d, n->line, n->col, "'%s' must be lowercase "
		    "letters, digits and dashes (e.g. web-down), not '%s'",
		    path, v);
		return -1;
	}
	free(*out);
	*out = xstrdup(v);
	return 0;
}

static int
sc_uint(struct sc_ctx *c, const char *path, struct ynode *n, uint64_t min,
    uint64_t max, uint64_t *out)
{
	const char		*v;
	unsigned long long	 u;
	char			*end;

	if (sc_scalar(c, path, n, "a whole number") != 0)
		return -1;
	v = n->value;
	if (strspn(v, "0123456789") != strlen(v)) {
		diag_add(c->d, n->line, n->col, "'%s' must be a whole number, "
		    "not '%s'", path, v);
		return -1;
	}
	if (!n->plain) {
		diag_add(c->d, n->line, n->col, "'%s' must be a number, not a "
		    "quoted string: write %s without quotes", path, v);
		return -1;
	}
	errno = 0;
	u = strtoull(v, &end, 10);
	if (errno != 0 || u < min || u > max) {
		diag_add(c->d, n->line, n->col, "'%s' is %s, out of range "
		    "(%llu to %llu)", path, v, (unsigned long long)min,
		    (unsigned long long)max);
		return -1;
	}
	*out = u;
	return 0;
}

static int
sc_bool(struct sc_ctx *c, const char *path, struct ynode *n, int *out)
{
	if (sc_scalar(c, path, n, "true or false") != 0)
		return -1;
	if (n->plain && (strcmp(n->value, "true") == 0 ||
	    strcmp(n->value, "yes") == 0)) {
		*out = 1;
		return 0;
	}
	if (n->plain && (strcmp(n->value, "false") == 0 ||
	    strcmp(n->value, "no") == 0)) {
		*out = 0;
		return 0;
	}
	if (!n->plain && (strcmp(n->value, "true") == 0 ||
	    strcmp(n->value, "false") == 0))
		diag_add(c->d, n->line, n->col, "'%s' must be true or false, "
		    "not a quoted string: write %s without quotes", path,
		    n->value);
	else
		diag_add(c->d, n->line, n->col, "'%s' must be true or false, "
		    "not '%s'", path, n->value);
	return -1;
}

typedef int units_parse_fn(const char *, uint64_t *, char **);
typedef const char *units_format_fn(uint64_t, char *);

/* A size or a duration within [min, max]. */
static int
sc_quantity(struct sc_ctx *c, const char *path, struct ynode *n,
    units_parse_fn *parse, units_format_fn *fmt, uint64_t min, uint64_t max,
    uint64_t *out)
{
	char		 b1[UNITS_BUFSZ], b2[UNITS_BUFSZ], b3[UNITS_BUFSZ];
	char		*cause = NULL;
	uint64_t	 v;

	if (sc_scalar(c, path, n, parse == units_parse_size ?
	    "a size such as 512M" : "a duration such as 45m") != 0)
		return -1;
	if (parse(n->value, &v, &cause) != 0) {
		diag_add(c->d, n->line, n->col, "'%s': %s", path, cause);
		free(cause);
		return -1;
	}
	if (v < min || v > max) {
		diag_add(c->d, n->line, n->col, "'%s' is %s, out of range "
		    "(%s to %s)", path, fmt(v, b1), fmt(min, b2), fmt(max, b3));
		return -1;
	}
	*out = v;
	return 0;
}

static int
sc_choice(struct sc_ctx *c, const char *path, struct ynode *n,
    const char *const *choices, int *out)
{
	const char	*near;
	char		*list;
	int		 i;

	if (sc_scalar(c, path, n, "a word") != 0)
		return -1;
	for (i = 0; choices[i] != NULL; i++) {
		if (strcmp(choices[i], n->value) == 0) {
			*out = i;
			return 0;
		}
	}
	list = util_join(choices, ", ");
	if ((near = util_closest(n->value, choices)) != NULL)
		diag_add(c->d, n->line, n->col, "'%s' must be one of %s, not "
		    "'%s' (did you mean '%s'?)", path, list, n->value, near);
	else
		diag_add(c->d, n->line, n->col, "'%s' must be one of %s, not "
		    "'%s'", path, list, n->value);
	free(list);
	return -1;
}

/* A list of 1..max items (0..max when may_be_empty). */
static int
sc_list(struct sc_ctx *c, const char *path, struct ynode *n, size_t max,
    int may_be_empty)
{
	if (n->type != YNODE_SEQ) {
		diag_add(c->d, n->line, n->col, "'%s' must be a list, not %s",
		    path, yamltree_kind(n));
		return -1;
	}
	if (n->n == 0 && !may_be_empty) {
		diag_add(c->d, n->line, n->col, "'%s' is empty: a scenario "
		    "needs at least one", path);
		return -1;
	}
	if (n->n > max) {
		diag_add(c->d, n->line, n->col, "'%s' has %zu entries, more "
		    "than the limit of %zu", path, n->n, max);
		return -1;
	}
	return 0;
}

static void
sc_unknown_key(struct sc_ctx *c, const char *where, const struct ynode *key,
    const char *const *known)
{
	const char	*near = util_closest(key->value, known);
	char		*in = NULL;

	if (*where != '\0')
		xasprintf(&in, " in '%s'", where);
	if (near != NULL)
		diag_add(c->d, key->line, key->col, "unknown key '%s'%s (did "
		    "you mean '%s'?)", key->value, in ? in : "", near);
	else
		diag_add(c->d, key->line, key->col, "unknown key '%s'%s",
		    key->value, in ? in : "");
	free(in);
}

static void
sc_missing(struct sc_ctx *c, const char *where, const struct ynode *map,
    const char *key)
{
	if (*where == '\0')
		diag_add(c->d, map->line, map->col, "missing required key '%s'",
		    key);
	else
		diag_add(c->d, map->line, map->col, "missing required key '%s' "
		    "in '%s'", key, where);
}

/*
 * Walk a mapping against a table of fields: call each field's handler,
 * report unknown keys (with a suggestion) and missing required ones.
 */
static void
sc_walk(struct sc_ctx *c, const char *where, struct ynode *map,
    const struct sc_field *fields, size_t nfields, void *obj)
{
	const char	*known[32];
	size_t		 i, j;
	char		*path;

	if (map->type != YNODE_MAP) {
		diag_add(c->d, map->line, map->col, "'%s' must be a mapping "
		    "(key: value lines), not %s", *where ? where : "scenario",
		    yamltree_kind(map));
		return;
	}
	for (j = 0; j < nfields && j < nitems(known) - 1; j++)
		known[j] = fields[j].key;
	known[j] = NULL;
	for (i = 0; i + 1 < map->n; i += 2) {
		struct ynode *key = map->items[i];
		if (key->duplicate)
			continue;
		for (j = 0; j < nfields; j++) {
			if (strcmp(fields[j].key, key->value) == 0)
				break;
		}
		if (j == nfields) {
			sc_unknown_key(c, where, key, known);
			continue;
		}
		path = sc_path(where, key->value);
		fields[j].fn(c, path, map->items[i + 1], obj);
		free(path);
	}
	for (j = 0; j < nfields; j++) {
		if (fields[j].required && yamltree_get(map, fields[j].key) ==
		    NULL)
			sc_missing(c, where, map, fields[j].key);
	}
}

/* Walk each mapping of a list into objs[i] (stride bytes apart). */
static void
sc_walk_items(struct sc_ctx *c, const char *path, struct ynode *list,
    const struct sc_field *fields, size_t nfields, void *objs, size_t stride)
{
	char	*ipath;
	size_t	 i;

	for (i = 0; i < list->n; i++) {
		ipath = sc_item_path(path, i);
		sc_walk(c, ipath, list->items[i], fields, nfields,
		    (char *)objs + i * stride);
		free(ipath);
	}
}

/* A list of at most max slugs, each at most len long. */
static void
sc_slug_list(struct sc_ctx *c, const char *path, struct ynode *n, size_t max,
    size_t len, char ***out, size_t *nout)
{
	char	*ipath;
	size_t	 i;

	if (sc_list(c, path, n, max, 1) != 0)
		return;
	*out = xcalloc(n->n, sizeof **out);
	for (i = 0; i < n->n; i++) {
		ipath = sc_item_path(path, i);
		if (sc_slug(c, ipath, n->items[i], len, &(*out)[*nout]) == 0)
			(*nout)++;
		free(ipath);
	}
}

/* Top-level fields. */

static void
sc_f_version(struct sc_ctx *c, const char *path, struct ynode *n, void *obj)
{
	struct scenario	*sc = obj;
	uint64_t	 v;

	if (sc_uint(c, path, n, 1, 1000, &v) != 0)
		return;
	if (v != SCENARIO_VERSION) {
		diag_add(c->d, n->line, n->col, "'%s' is %llu, but this "
		    "breakfix reads version %d only", path,
		    (unsigned long long)v, SCENARIO_VERSION);
		return;
	}
	sc->version = (unsigned)v;
}

static void
sc_f_name(struct sc_ctx *c, const char *path, struct ynode *n, void *obj)
{
	sc_slug(c, path, n, SCENARIO_ID_MAX, &((struct scenario *)obj)->name);
}

static void
sc_f_title(struct sc_ctx *c, const char *path, struct ynode *n, void *obj)
{
	sc_string(c, path, n, SC_TITLE_MAX, 0, &((struct scenario *)obj)->title);
}

static void
sc_f_summary(struct sc_ctx *c, const char *path, struct ynode *n, void *obj)
{
	sc_string(c, path, n, SC_SUMMARY_MAX, 1,
	    &((struct scenario *)obj)->summary);
}

static void
sc_f_difficulty(struct sc_ctx *c, const char *path, struct ynode *n,
    void *obj)
{
	int	 v;

	if (sc_choice(c, path, n, sc_difficulties, &v) == 0)
		((struct scenario *)obj)->difficulty = v;
}

static void
sc_f_tags(struct sc_ctx *c, const char *path, struct ynode *n, void *obj)
{
	struct scenario	*sc = obj;

	sc_slug_list(c, path, n, SCENARIO_MAX_TAGS, SC_TAG_MAX, &sc->tags,
	    &sc->ntags);
}

static void
sc_f_briefing(struct sc_ctx *c, const char *path, struct ynode *n, void *obj)
{
	sc_string(c, path, n, SC_BRIEFING_MAX, 1,
	    &((struct scenario *)obj)->briefing);
}

static void
sc_f_image_base(struct sc_ctx *c, const char *path, struct ynode *n,
    void *obj)
{
	sc_slug(c, path, n, SCENARIO_ID_MAX, &((struct scenario *)obj)->image);
}

/* A list of Debian package names, each once. */
static void
sc_packages(struct sc_ctx *c, const char *path, struct ynode *n, char ***out,
    size_t *nout)
{
	struct ynode	*it;
	char		*ipath;
	size_t		 i, j;

	if (sc_list(c, path, n, DERIVED_MAX_PACKAGES, 0) != 0)
		return;
	*out = xcalloc(n->n, sizeof **out);
	for (i = 0; i < n->n; i++) {
		it = n->items[i];
		ipath = sc_item_path(path, i);
		if (it->type != YNODE_SCALAR || !it->plain ||
		    !derived_valid_package(it->value))
			diag_add(c->d, it->line, it->col, "'%s' must be a Debian "
			    "package name (lowercase letters, digits, '+', "
			    "'-', '.', 2..%d long, such as postgresql-15), not "
			    "%s%.64s%s", ipath, DERIVED_NAME_MAX,
			    it->type == YNODE_SCALAR ? "'" : "",
			    it->type == YNODE_SCALAR ? it->value :
			    yamltree_kind(it), it->type == YNODE_SCALAR ? "'" :
			    "");
		else {
			for (j = 0; j < *nout &&
			    strcmp((*out)[j], it->value) != 0; j++)
				;
			if (j < *nout)
				diag_add(c->d, it->line, it->col, "'%s': '%s' is "
				    "listed twice in '%s'", ipath, it->value,
				    path);
			else
				(*out)[(*nout)++] = xstrdup(it->value);
		}
		free(ipath);
	}
}

static void
sc_f_image_packages(struct sc_ctx *c, const char *path, struct ynode *n,
    void *obj)
{
	struct scenario	*sc = obj;

	sc_packages(c, path, n, &sc->image_packages, &sc->nimage_packages);
}

static void
sc_f_image_mirror(struct sc_ctx *c, const char *path, struct ynode *n,
    void *obj)
{
	struct scenario	*sc = obj;

	sc_packages(c, path, n, &sc->image_mirror, &sc->nimage_mirror);
}

/* One container image being read: its parts, joined at the end. */
struct sc_container {
	char	 *name;
	char	 *tag;
	char	**packages;
	size_t	  npackages;
};

static void
sc_fc_name(struct sc_ctx *c, const char *path, struct ynode *n, void *obj)
{
	struct sc_container	*ct = obj;

	if (sc_scalar(c, path, n, "a container image name") != 0)
		return;
	if (!derived_valid_container(n->value, 0)) {
		diag_add(c->d, n->line, n->col, "'%s' must be a container image "
		    "name (lowercase letters, digits, '.', '_' and '-', "
		    "starting with a letter or digit, at most %d), not "
		    "'%.64s'", path, DERIVED_NAME_MAX, n->value);
		return;
	}
	ct->name = xstrdup(n->value);
}

static void
sc_fc_tag(struct sc_ctx *c, const char *path, struct ynode *n, void *obj)
{
	struct sc_container	*ct = obj;

	if (sc_scalar(c, path, n, "a tag such as \"1.4\"") != 0)
		return;
	if (!derived_valid_container(n->value, 1)) {
		diag_add(c->d, n->line, n->col, "'%s' must be a tag (letters, "
		    "digits, '.', '_' and '-', not starting with '.' or '-', "
		    "at most %d), not '%.64s'", path, DERIVED_NAME_MAX,
		    n->value);
		return;
	}
	free(ct->tag);
	ct->tag = xstrdup(n->value);
}

static void
sc_fc_packages(struct sc_ctx *c, const char *path, struct ynode *n,
    void *obj)
{
	struct sc_container	*ct = obj;

	sc_packages(c, path, n, &ct->packages, &ct->npackages);
}

static const struct sc_field sc_container_fields[] = {
	{ "name", 1, sc_fc_name },
	{ "tag", 0, sc_fc_tag },
	{ "packages", 1, sc_fc_packages },
};

/* "name:tag=a,b" for a container read whole, or NULL. */
static char *
sc_container_spec(const struct sc_container *ct)
{
	char	*spec = NULL;
	size_t	 i;

	if (ct->name == NULL || ct->npackages == 0)
		return NULL;
	util_append(&spec, "%s:%s=", ct->name, ct->tag != NULL ? ct->tag :
	    "latest");
	for (i = 0; i < ct->npackages; i++)
		util_append(&spec, "%s%s", i > 0 ? "," : "", ct->packages[i]);
	return spec;
}

static void
sc_f_image_containers(struct sc_ctx *c, const char *path, struct ynode *n,
    void *obj)
{
	struct scenario		*sc = obj;
	struct sc_container	 ct;
	char			*ipath, *spec;
	size_t			 i, j, len;

	if (sc_list(c, path, n, DERIVED_MAX_CONTAINERS, 0) != 0)
		return;
	sc->image_containers = xcalloc(n->n, sizeof *sc->image_containers);
	for (i = 0; i < n->n; i++) {
		memset(&ct, 0, sizeof ct);
		ipath = sc_item_path(path, i);
		sc_walk(c, ipath, n->items[i], sc_container_fields,
		    nitems(sc_container_fields), &ct);
		if ((spec = sc_container_spec(&ct)) != NULL) {
			len = strcspn(spec, "=");
			for (j = 0; j < sc->nimage_containers; j++) {
				if (strncmp(sc->image_containers[j], spec,
				    len + 1) == 0)
					break;
			}
			if (j < sc->nimage_containers) {
				diag_add(c->d, n->items[i]->line,
				    n->items[i]->col, "'%s': %.*s is listed "
				    "twice", ipath, (int)len, spec);
				free(spec);
			} else
				sc->image_containers[
				    sc->nimage_containers++] = spec;
		}
		free(ct.name);
		free(ct.tag);
		sc_free_strv(ct.packages, ct.npackages);
		free(ipath);
	}
}

/*
 * image: files: each a mapping with the keys of the file fault kind
 * (path, content or content_base64, mode, owner), baked into the image.
 */

static void	sc_fault_params(struct sc_ctx *, const char *, struct ynode *,
		    struct scenario_fault *);
static void	sc_free_fault(struct scenario_fault *);
static int	sc_clean_path(const char *);
static int	sc_path_within(const char *, const char *);

/*
 * Where a baked file would be hidden or meaningless once booted (the
 * last two are Debian's links into /run; derive.sh also resolves each
 * path in the image and refuses what lands in these).
 */
static const char *const sc_file_refused[] = { "/proc", "/sys", "/dev",
    "/run", "/var/run", "/var/lock", NULL };

#define SC_FILE_PATH_MAX	1024	/* a baked file's path */
#define SC_FILE_PART_MAX	255	/* and each part of it */

static int
sc_file_path(struct sc_ctx *c, const char *where, const struct ynode *n,
    const char *v)
{
	const unsigned char	*p;
	size_t			 i;

	for (p = (const unsigned char *)v; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f || *p == '\\')
			break;
		if (*p == '/' && strcspn((const char *)p + 1, "/") >
		    SC_FILE_PART_MAX)
			break;
	}
	if (*p != '\0' || !sc_clean_path(v) || strlen(v) > SC_FILE_PATH_MAX) {
		diag_add(c->d, n->line, n->col, "'%s.path' must be a clean "
		    "absolute path (no control characters or '\\', no '.', "
		    "'..' or empty part, no '/' at the end, parts of at most "
		    "%d bytes, %d in all), not '%.64s'", where,
		    SC_FILE_PART_MAX, SC_FILE_PATH_MAX, v);
		return -1;
	}
	for (i = 0; sc_file_refused[i] != NULL; i++) {
		if (sc_path_within(v, sc_file_refused[i])) {
			diag_add(c->d, n->line, n->col, "'%s.path': '%s' is "
			    "under %s, which the guest mounts afresh at boot; "
			    "a file there belongs in a fault", where, v,
			    sc_file_refused[i]);
			return -1;
		}
	}
	return 0;
}

/* A user or group name as derive.sh takes it: no digit or '-' first. */
static int
sc_file_name_ok(const char *v, size_t len)
{
	static const char	 first[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ_";

	return len > 0 && len <= FAULT_GROUP_MAX && strchr(first, v[0]) !=
	    NULL && v[0] != '\0' && strspn(v, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789.-") >= len;
}

static int
sc_file_owner(struct sc_ctx *c, const char *where, const struct ynode *n,
    const char *v)
{
	size_t	 len = strcspn(v, ":");

	if (sc_file_name_ok(v, len) && (v[len] == '\0' ||
	    sc_file_name_ok(v + len + 1, strlen(v + len + 1))))
		return 0;
	diag_add(c->d, n->line, n->col, "'%s.owner': a file baked into the "
	    "image needs user names that start with a letter or '_' (the "
	    "image's own, looked up when it is built), not '%.64s'", where, v);
	return -1;
}

/* The valid file fault f as a file to bake in. */
static int
sc_file_from(const struct scenario_fault *f, struct derived_file *out)
{
	const char	*b64 = scenario_fault_param(f, "content_base64");
	const char	*owner = scenario_fault_param(f, "owner");
	const char	*colon = strchr(owner, ':');
	char		*clean;
	size_t		 i, k = 0;
	int		 rc = 0;

	out->path = xstrdup(scenario_fault_param(f, "path"));
	out->mode = (unsigned)strtoul(scenario_fault_param(f, "mode"), NULL,
	    8);
	out->owner = colon ? xstrndup(owner, (size_t)(colon - owner)) :
	    xstrdup(owner);
	out->group = colon ? xstrdup(colon + 1) : NULL;
	if (b64 == NULL) {
		out->content = xstrdup(scenario_fault_param(f, "content"));
		out->len = strlen(out->content);
		return 0;
	}
	clean = xstrdup(b64);
	for (i = 0; b64[i] != '\0'; i++) {
		if (strchr(" \t\r\n", b64[i]) == NULL)
			clean[k++] = b64[i];
	}
	clean[k] = '\0';
	if (agent_unbase64(clean, &out->content, &out->len) != 0)
		rc = -1;	/* fault_param_check took it: cannot be */
	free(clean);
	return rc;
}

static void
sc_image_file(struct sc_ctx *c, const char *where, struct ynode *map,
    struct scenario *sc)
{
	struct scenario_fault	 f;
	struct derived_file	*df;
	size_t			 i, before = diag_count(c->d);

	memset(&f, 0, sizeof f);
	if (map->type != YNODE_MAP) {
		diag_add(c->d, map->line, map->col, "'%s' must be a mapping "
		    "with path and content, not %s", where,
		    yamltree_kind(map));
		return;
	}
	for (i = 0; i + 1 < map->n; i += 2) {
		if (strcmp(map->items[i]->value, "id") == 0 ||
		    strcmp(map->items[i]->value, "kind") == 0 ||
		    strcmp(map->items[i]->value, "describe") == 0)
			diag_add(c->d, map->items[i]->line, map->items[i]->col,
			    "'%s': a file baked into the image has no '%s' "
			    "(path, content or content_base64, mode, owner)",
			    where, map->items[i]->value);
	}
	f.kind = fault_kind_find("file");
	sc_fault_params(c, where, map, &f);
	if (diag_count(c->d) != before || sc_file_path(c, where, map,
	    scenario_fault_param(&f, "path")) != 0 || sc_file_owner(c, where,
	    map, scenario_fault_param(&f, "owner")) != 0)
		goto out;
	for (i = 0; i < sc->nimage_files; i++) {
		if (sc_path_within(sc->image_files[i].path,
		    scenario_fault_param(&f, "path"))) {
			diag_add(c->d, map->line, map->col, "'%s': '%s' is %s "
			    "'%s', already listed", where,
			    scenario_fault_param(&f, "path"), strcmp(
			    sc->image_files[i].path, scenario_fault_param(&f,
			    "path")) == 0 ? "the same path as" : "within or "
			    "around", sc->image_files[i].path);
			goto out;
		}
	}
	df = &sc->image_files[sc->nimage_files];
	if (sc_file_from(&f, df) != 0)
		diag_add(c->d, map->line, map->col, "'%s': its content cannot "
		    "be decoded", where);
	sc->nimage_files++;	/* freed whole either way */
out:
	sc_free_fault(&f);
}

static void
sc_f_image_files(struct sc_ctx *c, const char *path, struct ynode *n,
    void *obj)
{
	struct scenario	*sc = obj;
	char		*ipath;
	size_t		 i;

	if (sc_list(c, path, n, DERIVED_MAX_FILES, 0) != 0)
		return;
	sc->image_files = xcalloc(n->n, sizeof *sc->image_files);
	for (i = 0; i < n->n; i++) {
		ipath = sc_item_path(path, i);
		sc_image_file(c, ipath, n->items[i], sc);
		free(ipath);
	}
}

static const struct sc_field sc_image_fields[] = {
	{ "base", 0, sc_f_image_base },
	{ "packages", 0, sc_f_image_packages },
	{ "mirror", 0, sc_f_image_mirror },
	{ "containers", 0, sc_f_image_containers },
	{ "files", 0, sc_f_image_files },
};

/* Containers need a runtime to run them in the image. */
static void
sc_image_whole(struct sc_ctx *c, const char *path, struct ynode *n,
    const struct scenario *sc)
{
	size_t	 i;

	if (sc->nimage_containers == 0)
		return;
	for (i = 0; i < sc->nimage_packages; i++) {
		if (strcmp(sc->image_packages[i], "podman") == 0)
			return;
	}
	diag_add(c->d, n->line, n->col, "'%s' has containers but no runtime "
	    "for them: add podman to '%s.packages'", path, path);
}

/* image: NAME, or a mapping that adds packages to a base image. */
static void
sc_f_image(struct sc_ctx *c, const char *path, struct ynode *n, void *obj)
{
	if (n->type == YNODE_MAP) {
		sc_walk(c, path, n, sc_image_fields, nitems(sc_image_fields),
		    obj);
		sc_image_whole(c, path, n, obj);
	} else
		sc_f_image_base(c, path, n, obj);
}

static void
sc_f_time_limit(struct sc_ctx *c, const char *path, struct ynode *n,
    void *obj)
{
	if (sc_quantity(c, path, n, units_parse_duration, units_format_duration,
	    SC_LIMIT_MIN, SC_LIMIT_MAX,
	    &((struct scenario *)obj)->time_limit) != 0)
		c->bad_time_limit = 1;
}

static void
sc_f_solution(struct sc_ctx *c, const char *path, struct ynode *n, void *obj)
{
	sc_string(c, path, n, SC_SCRIPT_MAX, 1,
	    &((struct scenario *)obj)->solution);
}

/* vm: */

static void
sc_f_memory(struct sc_ctx *c, const char *path, struct ynode *n, void *obj)
{
	sc_quantity(c, path, n, units_parse_size, units_format_size,
	    SC_MEMORY_MIN, SC_MEMORY_MAX, &((struct scenario *)obj)->memory);
}

static void
sc_f_vcpus(struct sc_ctx *c, const char *path, struct ynode *n, void *obj)
{
	uint64_t	 v;

	if (sc_uint(c, path, n, 1, SC_VCPUS_MAX, &v) == 0)
		((struct scenario *)obj)->vcpus = (unsigned)v;
}

static void
sc_f_disk(struct sc_ctx *c, const char *path, struct ynode *n, void *obj)
{
	sc_quantity(c, path, n, units_parse_size, units_format_size,
	    SC_DISK_MIN, SC_DISK_MAX, &((struct scenario *)obj)->disk);
}

/* vm: disks: */

static const char *const sc_disk_formats[] = { "ext4", "xfs", NULL };

static void
sc_fd_name(struct sc_ctx *c, const char *path, struct ynode *n, void *obj)
{
	struct scenario_disk	*d = obj;
	const char		*p;

	if (sc_slug(c, path, n, SCENARIO_DISK_NAME_MAX, &d->name) != 0)
		return;
	/* virtio-<name>-part1 is the link of <name>'s first partition. */
	if ((p = strstr(d->name, "-part")) != NULL && p[5] != '\0' &&
	    strspn(p + 5, "0123456789") == strlen(p + 5)) {
		diag_add(c->d, n->line, n->col, "'%s' cannot end in -partN: "
		    "'%s' would be taken for a partition's name", path, d->name);
		free(d->name);
		d->name = NULL;
	}
}

static void
sc_fd_size(struct sc_ctx *c, const char *path, struct ynode *n, void *obj)
{
	sc_quantity(c, path, n, units_parse_size, units_format_size,
	    SC_XDISK_MIN, SC_XDISK_MAX, &((struct scenario_disk *)obj)->size);
}

static void
sc_fd_partition(struct sc_ctx *c, const char *path, struct ynode *n,
    void *obj)
{
	sc_bool(c, path, n, &((struct scenario_disk *)obj)->partition);
}

/*
 * What LVM refuses as a name: a volume group named like a directory of
 * /dev (its volumes appear as /dev/VG/LV), a logical volume named
 * snapshot or pvmove or holding one of the suffixes of LVM's own
 * hidden volumes. What it is, or NULL.
 */
static const char *
sc_lvm_reserved(const char *v, int lv)
{
	static const char *const vgs[] = { "mapper", "disk", "block",
	    "char", "pts", "shm", "mqueue", "hugepages", "net", "input",
	    "bus", "cpu", "dri", "fd", "snd", "vfio", "lvm", NULL };
	static const char *const lvs[] = { "snapshot", "pvmove", NULL };
	static const char *const parts[] = { "_cdata", "_cmeta", "_corig",
	    "_iorig", "_mimage", "_mlog", "_pmspare", "_rimage", "_rmeta",
	    "_tdata", "_tmeta", "_vdata", "_vorigin", "_wcorig", NULL };
	size_t	 i;

	if (!lv) {
		for (i = 0; vgs[i] != NULL; i++) {
			if (strcmp(v, vgs[i]) == 0)
				return "the names of /dev's directories";
		}
		return NULL;
	}
	for (i = 0; lvs[i] != NULL; i++) {
		if (strcmp(v, lvs[i]) == 0)
			return "snapshot and pvmove";
	}
	for (i = 0; parts[i] != NULL; i++) {
		if (strstr(v, parts[i]) != NULL)
			return "names with _tmeta, _rimage and the like";
	}
	return NULL;
}

/* An LVM name: letters, digits, '_' and '-', not starting with '-'. */
static void
sc_lvm_name(struct sc_ctx *c, const char *path, struct ynode *n, int lv,
    char **out)
{
	const char	*v, *reserved;
	size_t		 len;

	if (sc_scalar(c, path, n, "an LVM name such as data") != 0)
		return;
	v = n->value;
	len = strlen(v);
	if (len == 0 || len > SC_LVM_NAME_MAX || v[0] == '-' ||
	    strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_-") != len) {
		diag_add(c->d, n->line, n->col, "'%s' must be an LVM name "
		    "(letters, digits, '_' and '-', at most %d, not starting "
		    "with '-'), not '%.64s'", path, SC_LVM_NAME_MAX, v);
		return;
	}
	if ((reserved = sc_lvm_reserved(v, lv)) != NULL) {
		diag_add(c->d, n->line, n->col, "'%s' cannot be '%s': LVM "
		    "keeps %s for itself", path, v, reserved);
		return;
	}
	free(*out);
	*out = xstrdup(v);
}

static void
sc_fd_vg(struct sc_ctx *c, const char *path, struct ynode *n, void *obj)
{
	sc_lvm_name(c, path, n, 0, &((struct scenario_disk *)obj)->vg);
}

static void
sc_fd_lv(struct sc_ctx *c, const char *path, struct ynode *n, void *obj)
{
	sc_lvm_name(c, path, n, 1, &((struct scenario_disk *)obj)->lv);
}

static void
sc_fd_lv_size(struct sc_ctx *c, const char *path, struct ynode *n, void *obj)
{
	sc_quantity(c, path, n, units_parse_size, units_format_size,
	    SC_XDISK_MIN / 16, SC_XDISK_MAX,
	    &((struct scenario_disk *)obj)->lv_size);
}

static const struct sc_field sc_lvm_fields[] = {
	{ "vg", 1, sc_fd_vg },
	{ "lv", 1, sc_fd_lv },
	{ "size", 0, sc_fd_lv_size },
};

static void
sc_fd_lvm(struct sc_ctx *c, const char *path, struct ynode *n, void *obj)
{
	sc_walk(c, path, n, sc_lvm_fields, nitems(sc_lvm_fields), obj);
}

static void
sc_fd_format(struct sc_ctx *c, const char *path, struct ynode *n, void *obj)
{
	int	 i;

	if (sc_choice(c, path, n, sc_disk_formats, &i) == 0)
		((struct scenario_disk *)obj)->format =
		    xstrdup(sc_disk_formats[i]);
}

/* No empty, "." or ".." component, no "/" at the end: one way to say it. */
static int
sc_clean_path(const char *v)
{
	const char	*p = v;
	size_t		 n;

	while (*p == '/') {
		p++;
		n = strcspn(p, "/");
		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 &&
		    p[0] == '.' && p[1] == '.'))
			return 0;
		p += n;
	}
	return *p == '\0';
}

static void
sc_fd_mount(struct sc_ctx *c, const char *path, struct ynode *n, void *obj)
{
	static const struct fault_param p = { "mount", FAULT_P_PATH, 1, NULL,
	    NULL, "mount point" };
	char	*cause = NULL;

	if (sc_scalar(c, path, n, "a mount point such as /srv/data") != 0)
		return;
	if (fault_param_check(&p, n->value, &cause) != 0 ||
	    strspn(n->value, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789/_.-") != strlen(n->value) ||
	    !sc_clean_path(n->value)) {
		diag_add(c->d, n->line, n->col, "'%s' must be an absolute path "
		    "of letters, digits and '/_.-', with no '.', '..' or empty "
		    "part and no '/' at the end (such as /srv/data), not "
		    "'%.64s'%s%s", path, n->value, cause ? ": " : "",
		    cause ? cause : "");
		free(cause);
		return;
	}
	((struct scenario_disk *)obj)->mount = xstrdup(n->value);
}

static const struct sc_field sc_disk_fields[] = {
	{ "name", 1, sc_fd_name },
	{ "size", 1, sc_fd_size },
	{ "partition", 0, sc_fd_partition },
	{ "lvm", 0, sc_fd_lvm },
	{ "format", 0, sc_fd_format },
	{ "mount", 0, sc_fd_mount },
};

/* Is a at, inside or around b (two clean absolute paths)? */
static int
sc_path_within(const char *a, const char *b)
{
	size_t	 la = strlen(a), lb = strlen(b);
	size_t	 n = la < lb ? la : lb;

	return strncmp(a, b, n) == 0 && (la == lb || (la < lb ? b : a)[n] ==
	    '/');
}

/* What one disk's fields say together. */
static void
sc_disk_whole(struct sc_ctx *c, const char *path, struct scenario_disk *d,
    const struct scenario *sc)
{
	char	 b1[UNITS_BUFSZ], b2[UNITS_BUFSZ];
	size_t	 i;

	if (d->mount != NULL && d->format == NULL)
		diag_add(c->d, d->line, d->col, "'%s' has a mount point but no "
		    "format: say which filesystem to make (ext4 or xfs)", path);
	if (d->lv_size != 0 && d->size != 0 && d->lv_size + (8ULL << 20) >
	    d->size)
		diag_add(c->d, d->line, d->col, "'%s': the logical volume (%s) "
		    "does not fit on the disk (%s, less 8M for LVM's own use)",
		    path, units_format_size(d->lv_size, b1),
		    units_format_size(d->size, b2));
	for (i = 0; d->name != NULL && &sc->disks[i] != d; i++) {
		if (sc->disks[i].name != NULL &&
		    strcmp(sc->disks[i].name, d->name) == 0)
			diag_add(c->d, d->line, d->col, "'%s': another disk is "
			    "called '%s' already", path, d->name);
		if (d->vg != NULL && sc->disks[i].vg != NULL &&
		    strcmp(sc->disks[i].vg, d->vg) == 0)
			diag_add(c->d, d->line, d->col, "'%s': volume group "
			    "'%s' is on another disk already", path, d->vg);
		if (d->mount != NULL && sc->disks[i].mount != NULL &&
		    sc_path_within(sc->disks[i].mount, d->mount))
			diag_add(c->d, d->line, d->col, "'%s': its mount point "
			    "'%s' and another disk's, '%s', are the same or one "
			    "is inside the other", path, d->mount,
			    sc->disks[i].mount);
	}
}

static void
sc_f_disks(struct sc_ctx *c, const char *path, struct ynode *n, void *obj)
{
	struct scenario	*sc = obj;
	char		*ipath;
	size_t		 i;

	if (sc_list(c, path, n, SCENARIO_DISKS_MAX, 0) != 0)
		return;
	sc->disks = xcalloc(n->n, sizeof *sc->disks);
	sc->ndisks = n->n;
	for (i = 0; i < n->n; i++) {
		sc->disks[i].line = n->items[i]->line;
		sc->disks[i].col = n->items[i]->col;
	}
	sc_walk_items(c, path, n, sc_disk_fields, nitems(sc_disk_fields),
	    sc->disks, sizeof *sc->disks);
	for (i = 0; i < n->n; i++) {
		ipath = sc_item_path(path, i);
		sc_disk_whole(c, ipath, &sc->disks[i], sc);
		free(ipath);
	}
}

static const struct sc_field sc_vm_fields[] = {
	{ "memory", 0, sc_f_memory },
	{ "vcpus", 0, sc_f_vcpus },
	{ "disk", 0, sc_f_disk },
	{ "disks", 0, sc_f_disks },
};

static void
sc_f_vm(struct sc_ctx *c, const char *path, struct ynode *n, void *obj)
{
	sc_walk(c, path, n, sc_vm_fields, nitems(sc_vm_fields), obj);
}

/* candidate: */

static void
sc_f_user(struct sc_ctx *c, const char *path, struct ynode *n, void *obj)
{
	struct scenario	*sc = obj;
	const char	*v;
	size_t		 i, len;

	if (sc_scalar(c, path, n, "a user name") != 0)
		return;
	v = n->value;
	len = strlen(v);
	if (len > SC_USER_MAX || strspn(v, "abcdefghijklmnopqrstuvwxyz"
	    "0123456789_-") != len || v[0] == '-' ||
	    (v[0] >= '0' && v[0] <= '9')) {
		diag_add(c->d, n->line, n->col, "'%s' must be a Unix user name "
		    "(lowercase letters, digits, '_' and '-', at most %d), not "
		    "'%s'", path, SC_USER_MAX, v);
		return;
	}
	for (i = 0; sc_reserved_users[i] != NULL; i++) {
		if (strcmp(v, sc_reserved_users[i]) == 0) {
			diag_add(c->d, n->line, n->col, "'%s' cannot be '%s': "
			    "that account is reserved", path, v);
			return;
		}
	}
	free(sc->candidate_user);
	sc->candidate_user = xstrdup(v);
}

static void
sc_f_sudo(struct sc_ctx *c, const char *path, struct ynode *n, void *obj)
{
	sc_bool(c, path, n, &((struct scenario *)obj)->candidate_sudo);
}

static const struct sc_field sc_candidate_fields[] = {
	{ "user", 0, sc_f_user },
	{ "sudo", 0, sc_f_sudo },
};

static void
sc_f_candidate(struct sc_ctx *c, const char *path, struct ynode *n,
    void *obj)
{
	sc_walk(c, path, n, sc_candidate_fields, nitems(sc_candidate_fields),
	    obj);
}

/* faults: */

static const char *const sc_fault_generic[] = { "id", "kind", "describe" };

/* Known keys for suggestions: the generic ones and the kind's. */
static void
sc_fault_unknown(struct sc_ctx *c, const char *where, const struct ynode *key,
    const struct fault_kind *k)
{
	const char	*known[nitems(sc_fault_generic) + 16];
	const char	*near;
	size_t		 i, n = 0;

	for (i = 0; i < nitems(sc_fault_generic); i++)
		known[n++] = sc_fault_generic[i];
	for (i = 0; i < k->nparams && n < nitems(known) - 1; i++)
		known[n++] = k->params[i].name;
	known[n] = NULL;
	if ((near = util_closest(key->value, known)) != NULL)
		diag_add(c->d, key->line, key->col, "unknown key '%s' in '%s' "
		    "for fault kind '%s' (did you mean '%s'?)", key->value,
		    where, k->name, near);
	else
		diag_add(c->d, key->line, key->col, "unknown key '%s' in '%s' "
		    "for fault kind '%s'", key->value, where, k->name);
}

static const struct fault_kind *
sc_fault_kind(struct sc_ctx *c, const char *where, struct ynode *n)
{
	const struct fault_kind	*k;
	const char		*near;
	char			*path = sc_path(where, "kind");

	k = NULL;
	if (sc_scalar(c, path, n, "a fault kind") != 0)
		goto out;
	if ((k = fault_kind_find(n->value)) != NULL)
		goto out;
	if ((near = util_closest(n->value, fault_kind_names())) != NULL)
		diag_add(c->d, n->line, n->col, "unknown fault kind '%s' (did "
		    "you mean '%s'?)", n->value, near);
	else
		diag_add(c->d, n->line, n->col, "unknown fault kind '%s' (see "
		    "docs/scenario-format.md for the list)", n->value);
out:
	free(path);
	return k;
}

static void
sc_fault_param(struct sc_ctx *c, const char *where, struct scenario_fault *f,
    const struct fault_param *p, struct ynode *n)
{
	struct scenario_param	*sp = &f->params[p - f->kind->params];
	char			*path = sc_path(where, p->name), *cause = NULL;

	if (sc_string(c, path, n, SC_SCRIPT_MAX, p->type == FAULT_P_TEXT ||
	    p->type == FAULT_P_BASE64, &sp->value) != 0)
		goto out;
	if (fault_param_check(p, sp->value, &cause) != 0) {
		diag_add(c->d, n->line, n->col, "'%s': %s", path, cause);
		free(cause);
	}
	sp->is_default = 0;
out:
	free(path);
}

/* The kind's checks across parameters, once each one is valid. */
static void
sc_fault_across(struct sc_ctx *c, const char *where, struct ynode *map,
    struct scenario_fault *f)
{
	const char	*values[32];
	char		*cause = NULL;
	size_t		 i;

	if (f->kind->check == NULL || f->nparams > nitems(values))
		return;
	for (i = 0; i < f->nparams; i++)
		values[i] = f->params[i].value;
	if (f->kind->check(values, &cause) != 0) {
		diag_add(c->d, map->line, map->col, "'%s' (fault kind '%s'): "
		    "%s", where, f->kind->name, cause);
		free(cause);
	}
}

/* Every key other than id, kind and describe is the kind's parameter. */
static void
sc_fault_params(struct sc_ctx *c, const char *where, struct ynode *map,
    struct scenario_fault *f)
{
	const struct fault_param	*p;
	size_t				 i, before = diag_count(c->d);

	f->nparams = f->kind->nparams;
	f->params = xcalloc(f->nparams, sizeof *f->params);
	for (i = 0; i < f->nparams; i++) {
		p = &f->kind->params[i];
		f->params[i].name = p->name;
		f->params[i].is_default = 1;
		if (p->def != NULL)
			f->params[i].value = xstrdup(p->def);
		else if (p->required && yamltree_get(map, p->name) == NULL)
			diag_add(c->d, map->line, map->col, "missing required "
			    "key '%s' in '%s' (fault kind '%s')", p->name,
			    where, f->kind->name);
	}
	for (i = 0; i + 1 < map->n; i += 2) {
		struct ynode *key = map->items[i];
		if (key->duplicate || strcmp(key->value, "id") == 0 ||
		    strcmp(key->value, "kind") == 0 ||
		    strcmp(key->value, "describe") == 0)
			continue;
		if ((p = fault_kind_param(f->kind, key->value)) == NULL)
			sc_fault_unknown(c, where, key, f->kind);
		else
			sc_fault_param(c, where, f, p, map->items[i + 1]);
	}
	if (diag_count(c->d) == before)
		sc_fault_across(c, where, map, f);
}

static void
sc_fault(struct sc_ctx *c, const char *where, struct ynode *map,
    struct scenario_fault *f)
{
	struct ynode	*n;
	char		*path;

	f->line = map->line;
	f->col = map->col;
	if (map->type != YNODE_MAP) {
		diag_add(c->d, map->line, map->col, "'%s' must be a mapping "
		    "with id and kind, not %s", where, yamltree_kind(map));
		return;
	}
	if ((n = yamltree_get(map, "id")) == NULL)
		sc_missing(c, where, map, "id");
	else {
		path = sc_path(where, "id");
		sc_slug(c, path, n, SCENARIO_ID_MAX, &f->id);
		free(path);
	}
	if ((n = yamltree_get(map, "describe")) != NULL) {
		path = sc_path(where, "describe");
		sc_string(c, path, n, SC_LINE_MAX, 0, &f->describe);
		free(path);
	}
	if ((n = yamltree_get(map, "kind")) == NULL)
		sc_missing(c, where, map, "kind");
	else if ((f->kind = sc_fault_kind(c, where, n)) != NULL)
		sc_fault_params(c, where, map, f);
}

static void
sc_f_faults(struct sc_ctx *c, const char *path, struct ynode *n, void *obj)
{
	struct scenario	*sc = obj;
	char		*ipath;
	size_t		 i;

	if (sc_list(c, path, n, SCENARIO_MAX_FAULTS, 0) != 0)
		return;
	sc->faults = xcalloc(n->n, sizeof *sc->faults);
	sc->nfaults = n->n;
	for (i = 0; i < n->n; i++) {
		ipath = sc_item_path(path, i);
		sc_fault(c, ipath, n->items[i], &sc->faults[i]);
		free(ipath);
	}
}

/* checks: */

static void
sc_f_check_id(struct sc_ctx *c, const char *path, struct ynode *n, void *obj)
{
	sc_slug(c, path, n, SCENARIO_ID_MAX, &((struct scenario_check *)obj)->id);
}

static void
sc_f_check_describe(struct sc_ctx *c, const char *path, struct ynode *n,
    void *obj)
{
	sc_string(c, path, n, SC_LINE_MAX, 0,
	    &((struct scenario_check *)obj)->describe);
}

static void
sc_f_check_run(struct sc_ctx *c, const char *path, struct ynode *n,
    void *obj)
{
	struct scenario_check	*ck = obj;

	ck->kind = SCENARIO_CHECK_RUN;
	sc_string(c, path, n, SC_SCRIPT_MAX, 1, &ck->run);
}

/* http: and tcp: (the probe's fields; obj is the check). */

static void
sc_f_probe_port(struct sc_ctx *c, const char *path, struct ynode *n,
    void *obj)
{
	uint64_t	 v;

	if (sc_uint(c, path, n, 1, 65535, &v) == 0)
		((struct scenario_check *)obj)->probe.port = (unsigned)v;
}

/*
 * The path goes into the request line as written: printable ASCII
 * without spaces, so that nothing in it can end the line or smuggle a
 * header in.
 */
static void
sc_f_probe_path(struct sc_ctx *c, const char *path, struct ynode *n,
    void *obj)
{
	struct scenario_probe	*p = &((struct scenario_check *)obj)->probe;
	char			*v = NULL;
	const char		*q;

	if (sc_string(c, path, n, SCENARIO_HTTP_PATH_MAX, 0, &v) != 0)
		return;
	for (q = v; *q > ' ' && *q < 0x7f; q++)
		;
	if (*v != '/')
		diag_add(c->d, n->line, n->col, "'%s' must start with '/' "
		    "(e.g. /healthz), not '%s'", path, v);
	else if (*q != '\0')
		diag_add(c->d, n->line, n->col, "'%s' must be printable ASCII "
		    "without spaces (percent-encode the rest, e.g. %%20), not "
		    "'%s'", path, v);
	else {
		free(p->path);
		p->path = v;
		return;
	}
	free(v);
}

/* A name for the Host header: letters, digits, dots and dashes. */
static void
sc_f_probe_host(struct sc_ctx *c, const char *path, struct ynode *n,
    void *obj)
{
	struct scenario_probe	*p = &((struct scenario_check *)obj)->probe;
	char			*v = NULL;
	size_t			 len;

	if (sc_string(c, path, n, SCENARIO_HTTP_HOST_MAX, 0, &v) != 0)
		return;
	len = strlen(v);
	if (strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789.-") != len || v[0] == '.' || v[0] == '-') {
		diag_add(c->d, n->line, n->col, "'%s' must be a host name such "
		    "as portal.example.internal (letters, digits, dots and "
		    "dashes), not '%s'", path, v);
		free(v);
		return;
	}
	free(p->host);
	p->host = v;
}

static void
sc_f_probe_status(struct sc_ctx *c, const char *path, struct ynode *n,
    void *obj)
{
	uint64_t	 v;

	if (sc_uint(c, path, n, 100, 599, &v) == 0)
		((struct scenario_check *)obj)->probe.status = (unsigned)v;
}

static void
sc_f_probe_contains(struct sc_ctx *c, const char *path, struct ynode *n,
    void *obj)
{
	sc_string(c, path, n, SCENARIO_HTTP_TEXT_MAX, 0,
	    &((struct scenario_check *)obj)->probe.contains);
}

static const struct sc_field sc_http_fields[] = {
	{ "port", 1, sc_f_probe_port },
	{ "path", 0, sc_f_probe_path },
	{ "host", 0, sc_f_probe_host },
	{ "status", 0, sc_f_probe_status },
	{ "contains", 0, sc_f_probe_contains },
};

static const struct sc_field sc_tcp_fields[] = {
	{ "port", 1, sc_f_probe_port },
};

static void
sc_f_check_http(struct sc_ctx *c, const char *path, struct ynode *n,
    void *obj)
{
	struct scenario_check	*ck = obj;

	ck->kind = SCENARIO_CHECK_HTTP;
	ck->probe.path = xstrdup("/");
	ck->probe.host = xstrdup("localhost");
	ck->probe.status = 200;
	sc_walk(c, path, n, sc_http_fields, nitems(sc_http_fields), ck);
}

static void
sc_f_check_tcp(struct sc_ctx *c, const char *path, struct ynode *n,
    void *obj)
{
	struct scenario_check	*ck = obj;

	ck->kind = SCENARIO_CHECK_TCP;
	sc_walk(c, path, n, sc_tcp_fields, nitems(sc_tcp_fields), ck);
}

static void
sc_f_check_timeout(struct sc_ctx *c, const char *path, struct ynode *n,
    void *obj)
{
	sc_quantity(c, path, n, units_parse_duration, units_format_duration,
	    SC_TIMEOUT_MIN, SC_TIMEOUT_MAX,
	    &((struct scenario_check *)obj)->timeout);
}

/* Fault ids are resolved later, once every fault has been read. */
static void
sc_f_check_fixes(struct sc_ctx *c, const char *path, struct ynode *n,
    void *obj)
{
	struct scenario_check	*ck = obj;

	sc_slug_list(c, path, n, SCENARIO_MAX_FIXES, SCENARIO_ID_MAX,
	    &ck->fixes, &ck->nfixes);
}

static const struct sc_field sc_check_fields[] = {
	{ "id", 1, sc_f_check_id },
	{ "describe", 1, sc_f_check_describe },
	{ "run", 0, sc_f_check_run },
	{ "http", 0, sc_f_check_http },
	{ "tcp", 0, sc_f_check_tcp },
	{ "timeout", 0, sc_f_check_timeout },
	{ "fixes", 0, sc_f_check_fixes },
};

/* What a check does: exactly one of run, http and tcp. */
static void
sc_check_kind(struct sc_ctx *c, const char *where, const struct ynode *map)
{
	static const char *const kinds[] = { "run", "http", "tcp" };
	const struct ynode	*first = NULL, *key;
	size_t			 j, k;

	if (map->type != YNODE_MAP)
		return;			/* reported by sc_walk */
	for (j = 0; j + 1 < map->n; j += 2) {
		key = map->items[j];
		for (k = 0; k < nitems(kinds); k++) {
			if (key->duplicate || strcmp(key->value, kinds[k]) != 0)
				continue;
			if (first == NULL)
				first = key;
			else
				diag_add(c->d, key->line, key->col, "'%s' has "
				    "both '%s' and '%s': a check has exactly one "
				    "of run, http and tcp", where, first->value,
				    key->value);
		}
	}
	if (first == NULL)
		diag_add(c->d, map->line, map->col, "missing 'run', 'http' or "
		    "'tcp' in '%s': a check needs one (a script run in the "
		    "guest, or a probe from the host)", where);
}

static void
sc_f_checks(struct sc_ctx *c, const char *path, struct ynode *n, void *obj)
{
	struct scenario	*sc = obj;
	char		*ipath;
	size_t		 i;

	if (sc_list(c, path, n, SCENARIO_MAX_CHECKS, 0) != 0)
		return;
	sc->checks = xcalloc(n->n, sizeof *sc->checks);
	sc->nchecks = n->n;
	for (i = 0; i < n->n; i++) {
		sc->checks[i].timeout = SC_TIMEOUT_DEFAULT;
		sc->checks[i].line = n->items[i]->line;
	}
	for (i = 0; i < n->n; i++) {
		ipath = sc_item_path(path, i);
		sc_walk(c, ipath, n->items[i], sc_check_fields,
		    nitems(sc_check_fields), &sc->checks[i]);
		sc_check_kind(c, ipath, n->items[i]);
		free(ipath);
	}
}

/* hints: */

static void
sc_f_hint_after(struct sc_ctx *c, const char *path, struct ynode *n,
    void *obj)
{
	sc_quantity(c, path, n, units_parse_duration, units_format_duration,
	    0, SC_LIMIT_MAX, &((struct scenario_hint *)obj)->after);
}

static void
sc_f_hint_text(struct sc_ctx *c, const char *path, struct ynode *n, void *obj)
{
	sc_string(c, path, n, SC_HINT_MAX, 1,
	    &((struct scenario_hint *)obj)->text);
}

static const struct sc_field sc_hint_fields[] = {
	{ "after", 1, sc_f_hint_after },
	{ "text", 1, sc_f_hint_text },
};

static void
sc_f_hints(struct sc_ctx *c, const char *path, struct ynode *n, void *obj)
{
	struct scenario	*sc = obj;

	if (sc_list(c, path, n, SCENARIO_MAX_HINTS, 1) != 0)
		return;
	sc->hints = xcalloc(n->n, sizeof *sc->hints);
	sc->nhints = n->n;
	sc_walk_items(c, path, n, sc_hint_fields, nitems(sc_hint_fields),
	    sc->hints, sizeof *sc->hints);
}

/* Read before the walk, by sc_variables. */
static void
sc_f_variant(struct sc_ctx *c, const char *path, struct ynode *n, void *obj)
{
	(void)c;
	(void)path;
	(void)n;
	(void)obj;
}

static const struct sc_field sc_top_fields[] = {
	{ "version", 0, sc_f_version },
	{ "variables", 0, sc_f_variant },
	{ "seed", 0, sc_f_variant },
	{ "name", 1, sc_f_name },
	{ "title", 1, sc_f_title },
	{ "summary", 0, sc_f_summary },
	{ "difficulty", 0, sc_f_difficulty },
	{ "tags", 0, sc_f_tags },
	{ "briefing", 1, sc_f_briefing },
	{ "image", 0, sc_f_image },
	{ "vm", 0, sc_f_vm },
	{ "time_limit", 0, sc_f_time_limit },
	{ "candidate", 0, sc_f_candidate },
	{ "faults", 1, sc_f_faults },
	{ "checks", 1, sc_f_checks },
	{ "solution", 1, sc_f_solution },
	{ "hints", 0, sc_f_hints },
};

/* Checks across fields: unique ids, known fault references, hint times. */

static void
sc_unique_ids(struct sc_ctx *c, const struct ynode *list, const char *what)
{
	const struct ynode	*a, *b;
	size_t			 i, j;

	if (list == NULL || list->type != YNODE_SEQ)
		return;
	for (i = 1; i < list->n; i++) {
		if ((a = yamltree_get(list->items[i], "id")) == NULL ||
		    a->type != YNODE_SCALAR)
			continue;
		for (j = 0; j < i; j++) {
			b = yamltree_get(list->items[j], "id");
			if (b == NULL || b->type != YNODE_SCALAR ||
			    strcmp(a->value, b->value) != 0)
				continue;
			diag_add(c->d, a->line, a->col, "duplicate %s id '%s' "
			    "(first at line %u)", what, a->value, b->line);
			break;
		}
	}
}

/* The id nodes of the faults list, NULL-terminated, for matching. */
static size_t
sc_fault_ids(const struct ynode *faults, const char **ids)
{
	const struct ynode	*id;
	size_t			 i, n = 0;

	for (i = 0; i < faults->n && n < SCENARIO_MAX_FAULTS; i++) {
		id = yamltree_get(faults->items[i], "id");
		if (id != NULL && id->type == YNODE_SCALAR)
			ids[n++] = id->value;
	}
	ids[n] = NULL;
	return n;
}

/*
 * Each check's fixes must name a fault written in this file. Ids are
 * matched as written, so a malformed fault id is reported once, at the
 * fault, and not again at every check that names it.
 */
static void
sc_check_fixes(struct sc_ctx *c, const struct ynode *faults,
    const struct ynode *checks)
{
	const char		*ids[SCENARIO_MAX_FAULTS + 1], *near;
	const struct ynode	*fixes, *n;
	size_t			 i, j, k, nids;

	if (faults == NULL || faults->type != YNODE_SEQ ||
	    faults->n > SCENARIO_MAX_FAULTS ||
	    checks == NULL || checks->type != YNODE_SEQ)
		return;
	nids = sc_fault_ids(faults, ids);
	for (i = 0; i < checks->n; i++) {
		fixes = yamltree_get(checks->items[i], "fixes");
		if (fixes == NULL || fixes->type != YNODE_SEQ)
			continue;
		for (j = 0; j < fixes->n; j++) {
			n = fixes->items[j];
			if (n->type != YNODE_SCALAR || !sc_is_slug(n->value))
				continue;	/* reported already */
			for (k = 0; k < nids; k++) {
				if (strcmp(ids[k], n->value) == 0)
					break;
			}
			if (k < nids)
				continue;
			if ((near = util_closest(n->value, ids)) != NULL)
				diag_add(c->d, n->line, n->col, "'checks[%zu]."
				    "fixes' names unknown fault '%s' (did you "
				    "mean '%s'?)", i, n->value, near);
			else
				diag_add(c->d, n->line, n->col, "'checks[%zu]."
				    "fixes' names unknown fault '%s'", i,
				    n->value);
		}
	}
}

static void
sc_check_hints(struct sc_ctx *c, const struct ynode *hints)
{
	struct scenario	*sc = c->sc;
	char		 b1[UNITS_BUFSZ], b2[UNITS_BUFSZ];
	size_t		 i;

	if (c->bad_time_limit)
		return;
	for (i = 0; i < sc->nhints; i++) {
		const struct ynode *n = yamltree_get(hints->items[i], "after");
		if (n == NULL || sc->hints[i].after < sc->time_limit)
			continue;
		diag_add(c->d, n->line, n->col, "'hints[%zu].after' is %s, not "
		    "before the time limit (%s)", i,
		    units_format_duration(sc->hints[i].after, b1),
		    units_format_duration(sc->time_limit, b2));
	}
}

/*
 * No fault may take away the candidate's own login; unlocking and
 * group membership leave it be.
 */
static void
sc_check_accounts(struct sc_ctx *c)
{
	const struct scenario_fault	*f;
	const char			*name, *action;
	size_t				 i;

	for (i = 0; i < c->sc->nfaults; i++) {
		f = &c->sc->faults[i];
		if (f->kind == NULL || strcmp(f->kind->name, "user") != 0 ||
		    (name = scenario_fault_param(f, "name")) == NULL ||
		    (action = scenario_fault_param(f, "action")) == NULL ||
		    (strcmp(action, "lock") != 0 &&
		    strcmp(action, "expire") != 0 &&
		    strcmp(action, "shell") != 0))
			continue;
		if (strcmp(name, c->sc->candidate_user) == 0)
			diag_add(c->d, f->line, f->col, "'faults[%zu]' (fault "
			    "kind 'user'): '%s' is the candidate's own account: "
			    "the candidate could not log in", i, name);
	}
}

/* The fields `${{name}}` is replaced in (variables.h). */
static const char *const sc_substituted[] = {
	"briefing", "faults", "checks", "hints", "solution", NULL
};

/*
 * The seed asked for, or the file's `seed:` (which must agree). A file
 * without variables has one variant, seed 0, whatever was asked.
 */
static int
sc_seed(struct sc_ctx *c, struct ynode *root, int64_t seed)
{
	struct ynode	*n = yamltree_get(root, "seed");
	uint64_t	 pinned;

	if (n == NULL) {
		if (c->sc->vars == NULL || c->sc->vars->n == 0)
			c->sc->seed = 0;
		else
			c->sc->seed = seed >= 0 ? (uint32_t)seed : seed ==
			    SCENARIO_SEED_RANDOM ? variables_random_seed() : 0;
		return 0;
	}
	if (sc_uint(c, "seed", n, 0, VARIABLES_SEED_MAX, &pinned) != 0)
		return -1;
	if (seed >= 0 && (uint64_t)seed != pinned) {
		diag_add(c->d, n->line, n->col, "'seed' pins this file to the "
		    "variant of seed %llu, not %lld: remove it to choose "
		    "another", (unsigned long long)pinned, (long long)seed);
		return -1;
	}
	c->sc->seed = (uint32_t)pinned;
	c->sc->seed_pinned = 1;
	return 0;
}

/*
 * Draw the variables for the seed and write their values into the
 * fields that take them, before those are read; report references
 * anywhere else, and variables nothing uses. With any problem here the
 * rest of the file is not read: it is reported once these are fixed.
 */
static void
sc_variables(struct sc_ctx *c, struct ynode *root, const char *buf,
    size_t len, int64_t seed)
{
	struct scenario	*sc = c->sc;
	const char	*key;
	size_t		 i, j, before = diag_count(c->d);

	if (root->type != YNODE_MAP)
		return;
	sc->vars = variables_parse(yamltree_get(root, "variables"), c->d);
	if (sc->vars == NULL) {
		c->bad_variables = 1;
		return;
	}
	(void)sc_seed(c, root, seed);	/* reported; seed 0 meanwhile */
	variables_draw(sc->vars, sc->seed);
	for (i = 0; i + 1 < root->n; i += 2) {
		key = root->items[i]->value;
		for (j = 0; sc_substituted[j] != NULL; j++) {
			if (strcmp(key, sc_substituted[j]) == 0)
				break;
		}
		if (sc_substituted[j] != NULL)
			variables_substitute(sc->vars, key, root->items[i + 1],
			    buf, len, c->d);
		else if (strcmp(key, "variables") != 0)
			variables_refuse(key, root->items[i + 1], buf, len,
			    c->d);
	}
	variables_unused(sc->vars, sc->warnings);
	/* Fields left with a "${{" would only add noise about that. */
	if (diag_count(c->d) != before)
		c->bad_variables = 1;
}

/*
 * A package fault that promises the package can be installed again
 * needs it in the image's local repository: there is no network.
 */
static void
sc_check_packages(struct sc_ctx *c)
{
	const struct scenario_fault	*f;
	const char			*name, *inst;
	size_t				 i, j;

	for (i = 0; i < c->sc->nfaults; i++) {
		f = &c->sc->faults[i];
		if (f->kind == NULL || strcmp(f->kind->name, "package") != 0 ||
		    (name = scenario_fault_param(f, "name")) == NULL ||
		    (inst = scenario_fault_param(f, "installable")) == NULL ||
		    strcmp(inst, "true") != 0)
			continue;
		for (j = 0; j < c->sc->nimage_mirror &&
		    strcmp(c->sc->image_mirror[j], name) != 0; j++)
			;
		if (j == c->sc->nimage_mirror)
			diag_add(c->d, f->line, f->col, "'faults[%zu]' (fault "
			    "kind 'package'): '%s' is not in 'image.mirror', so "
			    "it could not be installed again (add it there, or "
			    "say 'installable: false')", i, name);
	}
}

static int
sc_hint_cmp(const void *a, const void *b)
{
	const struct scenario_hint *ha = a, *hb = b;

	return (ha->after > hb->after) - (ha->after < hb->after);
}

static void
sc_defaults(struct scenario *sc)
{
	sc->version = SCENARIO_VERSION;
	sc->difficulty = SCENARIO_MEDIUM;
	sc->summary = xstrdup("");
	sc->image = xstrdup(SCENARIO_DEFAULT_IMAGE);
	sc->memory = SCENARIO_DEFAULT_MEMORY;
	sc->vcpus = SCENARIO_DEFAULT_VCPUS;
	sc->disk = SCENARIO_DEFAULT_DISK;
	sc->time_limit = 45 * 60;
	sc->candidate_user = xstrdup("candidate");
	sc->candidate_sudo = 1;
}

struct scenario *
scenario_parse(const char *path, const char *buf, size_t len, struct diag *d)
{
	return scenario_parse_variant(path, buf, len, SCENARIO_SEED_DEFAULT, d);
}

struct scenario *
scenario_parse_variant(const char *path, const char *buf, size_t len,
    int64_t seed, struct diag *d)
{
	struct scenario	*sc = NULL;
	struct ynode	*root = NULL;
	struct sc_ctx	 c;
	size_t		 before = diag_count(d);

	if (len > SCENARIO_MAX_BYTES) {
		diag_add(d, 0, 0, "file is larger than %d KiB: refusing to read "
		    "it", SCENARIO_MAX_BYTES / 1024);
		goto out;
	}
	if ((root = yamltree_parse(buf, len, d)) == NULL)
		goto out;
	if (sc_is_null(root)) {
		diag_add(d, 0, 0, "file is empty: no scenario in it");
		goto out;
	}
	sc = xcalloc(1, sizeof *sc);
	sc->path = xstrdup(path);
	sc->warnings = diag_new(path);
	sc_defaults(sc);
	memset(&c, 0, sizeof c);
	c.d = d;
	c.sc = sc;
	sc_variables(&c, root, buf, len, seed);
	if (c.bad_variables)
		goto out;
	sc_walk(&c, "", root, sc_top_fields, nitems(sc_top_fields), sc);
	if (root->type == YNODE_MAP) {
		sc_unique_ids(&c, yamltree_get(root, "faults"), "fault");
		sc_unique_ids(&c, yamltree_get(root, "checks"), "check");
		sc_check_fixes(&c, yamltree_get(root, "faults"),
		    yamltree_get(root, "checks"));
		sc_check_hints(&c, yamltree_get(root, "hints"));
		sc_check_accounts(&c);
		sc_check_packages(&c);
	}
	if (sc->nhints > 1)
		qsort(sc->hints, sc->nhints, sizeof *sc->hints, sc_hint_cmp);
out:
	yamltree_free(root);
	if (diag_count(d) != before) {
		scenario_free(sc);
		return NULL;
	}
	return sc;
}

/* Read at most SCENARIO_MAX_BYTES + 1 bytes of a regular file. */
static char *
sc_read(const char *path, size_t *lenp, struct diag *d)
{
	struct stat	 st;
	char		*buf = NULL;
	size_t		 len = 0;
	ssize_t		 r;
	int		 fd;

	/* O_NONBLOCK: a FIFO given by mistake must not hang us. */
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) == -1) {
		diag_add(d, 0, 0, "cannot open: %s", strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		diag_add(d, 0, 0, "not a regular file");
		goto fail;
	}
	if (st.st_size > SCENARIO_MAX_BYTES) {
		diag_add(d, 0, 0, "file is larger than %d KiB: refusing to read "
		    "it", SCENARIO_MAX_BYTES / 1024);
		goto fail;
	}
	buf = xmalloc(SCENARIO_MAX_BYTES + 1);
	while (len <= SCENARIO_MAX_BYTES) {
		r = read(fd, buf + len, SCENARIO_MAX_BYTES + 1 - len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			diag_add(d, 0, 0, "cannot read: %s", strerror(errno));
			goto fail;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	*lenp = len;
	return buf;
fail:
	free(buf);
	close(fd);
	return NULL;
}

struct scenario *
scenario_load(const char *path, struct diag *d)
{
	return scenario_load_variant(path, SCENARIO_SEED_DEFAULT, d);
}

struct scenario *
scenario_load_variant(const char *path, int64_t seed, struct diag *d)
{
	struct scenario	*sc;
	char		*buf;
	size_t		 len;

	if ((buf = sc_read(path, &len, d)) == NULL)
		return NULL;
	sc = scenario_parse_variant(path, buf, len, seed, d);
	free(buf);
	return sc;
}

static void
sc_free_strv(char **v, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void
sc_free_fault(struct scenario_fault *f)
{
	size_t	 i;

	for (i = 0; i < f->nparams; i++)
		free(f->params[i].value);
	free(f->params);
	free(f->id);
	free(f->describe);
}

void
scenario_free(struct scenario *sc)
{
	size_t	 i;

	if (sc == NULL)
		return;
	for (i = 0; i < sc->nfaults; i++)
		sc_free_fault(&sc->faults[i]);
	free(sc->faults);
	for (i = 0; i < sc->nchecks; i++) {
		free(sc->checks[i].id);
		free(sc->checks[i].describe);
		free(sc->checks[i].run);
		free(sc->checks[i].probe.path);
		free(sc->checks[i].probe.host);
		free(sc->checks[i].probe.contains);
		sc_free_strv(sc->checks[i].fixes, sc->checks[i].nfixes);
	}
	free(sc->checks);
	for (i = 0; i < sc->nhints; i++)
		free(sc->hints[i].text);
	free(sc->hints);
	sc_free_strv(sc->tags, sc->ntags);
	free(sc->path);
	free(sc->name);
	free(sc->title);
	free(sc->summary);
	free(sc->briefing);
	free(sc->image);
	sc_free_strv(sc->image_packages, sc->nimage_packages);
	sc_free_strv(sc->image_mirror, sc->nimage_mirror);
	sc_free_strv(sc->image_containers, sc->nimage_containers);
	for (i = 0; i < sc->nimage_files; i++) {
		free(sc->image_files[i].path);
		free(sc->image_files[i].content);
		free(sc->image_files[i].owner);
		free(sc->image_files[i].group);
	}
	free(sc->image_files);
	for (i = 0; i < sc->ndisks; i++) {
		free(sc->disks[i].name);
		free(sc->disks[i].vg);
		free(sc->disks[i].lv);
		free(sc->disks[i].format);
		free(sc->disks[i].mount);
	}
	free(sc->disks);
	free(sc->candidate_user);
	free(sc->solution);
	variables_free(sc->vars);
	diag_free(sc->warnings);
	free(sc);
}

const char *
scenario_difficulty_name(enum scenario_difficulty d)
{
	return sc_difficulties[d];
}

const char *
scenario_check_kind_name(enum scenario_check_kind kind)
{
	switch (kind) {
	case SCENARIO_CHECK_HTTP:
		return "http";
	case SCENARIO_CHECK_TCP:
		return "tcp";
	case SCENARIO_CHECK_RUN:
		break;
	}
	return "run";
}

int
scenario_check_on_host(const struct scenario_check *ck)
{
	return ck->kind != SCENARIO_CHECK_RUN;
}

char *
scenario_check_url(const struct scenario_check *ck)
{
	const struct scenario_probe	*p = &ck->probe;
	char				*url;

	if (p->port == 80)
		xasprintf(&url, "http://%s%s", p->host, p->path);
	else
		xasprintf(&url, "http://%s:%u%s", p->host, p->port, p->path);
	return url;
}

const char *
scenario_fault_param(const struct scenario_fault *f, const char *name)
{
	size_t	 i;

	for (i = 0; i < f->nparams; i++) {
		if (strcmp(f->params[i].name, name) == 0)
			return f->params[i].value;
	}
	return NULL;
}
