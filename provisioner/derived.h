/*
 * derived.h - derived images: a base image plus Debian packages, and
 * optionally a local apt repository, container images and files inside
 * it, built once and shared.
 *
 * A derived image is a qcow2 layer backed by its base image's disk,
 * kept beside the base as <state>/images/<base>+<hash12>/, with the
 * base's kernel and initrd and a manifest.json that image_load reads
 * like any other. The name is cached by content: hash12 is the start of
 * a SHA-256 over the base disk's hash, the recipe's derive.sh and the
 * sorted, de-duplicated request, so scenarios asking for the same
 * packages share one image, and a rebuilt base gets new derived images.
 */
#ifndef BREAKFIX_DERIVED_H
#define BREAKFIX_DERIVED_H

#include <stddef.h>
#include <stdint.h>

#define DERIVED_MAX_PACKAGES	64	/* in each list of a request */
#define DERIVED_NAME_MAX	64	/* a Debian package name */
#define DERIVED_MAX_CONTAINERS	8	/* container images in one image */
#define DERIVED_MAX_FILES	64	/* files baked into one image */

/*
 * A file baked into a derived image (image: files:), placed after every
 * package and container: content is len bytes, owner and group are
 * names looked up in the image's own passwd and group (group NULL: the
 * owner's login group). Whoever fills it owns the strings.
 */
struct derived_file {
	char		*path;		/* absolute, clean */
	char		*content;
	size_t		 len;
	unsigned	 mode;		/* permission bits, 07777 at most */
	char		*owner;
	char		*group;
};

/* What a scenario asks its machine to have. Pointers are borrowed. */
struct derived_req {
	const char	 *base;		/* base image name, e.g. debian-12 */
	char *const	 *install;	/* packages to install */
	size_t		  ninstall;
	char *const	 *mirror;	/* packages for the local repository */
	size_t		  nmirror;
	/*
	 * Container images made from Debian packages, each
	 * "name:tag=package,package" (localhost/name:tag in the image).
	 */
	char *const	 *containers;
	size_t		  ncontainers;
	const struct derived_file *files;	/* placed last, in order */
	size_t		  nfiles;
};

/* What one built derived image is, for `image ls` and `prune`. */
struct derived_info {
	char		 *name;
	char		 *dir;
	char		 *base;
	char		 *built_at;
	char		 *install;	/* space-separated, as asked */
	char		 *mirror;
	char		 *files;	/* their paths, space-separated */
	uint64_t	  bytes;	/* the layer's disk.qcow2 */
	int		  build_seconds;
	int		  stale;	/* its base was rebuilt or removed */
};

/* Does req ask for anything beyond the base image? */
int	 derived_wanted(const struct derived_req *req);

/*
 * Is name a Debian package name (lowercase letters, digits, '+', '-',
 * '.', starting with a letter or digit, 2..DERIVED_NAME_MAX long)?
 */
int	 derived_valid_package(const char *name);

/*
 * Is s a container image name (tag 0: runs of lowercase letters and
 * digits joined by '.', '_', "__" or dashes, as podman takes it) or a
 * tag (tag 1: letters, digits, '.', '_', '-', not starting with '.' or
 * '-'), at most DERIVED_NAME_MAX long?
 */
int	 derived_valid_container(const char *s, int tag);

/*
 * The derived image's name for req on the base as built now
 * ("debian-12+1a2b3c4d5e6f", caller frees). Returns 0, or -1 with
 * *cause set (base not built, recipe without derive.sh).
 */
int	 derived_name(const struct derived_req *req, char **name,
	    char **cause);

/*
 * Build the derived image for req unless it is built (or force is set);
 * its name in *name (caller frees), *built whether it built. derive.sh's
 * progress goes to stderr. Needs root and the base image built; fetches
 * packages the way the host's apt does. Returns 0, or -1 with *cause.
 */
int	 derived_build(const struct derived_req *req, int force, char **name,
	    int *built, char **cause);

/*
 * Every derived image in the state directory, sorted by name (caller
 * frees with derived_list_free). Returns 0, or -1 with *cause.
 */
int	 derived_list(struct derived_info **out, size_t *n, char **cause);
void	 derived_list_free(struct derived_info *v, size_t n);

/* Is name a derived image's name (base "+" 12 hex digits)? */
int	 derived_is_name(const char *name);

/* Remove the derived image called name. Returns 0, or -1 with *cause. */
int	 derived_remove(const char *name, char **cause);

#endif
