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

#include "derived.h"
#include "fault.h"
#include "units.h"
#include "util.h"

#define FAULT_PATH_MAX	4096
#define FAULT_NAME_MAX	255

static const char *const fault_service_actions[] = {
	"stop", "disable", "mask", "start", "restart", "enable", "reload",
	NULL
};
static const char *const fault_hog_loads[] = { "cpu", "memory", NULL };
static const char *const fault_respawns[] = { "none", "cron", "unit", NULL };
static const char *const fault_directions[] = { "input", "output", NULL };
static const char *const fault_protocols[] = { "tcp", "udp", NULL };
static const char *const fault_verdicts[] = { "drop", "reject", NULL };
static const char *const fault_dns_ways[] = { "nameserver", "nsswitch",
	NULL };
static const char *const fault_user_actions[] = { "lock", "unlock",
	"expire", "unexpire", "shell", "add-groups", "remove-groups", NULL };
static const char *const fault_attributes[] = { "immutable", "append-only",
	NULL };
static const char *const fault_cap_actions[] = { "remove", "set", "clear",
	NULL };
static const char *const fault_cap_flags[] = { "ep", "eip", "p", "ip",
	NULL };

static const char *const fault_package_actions[] = { "remove", "purge",
	NULL };

/* Linux's capabilities, in the kernel's numbering (capability.h). */
static const char *const fault_caps[] = {
	"cap_chown", "cap_dac_override", "cap_dac_read_search", "cap_fowner",
	"cap_fsetid", "cap_kill", "cap_setgid", "cap_setuid", "cap_setpcap",
	"cap_linux_immutable", "cap_net_bind_service", "cap_net_broadcast",
	"cap_net_admin", "cap_net_raw", "cap_ipc_lock", "cap_ipc_owner",
	"cap_sys_module", "cap_sys_rawio", "cap_sys_chroot", "cap_sys_ptrace",
	"cap_sys_pacct", "cap_sys_admin", "cap_sys_boot", "cap_sys_nice",
	"cap_sys_resource", "cap_sys_time", "cap_sys_tty_config", "cap_mknod",
	"cap_lease", "cap_audit_write", "cap_audit_control", "cap_setfcap",
	"cap_mac_override", "cap_mac_admin", "cap_syslog", "cap_wake_alarm",
	"cap_block_suspend", "cap_audit_read", "cap_perfmon", "cap_bpf",
	"cap_checkpoint_restore", NULL
};

/* Mount options a mount fault may set, each beside its opposite. */
static const char *const fault_mount_opts[][2] = {
	{ "ro", "rw" }, { "noexec", "exec" }, { "nosuid", "suid" },
	{ "nodev", "dev" }, { "noatime", "atime" },
};

static int	fault_capability_check(const char *const *, char **);
static int	fault_dns_check(const char *const *, char **);
static int	fault_file_check(const char *const *, char **);
static int	fault_package_check(const char *const *, char **);
static int	fault_firewall_check(const char *const *, char **);
static int	fault_hog_check(const char *const *, char **);
static int	fault_user_check(const char *const *, char **);

static const struct fault_param fault_script_params[] = {
	{ "run", FAULT_P_TEXT, 1, NULL, NULL,
	  "shell script run as root in the guest; must exit 0" },
};

static const struct fault_param fault_file_params[] = {
	{ "path", FAULT_P_PATH, 1, NULL, NULL, "file to write" },
	{ "content", FAULT_P_TEXT, 0, NULL, NULL,
	  "its whole new content, as text" },
	{ "content_base64", FAULT_P_BASE64, 0, NULL, NULL,
	  "its whole new content as base64, for any bytes (instead of "
	  "content)" },
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
	{ "path", FAULT_P_PATH, 1, NULL, NULL, "file or directory" },
	{ "attribute", FAULT_P_CHOICE, 0, "immutable", fault_attributes,
	  "immutable (chattr +i) or append-only (chattr +a)" },
};

static const struct fault_param fault_mount_params[] = {
	{ "path", FAULT_P_PATH, 1, NULL, NULL,
	  "a mount point (mounted now)" },
	{ "options", FAULT_P_MOUNTOPTS, 1, NULL, NULL,
	  "remounted with these: ro, noexec, nosuid, nodev, noatime or "
	  "their opposites, comma-separated" },
	{ "persist", FAULT_P_BOOL, 0, "true", NULL,
	  "also write them into its /etc/fstab line, so that a reboot "
	  "keeps them" },
};

static const struct fault_param fault_capability_params[] = {
	{ "path", FAULT_P_PATH, 1, NULL, NULL, "an executable file" },
	{ "action", FAULT_P_CHOICE, 0, "remove", fault_cap_actions,
	  "remove the named capabilities, set exactly them, or clear all" },
	{ "caps", FAULT_P_CAPS, 0, NULL, NULL,
	  "capabilities, comma-separated (for remove and set)" },
	{ "flags", FAULT_P_CHOICE, 0, "ep", fault_cap_flags,
	  "for set: effective, inheritable, permitted, as setcap writes "
	  "them" },
};

static const struct fault_param fault_service_params[] = {
	{ "unit", FAULT_P_UNIT, 1, NULL, NULL, "systemd unit" },
	{ "action", FAULT_P_CHOICE, 0, "stop", fault_service_actions,
	  "stop, disable or mask (each also stops it); start, restart, "
	  "reload or enable (and start) for setup" },
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
	  "lock or unlock its password, expire or unexpire the account, "
	  "change its shell, add or remove supplementary groups" },
	{ "shell", FAULT_P_PATH, 0, NULL, NULL,
	  "the new shell, for action: shell (required there)" },
	{ "groups", FAULT_P_GROUPS, 0, NULL, NULL,
	  "existing groups, comma-separated, for add-groups and "
	  "remove-groups (required there)" },
};

static const struct fault_param fault_sysctl_params[] = {
	{ "key", FAULT_P_SYSCTL, 1, NULL, NULL, "kernel parameter" },
	{ "value", FAULT_P_STRING, 1, NULL, NULL, "its new value" },
	{ "persist", FAULT_P_BOOL, 0, "true", NULL,
	  "also write it to /etc/sysctl.d, so that a reboot keeps it" },
};

static const struct fault_param fault_package_params[] = {
	{ "name", FAULT_P_PACKAGE, 1, NULL, NULL, "an installed Debian package" },
	{ "action", FAULT_P_CHOICE, 0, "remove", fault_package_actions,
	  "apt-get remove (keeps its configuration files) or purge" },
	{ "installable", FAULT_P_BOOL, 0, "true", NULL,
	  "prove it can be installed again with no network (from the "
	  "image's local repository: list it in image: mirror:)" },
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
	    fault_file_check),
	FAULT_KIND("remove", "delete a file or directory",
	    fault_remove_params, NULL),
	FAULT_KIND("chmod", "change permission bits", fault_chmod_params,
	    NULL),
	FAULT_KIND("chown", "change owner and group", fault_chown_params,
	    NULL),
	FAULT_KIND("immutable", "make a file immutable or append-only",
	    fault_immutable_params, NULL),
	FAULT_KIND("mount", "remount with noexec, ro, nosuid, nodev ...",
	    fault_mount_params, NULL),
	FAULT_KIND("capability", "remove, set or clear file capabilities",
	    fault_capability_params, fault_capability_check),
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
	FAULT_KIND("user", "lock, expire, change the shell or groups of an "
	    "account",
	    fault_user_params, fault_user_check),
	FAULT_KIND("sysctl", "set a kernel parameter", fault_sysctl_params,
	    NULL),
	FAULT_KIND("clock", "move the system clock", fault_clock_params,
	    NULL),
	FAULT_KIND("package", "remove or purge an installed package",
	    fault_package_params, fault_package_check),
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

/*
 * Base64 as `base64 -d` reads it once blanks and newlines are taken out
 * (long values are best written as a YAML block, wrapped).
 */
static int
fault_check_base64(const char *v, char **cause)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t		 n = 0, pad = 0;
	const char	*p;

	for (p = v; *p != '\0'; p++) {
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			continue;
		if (*p == '=' && pad < 2)
			pad++;
		else if (pad > 0 || strchr(alphabet, *p) == NULL) {
			if (isprint((unsigned char)*p))
				xasprintf(cause, "'%c' at byte %zu is not base64 "
				    "(A-Z, a-z, 0-9, '+', '/'; '=' only at the "
				    "end)", *p, (size_t)(p - v) + 1);
			else
				xasprintf(cause, "byte %zu is not base64 (A-Z, "
				    "a-z, 0-9, '+', '/'; '=' only at the end)",
				    (size_t)(p - v) + 1);
			return -1;
		}
		n++;
	}
	if (n == 0 || n % 4 != 0) {
		xasprintf(cause, "base64 of %zu characters: not a multiple of "
		    "4 (is it cut short?)", n);
		return -1;
	}
	return 0;
}

/*
 * A comma-separated list, each item checked by item_ok (which sets
 * *cause), at most FAULT_LIST_MAX items, none twice.
 */
static int
fault_check_list(const char *v, const char *what,
    int (*item_ok)(const char *, char **), char **cause)
{
	char	*copy = xstrdup(v), *items[FAULT_LIST_MAX], *s, *next;
	size_t	 n = 0, i;
	int	 rc = -1;

	for (s = copy; s != NULL; s = next) {
		if ((next = strchr(s, ',')) != NULL)
			*next++ = '\0';
		if (n == FAULT_LIST_MAX) {
			xasprintf(cause, "more than %d %s", FAULT_LIST_MAX,
			    what);
			goto out;
		}
		if (*s == '\0') {
			xasprintf(cause, "an empty item in '%s' (a comma too "
			    "many?)", v);
			goto out;
		}
		if (item_ok(s, cause) != 0)
			goto out;
		for (i = 0; i < n; i++) {
			if (strcmp(items[i], s) == 0) {
				xasprintf(cause, "'%s' is named twice", s);
				goto out;
			}
		}
		items[n++] = s;
	}
	rc = 0;
out:
	free(copy);
	return rc;
}

static int
fault_mount_opt_ok(const char *o, char **cause)
{
	size_t	 i;

	for (i = 0; i < nitems(fault_mount_opts); i++) {
		if (strcmp(o, fault_mount_opts[i][0]) == 0 ||
		    strcmp(o, fault_mount_opts[i][1]) == 0)
			return 0;
	}
	xasprintf(cause, "'%s' is not a mount option breakfix sets (ro, rw, "
	    "noexec, exec, nosuid, suid, nodev, dev, noatime, atime)", o);
	return -1;
}

/* Append item to the comma-separated *list (which may be NULL). */
static void
fault_list_add(char **list, const char *item)
{
	char	*more;

	if (*list == NULL) {
		*list = xstrdup(item);
		return;
	}
	xasprintf(&more, "%s,%s", *list, item);
	free(*list);
	*list = more;
}

/* Is opt one of the comma-separated items of list? */
static int
fault_list_has(const char *list, const char *opt)
{
	size_t	 len = strlen(opt);
	const char *p = list;

	while (*p != '\0') {
		if (strncmp(p, opt, len) == 0 && (p[len] == ',' ||
		    p[len] == '\0'))
			return 1;
		p += strcspn(p, ",");
		p += *p == ',';
	}
	return 0;
}

/* Each option, then no option beside its opposite. */
static int
fault_check_mountopts(const char *v, char **cause)
{
	size_t	 i;

	if (fault_check_list(v, "mount options", fault_mount_opt_ok,
	    cause) != 0)
		return -1;
	for (i = 0; i < nitems(fault_mount_opts); i++) {
		if (fault_list_has(v, fault_mount_opts[i][0]) &&
		    fault_list_has(v, fault_mount_opts[i][1])) {
			xasprintf(cause, "'%s' and '%s' contradict each other",
			    fault_mount_opts[i][0], fault_mount_opts[i][1]);
			return -1;
		}
	}
	return 0;
}

/* The capability c most likely means: cap_ added, completed, or near. */
static const char *
fault_cap_near(const char *c)
{
	size_t	 i, len = strlen(c);

	for (i = 0; fault_caps[i] != NULL; i++) {
		if (strcmp(fault_caps[i] + 4, c) == 0 ||
		    (len >= 8 && strncmp(fault_caps[i], c, len) == 0))
			return fault_caps[i];
	}
	return len <= 32 ? util_closest(c, fault_caps) : NULL;
}

static int
fault_cap_ok(const char *c, char **cause)
{
	const char	*near;
	size_t		 i;

	for (i = 0; fault_caps[i] != NULL; i++) {
		if (strcmp(c, fault_caps[i]) == 0)
			return 0;
	}
	if ((near = fault_cap_near(c)) != NULL)
		xasprintf(cause, "'%s' is not a capability (did you mean "
		    "'%s'?)", c, near);
	else
		xasprintf(cause, "'%s' is not a capability (write them as "
		    "getcap does: cap_net_bind_service)", c);
	return -1;
}

static int
fault_group_ok(const char *g, char **cause)
{
	if (fault_check_name(g, "_-.", "group name", cause) != 0)
		return -1;
	if (strlen(g) > FAULT_GROUP_MAX) {
		xasprintf(cause, "'%s' is longer than %d characters", g,
		    FAULT_GROUP_MAX);
		return -1;
	}
	return 0;
}

uint64_t
fault_caps_mask(const char *list)
{
	const char	*p = list;
	uint64_t	 mask = 0;
	size_t		 i, len;

	while (*p != '\0') {
		len = strcspn(p, ",");
		for (i = 0; fault_caps[i] != NULL; i++) {
			if (strlen(fault_caps[i]) == len &&
			    strncmp(fault_caps[i], p, len) == 0)
				mask |= (uint64_t)1 << i;
		}
		p += len + (p[len] == ',');
	}
	return mask;
}

char *
fault_mount_replaced(const char *list)
{
	char	*out = NULL;
	size_t	 i;

	for (i = 0; i < nitems(fault_mount_opts); i++) {
		if (!fault_list_has(list, fault_mount_opts[i][0]) &&
		    !fault_list_has(list, fault_mount_opts[i][1]))
			continue;
		fault_list_add(&out, fault_mount_opts[i][0]);
		fault_list_add(&out, fault_mount_opts[i][1]);
	}
	return out != NULL ? out : xstrdup("");
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
	case FAULT_P_PACKAGE:
		if (derived_valid_package(value))
			return 0;
		xasprintf(cause, "must be a Debian package name (lowercase "
		    "letters, digits, '+', '-', '.'), not '%s'", value);
		return -1;
	case FAULT_P_BASE64:
		return fault_check_base64(value, cause);
	case FAULT_P_MOUNTOPTS:
		return fault_check_mountopts(value, cause);
	case FAULT_P_CAPS:
		return fault_check_list(value, "capabilities", fault_cap_ok,
		    cause);
	case FAULT_P_GROUPS:
		return fault_check_list(value, "groups", fault_group_ok, cause);
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

/* file: content or content_base64, exactly one. */
static int
fault_file_check(const char *const *v, char **cause)
{
	if (v[1] != NULL && v[2] != NULL) {
		xasprintf(cause, "'content' and 'content_base64' both given: "
		    "write one");
		return -1;
	}
	if (v[1] == NULL && v[2] == NULL) {
		xasprintf(cause, "needs 'content' (text) or 'content_base64' "
		    "(any bytes)");
		return -1;
	}
	return 0;
}

static int
fault_capability_check(const char *const *v, char **cause)
{
	int	 clear = strcmp(v[1], "clear") == 0;

	if (!clear && v[2] == NULL) {
		xasprintf(cause, "'action: %s' needs 'caps' (such as "
		    "cap_net_bind_service)", v[1]);
		return -1;
	}
	if (clear && v[2] != NULL) {
		xasprintf(cause, "'action: clear' removes every capability: "
		    "'caps' does not apply");
		return -1;
	}
	return 0;
}

/* Which of user's parameters (shell, groups) an action needs. */
static int
fault_user_needs(const char *action, const char *param)
{
	if (strcmp(param, "shell") == 0)
		return strcmp(action, "shell") == 0;
	return strcmp(action, "add-groups") == 0 ||
	    strcmp(action, "remove-groups") == 0;
}

static int
fault_user_check(const char *const *v, char **cause)
{
	static const char *const params[] = { "shell", "groups" };
	size_t	 i;
	int	 needs;

	if (strcmp(v[0], "root") == 0 || strcmp(v[0], "breakfix") == 0) {
		xasprintf(cause, "breakfix needs the account '%s' to apply "
		    "faults and run checks", v[0]);
		return -1;
	}
	for (i = 0; i < nitems(params); i++) {
		needs = fault_user_needs(v[1], params[i]);
		if (needs && v[2 + i] == NULL) {
			xasprintf(cause, "'action: %s' needs '%s' (such as "
			    "%s)", v[1], params[i], i == 0 ?
			    "/usr/sbin/nologin" : "adm,www-data");
			return -1;
		}
		if (!needs && v[2 + i] != NULL) {
			xasprintf(cause, "'%s' only applies to 'action: %s'",
			    params[i], i == 0 ? "shell" :
			    "add-groups' or 'action: remove-groups");
			return -1;
		}
	}
	return 0;
}

/* Packages the admin channel, the candidate's login or apt stand on. */
static const char *const fault_package_needed[] = {
	"apt", "base-files", "bash", "coreutils", "dbus", "dpkg", "libc6",
	"login", "openssh-server", "passwd", "qemu-guest-agent", "sudo",
	"systemd", "systemd-sysv", "udev", "util-linux", NULL
};

static int
fault_package_check(const char *const *v, char **cause)
{
	size_t	 i;

	for (i = 0; fault_package_needed[i] != NULL; i++) {
		if (strcmp(v[0], fault_package_needed[i]) == 0) {
			xasprintf(cause, "breakfix needs the package '%s' to "
			    "reach the VM and run checks", v[0]);
			return -1;
		}
	}
	return 0;
}
