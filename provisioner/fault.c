/*
 * fault.c - the registry of fault kinds a scenario may name.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"
#include "units.h"
#include "util.h"

#define FAULT_PATH_MAX	4096
#define FAULT_NAME_MAX	255

static const char *const fault_service_actions[] = {
	"stop", "disable", "mask", "start", "restart", "enable", NULL
};
static const char *const fault_hog_loads[] = { "cpu", "memory", NULL };
static const char *const fault_respawns[] = { "none", "cron", "unit", NULL };
static const char *const fault_directions[] = { "input", "output", NULL };
static const char *const fault_protocols[] = { "tcp", "udp", NULL };
static const char *const fault_verdicts[] = { "drop", "reject", NULL };
static const char *const fault_dns_ways[] = { "nameserver", "nsswitch",
	NULL };
static const char *const fault_user_actions[] = { "lock", "expire",
	"shell", NULL };

static int	fault_dns_check(const char *const *, char **);
static int	fault_firewall_check(const char *const *, char **);
static int	fault_hog_check(const char *const *, char **);
static int	fault_user_check(const char *const *, char **);

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

static const struct fault_param fault_chmod_params[] = {
	{ "path", FAULT_P_PATH, 1, NULL, NULL, "file or directory" },
	{ "mode", FAULT_P_MODE, 1, NULL, NULL, "its new permission bits" },
	{ "recursive", FAULT_P_BOOL, 0, "false", NULL,
	  "everything below a directory too" },
};

static const struct fault_param fault_chown_params[] = {
	{ "path", FAULT_P_PATH, 1, NULL, NULL, "file or directory" },
	{ "owner", FAULT_P_OWNER, 1, NULL, NULL, "its new user[:group]" },
	{ "recursive", FAULT_P_BOOL, 0, "false", NULL,
	  "everything below a directory too" },
};

static const struct fault_param fault_immutable_params[] = {
	{ "path", FAULT_P_PATH, 1, NULL, NULL,
	  "file or directory made immutable (chattr +i)" },
};

static const struct fault_param fault_service_params[] = {
	{ "unit", FAULT_P_UNIT, 1, NULL, NULL, "systemd unit" },
	{ "action", FAULT_P_CHOICE, 0, "stop", fault_service_actions,
	  "stop, disable or mask (each also stops it); start, restart or "
	  "enable (and start) for setup" },
};

static const struct fault_param fault_dropin_params[] = {
	{ "unit", FAULT_P_UNIT, 1, NULL, NULL, "systemd unit to override" },
	{ "content", FAULT_P_TEXT, 1, NULL, NULL,
	  "the drop-in: [Section] and settings" },
	{ "name", FAULT_P_DROPIN, 0, "override.conf", NULL,
	  "file name in /etc/systemd/system/UNIT.d/" },
	{ "restart", FAULT_P_BOOL, 0, "true", NULL,
	  "restart the unit afterwards (it may fail: that can be the fault)" },
};

static const struct fault_param fault_hog_params[] = {
	{ "name", FAULT_P_TAG, 1, NULL, NULL,
	  "program and process name, in /usr/local/bin" },
	{ "load", FAULT_P_CHOICE, 0, "cpu", fault_hog_loads,
	  "burn a CPU, or hold memory" },
	{ "memory", FAULT_P_SIZE, 0, NULL, NULL,
	  "memory held, for load: memory (required there)" },
	{ "respawn", FAULT_P_CHOICE, 0, "none", fault_respawns,
	  "none, cron (restarted every minute) or unit (Restart=always)" },
	{ "user", FAULT_P_USER, 0, "root", NULL, "runs as" },
};

static const struct fault_param fault_held_params[] = {
	{ "path", FAULT_P_PATH, 1, NULL, NULL,
	  "file written, then deleted while still open" },
	{ "size", FAULT_P_SIZE, 1, NULL, NULL,
	  "bytes written (less if the filesystem fills up)" },
	{ "name", FAULT_P_TAG, 1, NULL, NULL,
	  "program and process name, in /usr/local/bin" },
	{ "user", FAULT_P_USER, 0, "root", NULL, "runs as" },
};

static const struct fault_param fault_listen_params[] = {
	{ "port", FAULT_P_PORT, 1, NULL, NULL, "TCP port taken" },
	{ "name", FAULT_P_TAG, 1, NULL, NULL,
	  "program and process name, in /usr/local/bin" },
	{ "address", FAULT_P_ADDRESS, 0, "0.0.0.0", NULL, "address bound" },
	{ "respawn", FAULT_P_CHOICE, 0, "none", fault_respawns,
	  "none, cron (restarted every minute) or unit (Restart=always)" },
	{ "user", FAULT_P_USER, 0, "root", NULL, "runs as" },
};

static const struct fault_param fault_fill_params[] = {
	{ "path", FAULT_P_PATH, 1, NULL, NULL,
	  "file created to fill the filesystem it is on" },
	{ "leave", FAULT_P_SIZE, 0, "0", NULL,
	  "space left available to ordinary users" },
};

static const struct fault_param fault_inodes_params[] = {
	{ "path", FAULT_P_PATH, 1, NULL, NULL,
	  "directory filled with empty files" },
	{ "leave", FAULT_P_COUNT, 0, "0", NULL, "free inodes left" },
	{ "prefix", FAULT_P_TAG, 0, "sess_", NULL, "file name prefix" },
};

static const struct fault_param fault_volume_params[] = {
	{ "path", FAULT_P_PATH, 1, NULL, NULL, "mount point" },
	{ "size", FAULT_P_SIZE, 1, NULL, NULL, "size of the ext4 filesystem" },
	{ "inodes", FAULT_P_COUNT, 0, "0", NULL,
	  "number of inodes (0: mkfs.ext4's choice)" },
	{ "owner", FAULT_P_OWNER, 0, "root:root", NULL,
	  "owner of its top directory" },
	{ "mode", FAULT_P_MODE, 0, "0755", NULL,
	  "permission bits of its top directory" },
};

static const struct fault_param fault_firewall_params[] = {
	{ "port", FAULT_P_PORT, 0, NULL, NULL, "destination port" },
	{ "host", FAULT_P_NETWORK, 0, NULL, NULL,
	  "remote address or network (source for input, destination for "
	  "output)" },
	{ "direction", FAULT_P_CHOICE, 0, "input", fault_directions,
	  "traffic into the guest or out of it" },
	{ "protocol", FAULT_P_CHOICE, 0, "tcp", fault_protocols,
	  "for port" },
	{ "action", FAULT_P_CHOICE, 0, "drop", fault_verdicts,
	  "drop silently or reject" },
};

static const struct fault_param fault_dns_params[] = {
	{ "break", FAULT_P_CHOICE, 0, "nameserver", fault_dns_ways,
	  "point resolv.conf at a dead server, or take dns out of "
	  "nsswitch.conf" },
	{ "nameserver", FAULT_P_ADDRESS, 0, NULL, NULL,
	  "the dead server, for break: nameserver (default 192.0.2.53)" },
};

static const struct fault_param fault_hosts_params[] = {
	{ "name", FAULT_P_HOST, 1, NULL, NULL, "host name" },
	{ "address", FAULT_P_ADDRESS, 1, NULL, NULL,
	  "the address it now resolves to" },
};

static const struct fault_param fault_cron_params[] = {
	{ "name", FAULT_P_TAG, 1, NULL, NULL, "file name in /etc/cron.d" },
	{ "schedule", FAULT_P_SCHEDULE, 1, NULL, NULL,
	  "five fields, or @reboot, @hourly, @daily ..." },
	{ "command", FAULT_P_CRONCMD, 1, NULL, NULL, "shell command" },
	{ "user", FAULT_P_USER, 0, "root", NULL, "runs as" },
};

static const struct fault_param fault_user_params[] = {
	{ "name", FAULT_P_USER, 1, NULL, NULL, "an existing account" },
	{ "action", FAULT_P_CHOICE, 0, "lock", fault_user_actions,
	  "lock its password, expire the account, or change its shell" },
	{ "shell", FAULT_P_PATH, 0, NULL, NULL,
	  "the new shell, for action: shell (required there)" },
};

static const struct fault_param fault_sysctl_params[] = {
	{ "key", FAULT_P_SYSCTL, 1, NULL, NULL, "kernel parameter" },
	{ "value", FAULT_P_STRING, 1, NULL, NULL, "its new value" },
	{ "persist", FAULT_P_BOOL, 0, "true", NULL,
	  "also write it to /etc/sysctl.d, so that a reboot keeps it" },
};

static const struct fault_param fault_clock_params[] = {
	{ "offset", FAULT_P_OFFSET, 1, NULL, NULL,
	  "how far to move the system clock: -3d, +2h" },
};

#define FAULT_KIND(n, s, p, c) { n, s, p, nitems(p), c }
static const struct fault_kind fault_kinds[] = {
	FAULT_KIND("script", "run a root shell script (the escape hatch)",
	    fault_script_params, NULL),
	FAULT_KIND("file", "write or replace a file", fault_file_params,
	    NULL),
	FAULT_KIND("remove", "delete a file or directory",
	    fault_remove_params, NULL),
	FAULT_KIND("chmod", "change permission bits", fault_chmod_params,
	    NULL),
	FAULT_KIND("chown", "change owner and group", fault_chown_params,
	    NULL),
	FAULT_KIND("immutable", "set the immutable attribute",
	    fault_immutable_params, NULL),
	FAULT_KIND("service", "stop, disable or mask a systemd unit",
	    fault_service_params, NULL),
	FAULT_KIND("dropin", "override a systemd unit with a drop-in",
	    fault_dropin_params, NULL),
	FAULT_KIND("hog", "a runaway process eating CPU or memory",
	    fault_hog_params, fault_hog_check),
	FAULT_KIND("held-open", "a process holding a deleted file open",
	    fault_held_params, NULL),
	FAULT_KIND("listen", "a process squatting a TCP port",
	    fault_listen_params, NULL),
	FAULT_KIND("fill", "fill a filesystem, leaving a little space",
	    fault_fill_params, NULL),
	FAULT_KIND("inodes", "use up a filesystem's inodes",
	    fault_inodes_params, NULL),
	FAULT_KIND("volume", "mount a small ext4 volume (setup)",
	    fault_volume_params, NULL),
	FAULT_KIND("firewall", "drop or reject traffic with nftables",
	    fault_firewall_params, fault_firewall_check),
	FAULT_KIND("dns", "break name resolution", fault_dns_params,
	    fault_dns_check),
	FAULT_KIND("hosts", "pin a host name to an address in /etc/hosts",
	    fault_hosts_params, NULL),
	FAULT_KIND("cron", "add a cron job", fault_cron_params, NULL),
	FAULT_KIND("user", "lock or expire an account, or change its shell",
	    fault_user_params, fault_user_check),
	FAULT_KIND("sysctl", "set a kernel parameter", fault_sysctl_params,
	    NULL),
	FAULT_KIND("clock", "move the system clock", fault_clock_params,
	    NULL),
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

/* A whole number without sign or leading zeros, at most max. */
static int
fault_check_number(const char *v, uint64_t min, uint64_t max,
    const char *what, char **cause)
{
	uint64_t	 n = 0;
	size_t		 len = strlen(v);

	if (len == 0 || len > 10 || strspn(v, "0123456789") != len ||
	    (v[0] == '0' && len > 1))
		goto bad;
	n = strtoull(v, NULL, 10);
	if (n < min || n > max)
		goto bad;
	return 0;
bad:
	xasprintf(cause, "'%s' is not %s (%" PRIu64 " to %" PRIu64 ")", v,
	    what, min, max);
	return -1;
}

static int
fault_check_bool(const char *v, char **cause)
{
	if (strcmp(v, "true") == 0 || strcmp(v, "false") == 0)
		return 0;
	xasprintf(cause, "'%s' is not true or false", v);
	return -1;
}

/* "0", or a size with a unit. */
static int
fault_check_size(const char *v, char **cause)
{
	uint64_t	 bytes;

	if (strcmp(v, "0") == 0)
		return 0;
	return units_parse_size(v, &bytes, cause);
}

/* A duration with an optional sign; never zero. */
static int
fault_check_offset(const char *v, char **cause)
{
	uint64_t	 secs;

	if (units_parse_duration(v + (*v == '+' || *v == '-'), &secs,
	    cause) != 0)
		return -1;
	if (secs == 0) {
		xasprintf(cause, "'%s' does not move the clock", v);
		return -1;
	}
	if (secs > 3650ULL * 86400) {
		xasprintf(cause, "'%s' is more than ten years", v);
		return -1;
	}
	return 0;
}

/* An address as inet_ntop writes it, so that proofs compare exactly. */
static int
fault_check_address(const char *v, char **cause)
{
	unsigned char	 buf[sizeof(struct in6_addr)];
	char		 text[INET6_ADDRSTRLEN];
	int		 af = strchr(v, ':') != NULL ? AF_INET6 : AF_INET;

	if (inet_pton(af, v, buf) != 1) {
		xasprintf(cause, "'%s' is not an IPv4 or IPv6 address", v);
		return -1;
	}
	if (inet_ntop(af, buf, text, sizeof text) == NULL ||
	    strcmp(text, v) != 0) {
		xasprintf(cause, "write the address '%s' as '%s'", v, text);
		return -1;
	}
	return 0;
}

/*
 * An IPv4 address or network. *net and *bits, when not NULL, get the
 * network in host order and its prefix length.
 */
static int
fault_parse_network(const char *v, uint32_t *net, unsigned *bits,
    char **cause)
{
	struct in_addr	 a;
	const char	*slash = strchr(v, '/');
	char		*addr = NULL, prefix[INET_ADDRSTRLEN];
	unsigned	 len = 32;
	uint32_t	 mask;
	int		 rc = -1;

	addr = slash ? xstrndup(v, (size_t)(slash - v)) : xstrdup(v);
	if (fault_check_address(addr, cause) != 0 || strchr(addr, ':')) {
		free(*cause);
		xasprintf(cause, "'%s' is not an IPv4 address or network "
		    "(10.0.0.0/8)", v);
		goto out;
	}
	if (slash != NULL) {
		if (fault_check_number(slash + 1, 0, 32, "a prefix length",
		    cause) != 0)
			goto out;
		len = (unsigned)atoi(slash + 1);
	}
	inet_pton(AF_INET, addr, &a);
	mask = len == 0 ? 0 : 0xffffffffU << (32 - len);
	if ((ntohl(a.s_addr) & ~mask) != 0) {
		a.s_addr = htonl(ntohl(a.s_addr) & mask);
		inet_ntop(AF_INET, &a, prefix, sizeof prefix);
		xasprintf(cause, "'%s' has host bits set (did you mean "
		    "'%s/%u'?)", v, prefix, len);
		goto out;
	}
	if (net != NULL)
		*net = ntohl(a.s_addr);
	if (bits != NULL)
		*bits = len;
	rc = 0;
out:
	free(addr);
	return rc;
}

static int
fault_check_host(const char *v, char **cause)
{
	const char	*p, *label = v;

	if (*v == '\0' || strlen(v) > 253)
		goto bad;
	for (p = v;; p++) {
		if (*p == '.' || *p == '\0') {
			if (p == label || p - label > 63 || *label == '-' ||
			    p[-1] == '-')
				goto bad;
			if (*p == '\0')
				return 0;
			label = p + 1;
		} else if (!isalnum((unsigned char)*p) && *p != '-')
			goto bad;
	}
bad:
	xasprintf(cause, "'%s' is not a valid host name", v);
	return -1;
}

static int
fault_check_tag(const char *v, char **cause)
{
	if (fault_check_name(v, "_-", "name (letters, digits, '-' and '_')",
	    cause) != 0)
		return -1;
	if (strlen(v) > FAULT_TAG_MAX) {
		xasprintf(cause, "'%s' is longer than %d characters (process "
		    "names are cut there)", v, FAULT_TAG_MAX);
		return -1;
	}
	return 0;
}

static int
fault_check_schedule(const char *v, char **cause)
{
	static const char *const named[] = { "@reboot", "@yearly",
	    "@annually", "@monthly", "@weekly", "@daily", "@midnight",
	    "@hourly", NULL };
	const char *const	*n;
	const char		*p = v;
	int			 fields = 0;

	for (n = named; *n != NULL; n++) {
		if (strcmp(v, *n) == 0)
			return 0;
	}
	while (*p != '\0') {
		if (*p == ' ' || *p == '\t') {
			p++;
			continue;
		}
		fields++;
		while (*p != '\0' && *p != ' ' && *p != '\t') {
			if (!isalnum((unsigned char)*p) &&
			    strchr("*,/-", *p) == NULL)
				goto bad;
			p++;
		}
	}
	if (fields == 5)
		return 0;
bad:
	xasprintf(cause, "'%s' is not a cron schedule (five fields such as "
	    "'*/5 * * * *', or @reboot, @hourly, @daily ...)", v);
	return -1;
}

static int
fault_check_sysctl(const char *v, char **cause)
{
	if (fault_check_name(v, "_./-", "sysctl key", cause) != 0)
		return -1;
	if (*v == '.' || *v == '/' || strstr(v, "..") != NULL) {
		xasprintf(cause, "'%s' is not a valid sysctl key", v);
		return -1;
	}
	return 0;
}

static int
fault_check_dropin(const char *v, char **cause)
{
	size_t	 len = strlen(v);

	if (fault_check_name(v, "_-.@", "drop-in file name", cause) != 0)
		return -1;
	if (*v == '.' || len < 6 || strcmp(v + len - 5, ".conf") != 0) {
		xasprintf(cause, "'%s' does not end in .conf (systemd would "
		    "ignore it)", v);
		return -1;
	}
	return 0;
}

/* cron turns an unescaped '%' into a newline. */
static int
fault_check_croncmd(const char *v, char **cause)
{
	const char	*p;

	if (strchr(v, '\n') != NULL) {
		xasprintf(cause, "must be a single line");
		return -1;
	}
	for (p = v; *p != '\0'; p++) {
		if (*p == '%' && (p == v || p[-1] != '\\')) {
			xasprintf(cause, "'%%' means a newline to cron: write "
			    "'\\%%' (as in date +\\%%F)");
			return -1;
		}
	}
	if (*v == '\0') {
		xasprintf(cause, "is empty");
		return -1;
	}
	return 0;
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
	case FAULT_P_USER:
		return fault_check_name(value, "_-.", "user name", cause);
	case FAULT_P_UNIT:
		return fault_check_name(value, "_-.@:\\", "systemd unit name",
		    cause);
	case FAULT_P_CHOICE:
		return fault_check_choice(p, value, cause);
	case FAULT_P_BOOL:
		return fault_check_bool(value, cause);
	case FAULT_P_PORT:
		return fault_check_number(value, 1, 65535, "a port", cause);
	case FAULT_P_COUNT:
		return fault_check_number(value, 0, 1000000000, "a count",
		    cause);
	case FAULT_P_SIZE:
		return fault_check_size(value, cause);
	case FAULT_P_OFFSET:
		return fault_check_offset(value, cause);
	case FAULT_P_ADDRESS:
		return fault_check_address(value, cause);
	case FAULT_P_NETWORK:
		return fault_parse_network(value, NULL, NULL, cause);
	case FAULT_P_HOST:
		return fault_check_host(value, cause);
	case FAULT_P_TAG:
		return fault_check_tag(value, cause);
	case FAULT_P_SCHEDULE:
		return fault_check_schedule(value, cause);
	case FAULT_P_SYSCTL:
		return fault_check_sysctl(value, cause);
	case FAULT_P_DROPIN:
		return fault_check_dropin(value, cause);
	case FAULT_P_CRONCMD:
		return fault_check_croncmd(value, cause);
	}
	xasprintf(cause, "unknown parameter type");
	return -1;
}

/* Checks across parameters; indices follow each kind's table above. */

static int
fault_hog_check(const char *const *v, char **cause)
{
	int	 memory = strcmp(v[1], "memory") == 0;

	if (memory && v[2] == NULL) {
		xasprintf(cause, "'load: memory' needs 'memory' (how much to "
		    "hold, such as 512M)");
		return -1;
	}
	if (!memory && v[2] != NULL) {
		xasprintf(cause, "'memory' only applies to 'load: memory'");
		return -1;
	}
	return 0;
}

/* 10.0.2.2 is the host as the guest sees it: breakfix's way in. */
#define FAULT_SLIRP_HOST	0x0a000202U

static int
fault_firewall_check(const char *const *v, char **cause)
{
	uint32_t	 net, mask;
	unsigned	 bits;
	char		*ignored = NULL;

	if (v[0] == NULL && v[1] == NULL) {
		xasprintf(cause, "needs 'port', 'host' or both");
		return -1;
	}
	if (v[0] != NULL && strcmp(v[0], "22") == 0 &&
	    strcmp(v[2], "input") == 0 && strcmp(v[3], "tcp") == 0) {
		xasprintf(cause, "blocking port 22 would lock the candidate "
		    "out (logins reach the guest's sshd on port 22)");
		return -1;
	}
	if (v[1] != NULL && fault_parse_network(v[1], &net, &bits,
	    &ignored) == 0) {
		mask = bits == 0 ? 0 : 0xffffffffU << (32 - bits);
		if ((FAULT_SLIRP_HOST & mask) == net) {
			xasprintf(cause, "'%s' covers 10.0.2.2, the address "
			    "every login comes from: blocking it would lock "
			    "the candidate out", v[1]);
			return -1;
		}
	}
	free(ignored);
	return 0;
}

static int
fault_dns_check(const char *const *v, char **cause)
{
	if (strcmp(v[0], "nameserver") != 0 && v[1] != NULL) {
		xasprintf(cause, "'nameserver' only applies to 'break: "
		    "nameserver'");
		return -1;
	}
	return 0;
}

static int
fault_user_check(const char *const *v, char **cause)
{
	int	 shell = strcmp(v[1], "shell") == 0;

	if (strcmp(v[0], "root") == 0 || strcmp(v[0], "breakfix") == 0) {
		xasprintf(cause, "breakfix needs the account '%s' to apply "
		    "faults and run checks", v[0]);
		return -1;
	}
	if (shell && v[2] == NULL) {
		xasprintf(cause, "'action: shell' needs 'shell' (such as "
		    "/usr/sbin/nologin)");
		return -1;
	}
	if (!shell && v[2] != NULL) {
		xasprintf(cause, "'shell' only applies to 'action: shell'");
		return -1;
	}
	return 0;
}
