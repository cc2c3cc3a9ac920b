/*
 * gw-monitor.h - the listener's side of gw-proto.h: one struct
 * gw_monitor per connection process, answering its requests with
 * root's rights and sealing its recording (seal.h).
 *
 * A connection process gets no file of the state directory but through
 * its monitor: it checks passwords and keys, binds the process to one
 * exercise once it has logged in, makes that session's files and hands
 * over descriptors, signs the heads of the recording as it grows, and
 * writes the audit log. Nothing a process sends is trusted: a message
 * that is not well formed, or not allowed at that point, ends it.
 */
#ifndef BREAKFIX_GW_MONITOR_H
#define BREAKFIX_GW_MONITOR_H

#include <sys/types.h>

struct seal_key;

/* What every monitor shares, from the listener. */
struct gw_monitor_ctx {
	struct seal_key	*seal_key;
	gid_t		 review_gid;	/* reads recordings and audit logs */
	/* A failed login from source, as it happens. */
	void		(*failed)(const char *source, void *arg);
	void		 *arg;
};

struct gw_monitor;

/*
 * The monitor of process pid, connected from source, talking on sock
 * (taken: closed by gw_monitor_free). Writes the "connect" audit line.
 */
struct gw_monitor *gw_monitor_new(const struct gw_monitor_ctx *ctx, int sock,
		    pid_t pid, const char *source);

/* Has the process logged in (is it bound to an exercise)? */
int		 gw_monitor_logged_in(const struct gw_monitor *);

/* The socket to poll; -1 once it is closed. */
int		 gw_monitor_fd(const struct gw_monitor *);

/*
 * Read one request and answer it. Returns 0, or -1 when the process is
 * done talking: it went away, or sent what it must not (then it is
 * killed). The socket is closed then.
 */
int		 gw_monitor_read(struct gw_monitor *);

/*
 * The process ended with wait status status (and was reaped): read what
 * it still had to say, then a recording it left without an end gets a
 * "gone" seal saying why, or goes if nothing was ever recorded in it.
 * Then free m.
 */
void		 gw_monitor_end(struct gw_monitor *m, int status);

#endif
