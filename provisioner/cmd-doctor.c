/*
 * cmd-doctor.c - check that this host can run exercises, and say how to
 * fix what is missing.
 */
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "config.h"
#include "exercise.h"
#include "gateway.h"
#include "derived.h"
#include "image.h"
#include "keys.h"
#include "log.h"
#include "pool.h"
#include "spawn.h"
#include "units.h"
#include "util.h"
#include "vm.h"

#define DOCTOR_MIN_FREE_GIB 5

struct doctor {
	int	 fix;
	int	 failed;
};

static void
doctor_ok(const char *what, const char *detail)
{
	printf("ok    %-11s %s\n", what, detail);
}

static void
doctor_fail(struct doctor *dr, const char *what, const char *detail,
    const char *fix)
{
	printf("FAIL  %-11s %s\n", what, detail);
	if (fix != NULL)
		printf("      %-11s fix: %s\n", "", fix);
	dr->failed++;
}

static void
doctor_daemon(struct doctor *dr, const char *name)
{
	const char	*argv[] = { name, "-d", NULL };
	char		*cause = NULL, fix[64];

	if (util_pid_of(name) != -1) {
		doctor_ok(name, "running");
		return;
	}
	if (dr->fix) {
		if (spawn_run(argv, NULL, NULL, &cause) == 0) {
			sleep(1);	/* let it open its socket */
			doctor_ok(name, "started");
			return;
		}
		doctor_fail(dr, name, cause, NULL);
		free(cause);
		return;
	}
	snprintf(fix, sizeof fix, "%s -d  (or: breakfix doctor --fix)", name);
	doctor_fail(dr, name, "not running (there is no systemd to start it)",
	    fix);
}

static void
doctor_libvirt(struct doctor *dr, struct vm_conn **conn)
{
	char	*cause = NULL;

	if ((*conn = vm_open(config_connect(), &cause)) == NULL) {
		doctor_fail(dr, "libvirt", cause, "breakfix doctor --fix");
		free(cause);
		return;
	}
	doctor_ok("libvirt", config_connect());
}

static void
doctor_kvm(struct doctor *dr, struct vm_conn *conn)
{
	struct group	*gr;
	struct stat	 st;
	char		*why = NULL, msg[300];
	enum vm_accel	 a;

	if (stat("/dev/kvm", &st) == 0 && (st.st_mode & 0060) != 0060 &&
	    (gr = getgrnam("kvm")) != NULL) {
		if (dr->fix && chown("/dev/kvm", 0, gr->gr_gid) == 0 &&
		    chmod("/dev/kvm", 0660) == 0)
			doctor_ok("/dev/kvm", "now root:kvm 0660");
		else if (!dr->fix)
			doctor_fail(dr, "/dev/kvm", "not usable by group kvm "
			    "(QEMU runs as libvirt-qemu)",
			    "chgrp kvm /dev/kvm; chmod 0660 /dev/kvm");
	}
	a = vm_host_accel(conn, &why);
	snprintf(msg, sizeof msg, "--accel auto will use %s: %s",
	    vm_accel_name(a), why);
	doctor_ok("accel", msg);
	free(why);
}

static void
doctor_memory(struct vm_conn *conn)
{
	char	*why = NULL, msg[300];
	int	 on = vm_host_hard_limit(conn, &why);

	snprintf(msg, sizeof msg, "hard limit per VM %s: %s", on ? "on" :
	    "off", why);
	doctor_ok("memory", msg);
	free(why);
}

static void
doctor_image(struct doctor *dr, const char *name)
{
	struct image	*img = NULL;
	char		*cause = NULL, msg[512], fix[128];
	int		 r;

	snprintf(fix, sizeof fix, "breakfix image build %s", name);
	if (image_load(name, &img, &cause) != 0) {
		doctor_fail(dr, "image", cause, fix);
		free(cause);
		return;
	}
	if ((r = image_is_current(img, &cause)) == 1) {
		snprintf(msg, sizeof msg, "%s built %s, current", name,
		    img->built_at);
		doctor_ok("image", msg);
	} else {
		snprintf(msg, sizeof msg, "%s is stale: %s", name, cause);
		doctor_fail(dr, "image", msg, fix);
	}
	free(cause);
	image_free(img);
}

/* Derived images: how many, their layers' size, which are stale. */
static void
doctor_derived(struct doctor *dr)
{
	struct derived_info	*v = NULL;
	char			*cause = NULL, msg[160];
	uint64_t		 bytes = 0;
	size_t			 n, i, stale = 0;

	if (derived_list(&v, &n, &cause) != 0) {
		doctor_fail(dr, "derived", cause, NULL);
		free(cause);
		return;
	}
	for (i = 0; i < n; i++) {
		bytes += v[i].bytes;
		stale += v[i].stale;
	}
	snprintf(msg, sizeof msg, "%zu derived image%s, %.0f MiB of layers"
	    "%s (breakfix image ls)", n, n == 1 ? "" : "s",
	    bytes / 1048576.0, stale ? "; some on an older base: breakfix "
	    "image prune" : "");
	doctor_ok("derived", msg);
	if (access("/dev/fuse", R_OK | W_OK) != 0)
		doctor_fail(dr, "derived", "/dev/fuse is missing: derived "
		    "images cannot be built", "modprobe fuse");
	derived_list_free(v, n);
}

static void
doctor_space(struct doctor *dr)
{
	struct statvfs	 sv;
	const char	*dir = config_state_dir();
	char		 msg[300];
	double		 gib;

	if (statvfs(dir, &sv) != 0 && statvfs("/", &sv) != 0) {
		doctor_fail(dr, "space", strerror(errno), NULL);
		return;
	}
	gib = (double)sv.f_bavail * sv.f_frsize / (1024.0 * 1024 * 1024);
	snprintf(msg, sizeof msg, "%.1f GiB free for %s", gib, dir);
	if (gib < DOCTOR_MIN_FREE_GIB)
		doctor_fail(dr, "space", msg, "free space or use --state-dir");
	else
		doctor_ok("space", msg);
}

static void
doctor_tools(struct doctor *dr)
{
	const char	*tools[][2] = {
		{ "qemu-system-x86_64", "apt-get install qemu-system-x86" },
		{ "qemu-img", "apt-get install qemu-utils" },
		{ "debootstrap", "apt-get install debootstrap" },
		{ "qemu-storage-daemon", "apt-get install qemu-system-common" },
		{ "dpkg-scanpackages", "apt-get install dpkg-dev" },
	};
	const char	*argv[3];
	char		*out = NULL, *cause = NULL;
	size_t		 i;

	for (i = 0; i < sizeof tools / sizeof tools[0]; i++) {
		argv[0] = tools[i][0];
		argv[1] = "--version";
		argv[2] = NULL;
		if (spawn_run(argv, NULL, &out, &cause) == 0) {
			out[strcspn(out, "\n")] = '\0';
			doctor_ok(strcmp(argv[0], "qemu-system-x86_64") == 0 ?
			    "qemu" : argv[0], out);
		} else
			doctor_fail(dr, argv[0], cause, tools[i][1]);
		free(out);
		free(cause);
		out = cause = NULL;
	}
}

/* Not a failure when it is not running: it may be started later. */
static void
doctor_gateway(void)
{
	char		*host = NULL, *fp = NULL, *cause = NULL, *line;
	unsigned	 port;

	if (gateway_info(&host, &port, &fp, &cause) != 0) {
		printf("--    %-11s %s\n", "gateway", cause);
		free(cause);
		return;
	}
	xasprintf(&line, "candidates log in with 'ssh -p %u ID@%s'; host key "
	    "%s", port, host, fp);
	doctor_ok("gateway", line);
	free(line);
	free(host);
	free(fp);
}

/* Informational: an empty pool only means slower launches. */
static void
doctor_pool(struct doctor *dr, struct vm_conn *conn)
{
	struct pool_config	 c;
	struct pool_member	*v = NULL;
	char			*cause = NULL, b1[UNITS_BUFSZ], b2[UNITS_BUFSZ];
	char			 line[400];
	uint64_t		 used = 0;
	size_t			 n = 0, i, ready = 0, stale = 0;

	if (pool_config_load(&c, &cause) != 0) {
		doctor_fail(dr, "pool", cause, "fix the variable");
		free(cause);
		return;
	}
	if (conn == NULL || pool_list(conn, &v, &n, &cause) != 0) {
		printf("--    %-11s %s\n", "pool", cause ? cause :
		    "no libvirt connection");
		free(cause);
		return;
	}
	for (i = 0; i < n; i++) {
		used += v[i].disk;
		stale += v[i].stale;
		ready += !v[i].stale && strcmp(v[i].state, "pooled") == 0;
	}
	snprintf(line, sizeof line, "%zu of %d ready%s, %zu stale, %s of %s "
	    "disk; fill %s", ready, c.size, c.size == 0 ? " (off)" : "", stale,
	    units_format_human(used, b1), units_format_human(c.disk, b2),
	    pool_filling() ? "running" : "idle");
	if (ready == 0 && c.size > 0)
		printf("--    %-11s %s ('breakfix pool fill' makes up faster)\n",
		    "pool", line);
	else
		doctor_ok("pool", line);
	pool_members_free(v, n);
}

/* Exercises whose VM crashed: nobody can use them; down frees them. */
static void
doctor_crashed(struct doctor *dr, struct vm_conn *conn)
{
	struct vm_entry	*v = NULL;
	char		*cause = NULL, *ids = xstrdup(""), *more;
	size_t		 n = 0, i, crashed = 0;

	if (conn == NULL || exercise_list_up(conn, &v, &n, NULL, &cause) != 0) {
		free(cause);
		free(ids);
		return;
	}
	for (i = 0; i < n; i++) {
		if (v[i].state != VM_STATE_CRASHED)
			continue;
		xasprintf(&more, "%s %s", ids, exercise_id_of(v[i].name));
		free(ids);
		ids = more;
		crashed++;
	}
	if (crashed == 0)
		doctor_ok("exercises", "none crashed");
	else {
		xasprintf(&more, "%zu crashed:%s", crashed, ids);
		free(ids);
		xasprintf(&ids, "breakfix down%s (or breakfix reap)", more +
		    strcspn(more, ":") + 1);
		doctor_fail(dr, "exercises", more, ids);
		free(more);
	}
	vm_entries_free(v, n);
	free(ids);
}

static int
doctor_exec(int argc, char **argv)
{
	static const struct option longopts[] = {
		CMD_COMMON_LONGOPTS,
		{ "fix", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	struct vm_conn	*conn = NULL;
	struct doctor	 dr;
	char		*key = NULL, *cause = NULL;
	int		 ch, r;

	memset(&dr, 0, sizeof dr);
	while ((ch = cmd_getopt(&cmd_doctor_entry, argc, argv, "", longopts,
	    &r)) != -1) {
		if (ch == CMD_GETOPT_STOP)
			return r;
		if (ch == 'f') {
			dr.fix = 1;
			continue;
		}
	}
	if (optind != argc)
		return cmd_usage_error(&cmd_doctor_entry,
		    "no arguments expected");
	doctor_tools(&dr);
	if (strncmp(config_connect(), "qemu:///", 8) == 0) {
		doctor_daemon(&dr, "virtlogd");
		doctor_daemon(&dr, "libvirtd");
	}
	doctor_libvirt(&dr, &conn);
	doctor_kvm(&dr, conn);
	doctor_memory(conn);
	if (keys_admin_paths(&key, NULL, &cause) == 0)
		doctor_ok("admin key", key);
	else
		doctor_fail(&dr, "admin key", cause, "breakfix image build");
	free(key);
	free(cause);
	doctor_image(&dr, "debian-12");
	doctor_derived(&dr);
	doctor_space(&dr);
	doctor_gateway();
	doctor_pool(&dr, conn);
	doctor_crashed(&dr, conn);
	vm_close(conn);
	if (dr.failed != 0)
		log_error("%d problem%s found", dr.failed,
		    dr.failed == 1 ? "" : "s");
	return dr.failed == 0 ? CMD_OK : CMD_FAILED;
}

const struct cmd_entry cmd_doctor_entry = {
	"doctor", "[--fix]",
	"check this host can run exercises; say (or do) what fixes it",
	"Checks QEMU and the tools, virtlogd and libvirtd, the libvirt\n"
	"connection, /dev/kvm and which accelerator 'up' will use, the admin\n"
	"key, the base image (present and current), free disk space, the\n"
	"gateway and the pool.\n"
	"Each problem comes with the command that fixes it.\n\n"
	"Options:\n"
	"  --fix  start virtlogd and libvirtd when they are not running (there\n"
	"         is no systemd to do it) and give group kvm /dev/kvm\n",
	doctor_exec,
};
