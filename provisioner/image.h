/*
 * image.h - base images: built from a recipe in images/<name>/, kept in
 * <state>/images/<name>/ as disk.qcow2, vmlinuz, initrd.img and
 * manifest.json.
 *
 * A recipe is a directory with an executable build.sh that takes
 * OUTPUT_DIR and the admin public key file, and answers
 * `build.sh --recipe-hash` with a hash of everything the build reads.
 * An image is current when its manifest records that same hash and the
 * host's current admin key. A derived image (derived.h) has no recipe of
 * its own: it is current while its base's disk is the one it was built
 * on.
 */
#ifndef BREAKFIX_IMAGE_H
#define BREAKFIX_IMAGE_H

#include <stddef.h>
#include <stdint.h>

struct image {
	char		 *name;
	char		 *dir;
	char		 *disk;		/* full paths */
	char		 *kernel;
	char		 *initrd;
	char		 *cmdline;	/* kernel command line to boot with */
	char		 *recipe_hash;
	char		 *admin_key_fingerprint;
	char		 *built_at;
	char		 *kernel_version;
	char		 *disk_sha256;	/* as the manifest records it */
	char		 *base;		/* a derived image's base, or NULL */
	char		 *base_disk_sha256;	/* and its disk then */
	uint64_t	  disk_bytes;
	uint64_t	  virtual_size;
	int		  build_seconds;
};

/*
 * Read the built image called name. Returns 0, or -1 with *cause set
 * (not built, manifest unreadable, a file missing).
 */
int	 image_load(const char *name, struct image **out, char **cause);
void	 image_free(struct image *);

/* The recipe's hash from its build.sh. Returns 0 or -1 with *cause. */
int	 image_recipe_hash(const char *name, char **hash, char **cause);

/*
 * Is img what its recipe and the current admin key would build now?
 * Returns 1 current, 0 stale (with *why set: caller frees), -1 on error
 * with *why set to the cause.
 */
int	 image_is_current(const struct image *img, char **why);

/*
 * Build the image called name unless it is current (or force is set).
 * The recipe's progress goes to stderr. *built says whether it built.
 * Returns 0, or -1 with *cause set.
 */
int	 image_build(const char *name, int force, int *built, char **cause);

#endif
