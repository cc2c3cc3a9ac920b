/*
 * gw-session.h - one candidate connection to the gateway, in its own
 * process (forked by the listener, gateway.c): authenticate
 * (gw-auth.c), then relay one interactive terminal to the exercise's
 * VM and record it (gw-relay.c), until one side ends or a limit is
 * reached (gw-session.c).
 *
 * The process drops to GATEWAY_USER before it reads a byte from the
 * network. It opens no file of the state directory: the listener
 * decides logins and hands it the session's files (gw-proto.h,
 * gw-monitor.h), and seals its recording as it grows.
 */
#ifndef BREAKFIX_GW_SESSION_H
#define BREAKFIX_GW_SESSION_H

#include <stddef.h>
#include <time.h>

#include <libssh/callbacks.h>
#include <libssh/libssh.h>
#include <libssh/server.h>

#include "chain.h"
#include "gateway.h"

#define GW_TERM_MAX	64

/* Who is knocking: kept by gw-auth.c, checked by every callback. */
struct gw_auth {
	int		 authenticated;
	int		 failures;
};

/* The session, as the listener describes it (gw-monitor.c). */
struct gw_facts {
	char		*id;		/* the exercise */
	char		*candidate;	/* may be "" */
	char		*recording;	/* its path, for messages */
	unsigned	 port;		/* the VM's SSH, on 127.0.0.1 */
	time_t		 expires;
	unsigned char	 chain_key[CHAIN_KEY_LEN];
};

/* The candidate's terminal and the VM's shell behind it. */
struct gw_relay {
	ssh_channel	 chan;		/* the candidate's session channel */
	struct ssh_channel_callbacks_struct ccb;
	char		 term[GW_TERM_MAX];
	int		 width, height;
	int		 pty;
	struct guest	*guest;		/* breakfix's login as the candidate */
	ssh_channel	 gchan;		/* the VM's shell */
	struct ssh_channel_callbacks_struct gcb;
	int		 exit_status;	/* -1 until the VM sends it */
	int		 client_closed;	/* the candidate's close came */
	long long	 started;	/* util_now_ms at the shell */
	long long	 last_input;
};

/* What is written down: the recording and its commands log. */
struct gw_rec {
	struct record		*rec;
	struct marks		*marks;
	int			 marks_fd;
	long long		 start;		/* util_now_ms at record_open */
	unsigned long long	 sealed;	/* lines sealed so far */
};

struct gw {
	const struct gateway_ctx *ctx;
	ssh_session		 client;
	ssh_event		 event;
	struct gw_auth		 auth;
	struct gw_facts		 facts;		/* once the shell starts */
	struct gw_relay		 relay;
	struct gw_rec		 rec;

	struct scenario		*sc;		/* for the hints */
	time_t			 first_login;	/* the exercise's, not ours */
	size_t			 hints_shown;	/* this connection */
	long long		 last_keepalive;
	int			 done;
	char			*farewell;	/* say it, then end (exit 1) */
	const char		*end_reason;
};

/*
 * Serve one connection on fd; bind is the listener's ssh_bind. Never
 * returns: exits 0, or 1 if the connection could not be set up.
 */
void	 gw_session_run(ssh_bind bind, int fd, const struct gateway_ctx *ctx)
	    __attribute__((noreturn));

/*
 * An event for the audit log, which the listener writes (with the
 * source and the exercise it knows): event is one it accepts from a
 * connection (gw-monitor.c).
 */
void	 gw_session_audit(struct gw *g, const char *event, const char *fmt,
	    ...) __attribute__((format(printf, 3, 4)));

/* A line from breakfix itself to the candidate's terminal. */
void	 gw_session_say(struct gw *g, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* --- gw-auth.c: who may come in ------------------------------------- */

/* Install the authentication callbacks in cb (userdata g). */
void	 gw_auth_callbacks(struct gw *g,
	    struct ssh_server_callbacks_struct *cb);

/* --- gw-relay.c: the terminal, the VM's shell, the recording -------- */

/*
 * The candidate's session channel (one per connection), with its
 * callbacks; NULL if not authenticated or one is open already.
 */
ssh_channel gw_relay_open(ssh_session s, void *arg);

/*
 * End the relay: the exit status and close to the candidate, the
 * recording's end marker and close, the VM's connection closed.
 */
void	 gw_relay_finish(struct gw *g);

/* The VM's side went away without a shell's exit: tell the candidate. */
void	 gw_relay_vm_gone(struct gw *g);

/* Has the connection to the VM broken? */
int	 gw_relay_vm_lost(const struct gw *g);

/* A marker in the recording, if one is open (label shown as given). */
void	 gw_relay_marker(struct gw *g, const char *label);

/* fsync the recording if due (record_sync), and seal what is on disk. */
void	 gw_relay_sync(struct gw *g);

#endif
