/*
 * admin.h - breakfix's admin channel into a guest: how faults, proofs,
 * checks and the candidate's account are run there, as root.
 *
 * Two ways in, tried in this order:
 *
 *	the guest agent	qemu-ga on its virtio-serial port, driven through
 *			libvirt (agent.h): no network, sshd or sudo on the way
 *	SSH		the admin account over the loopback forward, with sudo
 *			(guest.h): the fallback when the agent does not answer
 *
 * admin_channel says which one a connection uses. Every command goes
 * through a wrapper that prints a fresh random nonce with the script's
 * exit status as the last line of its output; an answer without that
 * line is marked tampered and never counts as a success. The candidate
 * is root in the guest: docs/security.md says what this does and does
 * not stop.
 */
#ifndef BREAKFIX_ADMIN_H
#define BREAKFIX_ADMIN_H

#include <stddef.h>

#include "guest.h"		/* struct guest_result */

#define ADMIN_USER		"breakfix"	/* SSH's login; sudo */
/*
 * How long an agent may be silent before it counts as lost, and SSH's
 * deadline when it stands in: these defaults, or BREAKFIX_AGENT_PING
 * and BREAKFIX_SSH_FALLBACK (seconds) for a host too loaded for them.
 */
#define ADMIN_PING_S		2
#define ADMIN_SSH_FALLBACK_S	5

struct agent;
struct vm_conn;

enum admin_channel {
	ADMIN_AGENT,
	ADMIN_SSH,
};

/* Where a guest is and how to log in over SSH. */
struct admin_target {
	struct vm_conn	*conn;		/* NULL: no guest agent */
	const char	*domain;
	unsigned	 port;		/* 127.0.0.1:port forwards to sshd */
	const char	*key;		/* the admin key's private half */
	const char	*known_hosts;	/* the guest's host keys */
};

struct admin;

/* The agent's ping and SSH's deadline in effect (see above). */
int		 admin_ping_s(void);
int		 admin_ssh_fallback_ms(void);

/*
 * The guest agent if it answers a ping within admin_ping_s(), else SSH
 * within ssh_timeout_ms (0: no SSH). Returns the channel (admin_close
 * it), or NULL with *cause set ("admin channel lost: ...", with why each
 * way failed).
 */
struct admin	*admin_open(const struct admin_target *t, int ssh_timeout_ms,
		    char **cause);

/*
 * Wait at most timeout_ms for the guest agent (a booting guest starts
 * it late). progress, if not NULL, is called about once a second with
 * the milliseconds waited; non-zero from it stops the wait. Returns the
 * channel, or NULL with *cause set.
 */
struct admin	*admin_wait_agent(const struct admin_target *t,
		    int timeout_ms, int (*progress)(int waited_ms, void *arg),
		    void *arg, char **cause);

/* A channel over an open agent or SSH connection, which it takes over. */
struct admin	*admin_over_agent(struct agent *);
struct admin	*admin_over_ssh(struct guest *);

/* Close and free; NULL is accepted. */
void		 admin_close(struct admin *);

enum admin_channel admin_channel(const struct admin *);
/* "guest agent" or "ssh". */
const char	*admin_channel_name(enum admin_channel);
/* Why the agent is not the channel (points into a), or NULL. */
const char	*admin_fallback(const struct admin *);

/*
 * Run script as root with input (may be NULL) on its standard input,
 * at most timeout_ms, into *res (guest.h; release with
 * guest_result_release): the script's exit status, its output with the
 * nonce's line taken off, and res->tampered set (status -1) when that
 * line did not come back. Returns 0 when the channel gave an answer,
 * whatever it is (a failing, timed-out or tampered command is a
 * result), or -1 with *cause set when the channel failed.
 */
int		 admin_exec(struct admin *, const char *script,
		    const char *input, int timeout_ms,
		    struct guest_result *res, char **cause);

/*
 * The wrapper around script that prints nonce and its exit status last
 * (caller frees), and taking that line back off out (NUL-terminated,
 * *outlen bytes; shortened in place). admin_unwrap returns 0 with
 * *status set, or -1 if the last line is not the nonce's.
 */
char		*admin_wrap(const char *script, const char *nonce);
int		 admin_unwrap(char *out, size_t *outlen, const char *nonce,
		    int *status);

/*
 * The guest's SSH host keys ("TYPE BASE64\n" each; caller frees),
 * waiting at most timeout_ms for a first boot to make them. Returns 0,
 * or -1 with *cause set.
 */
int		 admin_host_keys(struct admin *, int timeout_ms, char **keys,
		    char **cause);

/*
 * A fingerprint of what the admin channels depend on in the guest: the
 * admin's authorized_keys, sudoers, sshd's configuration and host key,
 * the agent's binary, unit and process ("HASH PATH\n" lines; caller
 * frees). Returns 0, or -1 with *cause set (a tampered answer too).
 */
int		 admin_fingerprint(struct admin *, char **fp, char **cause);

/*
 * What differs between two fingerprints: the number of paths whose
 * hash changed, appeared or went, and in *changed (if any; caller
 * frees) their names joined with ", ".
 */
int		 admin_fingerprint_diff(const char *before, const char *after,
		    char **changed);

#endif
