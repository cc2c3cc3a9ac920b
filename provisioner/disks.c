/*
 * disks.c - a scenario's extra disks: files on the host, a script in the
 * guest.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "disks.h"
#include "spawn.h"
#include "util.h"

#define DISKS_PREFIX	"disk-"
#define DISKS_SUFFIX	".qcow2"

char *
disks_path(const char *dir, const struct scenario_disk *d)
{
	char	*p;

	xasprintf(&p, "%s/" DISKS_PREFIX "%s" DISKS_SUFFIX, dir, d->name);
	return p;
}

int
disks_qcow2(const char *path, uint64_t size, const char *backing,
    char **cause)
{
	const char	*argv[] = { "qemu-img", "create", "-q", "-f", "qcow2",
	    NULL, NULL, NULL, NULL, NULL, NULL, NULL };
	char		 bytes[32], *out = NULL;
	size_t		 k = 5;
	int		 rc;

	if (backing != NULL) {
		argv[k++] = "-F";
		argv[k++] = "qcow2";
		argv[k++] = "-b";
		argv[k++] = backing;
	}
	snprintf(bytes, sizeof bytes, "%llu", (unsigned long long)size);
	argv[k++] = path;
	argv[k] = bytes;
	rc = spawn_run(argv, NULL, &out, cause);
	free(out);
	/* Root's; libvirt gives it to QEMU while the VM runs. */
	if (rc == 0 && chmod(path, 0600) != 0) {
		xasprintf(cause, "cannot set the mode of '%s': %s", path,
		    strerror(errno));
		rc = -1;
	}
	return rc;
}

int
disks_create(const char *dir, const struct scenario_disk *disks, size_t n,
    char **cause)
{
	char	*path;
	size_t	 i;
	int	 rc = 0;

	for (i = 0; i < n && rc == 0; i++) {
		path = disks_path(dir, &disks[i]);
		if (access(path, F_OK) == 0) {
			xasprintf(cause, "'%s' exists already", path);
			rc = -1;
		} else
			rc = disks_qcow2(path, disks[i].size, NULL, cause);
		free(path);
	}
	/* The ones made here go again; one that was there stays. */
	while (rc != 0 && i-- > 1) {
		path = disks_path(dir, &disks[i - 1]);
		unlink(path);
		free(path);
	}
	return rc;
}

void
disks_remove(const char *dir)
{
	DIR		*dp;
	struct dirent	*de;
	size_t		 len, pl = strlen(DISKS_PREFIX), sl = strlen(DISKS_SUFFIX);
	char		*path;

	if ((dp = opendir(dir)) == NULL)
		return;
	while ((de = readdir(dp)) != NULL) {
		len = strlen(de->d_name);
		if (len <= pl + sl || strncmp(de->d_name, DISKS_PREFIX,
		    pl) != 0 || strcmp(de->d_name + len - sl,
		    DISKS_SUFFIX) != 0)
			continue;
		path = util_path(dir, de->d_name);
		unlink(path);
		free(path);
	}
	closedir(dp);
}

/*
 * One disk. Names and paths were checked when the scenario was read
 * (letters, digits and a few marks), so they go in as they are.
 */
static void
disks_script_one(char **s, const struct scenario_disk *d)
{
	util_append(s, "\n# disk %s\n", d->name);
	util_append(s, "dev=/dev/disk/by-id/virtio-%s\n", d->name);
	util_append(s, "wait_dev \"$dev\" %s\n", d->name);
	if (d->partition) {
		util_append(s, "need sfdisk fdisk %s\n", d->name);
		util_append(s, "printf 'label: gpt\\n,,%c\\n' | sfdisk -q "
		    "\"$dev\" >/dev/null || fail %s 'partitioning'\n",
		    d->vg != NULL ? 'V' : 'L', d->name);
		util_append(s, "dev=$dev-part1\nwait_dev \"$dev\" %s\n", d->name);
	}
	if (d->vg != NULL) {
		util_append(s, "need pvcreate lvm2 %s\n", d->name);
		util_append(s, "pvcreate -q \"$dev\" >/dev/null && vgcreate -q %s "
		    "\"$dev\" >/dev/null || fail %s 'pvcreate/vgcreate %s'\n",
		    d->vg, d->name, d->vg);
		if (d->lv_size != 0)
			util_append(s, "lvcreate -q -y -n %s -L %llub %s "
			    ">/dev/null", d->lv, (unsigned long long)d->lv_size,
			    d->vg);
		else
			util_append(s, "lvcreate -q -y -n %s -l 100%%FREE %s "
			    ">/dev/null", d->lv, d->vg);
		util_append(s, " || fail %s 'lvcreate %s'\n", d->name, d->lv);
		util_append(s, "dev=/dev/%s/%s\nwait_dev \"$dev\" %s\n", d->vg,
		    d->lv, d->name);
	}
	if (d->format != NULL) {
		util_append(s, "need mkfs.%s %s %s\n", d->format,
		    strcmp(d->format, "xfs") == 0 ? "xfsprogs" : "e2fsprogs",
		    d->name);
		util_append(s, "mkfs.%s -q %s\"$dev\" >/dev/null 2>&1 || "
		    "fail %s 'mkfs.%s'\n", d->format,
		    strcmp(d->format, "xfs") == 0 ? "-f " : "", d->name,
		    d->format);
	}
	if (d->mount != NULL) {
		util_append(s, "mkdir -p %s && uuid=$(blkid -s UUID -o value "
		    "\"$dev\") && [ -n \"$uuid\" ] || fail %s 'blkid'\n",
		    d->mount, d->name);
		/*
		 * nofail: a candidate who breaks the disk and reboots gets
		 * the machine back, not emergency mode with no way in.
		 */
		util_append(s, "printf 'UUID=%%s %s %s defaults,nofail,"
		    "x-systemd.device-timeout=10s 0 2\\n' \"$uuid\" "
		    ">>/etc/fstab\n", d->mount, d->format);
		util_append(s, "mount %s || fail %s 'mount %s'\n", d->mount,
		    d->name, d->mount);
	}
}

char *
disks_script(const struct scenario_disk *disks, size_t n)
{
	char	*s = NULL;
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (disks[i].partition || disks[i].vg != NULL ||
		    disks[i].format != NULL)
			break;
	}
	if (i == n)
		return NULL;
	util_append(&s, "%s",
	    "fail() { echo \"disk '$1': $2 failed\" >&2; exit 1; }\n"
	    "need() {\n"
	    "\tcommand -v \"$1\" >/dev/null 2>&1 && return\n"
	    "\techo \"disk '$3': $1 is not in the image (add $2 to image: "
	    "packages:)\" >&2\n"
	    "\texit 1\n"
	    "}\n"
	    "wait_dev() {\n"
	    "\tudevadm settle -t 10 2>/dev/null\n"
	    "\tfor _ in $(seq 50); do [ -b \"$1\" ] && return; sleep 0.2; "
	    "done\n"
	    "\techo \"disk '$2': no $1 in the guest\" >&2\n"
	    "\texit 1\n"
	    "}\n");
	for (i = 0; i < n; i++)
		disks_script_one(&s, &disks[i]);
	util_append(&s, "%s", "systemctl daemon-reload 2>/dev/null || true\n");
	return s;
}
