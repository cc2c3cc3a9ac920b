/*
 * pool-config.c - the pool's settings: defaults, pool/settings.json
 * (`pool set`), and the environment over both.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "config.h"
#include "pool.h"
#include "units.h"
#include "util.h"

/* A number from 0 to max, or -1. */
static int
pool_number(const char *v, int max)
{
	char	*end;
	long	 n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (*v < '0' || *v > '9' || *end != '\0' || errno != 0 || n > max)
		return -1;
	return (int)n;
}

static void
pool_defaults(struct pool_config *c)
{
	memset(c, 0, sizeof *c);
	c->size = POOL_SIZE_DEFAULT;
	c->disk = POOL_DISK_DEFAULT;
}

static char *
pool_settings_path(void)
{
	return config_path("pool/" POOL_SETTINGS_FILE);
}

/*
 * The settings file into c, over the defaults. A missing file is no
 * settings; anything else wrong with it is an error naming it.
 */
static int
pool_settings_read(struct pool_config *c, char **cause)
{
	char		*path = pool_settings_path(), *err = NULL;
	json_error_t	 jerr;
	json_t		*j = NULL, *v;
	const char	*key;
	int		 rc = -1;

	if (access(path, F_OK) != 0 && errno == ENOENT) {
		rc = 0;
		goto out;
	}
	if ((j = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr)) ==
	    NULL) {
		xasprintf(cause, "%s:%d:%d: %s", path, jerr.line, jerr.column,
		    jerr.text);
		goto out;
	}
	if (!json_is_object(j)) {
		xasprintf(cause, "%s: expected an object", path);
		goto out;
	}
	json_object_foreach(j, key, v) {
		if (strcmp(key, "size") == 0 || strcmp(key, "hot") == 0) {
			if (!json_is_integer(v) || json_integer_value(v) < 0 ||
			    json_integer_value(v) > POOL_SIZE_MAX) {
				xasprintf(cause, "%s: '%s' must be a number "
				    "from 0 to %d", path, key, POOL_SIZE_MAX);
				goto out;
			}
			*(*key == 's' ? &c->size : &c->hot) =
			    (int)json_integer_value(v);
			*(*key == 's' ? &c->size_from : &c->hot_from) =
			    POOL_FROM_SETTINGS;
		} else if (strcmp(key, "disk") == 0) {
			if (!json_is_string(v) || units_parse_size(
			    json_string_value(v), &c->disk, &err) != 0) {
				xasprintf(cause, "%s: 'disk' must be a size "
				    "such as \"8G\"%s%s", path, err ? ": " : "",
				    err ? err : "");
				goto out;
			}
			c->disk_from = POOL_FROM_SETTINGS;
		} else {
			xasprintf(cause, "%s: unknown key '%s' (size, hot or "
			    "disk)", path, key);
			goto out;
		}
	}
	rc = 0;
out:
	json_decref(j);
	free(err);
	free(path);
	return rc;
}

/* The environment's settings into c, over the file's. */
static int
pool_settings_env(struct pool_config *c, char **cause)
{
	const char	*v;
	char		*err = NULL;

	if ((v = getenv("BREAKFIX_POOL_SIZE")) != NULL && *v != '\0') {
		if ((c->size = pool_number(v, POOL_SIZE_MAX)) == -1) {
			xasprintf(cause, "BREAKFIX_POOL_SIZE='%s': expected a "
			    "number from 0 to %d", v, POOL_SIZE_MAX);
			return -1;
		}
		c->size_from = POOL_FROM_ENV;
	}
	if ((v = getenv("BREAKFIX_POOL_HOT")) != NULL && *v != '\0') {
		if ((c->hot = pool_number(v, c->size)) == -1) {
			xasprintf(cause, "BREAKFIX_POOL_HOT='%s': expected a "
			    "number from 0 to %d", v, c->size);
			return -1;
		}
		c->hot_from = POOL_FROM_ENV;
	}
	if ((v = getenv("BREAKFIX_POOL_DISK")) != NULL && *v != '\0') {
		if (units_parse_size(v, &c->disk, &err) != 0) {
			xasprintf(cause, "BREAKFIX_POOL_DISK='%s': %s", v, err);
			free(err);
			return -1;
		}
		c->disk_from = POOL_FROM_ENV;
	}
	return 0;
}

int
pool_config_load(struct pool_config *c, char **cause)
{
	pool_defaults(c);
	if (pool_settings_read(c, cause) != 0 ||
	    pool_settings_env(c, cause) != 0)
		return -1;
	/*
	 * A smaller size from the environment (BREAKFIX_POOL_SIZE=0 to
	 * turn the pool off) caps the kept hot; a file at odds with itself
	 * is an error.
	 */
	if (c->hot > c->size) {
		if (c->hot_from == c->size_from) {
			xasprintf(cause, "%d hot of %d members: hot cannot be "
			    "more than the size (%s)", c->hot, c->size,
			    pool_config_from(c->size_from, NULL));
			return -1;
		}
		c->hot = c->size;
	}
	return 0;
}

const char *
pool_config_from(enum pool_from from, const char *var)
{
	switch (from) {
	case POOL_FROM_SETTINGS:
		return "pool set";
	case POOL_FROM_ENV:
		return var != NULL ? var : "the environment";
	default:
		return "default";
	}
}

int
pool_config_set(int size, int hot, const char *disk, struct pool_config *kept,
    char **cause)
{
	struct pool_config	 c;
	char			*path = NULL, *err = NULL;
	char			 buf[UNITS_BUFSZ];
	uint64_t		 bytes;
	json_t			*j = NULL;
	int			 rc = -1;

	/* What the file says now, without the environment's say. */
	pool_defaults(&c);
	if (pool_settings_read(&c, cause) != 0)
		goto out;
	if (size >= 0)
		c.size = size;
	if (hot >= 0)
		c.hot = hot;
	if (disk != NULL) {
		if (units_parse_size(disk, &bytes, &err) != 0) {
			xasprintf(cause, "--disk '%s': %s", disk, err);
			goto out;
		}
		c.disk = bytes;
	}
	if (c.hot > c.size) {
		xasprintf(cause, "%d hot of %d members: hot cannot be more "
		    "than the size", c.hot, c.size);
		goto out;
	}
	if (config_mkdir("pool", 0700, cause) != 0)
		goto out;
	path = pool_settings_path();
	j = json_pack("{s:i, s:i, s:s}", "size", c.size, "hot", c.hot,
	    "disk", units_format_size(c.disk, buf));
	if (util_write_json(j, path, 0644, -1, cause) != 0)
		goto out;
	*kept = c;
	rc = 0;
out:
	json_decref(j);
	free(err);
	free(path);
	return rc;
}
