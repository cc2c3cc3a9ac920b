/*
 * config.c - where breakfix keeps its state and which libvirt it talks to.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "util.h"

#ifndef BREAKFIX_DATADIR
#define BREAKFIX_DATADIR "/usr/local/share/breakfix"
#endif

static char	*config_uri;
static char	*config_state;
static char	*config_recipes;

static const char *
config_env(const char *name, const char *def)
{
	const char	*v = getenv(name);

	return v != NULL && *v != '\0' ? v : def;
}

int
config_seconds(const char *name, int def, int max)
{
	const char	*v = getenv(name);
	char		*end;
	long		 n;

	if (v == NULL || *v == '\0')
		return def;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || *end != '\0' || end == v || n < 1 || n > max) {
		log_warn("%s: '%.32s' is not a number of seconds from 1 to %d; "
		    "using %d", name, v, max, def);
		return def;
	}
	return (int)n;
}

void
config_set_connect(const char *uri)
{
	free(config_uri);
	config_uri = xstrdup(uri);
}

void
config_set_state_dir(const char *dir)
{
	free(config_state);
	config_state = xstrdup(dir);
}

const char *
config_connect(void)
{
	if (config_uri != NULL)
		return config_uri;
	return config_env("BREAKFIX_CONNECT", CONFIG_DEFAULT_URI);
}

const char *
config_state_dir(void)
{
	if (config_state != NULL)
		return config_state;
	return config_env("BREAKFIX_STATE_DIR", CONFIG_DEFAULT_STATE);
}

/*
 * Run from a source tree (./breakfix or build/breakfix), the recipes are
 * the tree's own images/; installed, they are under the data directory.
 */
const char *
config_recipes_dir(void)
{
	char	 exe[PATH_MAX], *slash, *try;
	ssize_t	 n;
	int	 up;

	if (config_recipes != NULL)
		return config_recipes;
	if (getenv("BREAKFIX_RECIPES") != NULL &&
	    *getenv("BREAKFIX_RECIPES") != '\0')
		return config_recipes = xstrdup(getenv("BREAKFIX_RECIPES"));
	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		exe[n] = '\0';
		for (up = 0; up < 3 && (slash = strrchr(exe, '/')) != NULL;
		    up++) {
			*slash = '\0';
			xasprintf(&try, "%s/images/debian-12/build.sh", exe);
			if (access(try, X_OK) == 0) {
				free(try);
				xasprintf(&config_recipes, "%s/images", exe);
				return config_recipes;
			}
			free(try);
		}
	}
	return config_recipes = xstrdup(BREAKFIX_DATADIR "/images");
}

char *
config_path(const char *sub)
{
	return util_path(config_state_dir(), sub);
}

int
config_mkdir(const char *sub, unsigned mode, char **cause)
{
	char	*dir = config_path(sub);
	int	 rc;

	rc = util_mkdir(config_state_dir(), 0755, 1, cause) != 0 ||
	    util_mkdir(dir, mode, 1, cause) != 0 ? -1 : 0;
	free(dir);
	return rc;
}
