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
#include <openssl/rand.h>

#include "config.h"
#include "credentials.h"
#include "gateway.h"
#include "keys.h"
#include "log.h"
#include "util.h"

#define GW_MAX_CHILDREN		100	/* connections at once */
#define GW_MAX_PER_SOURCE	10	/* ... from one address */
#define GW_FAIL_WINDOW		600	/* seconds */
#define GW_FAIL_LIMIT		10	/* failed connections in the window */
#define GW_SOURCES		256

struct gw_child {
	pid_t		 pid;
	char		 source[INET6_ADDRSTRLEN];
};

/* Recent failed logins per address, to shut out guessing. */
struct gw_source {
	char		 addr[INET6_ADDRSTRLEN];
	time_t		 first;		/* start of the current window */
	int		 failures;
};

struct gw_listener {
	ssh_bind		 bind;
	int			 fd;
	struct gateway_ctx	 ctx;
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
	return n >= GW_MAX_PER_SOURCE || l->nchildren >= GW_MAX_CHILDREN;
}

/* Collect finished connections; count failed logins against sources. */
static void
gw_reap(struct gw_listener *l)
{
	struct gw_source	*s;
	pid_t			 pid;
	int			 status, i;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 0; i < l->nchildren; i++) {
			if (l->children[i].pid != pid)
				continue;
			if (WIFEXITED(status) &&
			    WEXITSTATUS(status) == GATEWAY_EXIT_AUTHFAIL) {
				s = gw_source(l, l->children[i].source, 1);
				if (time(NULL) - s->first >= GW_FAIL_WINDOW) {
					s->first = time(NULL);
					s->failures = 0;
				}
				if (++s->failures == GW_FAIL_LIMIT)
					log_warn("%s: %d failed logins, refused "
					    "for %d minutes", s->addr,
					    GW_FAIL_LIMIT, GW_FAIL_WINDOW / 60);
			}
			l->children[i] = l->children[--l->nchildren];
			break;
		}
	}
}

static void
gw_accept(struct gw_listener *l)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof ss;
	char			 addr[INET6_ADDRSTRLEN] = "?";
	pid_t			 pid;
	int			 fd;

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
	if ((pid = fork()) == -1) {
		log_warn("cannot fork: %s", strerror(errno));
		close(fd);
		return;
	}
	if (pid == 0) {
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		l->ctx.source = addr;
		gateway_session(l->bind, fd, &l->ctx);
	}
	close(fd);
	l->children[l->nchildren].pid = pid;
	snprintf(l->children[l->nchildren].source, INET6_ADDRSTRLEN, "%s",
	    addr);
	l->nchildren++;
}

/* 32 random bytes in chain.key, made once; 0640 root:gateway. */
static int
gw_chain_key(const char *path, gid_t gid, unsigned char *key, char **cause)
{
	int	 fd = -1, rc = -1;
	ssize_t	 n;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 && errno == ENOENT) {
		if (RAND_bytes(key, GATEWAY_CHAIN_KEY_LEN) != 1 ||
		    (fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    0640)) == -1 ||
		    write(fd, key, GATEWAY_CHAIN_KEY_LEN) !=
		    GATEWAY_CHAIN_KEY_LEN || fchown(fd, 0, gid) == -1) {
			xasprintf(cause, "cannot make '%s': %s", path,
			    strerror(errno));
			goto out;
		}
		rc = 0;
		goto out;
	}
	if (fd == -1 || (n = read(fd, key, GATEWAY_CHAIN_KEY_LEN)) !=
	    GATEWAY_CHAIN_KEY_LEN) {
		xasprintf(cause, "cannot read '%s'", path);
		goto out;
	}
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	return rc;
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
	rc = util_write_json(j, path, 0644, cause);
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

/* The state directory's gateway/ and what is made once in it. */
static int
gw_prepare(struct gw_listener *l, char **hostkey, char **fp, char **cause)
{
	char		*dir = config_path("gateway"), *p = NULL, *pub = NULL;
	int		 rc = -1;

	if (credentials_gateway_ids(&l->ctx.uid, &l->ctx.gid, cause) != 0 ||
	    config_mkdir("gateway", 0750, cause) != 0)
		goto out;
	if (chown(dir, 0, l->ctx.gid) == -1 || chmod(dir, 0770) == -1) {
		xasprintf(cause, "cannot set owner of '%s': %s", dir,
		    strerror(errno));
		goto out;
	}
	*hostkey = config_path("gateway/host_ed25519");
	xasprintf(&pub, "%s.pub", *hostkey);
	if (access(*hostkey, R_OK) != 0 &&
	    keys_generate(*hostkey, "breakfix-gateway", cause) != 0)
		goto out;
	if ((*fp = keys_fingerprint(pub)) == NULL) {
		xasprintf(cause, "cannot read the host key '%s'", pub);
		goto out;
	}
	p = config_path("gateway/chain.key");
	if (gw_chain_key(p, l->ctx.gid, l->ctx.chain_key, cause) != 0)
		goto out;
	rc = 0;
out:
	free(dir);
	free(p);
	free(pub);
	return rc;
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

	if ((fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0640)) == -1) {
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
gateway_run(const struct gateway_opts *o, char **cause)
{
	struct gw_listener	*l = xcalloc(1, sizeof *l);
	struct sigaction	 sa;
	struct pollfd		 pfd;
	char			*hostkey = NULL, *fp = NULL, *info;
	int			 rc = -1;

	l->fd = -1;
	if (gw_prepare(l, &hostkey, &fp, cause) != 0 ||
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
	while (!gw_stop) {
		pfd.fd = l->fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 1000) == 1)
			gw_accept(l);
		gw_reap(l);
	}
	log_info("gateway stopping; %d sessions carry on until they end",
	    l->nchildren);
	info = config_path("gateway/gateway.json");
	unlink(info);
	free(info);
	rc = 0;
out:
	if (l->bind != NULL)
		ssh_bind_free(l->bind);
	free(hostkey);
	free(fp);
	free(l);
	return rc;
}
