/*
 * scenario.h - one break-fix exercise, read from a YAML file.
 *
 * scenario_load reads and validates a file and returns a struct scenario
 * with every default filled in, or NULL with every problem found
 * recorded in a struct diag (file:line:col: message). The format is
 * described for authors in docs/scenario-format.md.
 *
 * Files are untrusted: they are refused before parsing when larger than
 * SCENARIO_MAX_BYTES or not regular files, and every list and string has
 * a bound below.
 */
#ifndef BREAKFIX_SCENARIO_H
#define BREAKFIX_SCENARIO_H

#include <stddef.h>
#include <stdint.h>

#include "derived.h"
#include "diag.h"
#include "fault.h"
#include "variables.h"

#define SCENARIO_VERSION	1
#define SCENARIO_MAX_BYTES	(1024 * 1024)
#define SCENARIO_MAX_FAULTS	64
#define SCENARIO_MAX_CHECKS	64
#define SCENARIO_MAX_HINTS	32
#define SCENARIO_MAX_TAGS	16
#define SCENARIO_MAX_FIXES	64

/* The VM a scenario gets unless its `vm:` says otherwise. */
#define SCENARIO_DEFAULT_IMAGE	"debian-12"
#define SCENARIO_DEFAULT_MEMORY	(512ULL << 20)
#define SCENARIO_DEFAULT_VCPUS	1
#define SCENARIO_DEFAULT_DISK	(4ULL << 30)
#define SCENARIO_ID_MAX		40	/* name, fault and check ids */
#define SCENARIO_HTTP_PATH_MAX	1024	/* an http: check's path */
#define SCENARIO_HTTP_HOST_MAX	253	/* and its host name (DNS's limit) */
#define SCENARIO_HTTP_TEXT_MAX	1024	/* and its contains: text */

enum scenario_difficulty {
	SCENARIO_EASY,
	SCENARIO_MEDIUM,
	SCENARIO_HARD,
};

struct scenario_param {
	const char		 *name;		/* static, from the kind */
	char			 *value;
	int			  is_default;
};

struct scenario_fault {
	char			 *id;
	const struct fault_kind	 *kind;
	char			 *describe;	/* for reviewers; may be NULL */
	struct scenario_param	 *params;	/* in the kind's order */
	size_t			  nparams;
	unsigned		  line;
	unsigned		  col;
};

/*
 * Where a check runs: a shell script in the guest (run:), or a probe
 * from the host through a port breakfix forwards to the guest (http:,
 * tcp:), which the candidate cannot answer without serving the thing.
 */
enum scenario_check_kind {
	SCENARIO_CHECK_RUN,
	SCENARIO_CHECK_HTTP,
	SCENARIO_CHECK_TCP,
};

/* An http: or tcp: check's parameters, defaults filled in. */
struct scenario_probe {
	unsigned		  port;		/* the guest's, 1..65535 */
	char			 *path;		/* http: "/..." */
	char			 *host;		/* http: for the Host header */
	unsigned		  status;	/* http: 100..599 */
	char			 *contains;	/* http: text the body holds,
						   or NULL */
};

struct scenario_check {
	char			 *id;
	char			 *describe;
	enum scenario_check_kind  kind;
	char			 *run;		/* SCENARIO_CHECK_RUN only */
	struct scenario_probe	  probe;	/* HTTP and TCP only */
	uint64_t		  timeout;	/* seconds */
	char			**fixes;	/* fault ids */
	size_t			  nfixes;
	unsigned		  line;
};

struct scenario_hint {
	uint64_t		  after;	/* seconds from login */
	char			 *text;
};

/*
 * A virtual disk beside the system disk (vm: disks:), made empty per
 * exercise and seen in the guest as /dev/disk/by-id/virtio-<name>
 * (/dev/vdb, /dev/vdc ... in the order listed). Before the faults,
 * breakfix may partition it, put it in an LVM volume group, make a
 * filesystem on it and mount it.
 */
#define SCENARIO_DISKS_MAX	4
#define SCENARIO_DISK_NAME_MAX	20	/* a virtio serial number */
struct scenario_disk {
	char			 *name;
	uint64_t		  size;		/* bytes */
	int			  partition;	/* one GPT partition, all of it */
	char			 *vg;		/* lvm: volume group, or NULL */
	char			 *lv;		/* lvm: logical volume */
	uint64_t		  lv_size;	/* bytes; 0 for all of the group */
	char			 *format;	/* "ext4", "xfs" or NULL */
	char			 *mount;	/* mount point (in fstab), or NULL */
	unsigned		  line;
	unsigned		  col;
};

struct scenario {
	char			 *path;
	unsigned		  version;
	char			 *name;
	char			 *title;
	char			 *summary;
	enum scenario_difficulty  difficulty;
	char			**tags;
	size_t			  ntags;
	char			 *briefing;
	char			 *image;	/* the base image */
	char			**image_packages; /* image: packages: */
	size_t			  nimage_packages;
	char			**image_mirror;	/* image: mirror: */
	size_t			  nimage_mirror;
	/*
	 * image: containers:, each as "name:tag=package,package" (the
	 * form derived.h takes), in the order listed.
	 */
	char			**image_containers;
	size_t			  nimage_containers;
	/* image: files:, baked in after the packages, in the order listed */
	struct derived_file	 *image_files;
	size_t			  nimage_files;
	uint64_t		  memory;	/* bytes */
	unsigned		  vcpus;
	uint64_t		  disk;		/* bytes */
	struct scenario_disk	 *disks;	/* vm: disks: */
	size_t			  ndisks;
	uint64_t		  time_limit;	/* seconds */
	char			 *candidate_user;
	int			  candidate_sudo;
	struct scenario_fault	 *faults;
	size_t			  nfaults;
	struct scenario_check	 *checks;
	size_t			  nchecks;
	char			 *solution;
	struct scenario_hint	 *hints;	/* sorted by after */
	size_t			  nhints;
	/* The variant: variables.h; vars->n is 0 without `variables:`. */
	struct variables	 *vars;
	uint32_t		  seed;
	int			  seed_pinned;	/* by the file's `seed:` */
	struct diag		 *warnings;	/* "warning: ..." for validate */
};

/* Which variant scenario_load_variant draws (or a seed, 0..2^32-1). */
#define SCENARIO_SEED_DEFAULT	(-1)	/* the file's `seed:`, else 0 */
#define SCENARIO_SEED_RANDOM	(-2)	/* the file's `seed:`, else random */

/*
 * Read and validate the file at path. Returns the scenario (caller frees
 * with scenario_free), or NULL with the problems in d (at least one).
 */
struct scenario	*scenario_load(const char *path, struct diag *d);

/*
 * The same for len bytes already in memory; path is used for messages
 * and recorded in the result.
 */
struct scenario	*scenario_parse(const char *path, const char *buf, size_t len,
		    struct diag *d);

/*
 * scenario_load and scenario_parse for one variant: seed is a seed, or
 * SCENARIO_SEED_DEFAULT or SCENARIO_SEED_RANDOM. A seed other than the
 * one a file pins with `seed:` is a problem reported in d. The plain
 * functions above read the SCENARIO_SEED_DEFAULT variant.
 */
struct scenario	*scenario_load_variant(const char *path, int64_t seed,
		    struct diag *d);
struct scenario	*scenario_parse_variant(const char *path, const char *buf,
		    size_t len, int64_t seed, struct diag *d);

/* Free sc and everything in it; NULL is accepted. */
void		 scenario_free(struct scenario *sc);

/* "easy", "medium" or "hard". */
const char	*scenario_difficulty_name(enum scenario_difficulty);

/* "run", "http" or "tcp". */
const char	*scenario_check_kind_name(enum scenario_check_kind);

/* Does the check run on the host (http:, tcp:) rather than in the guest? */
int		 scenario_check_on_host(const struct scenario_check *);

/*
 * An http: check's URL as a client in the guest's network would write
 * it (the port left out when 80), newly allocated.
 */
char		*scenario_check_url(const struct scenario_check *);

/* The value of a fault's parameter (default filled in), or NULL. */
const char	*scenario_fault_param(const struct scenario_fault *f,
		    const char *name);

#endif
