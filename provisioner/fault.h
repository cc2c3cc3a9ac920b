/*
 * fault.h - the registry of fault kinds a scenario may name.
 *
 * A fault in a scenario is a mapping with an id, a kind and the kind's
 * own parameters written beside them:
 *
 *	- id: nginx-typo
 *	  kind: file
 *	  path: /etc/nginx/sites-enabled/default
 *	  content: "server { listen 80 }"
 *
 * Each kind declares its parameters here (name, type, required or
 * default), and the scenario reader validates every fault against that
 * declaration, so a new kind needs no change to the reader.
 */
#ifndef BREAKFIX_FAULT_H
#define BREAKFIX_FAULT_H

#include <stddef.h>
#include <stdint.h>

enum fault_ptype {
	FAULT_P_STRING,		/* one line of text */
	FAULT_P_TEXT,		/* any text, newlines allowed */
	FAULT_P_PATH,		/* absolute path in the guest */
	FAULT_P_MODE,		/* octal permission bits: 0644 */
	FAULT_P_OWNER,		/* user or user:group */
	FAULT_P_USER,		/* a user name */
	FAULT_P_UNIT,		/* systemd unit name: nginx.service */
	FAULT_P_CHOICE,		/* one of choices[] */
	FAULT_P_BOOL,		/* true or false */
	FAULT_P_PORT,		/* 1 to 65535 */
	FAULT_P_COUNT,		/* a whole number, 0 to 10^9 */
	FAULT_P_SIZE,		/* bytes with a unit: 64M (see units.h) */
	FAULT_P_OFFSET,		/* signed duration: -3d, +2h30m */
	FAULT_P_ADDRESS,	/* IPv4 or IPv6 address, canonical form */
	FAULT_P_NETWORK,	/* IPv4 address or network: 10.0.0.0/8 */
	FAULT_P_HOST,		/* host name: db.example.internal */
	FAULT_P_TAG,		/* process, cron file or program name */
	FAULT_P_SCHEDULE,	/* cron schedule: five fields or @daily */
	FAULT_P_SYSCTL,		/* sysctl key: net.ipv4.ip_forward */
	FAULT_P_DROPIN,		/* drop-in file name ending in .conf */
	FAULT_P_CRONCMD,	/* one line, no unescaped '%' */
	FAULT_P_PACKAGE,	/* Debian package name: postgresql-15 */
	FAULT_P_BASE64,		/* base64 text; blanks and newlines ignored */
	FAULT_P_MOUNTOPTS,	/* mount options: noexec,nosuid */
	FAULT_P_CAPS,		/* capabilities: cap_net_bind_service,... */
	FAULT_P_GROUPS,		/* group names: adm,www-data */
};

#define FAULT_TAG_MAX	15	/* a process name (comm) is cut there */
#define FAULT_LIST_MAX	16	/* items in a MOUNTOPTS or GROUPS list */
#define FAULT_GROUP_MAX	32	/* a group name, as useradd allows */

struct fault_param {
	const char		 *name;
	enum fault_ptype	  type;
	int			  required;
	const char		 *def;		/* default when not required */
	const char *const	 *choices;	/* FAULT_P_CHOICE only */
	const char		 *help;		/* one line, for docs and show */
};

/*
 * Checks across a fault's parameters, once each one is valid on its own.
 * values[i] is the value of params[i] (default filled in) or NULL when
 * absent. Returns 0, or -1 with *cause set (caller frees).
 */
typedef int (*fault_check_fn)(const char *const *values, char **cause);

struct fault_kind {
	const char		 *name;
	const char		 *summary;
	const struct fault_param *params;
	size_t			  nparams;
	fault_check_fn		  check;	/* may be NULL */
};

/* The kind called name, or NULL. */
const struct fault_kind	*fault_kind_find(const char *name);

/* NULL-terminated list of every kind's name (static storage). */
const char *const	*fault_kind_names(void);

/* The parameter called name in kind k, or NULL. */
const struct fault_param *fault_kind_param(const struct fault_kind *k,
			    const char *name);

/*
 * Check value against p. Returns 0, or -1 with *cause set (caller frees)
 * to a message that does not name the parameter (the caller does).
 */
int			 fault_param_check(const struct fault_param *p,
			    const char *value, char **cause);

/*
 * The capabilities named in list (a valid FAULT_P_CAPS value) as a
 * mask, bit n for capability number n, as the kernel numbers them.
 */
uint64_t		 fault_caps_mask(const char *list);

/*
 * The mount options of a valid FAULT_P_MOUNTOPTS value that the named
 * ones replace: each option and its opposite ("noexec" -> "noexec,exec"),
 * joined with commas; newly allocated.
 */
char			*fault_mount_replaced(const char *list);

#endif
