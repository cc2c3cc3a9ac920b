/*
 * disks.h - a scenario's extra disks (vm: disks:): an empty qcow2 file
 * per disk in the exercise directory, attached to the VM with the
 * disk's name as its serial number, and the guest script that
 * partitions, groups (LVM), formats and mounts them before the faults.
 *
 * The files are <dir>/disk-<name>.qcow2, root's (libvirt gives them to
 * QEMU while the VM runs), sparse, and removed at `down` with the
 * system disk's overlay.
 */
#ifndef BREAKFIX_DISKS_H
#define BREAKFIX_DISKS_H

#include <stddef.h>
#include <stdint.h>

#include "scenario.h"

/*
 * Make path a qcow2 disk of size bytes, root's alone (0600), on top of
 * the qcow2 file backing when it is not NULL. Returns 0, or -1 with
 * *cause set.
 */
int	 disks_qcow2(const char *path, uint64_t size, const char *backing,
	    char **cause);

/* The file of disk d in exercise directory dir (caller frees). */
char	*disks_path(const char *dir, const struct scenario_disk *d);

/*
 * Make an empty disk file for each of the n disks in dir; a file that is
 * there already is refused. On failure the files made here are removed
 * again and one that was there is left. Returns 0, or -1 with *cause.
 */
int	 disks_create(const char *dir, const struct scenario_disk *disks,
	    size_t n, char **cause);

/* Remove every extra disk's file from dir (what is missing is fine). */
void	 disks_remove(const char *dir);

/*
 * The guest script (run as root) that prepares the n disks as the
 * scenario says, newly allocated, or NULL when there is nothing to do.
 * Pure: tested as golden text. It exits non-zero with a message naming
 * the disk when a step fails or a tool is missing from the image.
 */
char	*disks_script(const struct scenario_disk *disks, size_t n);

#endif
