/*
 * agent.c - commands in a guest through its QEMU guest agent.
 *
 * guest-exec starts a process and answers with its pid at once; its exit
 * status and output come from polling guest-exec-status (qemu-ga hands
 * the output over only once the process has exited). The process is
 * /usr/bin/setsid running /bin/sh -c SCRIPT: setsid makes it the leader
 * of a new session and process group, so a deadline kills the group,
 * whatever the script started. Standard input is always a pipe (empty
 * without input), never qemu-ga's own.
 */
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "agent.h"
#include "guest.h"
#include "util.h"
#include "vm.h"

/*
 * Between polls for an exit: a quarter of the time the command has run,
 * within these bounds. Each poll wakes qemu-ga in the guest, which under
 * TCG takes CPU from the command itself; a quarter bounds the delay a
 * poll adds to 25 % (or 500 ms) of the command's own time.
 */
#define AGENT_POLL_MIN_MS	5
#define AGENT_POLL_MAX_MS	500
#define AGENT_REQUEST_MAX_S	30	/* one request's own wait */
#define AGENT_KILL_S		3

struct agent {
	agent_send_fn	 send;
	void		*arg;
	struct vm_conn	*conn;		/* agent_open's */
	char		*domain;
};

static int
agent_vm_send(void *arg, const char *request, int timeout_s, char **reply,
    char **cause)
{
	struct agent	*a = arg;

	return vm_agent_command(a->conn, a->domain, request, timeout_s, reply,
	    cause);
}

struct agent *
agent_new(agent_send_fn send, void *arg)
{
	struct agent	*a = xcalloc(1, sizeof *a);

	a->send = send;
	a->arg = arg;
	return a;
}

struct agent *
agent_open(struct vm_conn *conn, const char *domain)
{
	struct agent	*a = agent_new(agent_vm_send, NULL);

	a->arg = a;
	a->conn = conn;
	a->domain = xstrdup(domain);
	return a;
}

void
agent_free(struct agent *a)
{
	if (a == NULL)
		return;
	free(a->domain);
	free(a);
}

char *
agent_base64(const void *data, size_t len)
{
	char	*out = xmalloc(4 * ((len + 2) / 3) + 1);

	EVP_EncodeBlock((unsigned char *)out, data, (int)len);
	return out;
}

int
agent_unbase64(const char *s, char **out, size_t *outlen)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t	 len = strlen(s), body = strspn(s, alphabet), pad = len - body;
	int	 n;

	*out = NULL;
	*outlen = 0;
	if (len % 4 != 0 || pad > 2 || s[body + strspn(s + body, "=")] != '\0'
	    || len > (size_t)INT32_MAX)
		return -1;
	*out = xmalloc(len / 4 * 3 + 1);
	if ((n = EVP_DecodeBlock((unsigned char *)*out,
	    (const unsigned char *)s, (int)len)) < 0 || (size_t)n < pad) {
		free(*out);
		*out = NULL;
		return -1;
	}
	*outlen = (size_t)n - pad;	/* padding decodes to zero bytes */
	(*out)[*outlen] = '\0';
	return 0;
}

/* Seconds left until deadline, as one request may wait: 1 to max. */
static int
agent_seconds(long long deadline, int max)
{
	long long	 left = deadline - util_now_ms();
	long long	 s = (left + 999) / 1000;

	return s < 1 ? 1 : s > max ? max : (int)s;
}

/* The agent's error reply as text, defanged. */
static void
agent_error(json_t *err, const char *what, char **cause)
{
	const char	*desc = json_string_value(json_object_get(err, "desc"));
	char		*d = xstrdup(desc != NULL ? desc : "no reason given");

	util_defang(d);
	xasprintf(cause, "the guest agent refused %s: %s", what, d);
	free(d);
}

/*
 * Send execute with arguments (taken; may be NULL) and return what the
 * agent returned in *ret (caller decrefs), or -1 with *cause set.
 */
static int
agent_call(struct agent *a, const char *execute, json_t *arguments,
    int timeout_s, json_t **ret, char **cause)
{
	json_t		*req, *rep = NULL, *err;
	char		*text, *reply = NULL;
	int		 rc = -1;

	*ret = NULL;
	req = json_pack("{s:s}", "execute", execute);
	if (arguments != NULL)
		json_object_set_new(req, "arguments", arguments);
	text = json_dumps(req, JSON_COMPACT);
	if (a->send(a->arg, text, timeout_s, &reply, cause) != 0)
		goto out;
	if ((rep = json_loads(reply, 0, NULL)) == NULL ||
	    !json_is_object(rep)) {
		xasprintf(cause, "the guest agent's answer to %s is not JSON",
		    execute);
		goto out;
	}
	if ((err = json_object_get(rep, "error")) != NULL) {
		agent_error(err, execute, cause);
		goto out;
	}
	if ((*ret = json_object_get(rep, "return")) == NULL) {
		xasprintf(cause, "the guest agent's answer to %s has no "
		    "return", execute);
		goto out;
	}
	json_incref(*ret);
	rc = 0;
out:
	json_decref(rep);
	json_decref(req);
	free(reply);
	free(text);
	return rc;
}

int
agent_ping(struct agent *a, int timeout_s, char **cause)
{
	json_t	*ret;

	if (agent_call(a, "guest-ping", NULL, timeout_s, &ret, cause) != 0)
		return -1;
	json_decref(ret);
	return 0;
}

/* Start script; *pid is the agent's handle on it. */
static int
agent_spawn(struct agent *a, const char *script, const void *input,
    size_t inlen, long long deadline, long long *pid, char **cause)
{
	json_t	*args, *ret;
	char	*b64 = agent_base64(input != NULL ? input : "", inlen);
	int	 rc = -1;

	args = json_pack("{s:s, s:[s,s,s,s], s:s, s:b}", "path",
	    "/usr/bin/setsid", "arg", "-w", "/bin/sh", "-c", script,
	    "input-data", b64, "capture-output", 1);
	free(b64);
	if (agent_call(a, "guest-exec", args, agent_seconds(deadline,
	    AGENT_REQUEST_MAX_S), &ret, cause) != 0)
		return -1;
	if (!json_is_integer(json_object_get(ret, "pid")))
		xasprintf(cause, "the guest agent's answer to guest-exec has "
		    "no pid");
	else {
		*pid = json_integer_value(json_object_get(ret, "pid"));
		rc = 0;
	}
	json_decref(ret);
	return rc;
}

/* Best effort: the process group of pid, killed; nothing is waited for. */
static void
agent_kill(struct agent *a, long long pid)
{
	json_t	*args, *ret = NULL;
	char	 group[32], *ignored = NULL;

	snprintf(group, sizeof group, "-%lld", pid);
	args = json_pack("{s:s, s:[s,s,s]}", "path", "/bin/kill", "arg",
	    "-KILL", "--", group);
	if (agent_call(a, "guest-exec", args, AGENT_KILL_S, &ret,
	    &ignored) != 0)
		free(ignored);
	json_decref(ret);
}

/* One stream of guest-exec-status, decoded and capped. */
static int
agent_stream(json_t *status, const char *name, char **buf, size_t *len,
    char **cause)
{
	const char	*b64 = json_string_value(json_object_get(status, name));

	if (b64 == NULL) {
		*buf = xstrdup("");
		*len = 0;
		return 0;
	}
	if (agent_unbase64(b64, buf, len) != 0) {
		xasprintf(cause, "the guest agent's %s is not base64", name);
		return -1;
	}
	if (*len > GUEST_OUTPUT_MAX) {
		*len = GUEST_OUTPUT_MAX;
		(*buf)[*len] = '\0';
	}
	return 0;
}

/* A finished process's guest-exec-status into res. */
static int
agent_result(json_t *status, struct guest_result *res, char **cause)
{
	json_t	*code = json_object_get(status, "exitcode");

	/* Killed by a signal: no exit status, as over SSH. */
	res->status = json_is_integer(code) &&
	    json_object_get(status, "signal") == NULL ?
	    (int)json_integer_value(code) : -1;
	if (agent_stream(status, "out-data", &res->out, &res->outlen,
	    cause) != 0 || agent_stream(status, "err-data", &res->err,
	    &res->errlen, cause) != 0)
		return -1;
	return 0;
}

/* How long to wait before the next poll of a command started at start. */
static int
agent_pause(long long start, long long now, long long deadline)
{
	long long	 pause = (now - start) / 4;

	if (pause < AGENT_POLL_MIN_MS)
		pause = AGENT_POLL_MIN_MS;
	if (pause > AGENT_POLL_MAX_MS)
		pause = AGENT_POLL_MAX_MS;
	return (int)(pause < deadline - now ? pause : deadline - now);
}

/* Poll pid until it exits or deadline passes (then kill it). */
static int
agent_wait(struct agent *a, long long pid, long long start,
    long long deadline, struct guest_result *res, char **cause)
{
	json_t		*ret;
	long long	 now;
	int		 exited;

	for (;;) {
		if (agent_call(a, "guest-exec-status", json_pack("{s:I}",
		    "pid", (json_int_t)pid), agent_seconds(deadline,
		    AGENT_REQUEST_MAX_S), &ret, cause) != 0)
			return -1;
		if ((exited = json_is_true(json_object_get(ret, "exited")))) {
			exited = agent_result(ret, res, cause);
			json_decref(ret);
			return exited;
		}
		json_decref(ret);
		if ((now = util_now_ms()) >= deadline) {
			agent_kill(a, pid);
			res->timed_out = 1;
			res->status = -1;
			return 0;
		}
		(void)poll(NULL, 0, agent_pause(start, now, deadline));
	}
}

int
agent_exec(struct agent *a, const char *script, const void *input,
    size_t inlen, int timeout_ms, struct guest_result *res, char **cause)
{
	long long	 start = util_now_ms(), pid;
	long long	 deadline = start + (timeout_ms > 0 ? timeout_ms : 0);

	memset(res, 0, sizeof *res);
	res->status = -1;
	if (agent_spawn(a, script, input, inlen, deadline, &pid, cause) != 0)
		return -1;
	if (agent_wait(a, pid, start, deadline, res, cause) != 0) {
		guest_result_release(res);
		return -1;
	}
	if (res->out == NULL)
		res->out = xstrdup("");
	if (res->err == NULL)
		res->err = xstrdup("");
	return 0;
}
