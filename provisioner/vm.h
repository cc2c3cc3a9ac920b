/*
 * vm.h - exercise VMs on libvirt.
 *
 * Every call goes through a connection opened from a URI (qemu:///system
 * here, qemu+ssh://host/system elsewhere); nothing assumes the local
 * host. A breakfix domain is named "breakfix-<exercise id>" and carries
 * the exercise's facts in its <metadata>, so `breakfix ls` can be
 * answered from libvirt alone.
 *
 * Networking is QEMU user mode with restrict=on: the guest reaches
 * nothing, and the host reaches the guest's sshd only through a forward
 * from 127.0.0.1:ssh_port. libvirt 9.0 has no portForward for user
 * networking, hence <qemu:commandline>.
 */
#ifndef BREAKFIX_VM_H
#define BREAKFIX_VM_H

#include <stdint.h>
#include <time.h>

#define VM_NAME_PREFIX	"breakfix-"
#define VM_META_NS	"https://breakfix.dev/xmlns/exercise/1"

enum vm_accel {
	VM_ACCEL_TCG,
	VM_ACCEL_KVM,
};

enum vm_state {
	VM_STATE_RUNNING,
	VM_STATE_PAUSED,
	VM_STATE_SHUTOFF,
	VM_STATE_SAVED,		/* shut off with a managed save image */
	VM_STATE_OTHER,
};

/* The exercise's facts, kept in the domain's <metadata>. */
struct vm_meta {
	char		*id;		/* web-down-7f3a */
	char		*scenario;	/* scenario name */
	char		*scenario_file;	/* path it was read from */
	char		*candidate;	/* who it is for; may be "" */
	char		*dir;		/* the exercise's state directory */
	char		*pool;		/* a pool member's image stamp; "" */
	time_t		 created;
	time_t		 expires;
	unsigned	 port;		/* host side of the ssh forward */
	enum vm_accel	 accel;
};

/* What vm_domain_xml needs to describe one exercise VM. */
struct vm_spec {
	const char	*name;		/* domain name */
	const char	*kernel;	/* host paths */
	const char	*initrd;
	const char	*cmdline;	/* kernel command line */
	const char	*disk;		/* the exercise's qcow2 overlay */
	const char	*console_log;	/* serial console goes here */
	uint64_t	 memory;	/* bytes */
	/*
	 * Non-zero: cap QEMU at memory + 256 MiB (<memtune><hard_limit>).
	 * libvirt 9.0 then also raises QEMU's RLIMIT_MEMLOCK to the cap,
	 * which a libvirtd without CAP_SYS_RESOURCE (in a container) may
	 * not do: the domain does not start.
	 */
	int		 hard_limit;
	unsigned	 vcpus;
	enum vm_accel	 accel;
	struct vm_meta	 meta;
};

struct vm_conn;

/*
 * Open a connection to uri. Returns NULL with *cause set on failure.
 * libvirt's own printing to stderr is turned off for the process.
 */
struct vm_conn	*vm_open(const char *uri, char **cause);
/* Close; NULL is accepted. */
void		 vm_close(struct vm_conn *);
/* The URI actually connected to (static while conn lives). */
const char	*vm_uri(const struct vm_conn *);

/*
 * The domain XML for spec, newly allocated (caller frees). Pure: no
 * libvirt call, so it is tested as golden files.
 */
char		*vm_domain_xml(const struct vm_spec *spec);

/*
 * Define the domain described by spec and start it. On failure nothing
 * is left defined. Returns 0, or -1 with *cause set.
 */
int		 vm_create(struct vm_conn *, const struct vm_spec *spec,
		    char **cause);

/*
 * Start the defined domain called name; one with a managed save image is
 * restored from it. Returns 0, or -1 with *cause set.
 */
int		 vm_start(struct vm_conn *, const char *name, char **cause);

/*
 * Save the running domain's memory to its managed save image and stop
 * it; vm_start resumes it where it was. Returns 0, or -1 with *cause.
 */
int		 vm_managed_save(struct vm_conn *, const char *name,
		    char **cause);

/*
 * Replace the domain's metadata with meta (accel as given), in its
 * configuration and, if it runs, in the running domain. Returns 0, or
 * -1 with *cause set.
 */
int		 vm_set_meta(struct vm_conn *, const char *name,
		    const struct vm_meta *meta, enum vm_accel accel,
		    char **cause);

/*
 * Stop (hard) and undefine the domain called name, and drop any managed
 * save image. A domain that does not exist is success. Returns 0, or -1
 * with *cause set.
 */
int		 vm_destroy(struct vm_conn *, const char *name, char **cause);

/*
 * Read the metadata and state of the domain called name into *meta
 * (released with vm_meta_release) and *state. Returns 0, 1 if no such
 * domain, or -1 with *cause set.
 */
int		 vm_lookup(struct vm_conn *, const char *name,
		    struct vm_meta *meta, enum vm_state *state, char **cause);

/* One breakfix domain, as vm_list returns it. */
struct vm_entry {
	char		*name;
	enum vm_state	 state;
	struct vm_meta	 meta;		/* empty strings if unreadable */
};

/*
 * Every domain whose name starts with VM_NAME_PREFIX, sorted by name, in
 * a new array (free with vm_entries_free). Returns 0, or -1 with *cause.
 */
int		 vm_list(struct vm_conn *, struct vm_entry **out, size_t *n,
		    char **cause);
void		 vm_entries_free(struct vm_entry *, size_t n);

/* Free the strings in meta (not meta itself); NULL members are fine. */
void		 vm_meta_release(struct vm_meta *meta);

/* "running", "paused", "shut off", "saved", "other". */
const char	*vm_state_name(enum vm_state);
/* "tcg" or "kvm". */
const char	*vm_accel_name(enum vm_accel);

#endif
