/*
 * gw-session.c - one candidate connection, from the key exchange to the
 * end: authentication and the relay are set up through their callbacks
 * (gw-auth.c, gw-relay.c), and this loop keeps the time limits, the
 * hints and the keepalives until one side ends.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <poll.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "gw-proto.h"
#include "gw-session.h"
#include "log.h"
#include "scenario.h"
#include "util.h"

void
gw_session_audit(struct gw *g, const char *event, const char *fmt, ...)
{
	struct gw_msg	 m;
	char		*detail = NULL;
	va_list		 ap;

	if (fmt != NULL) {
		va_start(ap, fmt);
		xvasprintf(&detail, fmt, ap);
		va_end(ap);
	}
	gw_proto_init(&m, GW_PROTO_AUDIT, event, detail);
	if (gw_proto_send(g->ctx->monitor, &m, NULL, 0) != 0)
		log_warn("cannot send an audit event: %s", strerror(errno));
	free(detail);
}

/* text with every "\n" made "\r\n" (a raw terminal needs both). */
static char *
gw_session_crlf(const char *text)
{
	char		*out = xmalloc(2 * strlen(text) + 1), *o = out;
	const char	*p;

	for (p = text; *p != '\0'; p++) {
		if (*p == '\n')
			*o++ = '\r';
		*o++ = *p;
	}
	*o = '\0';
	return out;
}

/* A line to the candidate's terminal, from breakfix itself. */
void
gw_session_say(struct gw *g, const char *fmt, ...)
{
	char	*msg, *line;
	va_list	 ap;

	if (g->relay.chan == NULL)
		return;
	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	line = gw_session_crlf(msg);
	free(msg);
	xasprintf(&msg, "\r\nbreakfix: %s\r\n", line);
	ssh_channel_write_stderr(g->relay.chan, msg, (uint32_t)strlen(msg));
	free(line);
	free(msg);
}

/* --- the connection's life ------------------------------------------ */

/*
 * A shell that cannot be given: accepted, then the reason, exit status
 * 1 and the channel closed. (Refusing the request instead makes the
 * OpenSSH client exit before it shows what was already sent.)
 */
static void
gw_session_farewell(struct gw *g)
{
	gw_session_say(g, "%s", g->farewell);
	free(g->farewell);
	g->farewell = NULL;
	ssh_channel_request_send_exit_status(g->relay.chan, 1);
	ssh_channel_send_eof(g->relay.chan);
	ssh_channel_close(g->relay.chan);
	g->done = 1;
}

static void
gw_session_drop_privileges(const struct gateway_ctx *ctx)
{
	if (setgroups(0, NULL) == -1 ||
	    setresgid(ctx->gid, ctx->gid, ctx->gid) == -1 ||
	    setresuid(ctx->uid, ctx->uid, ctx->uid) == -1 ||
	    (ctx->uid != 0 && setuid(0) != -1)) {
		log_error("cannot drop privileges to %s: %s", GATEWAY_USER,
		    strerror(errno));
		_exit(1);
	}
}

/*
 * The listener never speaks unasked: its socket readable between calls
 * means it went away, and with it whatever could seal the recording.
 */
static void
gw_session_monitor_gone(struct gw *g)
{
	struct pollfd	 pfd;
	char		 c;

	pfd.fd = g->ctx->monitor;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 0) != 1 || (recv(pfd.fd, &c, 1, MSG_PEEK |
	    MSG_DONTWAIT) == -1 && (errno == EAGAIN || errno == EINTR)))
		return;
	gw_session_say(g, "the gateway stopped; connect again to carry on");
	g->end_reason = "the gateway stopped";
	g->done = 1;
}

/* Hints come out as their time since the first login arrives. */
static void
gw_session_hints(struct gw *g)
{
	const struct scenario_hint	*h;
	char				*label;
	time_t				 since = time(NULL) - g->first_login;

	while (g->sc != NULL && g->hints_shown < g->sc->nhints) {
		h = &g->sc->hints[g->hints_shown];
		if ((time_t)h->after > since)
			break;
		g->hints_shown++;
		gw_session_say(g, "hint %zu of %zu:\n%s", g->hints_shown,
		    g->sc->nhints, h->text);
		xasprintf(&label, "hint %zu shown", g->hints_shown);
		gw_relay_marker(g, label);
		free(label);
		gw_session_audit(g, "hint", "%zu", g->hints_shown);
	}
}

/* Time limits: idle, the exercise's end, keepalives. */
static void
gw_session_tick(struct gw *g)
{
	long long	 now = util_now_ms();

	gw_session_monitor_gone(g);
	gw_relay_sync(g);
	if (g->relay.gchan == NULL)
		return;
	gw_session_hints(g);
	if (g->facts.expires <= time(NULL)) {
		gw_session_say(g, "the time for this exercise is over; the "
		    "session ends now");
		g->end_reason = "exercise expired";
		g->done = 1;
	} else if (now - g->relay.last_input > GATEWAY_IDLE * 1000LL) {
		gw_session_say(g, "no input for %d minutes; the session ends "
		    "now (connect again to carry on)", GATEWAY_IDLE / 60);
		g->end_reason = "idle";
		g->done = 1;
	}
	if (now - g->last_keepalive > GATEWAY_KEEPALIVE * 1000LL) {
		ssh_send_keepalive(g->client);
		g->last_keepalive = now;
	}
}

/*
 * Close the connection so that what was last sent arrives: closing a
 * socket with unread input resets it, and a reset drops what the
 * kernel had not sent yet (a candidate still pasting would never see
 * why the session ended). So libssh closes its descriptor, this one
 * sends FIN after the queued data and drains the client's input for a
 * few seconds at most, then closes. (libssh's own DISCONNECT message
 * is sent without blocking: a client that stopped reading misses it,
 * and sees the connection close instead.)
 */
static void
gw_session_close(ssh_session client)
{
	struct pollfd	 pfd;
	char		 buf[16384];
	long long	 end;
	int		 fd;

	if (client == NULL)
		return;
	fd = dup(ssh_get_fd(client));
	ssh_disconnect(client);
	if (fd == -1)
		return;
	(void)shutdown(fd, SHUT_WR);
	end = util_now_ms() + 3000;
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (util_now_ms() < end) {
		if (poll(&pfd, 1, (int)(end - util_now_ms())) <= 0)
			break;
		if (read(fd, buf, sizeof buf) <= 0)
			break;
	}
	close(fd);
}

void
gw_session_run(ssh_bind bind, int fd, const struct gateway_ctx *ctx)
{
	struct ssh_server_callbacks_struct	 cb;
	struct gw				 g;
	int					 i, code = 1;

	memset(&g, 0, sizeof g);
	g.ctx = ctx;
	g.relay.exit_status = -1;
	signal(SIGPIPE, SIG_IGN);
	alarm((unsigned)ctx->login_grace);
	if ((g.client = ssh_new()) == NULL ||
	    ssh_bind_accept_fd(bind, g.client, fd) != SSH_OK)
		_exit(1);
	ssh_bind_free(bind);	/* the listening socket, in this child */
	gw_session_drop_privileges(ctx);
	/* Callbacks first: the client's next packet may come with the kex. */
	memset(&cb, 0, sizeof cb);
	gw_auth_callbacks(&g, &cb);
	cb.channel_open_request_session_function = gw_relay_open;
	ssh_callbacks_init(&cb);
	ssh_set_server_callbacks(g.client, &cb);
	ssh_set_auth_methods(g.client, SSH_AUTH_METHOD_PASSWORD |
	    SSH_AUTH_METHOD_PUBLICKEY);
	if (ssh_handle_key_exchange(g.client) != SSH_OK)
		goto out;
	if ((g.event = ssh_event_new()) == NULL ||
	    ssh_event_add_session(g.event, g.client) != SSH_OK)
		goto out;
	g.last_keepalive = util_now_ms();
	while (!g.done) {
		if (ssh_event_dopoll(g.event, 500) == SSH_ERROR) {
			/* Which side: the candidate can still be told. */
			if (g.end_reason == NULL && gw_relay_vm_lost(&g))
				gw_relay_vm_gone(&g);
			if (g.end_reason == NULL)
				g.end_reason = "connection lost";
			break;
		}
		if (ssh_get_status(g.client) & (SSH_CLOSED | SSH_CLOSED_ERROR))
			break;
		if (g.farewell != NULL)
			gw_session_farewell(&g);
		gw_session_tick(&g);
	}
	code = 0;
out:
	gw_relay_finish(&g);
	scenario_free(g.sc);
	/* Let the client's close answer ours, so that it takes the exit
	 * status rather than a disconnect. */
	for (i = 0; i < 20 && g.event != NULL && g.relay.chan != NULL &&
	    !g.relay.client_closed; i++) {
		if (ssh_event_dopoll(g.event, 100) == SSH_ERROR)
			break;
	}
	if (g.auth.authenticated)
		gw_session_audit(&g, "disconnect", "%s", g.end_reason ?
		    g.end_reason : "closed");
	/* What the candidate was last told is sent before the end. */
	(void)ssh_blocking_flush(g.client, 5000);
	gw_session_close(g.client);
	_exit(code);
}
