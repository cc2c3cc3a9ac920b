/*
 * fault.c - the registry of fault kinds a scenario may name.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"
#include "util.h"

#define FAULT_PATH_MAX	4096
#define FAULT_NAME_MAX	255

static const char *const fault_service_actions[] = {
	"stop", "disable", "mask", NULL
};

static const struct fault_param fault_script_params[] = {
	{ "run", FAULT_P_TEXT, 1, NULL, NULL,
	  "shell script run as root in the guest; must exit 0" },
};

static const struct fault_param fault_file_params[] = {
	{ "path", FAULT_P_PATH, 1, NULL, NULL, "file to write" },
	{ "content", FAULT_P_TEXT, 1, NULL, NULL, "its whole new content" },
	{ "mode", FAULT_P_MODE, 0, "0644", NULL, "permission bits" },
	{ "owner", FAULT_P_OWNER, 0, "root:root", NULL, "user[:group]" },
};

static const struct fault_param fault_remove_params[] = {
	{ "path", FAULT_P_PATH, 1, NULL, NULL, "file or directory to delete" },
};

static const struct fault_param fault_service_params[] = {
	{ "unit", FAULT_P_UNIT, 1, NULL, NULL, "systemd unit" },
	{ "action", FAULT_P_CHOICE, 0, "stop", fault_service_actions,
	  "stop, disable (and stop) or mask (and stop)" },
};

#define FAULT_KIND(n, s, p) { n, s, p, nitems(p) }
static const struct fault_kind fault_kinds[] = {
	FAULT_KIND("script", "run a root shell script (the escape hatch)",
	    fault_script_params),
	FAULT_KIND("file", "write or replace a file", fault_file_params),
	FAULT_KIND("remove", "delete a file or directory",
	    fault_remove_params),
	FAULT_KIND("service", "stop, disable or mask a systemd unit",
	    fault_service_params),
};

static const char *fault_kind_namelist[nitems(fault_kinds) + 1];

const struct fault_kind *
fault_kind_find(const char *name)
{
	size_t	 i;

	for (i = 0; i < nitems(fault_kinds); i++) {
		if (strcmp(fault_kinds[i].name, name) == 0)
			return &fault_kinds[i];
	}
	return NULL;
}

const char *const *
fault_kind_names(void)
{
	size_t	 i;

	for (i = 0; i < nitems(fault_kinds); i++)
		fault_kind_namelist[i] = fault_kinds[i].name;
	fault_kind_namelist[i] = NULL;
	return fault_kind_namelist;
}

const struct fault_param *
fault_kind_param(const struct fault_kind *k, const char *name)
{
	size_t	 i;

	for (i = 0; i < k->nparams; i++) {
		if (strcmp(k->params[i].name, name) == 0)
			return &k->params[i];
	}
	return NULL;
}

static int
fault_check_path(const char *v, char **cause)
{
	if (v[0] != '/') {
		xasprintf(cause, "'%s' is not an absolute path", v);
		return -1;
	}
	if (strlen(v) > FAULT_PATH_MAX) {
		xasprintf(cause, "path is longer than %d bytes", FAULT_PATH_MAX);
		return -1;
	}
	if (strchr(v, '\n') != NULL) {
		xasprintf(cause, "path contains a newline");
		return -1;
	}
	if (strcmp(v, "/") == 0 || strstr(v, "/../") != NULL ||
	    (strlen(v) >= 3 && strcmp(v + strlen(v) - 3, "/..") == 0)) {
		xasprintf(cause, "'%s' is not a path breakfix will touch", v);
		return -1;
	}
	return 0;
}

static int
fault_check_mode(const char *v, char **cause)
{
	size_t	 len = strlen(v);

	if (len < 3 || len > 4 || strspn(v, "01234567") != len) {
		xasprintf(cause, "'%s' is not an octal mode such as 0644", v);
		return -1;
	}
	return 0;
}

/* A user, group or unit name: no spaces, quotes or shell metacharacters. */
static int
fault_check_name(const char *v, const char *extra, const char *what,
    char **cause)
{
	const char	*p;

	/* A leading '-' would be read as an option by chown or systemctl. */
	if (*v == '\0' || *v == '-' || strlen(v) > FAULT_NAME_MAX)
		goto bad;
	for (p = v; *p != '\0'; p++) {
		if (!isalnum((unsigned char)*p) && strchr(extra, *p) == NULL)
			goto bad;
	}
	return 0;
bad:
	xasprintf(cause, "'%s' is not a valid %s", v, what);
	return -1;
}

/* user or user:group, each a name. */
static int
fault_check_owner(const char *v, char **cause)
{
	const char	*colon = strchr(v, ':');
	char		*user;
	int		 r;

	if (colon == NULL)
		return fault_check_name(v, "_-.", "owner (user or user:group)",
		    cause);
	user = xstrndup(v, (size_t)(colon - v));
	r = fault_check_name(user, "_-.", "owner (user or user:group)", cause);
	if (r == 0)
		r = fault_check_name(colon + 1, "_-.", "owner (user or "
		    "user:group)", cause);
	free(user);
	if (r != 0) {
		free(*cause);
		xasprintf(cause, "'%s' is not a valid owner (user or "
		    "user:group)", v);
	}
	return r;
}

static int
fault_check_choice(const struct fault_param *p, const char *v, char **cause)
{
	const char *const	*c;
	char			*list;

	for (c = p->choices; *c != NULL; c++) {
		if (strcmp(*c, v) == 0)
			return 0;
	}
	list = util_join(p->choices, ", ");
	xasprintf(cause, "'%s' is not one of %s", v, list);
	free(list);
	return -1;
}

int
fault_param_check(const struct fault_param *p, const char *value,
    char **cause)
{
	switch (p->type) {
	case FAULT_P_STRING:
		if (strchr(value, '\n') != NULL) {
			xasprintf(cause, "must be a single line");
			return -1;
		}
		return 0;
	case FAULT_P_TEXT:
		return 0;
	case FAULT_P_PATH:
		return fault_check_path(value, cause);
	case FAULT_P_MODE:
		return fault_check_mode(value, cause);
	case FAULT_P_OWNER:
		return fault_check_owner(value, cause);
	case FAULT_P_UNIT:
		return fault_check_name(value, "_-.@:\\", "systemd unit name",
		    cause);
	case FAULT_P_CHOICE:
		return fault_check_choice(p, value, cause);
	}
	xasprintf(cause, "unknown parameter type");
	return -1;
}
