/*
 * admin.c - breakfix's admin channel: the guest agent, SSH behind it,
 * and the nonce that every answer must carry.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "admin.h"
#include "agent.h"
#include "config.h"
#include "guest.h"
#include "util.h"

#define ADMIN_NONCE_BYTES	16
#define ADMIN_EXIT_TAG		"breakfix-exit"
#define ADMIN_WAIT_PING_S	1	/* each ping while a guest boots */
#define ADMIN_WAIT_PAUSE_MS	500
#define ADMIN_FP_MS		(30 * 1000)

struct admin {
	enum admin_channel	 channel;
	struct agent		*agent;
	struct guest		*guest;
	char			*fallback;	/* why not the agent */
};

/*
 * What the admin channels stand on: whoever changes one of these can
 * change what breakfix's commands do or whether they arrive.
 */
static const char admin_fp_script[] =
    "for f in /home/" ADMIN_USER "/.ssh/authorized_keys /etc/sudoers "
    "/etc/sudoers.d/* /etc/ssh/sshd_config /etc/ssh/sshd_config.d/* "
    "/etc/ssh/ssh_host_ed25519_key.pub /usr/sbin/sshd /usr/bin/sudo "
    "/usr/sbin/qemu-ga /usr/bin/setsid /bin/sh "
    "/lib/systemd/system/qemu-guest-agent.service "
    "/etc/systemd/system/qemu-guest-agent.service "
    "/etc/systemd/system/qemu-guest-agent.service.d/*; do\n"
    "    if [ -e \"$f\" ] || [ -L \"$f\" ]; then\n"
    "        set -- \"$@\" \"$f\"\n"
    "    elif [ \"${f%\\*}\" = \"$f\" ]; then\n"
    "        printf 'missing %s\\n' \"$f\"\n"
    "    fi\n"
    "done\n"
    /* One sha256sum for all: every process costs time under TCG. */
    "sha256sum -- \"$@\" 2>/dev/null | while read -r h f; do\n"
    "    printf '%.16s %s\\n' \"$h\" \"$f\"\n"
    "done\n"
    "printf 'pid:%s qemu-ga\\n' \"$(pgrep -d, -x qemu-ga)\"\n";

/* Wait for the key a first boot makes, then print every public one. */
static const char admin_keys_script[] =
    "i=0\n"
    "while [ ! -s /etc/ssh/ssh_host_ed25519_key.pub ]; do\n"
    "    i=$((i + 1))\n"
    "    [ $i -le 1200 ] || { echo 'no SSH host key' >&2; exit 1; }\n"
    "    sleep 0.1\n"
    "done\n"
    "cat /etc/ssh/ssh_host_*_key.pub\n";

static struct admin *
admin_new(enum admin_channel channel)
{
	struct admin	*a = xcalloc(1, sizeof *a);

	a->channel = channel;
	return a;
}

struct admin *
admin_over_agent(struct agent *ag)
{
	struct admin	*a = admin_new(ADMIN_AGENT);

	a->agent = ag;
	return a;
}

struct admin *
admin_over_ssh(struct guest *g)
{
	struct admin	*a = admin_new(ADMIN_SSH);

	a->guest = g;
	return a;
}

void
admin_close(struct admin *a)
{
	if (a == NULL)
		return;
	agent_free(a->agent);
	guest_close(a->guest);
	free(a->fallback);
	free(a);
}

enum admin_channel
admin_channel(const struct admin *a)
{
	return a->channel;
}

const char *
admin_channel_name(enum admin_channel channel)
{
	return channel == ADMIN_AGENT ? "guest agent" : "ssh";
}

const char *
admin_fallback(const struct admin *a)
{
	return a->fallback;
}

static struct guest *
admin_ssh(const struct admin_target *t, int timeout_ms, char **cause)
{
	return guest_connect("127.0.0.1", t->port, ADMIN_USER, t->key,
	    t->known_hosts, timeout_ms, NULL, NULL, cause);
}

int
admin_ping_s(void)
{
	return config_seconds("BREAKFIX_AGENT_PING", ADMIN_PING_S, 60);
}

int
admin_ssh_fallback_ms(void)
{
	return config_seconds("BREAKFIX_SSH_FALLBACK", ADMIN_SSH_FALLBACK_S,
	    300) * 1000;
}

struct admin *
admin_open(const struct admin_target *t, int ssh_timeout_ms, char **cause)
{
	struct admin	*a = NULL;
	struct agent	*ag = NULL;
	struct guest	*g;
	char		*agent_why = NULL, *ssh_why = NULL;

	if (t->conn == NULL)
		agent_why = xstrdup("no libvirt connection");
	else {
		ag = agent_open(t->conn, t->domain);
		if (agent_ping(ag, admin_ping_s(), &agent_why) == 0) {
			a = admin_over_agent(ag);
			ag = NULL;	/* transferred */
			goto out;
		}
	}
	if (ssh_timeout_ms <= 0)
		ssh_why = xstrdup("not tried");
	else if ((g = admin_ssh(t, ssh_timeout_ms, &ssh_why)) != NULL) {
		a = admin_over_ssh(g);
		a->fallback = agent_why;
		agent_why = NULL;	/* transferred */
		goto out;
	}
	xasprintf(cause, "admin channel lost: %s; ssh: %s", agent_why,
	    ssh_why);
out:
	agent_free(ag);
	free(agent_why);
	free(ssh_why);
	return a;
}

struct admin *
admin_wait_agent(const struct admin_target *t, int timeout_ms,
    int (*progress)(int, void *), void *arg, char **cause)
{
	struct agent	*ag = agent_open(t->conn, t->domain);
	long long	 start = util_now_ms(), next = start + 1000, now;
	char		*why = NULL;

	for (;;) {
		free(why);
		why = NULL;
		if (agent_ping(ag, ADMIN_WAIT_PING_S, &why) == 0) {
			free(why);
			return admin_over_agent(ag);
		}
		if ((now = util_now_ms()) >= next && progress != NULL) {
			next = now + 1000;
			if (progress((int)(now - start), arg) != 0) {
				xasprintf(cause, "stopped waiting: %s", why);
				break;
			}
		}
		if (now - start >= timeout_ms) {
			xasprintf(cause, "no answer from the guest agent "
			    "within %d s: %s", timeout_ms / 1000, why);
			break;
		}
		(void)poll(NULL, 0, ADMIN_WAIT_PAUSE_MS);
	}
	free(why);
	agent_free(ag);
	return NULL;
}

char *
admin_wrap(const char *script, const char *nonce)
{
	char	*q = util_shell_quote(script), *w;

	xasprintf(&w, "/bin/sh -c %s\n"
	    "printf '\\n%%s %%s %%d\\n' " ADMIN_EXIT_TAG " %s \"$?\"\n", q,
	    nonce);
	free(q);
	return w;
}

int
admin_unwrap(char *out, size_t *outlen, const char *nonce, int *status)
{
	size_t	 len = *outlen, tag = strlen(ADMIN_EXIT_TAG);
	size_t	 nlen = strlen(nonce);
	char	*nl, *line, *end;
	long	 st;

	if (len < 2 || out[len - 1] != '\n' ||
	    (nl = memrchr(out, '\n', len - 1)) == NULL)
		return -1;
	line = nl + 1;
	if ((size_t)(out + len - line) < tag + nlen + 4 ||
	    strncmp(line, ADMIN_EXIT_TAG " ", tag + 1) != 0 ||
	    strncmp(line + tag + 1, nonce, nlen) != 0 ||
	    line[tag + 1 + nlen] != ' ')
		return -1;
	st = strtol(line + tag + nlen + 2, &end, 10);
	if (end == line + tag + nlen + 2 || *end != '\n' ||
	    end != out + len - 1 || st < 0 || st > 255)
		return -1;
	*status = (int)st;
	*outlen = (size_t)(nl - out);
	out[*outlen] = '\0';
	return 0;
}

static char *
admin_nonce(void)
{
	unsigned char	 b[ADMIN_NONCE_BYTES];
	char		*hex = xmalloc(2 * sizeof b + 1);
	size_t		 i;

	/* Like running out of memory: nothing sensible goes on without. */
	if (RAND_bytes(b, sizeof b) != 1)
		abort();
	for (i = 0; i < sizeof b; i++)
		snprintf(hex + 2 * i, 3, "%02x", b[i]);
	return hex;
}

/* The nonce's line checked and taken off res's output. */
static void
admin_check_nonce(const char *nonce, struct guest_result *res)
{
	if (res->out == NULL)
		res->out = xstrdup("");
	if (res->err == NULL)
		res->err = xstrdup("");
	if (res->timed_out) {
		res->status = -1;
		return;
	}
	if (admin_unwrap(res->out, &res->outlen, nonce, &res->status) != 0) {
		res->tampered = 1;
		res->status = -1;
	}
}

int
admin_exec(struct admin *a, const char *script, const char *input,
    int timeout_ms, struct guest_result *res, char **cause)
{
	char	*nonce = admin_nonce();
	char	*wrapped = admin_wrap(script, nonce);
	int	 rc;

	if (a->channel == ADMIN_AGENT)
		rc = agent_exec(a->agent, wrapped, input, input != NULL ?
		    strlen(input) : 0, timeout_ms, res, cause);
	else
		rc = guest_exec_root(a->guest, wrapped, input, timeout_ms, res,
		    cause);
	if (rc == 0)
		admin_check_nonce(nonce, res);
	free(wrapped);
	free(nonce);
	return rc;
}

/* A command's answer that is not a clean exit 0, as a cause. */
static int
admin_failed(const char *what, const struct guest_result *res,
    char **cause)
{
	char	*err = xstrndup(res->err, strcspn(res->err, "\n"));

	util_defang(err);
	if (res->timed_out)
		xasprintf(cause, "%s timed out", what);
	else if (res->tampered)
		xasprintf(cause, "admin channel tampered: %s came back "
		    "without its nonce", what);
	else
		xasprintf(cause, "%s failed (exit %d)%s%s", what, res->status,
		    *err != '\0' ? ": " : "", err);
	free(err);
	return -1;
}

/* "TYPE BASE64" if line is an OpenSSH public key line, else NULL. */
static char *
admin_key_line(const char *line, size_t len)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
	    "qrstuvwxyz0123456789+/=";
	size_t	 t = strcspn(line, " "), k;

	if (t >= len || t == 0 || (strncmp(line, "ssh-", 4) != 0 &&
	    strncmp(line, "ecdsa-", 6) != 0) ||
	    strspn(line, "abcdefghijklmnopqrstuvwxyz0123456789-@.") != t)
		return NULL;
	k = strspn(line + t + 1, b64);
	if (k == 0 || (t + 1 + k < len && line[t + 1 + k] != ' '))
		return NULL;
	return xstrndup(line, t + 1 + k);
}

int
admin_host_keys(struct admin *a, int timeout_ms, char **keys, char **cause)
{
	struct guest_result	 res;
	char			*p, *k, *all = xstrdup(""), *tmp;
	size_t			 len;
	int			 rc = -1;

	*keys = NULL;
	if (admin_exec(a, admin_keys_script, NULL, timeout_ms, &res,
	    cause) != 0)
		goto out;
	if (res.timed_out || res.tampered || res.status != 0) {
		admin_failed("reading the guest's SSH host keys", &res, cause);
		goto out;
	}
	for (p = res.out; *p != '\0'; p += len + (p[len] == '\n')) {
		len = strcspn(p, "\n");
		if ((k = admin_key_line(p, len)) == NULL)
			continue;
		xasprintf(&tmp, "%s%s\n", all, k);
		free(all);
		free(k);
		all = tmp;
	}
	if (*all == '\0') {
		xasprintf(cause, "the guest has no SSH host key");
		goto out;
	}
	*keys = all;
	all = NULL;		/* transferred */
	rc = 0;
out:
	free(all);
	guest_result_release(&res);
	return rc;
}

int
admin_fingerprint(struct admin *a, char **fp, char **cause)
{
	struct guest_result	 res;
	int			 rc = -1;

	*fp = NULL;
	if (admin_exec(a, admin_fp_script, NULL, ADMIN_FP_MS, &res,
	    cause) != 0)
		return -1;
	if (res.timed_out || res.tampered || res.status != 0)
		admin_failed("the admin channel's fingerprint", &res, cause);
	else {
		util_defang(res.out);
		*fp = res.out;
		res.out = NULL;		/* transferred */
		rc = 0;
	}
	guest_result_release(&res);
	return rc;
}

/* The hash fp gives path (up to the line's end), or NULL. */
static const char *
admin_fp_find(const char *fp, const char *path, size_t plen, size_t *hlen)
{
	const char	*p, *sp;
	size_t		 len;

	for (p = fp; *p != '\0'; p += len + (p[len] == '\n')) {
		len = strcspn(p, "\n");
		if ((sp = memchr(p, ' ', len)) == NULL)
			continue;
		if ((size_t)(p + len - sp - 1) == plen &&
		    strncmp(sp + 1, path, plen) == 0) {
			*hlen = (size_t)(sp - p);
			return p;
		}
	}
	return NULL;
}

/* Paths of a that b lacks or hashes otherwise, appended to *list. */
static int
admin_fp_missing(const char *a, const char *b, int both, char **list)
{
	const char	*p, *sp, *h;
	size_t		 len, hlen;
	char		*tmp;
	int		 n = 0;

	for (p = a; *p != '\0'; p += len + (p[len] == '\n')) {
		len = strcspn(p, "\n");
		if ((sp = memchr(p, ' ', len)) == NULL)
			continue;
		h = admin_fp_find(b, sp + 1, (size_t)(p + len - sp - 1),
		    &hlen);
		if (h != NULL && (!both || (hlen == (size_t)(sp - p) &&
		    strncmp(h, p, hlen) == 0)))
			continue;
		xasprintf(&tmp, "%s%s%.*s", *list != NULL ? *list : "",
		    *list != NULL ? ", " : "", (int)(p + len - sp - 1),
		    sp + 1);
		free(*list);
		*list = tmp;
		n++;
	}
	return n;
}

int
admin_fingerprint_diff(const char *before, const char *after,
    char **changed)
{
	int	 n;

	*changed = NULL;
	n = admin_fp_missing(before, after, 1, changed);
	return n + admin_fp_missing(after, before, 0, changed);
}
