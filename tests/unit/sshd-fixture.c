/*
 * sshd-fixture.c - a real OpenSSH sshd on loopback for the unit tests.
 */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "guest.h"
#include "sshd-fixture.h"
#include "util.h"

#define SSHD		SSHD_FIXTURE_SSHD

static int __attribute__((format(printf, 1, 2)))
sshd_fixture_run(const char *fmt, ...)
{
	va_list	 ap;
	char	*cmd;
	int	 st;

	va_start(ap, fmt);
	xvasprintf(&cmd, fmt, ap);
	va_end(ap);
	st = system(cmd);
	free(cmd);
	return st;
}

static int
sshd_fixture_write(const char *file, const char *data, char **cause)
{
	FILE	*fp;
	int	 rc;

	if ((fp = fopen(file, "w")) == NULL) {
		xasprintf(cause, "cannot open '%s': %s", file, strerror(errno));
		return -1;
	}
	rc = fputs(data, fp) < 0 ? -1 : 0;
	if (fclose(fp) != 0)
		rc = -1;
	if (rc != 0)
		xasprintf(cause, "cannot write '%s': %s", file,
		    strerror(errno));
	return rc;
}

static int
sshd_fixture_port_open(unsigned port)
{
	struct sockaddr_in	 sin;
	int			 s, ok;

	if ((s = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return 0;
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = connect(s, (struct sockaddr *)&sin, sizeof sin) == 0;
	close(s);
	return ok;
}

/* Write *file, a known_hosts naming pubname's key for 127.0.0.1:port. */
static int
sshd_fixture_known_hosts(const struct sshd_fixture *fx, const char *name,
    const char *pubname, char **file, char **cause)
{
	char	*pubfile = sshd_fixture_path(fx, pubname), *pub, *line = NULL;
	size_t	 len;
	int	 rc = -1;

	*file = sshd_fixture_path(fx, name);
	if ((pub = sshd_fixture_read(pubfile, &len)) == NULL) {
		xasprintf(cause, "cannot read '%s': %s", pubfile,
		    strerror(errno));
		goto out;
	}
	xasprintf(&line, "[127.0.0.1]:%u %s", fx->port, pub);
	rc = sshd_fixture_write(*file, line, cause);
out:
	free(line);
	free(pub);
	free(pubfile);
	return rc;
}

static int
sshd_fixture_keys(struct sshd_fixture *fx, char **cause)
{
	static const char *const keys[] = {
		"host_key", "other_host_key", "id", "wrong"
	};
	size_t	 i;

	for (i = 0; i < nitems(keys); i++) {
		if (sshd_fixture_run("ssh-keygen -q -t ed25519 -N '' -f %s/%s",
		    fx->dir, keys[i]) != 0) {
			xasprintf(cause, "ssh-keygen could not make '%s/%s'",
			    fx->dir, keys[i]);
			return -1;
		}
	}
	if (sshd_fixture_run("ssh-keygen -q -t ecdsa -m PEM -N secret "
	    "-f %s/encrypted", fx->dir) != 0 ||
	    sshd_fixture_run("cp %s/id.pub %s/authorized_keys", fx->dir,
	    fx->dir) != 0) {
		xasprintf(cause, "cannot make the client keys in '%s'",
		    fx->dir);
		return -1;
	}
	fx->key = sshd_fixture_path(fx, "id");
	fx->wrong = sshd_fixture_path(fx, "wrong");
	fx->encrypted = sshd_fixture_path(fx, "encrypted");
	if (sshd_fixture_known_hosts(fx, "known_hosts", "host_key.pub",
	    &fx->kh, cause) != 0 ||
	    sshd_fixture_known_hosts(fx, "bad_known_hosts",
	    "other_host_key.pub", &fx->badkh, cause) != 0)
		return -1;
	fx->emptykh = sshd_fixture_path(fx, "empty_known_hosts");
	return sshd_fixture_write(fx->emptykh, "", cause);
}

static int
sshd_fixture_config(const struct sshd_fixture *fx, const char *file,
    char **cause)
{
	char	*text;
	int	 rc;

	xasprintf(&text,
	    "Port %u\n"
	    "ListenAddress 127.0.0.1\n"
	    "HostKey %s/host_key\n"
	    "AuthorizedKeysFile %s/authorized_keys\n"
	    "PidFile %s/sshd.pid\n"
	    "UsePAM no\n"
	    "StrictModes no\n"
	    "PermitRootLogin prohibit-password\n"
	    "PasswordAuthentication no\n"
	    "KbdInteractiveAuthentication no\n"
	    "PubkeyAuthentication yes\n"
	    "LogLevel VERBOSE\n",
	    fx->port, fx->dir, fx->dir, fx->dir);
	rc = sshd_fixture_write(file, text, cause);
	free(text);
	return rc;
}

static pid_t
sshd_fixture_spawn(const struct sshd_fixture *fx, const char *config)
{
	char	*log = sshd_fixture_path(fx, "sshd.log");
	pid_t	 pid;
	int	 fd;

	if ((pid = fork()) == 0) {
		/* Do not outlive a test binary that crashes. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd != -1) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execl(SSHD, SSHD, "-f", config, "-D", "-e", (char *)NULL);
		_exit(127);
	}
	free(log);
	return pid;
}

/*
 * Wait for sshd to listen; -1 if it died or never did. It takes a moment;
 * the 30 s are for a machine that is busy, not for sshd.
 */
static int
sshd_fixture_wait(struct sshd_fixture *fx)
{
	long long	 start = util_now_ms();
	int		 st;

	while (util_now_ms() - start < 30000) {
		if (waitpid(fx->pid, &st, WNOHANG) == fx->pid) {
			fx->pid = -1;
			return -1;
		}
		if (sshd_fixture_port_open(fx->port))
			return 0;
		usleep(20 * 1000);
	}
	return -1;
}

static int
sshd_fixture_sshd(struct sshd_fixture *fx, char **cause)
{
	char	*config = sshd_fixture_path(fx, "sshd_config");
	char	*log = sshd_fixture_path(fx, "sshd.log"), *text = NULL;
	size_t	 len;
	int	 rc = -1;

	if (sshd_fixture_config(fx, config, cause) != 0)
		goto out;
	/* sshd wants its privilege separation directory. */
	if (geteuid() == 0)
		(void)mkdir("/run/sshd", 0755);
	if ((fx->pid = sshd_fixture_spawn(fx, config)) == -1) {
		xasprintf(cause, "cannot fork: %s", strerror(errno));
		goto out;
	}
	if (sshd_fixture_wait(fx) != 0) {
		text = sshd_fixture_read(log, &len);
		xasprintf(cause, "sshd did not start on 127.0.0.1:%u; its "
		    "log:\n%s", fx->port, text != NULL ? text : "");
		goto out;
	}
	rc = 0;
out:
	free(text);
	free(log);
	free(config);
	return rc;
}

int
sshd_fixture_start(struct sshd_fixture *fx, const char *name, char **cause)
{
	struct passwd	*pw;
	int		 rc = -1;

	memset(fx, 0, sizeof *fx);
	fx->pid = -1;
	if (access(SSHD, X_OK) != 0)
		return 0;
	if ((pw = getpwuid(geteuid())) == NULL) {
		xasprintf(cause, "no user has uid %u", (unsigned)geteuid());
		goto out;
	}
	fx->user = xstrdup(pw->pw_name);
	if ((size_t)snprintf(fx->dir, sizeof fx->dir, "/tmp/%s.XXXXXX",
	    name) >= sizeof fx->dir) {
		fx->dir[0] = '\0';
		xasprintf(cause, "fixture name '%s' is too long", name);
		goto out;
	}
	if (mkdtemp(fx->dir) == NULL) {
		xasprintf(cause, "cannot create '%s': %s", fx->dir,
		    strerror(errno));
		fx->dir[0] = '\0';
		goto out;
	}
	if ((fx->port = sshd_fixture_free_port()) == 0) {
		xasprintf(cause, "no free port on 127.0.0.1");
		goto out;
	}
	if (sshd_fixture_keys(fx, cause) != 0 ||
	    sshd_fixture_sshd(fx, cause) != 0)
		goto out;
	fx->have_sshd = 1;
	rc = 0;
out:
	if (rc != 0)
		sshd_fixture_stop(fx);
	return rc;
}

int
sshd_fixture_group(struct sshd_fixture *fx, const char *name)
{
	char	*cause = NULL;

	if (sshd_fixture_start(fx, name, &cause) == 0)
		return 0;
	fprintf(stderr, "%s\n", cause);
	free(cause);
	return -1;
}

static int
sshd_fixture_rm(const char *file, const struct stat *sb, int flag,
    struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(file);
}

void
sshd_fixture_stop(struct sshd_fixture *fx)
{
	if (fx->pid > 0) {
		kill(fx->pid, SIGTERM);
		waitpid(fx->pid, NULL, 0);
	}
	if (fx->dir[0] != '\0')
		nftw(fx->dir, sshd_fixture_rm, 16, FTW_DEPTH | FTW_PHYS);
	free(fx->user);
	free(fx->key);
	free(fx->wrong);
	free(fx->encrypted);
	free(fx->kh);
	free(fx->badkh);
	free(fx->emptykh);
	memset(fx, 0, sizeof *fx);
	fx->pid = -1;
}

void
sshd_fixture_need(const struct sshd_fixture *fx)
{
	if (!fx->have_sshd) {
		print_message("skipped: " SSHD " not found (install "
		    "openssh-server to run these tests)\n");
		skip();
	}
}

char *
sshd_fixture_path(const struct sshd_fixture *fx, const char *name)
{
	char	*p;

	xasprintf(&p, "%s/%s", fx->dir, name);
	return p;
}

struct guest *
sshd_fixture_connect(const struct sshd_fixture *fx)
{
	struct guest	*g;
	char		*cause = NULL;

	g = guest_connect("127.0.0.1", fx->port, fx->user, fx->key, fx->kh,
	    10000, NULL, NULL, &cause);
	if (g == NULL)
		fail_msg("guest_connect: %s", cause);
	return g;
}

char *
sshd_fixture_read(const char *file, size_t *len)
{
	FILE	*fp;
	char	*buf;
	size_t	 n = 0, size = 4096, got;

	if ((fp = fopen(file, "rb")) == NULL)
		return NULL;
	buf = xmalloc(size);
	while ((got = fread(buf + n, 1, size - n - 1, fp)) > 0) {
		n += got;
		if (size - n - 1 == 0)
			buf = xreallocarray(buf, size *= 2, 1);
	}
	fclose(fp);
	buf[n] = '\0';
	*len = n;
	return buf;
}

unsigned
sshd_fixture_free_port(void)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof sin;
	int			 s;
	unsigned		 port = 0;

	if ((s = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return 0;
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(s, (struct sockaddr *)&sin, sizeof sin) == 0 &&
	    getsockname(s, (struct sockaddr *)&sin, &len) == 0)
		port = ntohs(sin.sin_port);
	close(s);
	return port;
}

void
sshd_fixture_reap(const char *pidfile)
{
	long long	 start = util_now_ms();
	char		*text = NULL;
	size_t		 len;
	pid_t		 pid;
	int		 killed = 0;

	while (util_now_ms() - start < 5000 &&
	    (text = sshd_fixture_read(pidfile, &len)) == NULL)
		usleep(20 * 1000);
	assert_non_null(text);
	pid = (pid_t)atoi(text);
	free(text);
	assert_true(pid > 1);
	if (geteuid() == 0)
		kill(pid, SIGKILL);
	while (util_now_ms() - start < 8000 && !killed) {
		killed = kill(pid, 0) == -1 && errno == ESRCH;
		usleep(20 * 1000);
	}
	assert_true(killed);
}
