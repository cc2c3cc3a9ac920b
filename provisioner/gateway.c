/*
 * gateway.c - the gateway's listener: host key, bind, one process per
 * connection, and limits on who may keep trying.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <libssh/libssh.h>
#include <libssh/server.h>

#include "config.h"
#include "credentials.h"
#include "gateway.h"
#include "gw-monitor.h"
#include "gw-session.h"
#include "seal.h"
#include "keys.h"
#include "log.h"
#include "units.h"
#include "util.h"

#define GW_MAX_CHILDREN		100	/* connections at once */
#define GW_MAX_PER_SOURCE	10	/* ... from one address */
#define GW_FAIL_WINDOW		600	/* seconds */
#define GW_FAIL_LIMIT		10	/* failed connections in the window */
#define GW_SOURCES		256
#define GW_FD_CLIENT		3	/* in a connection's process */
#define GW_FD_MONITOR		4

struct gw_child {
	pid_t			 pid;
	char			 source[INET6_ADDRSTRLEN];
	struct gw_monitor	*mon;
};

/* Recent failed logins per address, to shut out guessing. */
struct gw_source {
	char		 addr[INET6_ADDRSTRLEN];
	time_t		 first;		/* start of the current window */
	int		 failures;
};

struct gw_listener {
	const struct gateway_opts *o;
	ssh_bind		 bind;
	int			 fd;		/* -1 once stopping */
	char			 exe_buf[PATH_MAX];	/* this program */
	struct gw_monitor_ctx	 mctx;
	struct gw_child		 children[GW_MAX_CHILDREN];
	int			 nchildren;
	struct gw_source	 sources[GW_SOURCES];
};

static volatile sig_atomic_t gw_stop;

static void
gw_signal(int sig)
{
	(void)sig;
	gw_stop = 1;
}

static struct gw_source *
gw_source(struct gw_listener *l, const char *addr, int create)
{
	struct gw_source	*s, *oldest = &l->sources[0];
	int			 i;

	for (i = 0; i < GW_SOURCES; i++) {
		s = &l->sources[i];
		if (strcmp(s->addr, addr) == 0)
			return s;
		if (s->first < oldest->first)
			oldest = s;
	}
	if (!create)
		return NULL;
	memset(oldest, 0, sizeof *oldest);
	snprintf(oldest->addr, sizeof oldest->addr, "%s", addr);
	oldest->first = time(NULL);
	return oldest;
}

/*
 * Too many not logged in yet? From startups[0] on, refuse a new one at
 * random, more often the more there are (OpenSSH's MaxStartups): idle
 * connections cannot hold every slot, and a candidate still gets in.
 */
static int
gw_startups_full(struct gw_listener *l)
{
	const int	*st = l->o->startups;
	int		 i, n = 0, p;

	for (i = 0; i < l->nchildren; i++)
		n += !gw_monitor_logged_in(l->children[i].mon);
	if (n < st[0])
		return 0;
	if (n >= st[2])
		return 1;
	p = st[1] + (100 - st[1]) * (n - st[0]) / (st[2] - st[0]);
	return (int)arc4random_uniform(100) < p;
}

static int
gw_blocked(struct gw_listener *l, const char *addr)
{
	struct gw_source	*s = gw_source(l, addr, 0);
	int			 i, n = 0;

	if (s != NULL && time(NULL) - s->first < GW_FAIL_WINDOW &&
	    s->failures >= GW_FAIL_LIMIT)
		return 1;
	for (i = 0; i < l->nchildren; i++)
		n += strcmp(l->children[i].source, addr) == 0;
	return n >= GW_MAX_PER_SOURCE || l->nchildren >= GW_MAX_CHILDREN ||
	    gw_startups_full(l);
}

int
gateway_parse_startups(const char *s, int *startups)
{
	char	 end;

	if (sscanf(s, "%d:%d:%d%c", &startups[0], &startups[1], &startups[2],
	    &end) != 3 || startups[0] < 1 || startups[1] < 0 ||
	    startups[1] > 100 || startups[2] < startups[0] ||
	    startups[2] > GW_MAX_CHILDREN)
		return -1;
	return 0;
}

/* A failed login from source, counted as it happens (gw-monitor.c). */
static void
gw_failed(const char *source, void *arg)
{
	struct gw_listener	*l = arg;
	struct gw_source	*s = gw_source(l, source, 1);

	if (time(NULL) - s->first >= GW_FAIL_WINDOW) {
		s->first = time(NULL);
		s->failures = 0;
	}
	if (++s->failures == GW_FAIL_LIMIT)
		log_warn("%s: %d failed logins, refused for %d minutes",
		    s->addr, GW_FAIL_LIMIT, GW_FAIL_WINDOW / 60);
}

/* Collect finished connections, after what they still had to say. */
static void
gw_reap(struct gw_listener *l)
{
	pid_t		 pid;
	int		 status, i;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 0; i < l->nchildren; i++) {
			if (l->children[i].pid != pid)
				continue;
			gw_monitor_end(l->children[i].mon, status);
			l->children[i] = l->children[--l->nchildren];
			break;
		}
	}
}

/*
 * The connection's process runs this program afresh (gateway
 * --connection), so it inherits nothing of the listener's memory: not
 * the seal key, not what other connections sent. Its socket is fd 3,
 * its monitor fd 4.
 */
static void __attribute__((noreturn))
gw_exec_connection(struct gw_listener *l, int fd, int sock,
    const char *addr)
{
	char		 grace[16], record_max[UNITS_BUFSZ];
	const char	*argv[] = { "breakfix", "--state-dir",
	    config_state_dir(), "gateway", "--login-grace", grace,
	    "--connection", addr, "--record-max", record_max, NULL };

	snprintf(grace, sizeof grace, "%d", l->o->login_grace);
	units_format_size(l->o->record_max, record_max);

	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	if (dup2(fd, GW_FD_CLIENT) == -1 || dup2(sock, GW_FD_MONITOR) == -1)
		_exit(1);
	closefrom(GW_FD_MONITOR + 1);
	execv(l->exe_buf, (char *const *)argv);
	_exit(1);
}

static void
gw_accept(struct gw_listener *l)
{
	struct sockaddr_storage	 ss;
	struct gw_child		*c;
	socklen_t		 len = sizeof ss;
	char			 addr[INET6_ADDRSTRLEN] = "?";
	pid_t			 pid;
	int			 fd, sv[2];

	if ((fd = accept4(l->fd, (struct sockaddr *)&ss, &len,
	    SOCK_CLOEXEC)) == -1)
		return;
	if (ss.ss_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr,
		    addr, sizeof addr);
	else if (ss.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr,
		    addr, sizeof addr);
	if (gw_blocked(l, addr)) {
		close(fd);
		return;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1 ||
	    (pid = fork()) == -1) {
		log_warn("cannot start a connection: %s", strerror(errno));
		close(fd);
		return;
	}
	if (pid == 0)
		gw_exec_connection(l, fd, sv[1], addr);
	close(fd);
	close(sv[1]);
	c = &l->children[l->nchildren++];
	c->pid = pid;
	snprintf(c->source, INET6_ADDRSTRLEN, "%s", addr);
	c->mon = gw_monitor_new(&l->mctx, sv[0], pid, addr);
}

static int
gw_write_info(const struct gateway_opts *o, const char *fp, char **cause)
{
	char	*path = config_path("gateway/gateway.json"), host[256];
	json_t	*j;
	int	 rc;

	if (o->advertise != NULL)
		snprintf(host, sizeof host, "%s", o->advertise);
	else if (gethostname(host, sizeof host) != 0)
		snprintf(host, sizeof host, "localhost");
	host[sizeof host - 1] = '\0';
	j = json_pack("{s:s, s:s, s:i, s:s, s:i}", "host", host, "listen",
	    o->listen, "port", (int)o->port, "fingerprint", fp, "pid",
	    (int)getpid());
	rc = util_write_json(j, path, 0644, -1, cause);
	json_decref(j);
	free(path);
	return rc;
}

int
gateway_info(char **host, unsigned *port, char **fingerprint, char **cause)
{
	char		*path = config_path("gateway/gateway.json");
	json_error_t	 err;
	json_t		*j;
	const char	*h = NULL, *f = NULL;
	int		 p = 0, pid = 0, rc = -1;

	if ((j = json_load_file(path, 0, &err)) == NULL ||
	    json_unpack(j, "{s:s, s:i, s:s, s:i}", "host", &h, "port", &p,
	    "fingerprint", &f, "pid", &pid) != 0) {
		xasprintf(cause, "the gateway is not running: start it with "
		    "'breakfix gateway'");
		goto out;
	}
	if (pid <= 0 || (kill(pid, 0) == -1 && errno == ESRCH)) {
		xasprintf(cause, "the gateway is not running (pid %d is gone): "
		    "start it with 'breakfix gateway'", pid);
		goto out;
	}
	*host = xstrdup(h);
	*port = (unsigned)p;
	*fingerprint = xstrdup(f);
	rc = 0;
out:
	json_decref(j);
	free(path);
	return rc;
}

/*
 * The state directory's gateway/ (root's: no connection writes in it)
 * and the keys made there on first start.
 */
/*
 * The host key, made on the first start (no key of the gateway's at
 * all) or when asked; otherwise a missing one is an error, never
 * silently replaced: candidates would be told of a new key.
 */
static int
gw_host_key(const char *hostkey, const char *seal, int remake,
    char **cause)
{
	int	 first;

	if (access(hostkey, F_OK) == 0)
		return 0;
	first = access(seal, F_OK) != 0 && errno == ENOENT;
	if (!first && !remake) {
		xasprintf(cause, "the gateway's host key '%s' is missing: "
		    "restore it, or make a new one with 'breakfix gateway "
		    "--new-host-key' (candidates will be warned that the "
		    "host key changed)", hostkey);
		return -1;
	}
	return keys_generate(hostkey, "breakfix-gateway", cause);
}

/*
 * The state directory's gateway/ (root's: no connection writes in it)
 * and the keys in it.
 */
static int
gw_prepare(struct gw_listener *l, const struct gateway_opts *o,
    char **hostkey, char **fp, char **cause)
{
	char		*dir = config_path("gateway"), *pub = NULL;
	char		*seal = gateway_seal_key_path();
	int		 rc = -1;

	if (credentials_review_gid(&l->mctx.review_gid, cause) != 0 ||
	    config_mkdir("gateway", 0755, cause) != 0)
		goto out;
	if (chown(dir, 0, 0) == -1 || chmod(dir, 0755) == -1) {
		xasprintf(cause, "cannot set owner of '%s': %s", dir,
		    strerror(errno));
		goto out;
	}
	*hostkey = config_path("gateway/host_ed25519");
	xasprintf(&pub, "%s.pub", *hostkey);
	if (gw_host_key(*hostkey, seal, o->new_host_key, cause) != 0)
		goto out;
	if ((*fp = keys_fingerprint(pub)) == NULL) {
		xasprintf(cause, "cannot read the host key '%s'", pub);
		goto out;
	}
	if ((l->mctx.seal_key = seal_key_open(seal, 1, cause)) == NULL)
		goto out;
	rc = 0;
out:
	free(dir);
	free(pub);
	free(seal);
	return rc;
}

char *
gateway_seal_key_path(void)
{
	return config_path("gateway/seal_ed25519");
}

/*
 * Accept connections and answer their processes until told to stop;
 * then stop listening but keep answering (and sealing) until the last
 * session ends.
 */
static void
gw_serve(struct gw_listener *l)
{
	struct pollfd	 pfd[1 + GW_MAX_CHILDREN];
	size_t		 n, i;

	while (!gw_stop || l->nchildren > 0) {
		if (gw_stop && l->fd != -1) {
			log_info("gateway stopping; %d sessions carry on "
			    "until they end", l->nchildren);
			ssh_bind_free(l->bind);
			l->bind = NULL;
			l->fd = -1;
		}
		n = 0;
		pfd[n].fd = l->fd;
		pfd[n++].events = POLLIN;
		for (i = 0; i < (size_t)l->nchildren; i++) {
			pfd[n].fd = gw_monitor_fd(l->children[i].mon);
			pfd[n++].events = POLLIN;
		}
		if (poll(pfd, n, 1000) > 0) {
			for (i = 1; i < n; i++) {
				if (pfd[i].revents != 0 && pfd[i].fd != -1)
					(void)gw_monitor_read(
					    l->children[i - 1].mon);
			}
			if (pfd[0].revents & POLLIN)
				gw_accept(l);
		}
		gw_reap(l);
	}
}

static int
gw_listen(struct gw_listener *l, const struct gateway_opts *o,
    const char *hostkey, char **cause)
{
	int	 port = (int)o->port, verbosity = SSH_LOG_NOLOG;

	if ((l->bind = ssh_bind_new()) == NULL ||
	    ssh_bind_options_set(l->bind, SSH_BIND_OPTIONS_HOSTKEY,
	    hostkey) != SSH_OK ||
	    ssh_bind_options_set(l->bind, SSH_BIND_OPTIONS_BINDADDR,
	    o->listen) != SSH_OK ||
	    ssh_bind_options_set(l->bind, SSH_BIND_OPTIONS_BINDPORT,
	    &port) != SSH_OK ||
	    ssh_bind_options_set(l->bind, SSH_BIND_OPTIONS_LOG_VERBOSITY,
	    &verbosity) != SSH_OK) {
		xasprintf(cause, "cannot set up the SSH server: %s",
		    l->bind ? ssh_get_error(l->bind) : "out of memory");
		return -1;
	}
	if (ssh_bind_listen(l->bind) != SSH_OK) {
		xasprintf(cause, "cannot listen on %s port %u: %s", o->listen,
		    o->port, ssh_get_error(l->bind));
		return -1;
	}
	l->fd = ssh_bind_get_fd(l->bind);
	return 0;
}

/* Away from the terminal: the log goes to gateway.log. */
static int
gw_daemonize(char **cause)
{
	char	*log = config_path("gateway/gateway.log");
	int	 fd, rc = -1;

	if ((fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC, 0640)) == -1) {
		xasprintf(cause, "cannot open '%s': %s", log, strerror(errno));
		goto out;
	}
	if (daemon(0, 1) == -1) {
		xasprintf(cause, "cannot go to the background: %s",
		    strerror(errno));
		close(fd);
		goto out;
	}
	dup2(fd, STDERR_FILENO);
	close(fd);
	fd = open("/dev/null", O_RDWR);
	dup2(fd, STDIN_FILENO);
	dup2(fd, STDOUT_FILENO);
	if (fd > STDERR_FILENO)
		close(fd);
	rc = 0;
out:
	free(log);
	return rc;
}

int
gateway_connection(const char *source, const struct gateway_opts *o,
    char **cause)
{
	struct gateway_ctx	 ctx;
	ssh_bind		 bind = NULL;
	char			*hostkey = config_path("gateway/host_ed25519");
	int			 verbosity = SSH_LOG_NOLOG;

	memset(&ctx, 0, sizeof ctx);
	ctx.source = source;
	ctx.monitor = GW_FD_MONITOR;
	ctx.login_grace = o->login_grace;
	ctx.record_max = o->record_max;
	if (fcntl(GW_FD_CLIENT, F_GETFD) == -1 ||
	    fcntl(GW_FD_MONITOR, F_GETFD) == -1) {
		xasprintf(cause, "--connection is for the gateway's own use");
		goto out;
	}
	if (credentials_gateway_ids(&ctx.uid, &ctx.gid, cause) != 0)
		goto out;
	if ((bind = ssh_bind_new()) == NULL ||
	    ssh_bind_options_set(bind, SSH_BIND_OPTIONS_HOSTKEY,
	    hostkey) != SSH_OK ||
	    ssh_bind_options_set(bind, SSH_BIND_OPTIONS_LOG_VERBOSITY,
	    &verbosity) != SSH_OK) {
		xasprintf(cause, "cannot set up the SSH server: %s",
		    bind ? ssh_get_error(bind) : "out of memory");
		goto out;
	}
	free(hostkey);
	gw_session_run(bind, GW_FD_CLIENT, &ctx);
out:
	if (bind != NULL)
		ssh_bind_free(bind);
	free(hostkey);
	return -1;
}

int
gateway_run(const struct gateway_opts *o, char **cause)
{
	struct gw_listener	*l = xcalloc(1, sizeof *l);
	struct sigaction	 sa;
	char			*hostkey = NULL, *fp = NULL, *info;
	ssize_t			 n;
	int			 rc = -1;

	l->fd = -1;
	l->o = o;
	l->mctx.failed = gw_failed;
	l->mctx.arg = l;
	if ((n = readlink("/proc/self/exe", l->exe_buf, sizeof l->exe_buf -
	    1)) <= 0) {
		xasprintf(cause, "cannot find this program: %s",
		    strerror(errno));
		goto out;
	}
	l->exe_buf[n] = '\0';
	if (gw_prepare(l, o, &hostkey, &fp, cause) != 0 ||
	    gw_listen(l, o, hostkey, cause) != 0)
		goto out;
	if (!o->foreground && gw_daemonize(cause) != 0)
		goto out;
	if (gw_write_info(o, fp, cause) != 0)
		goto out;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = gw_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	log_info("gateway listening on %s port %u (pid %ld), host key %s",
	    o->listen, o->port, (long)getpid(), fp);
	gw_serve(l);
	info = config_path("gateway/gateway.json");
	unlink(info);
	free(info);
	rc = 0;
out:
	if (l->bind != NULL)
		ssh_bind_free(l->bind);
	seal_key_free(l->mctx.seal_key);
	free(hostkey);
	free(fp);
	free(l);
	return rc;
}
