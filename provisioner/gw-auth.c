/*
 * gw-auth.c - who may come in through the gateway: a password or one of
 * the candidate's keys, for the exercise the user name names. The
 * listener decides (gw-monitor.c); this process only asks, so it needs
 * to read no password hash and no key list.
 *
 * libssh is told nothing about who may log in: these callbacks keep the
 * authenticated state themselves (struct gw_auth), and every channel
 * callback checks it (libssh CVE-2018-10933 was a server trusting the
 * client's word).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libssh/callbacks.h>
#include <libssh/libssh.h>
#include <libssh/server.h>

#include "exercise.h"
#include "gw-proto.h"
#include "gw-session.h"
#include "log.h"
#include "util.h"

/* Ask the listener; 1 if it says yes. */
static int
gw_auth_ask(struct gw *g, enum gw_proto_type type, uint32_t flags,
    const char *user, const char *text)
{
	struct gw_msg	 req, answer;
	size_t		 nfds;
	char		*cause = NULL;
	int		 fds[1];

	gw_proto_init(&req, type, user, text);
	req.flags = flags;
	if (gw_proto_call(g->ctx->monitor, &req, &answer, fds, 0, &nfds,
	    &cause) != 0) {
		log_warn("%s", cause);
		free(cause);
		g->end_reason = "the gateway went away";
		g->done = 1;
		return 0;
	}
	return (answer.flags & GW_PROTO_OK) != 0;
}

/* A failed attempt: delayed, and the connection ends at the cap. */
static int
gw_auth_denied(struct gw *g)
{
	g->auth.failures++;
	sleep(1 + (unsigned)g->auth.failures);
	if (g->auth.failures >= GATEWAY_MAX_TRIES) {
		g->end_reason = "too many failed logins";
		g->done = 1;
	}
	return SSH_AUTH_DENIED;
}

static int
gw_auth_password(ssh_session s, const char *user, const char *pass,
    void *arg)
{
	struct gw	*g = arg;

	(void)s;
	if (g->auth.authenticated || g->done)
		return SSH_AUTH_DENIED;
	if (strlen(user) > GW_PROTO_USER_MAX ||
	    strlen(pass) > GW_PROTO_TEXT_MAX ||
	    !gw_auth_ask(g, GW_PROTO_AUTH_PASSWORD, 0, user, pass))
		return gw_auth_denied(g);
	g->auth.authenticated = 1;
	return SSH_AUTH_SUCCESS;
}

/* The key as authorized_keys has it: "TYPE BASE64", or NULL. */
static char *
gw_auth_key_text(ssh_key key)
{
	const char	*type = ssh_key_type_to_char(ssh_key_type(key));
	char		*b64 = NULL, *text = NULL;

	if (type != NULL && ssh_pki_export_pubkey_base64(key, &b64) == SSH_OK)
		xasprintf(&text, "%s %s", type, b64);
	ssh_string_free_char(b64);
	return text;
}

static int
gw_auth_pubkey(ssh_session s, const char *user, struct ssh_key_struct *key,
    char state, void *arg)
{
	struct gw	*g = arg;
	char		*text;
	int		 ok;

	(void)s;
	if (g->auth.authenticated || g->done)
		return SSH_AUTH_DENIED;
	if ((text = gw_auth_key_text(key)) == NULL ||
	    strlen(user) > GW_PROTO_USER_MAX ||
	    strlen(text) > GW_PROTO_TEXT_MAX) {
		free(text);
		return state == SSH_PUBLICKEY_STATE_NONE ? SSH_AUTH_DENIED :
		    gw_auth_denied(g);
	}
	if (state == SSH_PUBLICKEY_STATE_NONE) {
		/* A probe: may this key sign? No delay, no count. */
		ok = gw_auth_ask(g, GW_PROTO_AUTH_KEY, GW_PROTO_PROBE, user,
		    text);
		free(text);
		return ok ? SSH_AUTH_SUCCESS : SSH_AUTH_DENIED;
	}
	ok = state == SSH_PUBLICKEY_STATE_VALID &&
	    gw_auth_ask(g, GW_PROTO_AUTH_KEY, 0, user, text);
	free(text);
	if (!ok)
		return gw_auth_denied(g);
	g->auth.authenticated = 1;
	return SSH_AUTH_SUCCESS;
}

void
gw_auth_callbacks(struct gw *g, struct ssh_server_callbacks_struct *cb)
{
	cb->userdata = g;
	cb->auth_password_function = gw_auth_password;
	cb->auth_pubkey_function = gw_auth_pubkey;
}
