/*
 * agent.h - the QEMU guest agent (qemu-ga) of a VM, as breakfix's way to
 * run commands in it without its network, sshd or sudo: guest-ping,
 * guest-exec and guest-exec-status over the virtio-serial channel that
 * libvirt drives (vm_agent_command).
 *
 * Commands run as root (qemu-ga runs as root), each in a session of its
 * own so that a deadline can kill all it started. Every wait has a
 * deadline, and output is capped.
 */
#ifndef BREAKFIX_AGENT_H
#define BREAKFIX_AGENT_H

#include <stddef.h>

struct guest_result;
struct vm_conn;

/*
 * How a request reaches the agent: send request (one JSON command),
 * wait at most timeout_s seconds, and return 0 with *reply (the JSON
 * reply, caller frees) or -1 with *cause set. The unit tests give their
 * own.
 */
typedef int	(*agent_send_fn)(void *arg, const char *request,
		    int timeout_s, char **reply, char **cause);

struct agent;

/* An agent reached through send (arg is passed to it). */
struct agent	*agent_new(agent_send_fn send, void *arg);

/*
 * The agent of the domain called domain on conn (both must outlive the
 * agent; domain is copied).
 */
struct agent	*agent_open(struct vm_conn *conn, const char *domain);

/* Free; NULL is accepted. */
void		 agent_free(struct agent *);

/*
 * Is the agent there? guest-ping, waiting at most timeout_s seconds.
 * Returns 0, or -1 with *cause set.
 */
int		 agent_ping(struct agent *, int timeout_s, char **cause);

/*
 * Run script with /bin/sh -c as root in the guest, with input (may be
 * NULL; inlen bytes) as its standard input (else /dev/null), and collect
 * its exit status and output into *res (guest.h; release with
 * guest_result_release; each stream capped at GUEST_OUTPUT_MAX). A
 * command still running after timeout_ms is killed with its session and
 * res->timed_out set. Returns 0 when the command ran (whatever its exit
 * status), -1 with *cause set when the agent could not run it or stopped
 * answering.
 */
int		 agent_exec(struct agent *, const char *script,
		    const void *input, size_t inlen, int timeout_ms,
		    struct guest_result *res, char **cause);

/*
 * Base64 (RFC 4648, with padding) of len bytes, and back. The decoder
 * refuses anything that is not canonical base64 (returns -1); it writes
 * *out (caller frees, NUL-terminated beyond *outlen).
 */
char		*agent_base64(const void *data, size_t len);
int		 agent_unbase64(const char *s, char **out, size_t *outlen);

#endif
