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
/* The virtio-serial port the QEMU guest agent listens on. */
#define VM_AGENT_CHANNEL "org.qemu.guest_agent.0"

enum vm_accel {
	VM_ACCEL_TCG,
	VM_ACCEL_KVM,
	VM_ACCEL_AUTO,		/* asked for: vm_host_accel settles it */
};

enum vm_state {
	VM_STATE_RUNNING,
	VM_STATE_PAUSED,
	VM_STATE_SHUTOFF,
	VM_STATE_SAVED,		/* shut off with a managed save image */
	VM_STATE_CRASHED,	/* QEMU died, or the guest crashed */
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
	/* More disks (vdb, vdc ...): their files and serial numbers. */
	const char *const *extra_disks;
	const char *const *extra_serials;
	size_t		 nextra;
	/*
	 * The serial console goes here, through virtlogd, which caps it
	 * and keeps a few rotated copies (console_log.0 ...): a guest
	 * cannot fill the host's disk through it.
	 */
	const char	*console_log;
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

/* "running", "paused", "shut off", "saved", "crashed", "other". */
const char	*vm_state_name(enum vm_state);
/* "tcg", "kvm" or "auto". */
const char	*vm_accel_name(enum vm_accel);

/*
 * Send one QEMU guest agent command (a JSON request, as qemu-ga takes
 * it) to the running domain called name, through libvirt, waiting at
 * most timeout_s seconds (at least 1) for the reply. libvirt answers at
 * once when the guest's agent is not connected. Returns 0 with *reply
 * set (the JSON reply; caller frees), or -1 with *cause set.
 */
int		 vm_agent_command(struct vm_conn *, const char *name,
		    const char *request, int timeout_s, char **reply,
		    char **cause);

/* --- ports forwarded to a running VM ------------------------------ */

/*
 * Run one command on QEMU's human monitor of the running domain called
 * name (through libvirt-qemu; libvirt marks the domain "tainted" in its
 * log for it). Returns 0 with *reply set (caller frees; HMP reports most
 * failures as text here, not as an error), or -1 with *cause set.
 */
int		 vm_monitor(struct vm_conn *, const char *name,
		    const char *command, char **reply, char **cause);

/*
 * Forward TCP 127.0.0.1:host_port on the host (never other addresses)
 * to guest_port of the running domain, in its user network, like the
 * forward to sshd on its command line. It lasts as long as the QEMU
 * process: a guest's reboot keeps it, a managed save and start lose it.
 * Returns 0, or -1 with *cause set (the port is taken, say).
 */
int		 vm_forward_add(struct vm_conn *, const char *name,
		    unsigned host_port, unsigned guest_port, char **cause);

/* One TCP socket of a VM's user network, as 'info usernet' lists it. */
struct vm_usernet_sock {
	char		 state[24];	/* HOST_FORWARD (a forward's
					   listener), SYN_SENT, ESTABLISHED,
					   CLOSE_WAIT, ... */
	int		 fd;		/* QEMU's descriptor for it */
	char		 host_addr[48];	/* forwards and connections through
					   them: the host's end */
	unsigned	 host_port;
	unsigned	 guest_port;
};

/*
 * The TCP sockets of the running domain's user network, in a new array
 * (caller frees; NULL when none). Returns 0, or -1 with *cause set.
 */
int		 vm_usernet(struct vm_conn *, const char *name,
		    struct vm_usernet_sock **out, size_t *n, char **cause);

/* Pure: the sockets in the text of 'info usernet' (tested as text). */
size_t		 vm_usernet_parse(const char *text,
		    struct vm_usernet_sock **out);

/* --- vm-host.c: what the host under conn can run ------------------- */

/*
 * The accel "auto" means on conn: KVM when /dev/kvm is usable and KVM
 * guests have not failed here before, else TCG. *why says which
 * (caller frees).
 */
enum vm_accel	 vm_host_accel(struct vm_conn *conn, char **why);

/* Remember that a KVM guest did not come up here, and why. */
void		 vm_host_kvm_failed(const char *why);

/*
 * Can VMs on conn get a memory hard limit (vm_spec.hard_limit)? A
 * libvirtd without CAP_SYS_RESOURCE (in a container) cannot raise
 * QEMU's locked-memory limit to match: such domains would not start.
 * *why says which (caller frees).
 */
int		 vm_host_hard_limit(struct vm_conn *conn, char **why);

#endif
