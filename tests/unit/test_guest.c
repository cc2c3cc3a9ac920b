/*
 * test_guest.c - the SSH client, against a real OpenSSH sshd on loopback.
 *
 * The group setup starts the sshd of sshd-fixture.h (temporary keys,
 * known_hosts files, a free 127.0.0.1 port); the teardown stops it and
 * removes its directory. The login user is whoever runs the tests.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <poll.h>
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

#include "file-fixture.h"
#include "guest.h"
#include "sshd-fixture.h"
#include "util.h"

#define BIG		(3 * 1024 * 1024)

/*
 * No verdict here may depend on how fast or busy the machine is. A
 * bound on elapsed time is either the deadline's own (it cannot be
 * honoured early) or one of these, which only a broken deadline or a
 * hang gets near.
 */
#define LONG_MS		20000	/* a deadline a test must not reach */
#define START_MS	10000	/* for a login shell to say it started */

static struct sshd_fixture fx;

static int
setup(void **state)
{
	(void)state;
	return sshd_fixture_group(&fx, "test_guest");
}

static int
teardown(void **state)
{
	(void)state;
	sshd_fixture_stop(&fx);
	return 0;
}

static void
exec_ok(struct guest *g, const char *command, const char *in,
    struct guest_result *res)
{
	char	*cause = NULL;

	if (guest_exec(g, command, in, 20000, res, &cause) != 0)
		fail_msg("guest_exec '%s': %s", command, cause);
	assert_non_null(res->out);
	assert_non_null(res->err);
	assert_int_equal(res->timed_out, 0);
}

static void
test_exec(void **state)
{
	struct guest		*g;
	struct guest_result	 res;
	char			*cause = NULL, *want;

	(void)state;
	sshd_fixture_need(&fx);
	g = sshd_fixture_connect(&fx);
	exec_ok(g, "echo hi; echo err >&2; exit 3", NULL, &res);
	assert_int_equal(res.status, 3);
	assert_string_equal(res.out, "hi\n");
	assert_int_equal(res.outlen, 3);
	assert_string_equal(res.err, "err\n");
	assert_int_equal(res.errlen, 4);
	guest_result_release(&res);

	exec_ok(g, "true", NULL, &res);
	assert_int_equal(res.status, 0);
	assert_string_equal(res.out, "");
	assert_int_equal(res.outlen, 0);
	assert_string_equal(res.err, "");
	guest_result_release(&res);

	/* Killed by a signal: no exit status, but it did run. */
	exec_ok(g, "echo partial; kill -9 $$", NULL, &res);
	assert_int_equal(res.status, -1);
	assert_string_equal(res.out, "partial\n");
	guest_result_release(&res);
	guest_result_release(NULL);

	/* The connection dies under the command (sshd is its parent). */
	assert_int_equal(guest_exec(g, "kill -9 $PPID", NULL, LONG_MS, &res,
	    &cause), -1);
	print_message("connection lost: %s\n", cause);
	xasprintf(&want, "lost connection to 127.0.0.1:%u: ", fx.port);
	assert_memory_equal(cause, want, strlen(want));
	assert_null(res.out);
	free(want);
	free(cause);
	assert_int_equal(guest_exec(g, "true", NULL, 10000, &res, &cause), -1);
	free(cause);
	guest_close(g);
	guest_close(NULL);
}

static void
test_stdin(void **state)
{
	struct guest		*g;
	struct guest_result	 res;
	char			*big;

	(void)state;
	sshd_fixture_need(&fx);
	g = sshd_fixture_connect(&fx);
	exec_ok(g, "cat", "hello\nworld\n", &res);
	assert_int_equal(res.status, 0);
	assert_string_equal(res.out, "hello\nworld\n");
	guest_result_release(&res);

	big = xmalloc(BIG + 1);
	memset(big, 'x', BIG);
	big[BIG] = '\0';
	exec_ok(g, "wc -c", big, &res);
	assert_string_equal(res.out, "3145728\n");
	guest_result_release(&res);

	/* Input and output both far beyond the windows: no deadlock. */
	exec_ok(g, "cat", big, &res);
	assert_int_equal(res.status, 0);
	assert_int_equal(res.outlen, GUEST_OUTPUT_MAX);
	assert_memory_equal(res.out, big, GUEST_OUTPUT_MAX);
	guest_result_release(&res);

	/* A command that exits without reading its input. */
	exec_ok(g, "exit 4", big, &res);
	assert_int_equal(res.status, 4);
	guest_result_release(&res);
	free(big);
	guest_close(g);
}

static void
test_binary(void **state)
{
	struct guest		*g;
	struct guest_result	 res;
	unsigned char		 data[1024];
	char			*file, *cmd, *cause = NULL, *disk;
	size_t			 i, len;

	(void)state;
	sshd_fixture_need(&fx);
	for (i = 0; i < sizeof data; i++)
		data[i] = (unsigned char)(i * 7);
	data[10] = '\0';
	g = sshd_fixture_connect(&fx);
	file = sshd_fixture_path(&fx, "binary");
	if (guest_upload(g, file, data, sizeof data, 0644, &cause) != 0)
		fail_msg("guest_upload: %s", cause);
	disk = sshd_fixture_read(file, &len);
	assert_non_null(disk);
	assert_int_equal(len, sizeof data);
	assert_memory_equal(disk, data, sizeof data);

	xasprintf(&cmd, "cat '%s'", file);
	exec_ok(g, cmd, NULL, &res);
	assert_int_equal(res.outlen, sizeof data);
	assert_memory_equal(res.out, data, sizeof data);
	assert_int_equal(res.out[res.outlen], '\0');
	guest_result_release(&res);
	free(cmd);
	free(disk);
	free(file);
	guest_close(g);
}

static void
test_large_output(void **state)
{
	struct guest		*g;
	struct guest_result	 res;
	int64_t			 t;

	(void)state;
	sshd_fixture_need(&fx);
	g = sshd_fixture_connect(&fx);
	t = util_now_ms();
	exec_ok(g, "head -c 3145728 /dev/zero", NULL, &res);
	print_message("3 MiB of stdout: %lld ms\n",
	    (long long)(util_now_ms() - t));
	assert_int_equal(res.status, 0);
	assert_int_equal(res.outlen, GUEST_OUTPUT_MAX);
	assert_int_equal(res.out[GUEST_OUTPUT_MAX], '\0');
	guest_result_release(&res);

	exec_ok(g, "head -c 3145728 /dev/zero >&2; echo done", NULL, &res);
	assert_int_equal(res.status, 0);
	assert_int_equal(res.errlen, GUEST_OUTPUT_MAX);
	assert_string_equal(res.out, "done\n");
	guest_result_release(&res);
	guest_close(g);
}

/*
 * A command still running at its deadline is abandoned there, with what
 * it wrote before kept. The deadline leaves the login shell time to start
 * (bash reads ~/.bashrc under sshd, which can take a while); the command
 * would run far longer.
 */
static void
test_timeout(void **state)
{
	struct guest		*g;
	struct guest_result	 res;
	char			*pidfile, *cmd, *cause = NULL;
	int64_t			 t, took;

	(void)state;
	sshd_fixture_need(&fx);
	g = sshd_fixture_connect(&fx);
	pidfile = sshd_fixture_path(&fx, "sleep.pid");
	xasprintf(&cmd, "echo $$ > '%s'; echo started; exec sleep 60",
	    pidfile);

	t = util_now_ms();
	assert_int_equal(guest_exec(g, cmd, NULL, START_MS, &res, &cause), 0);
	took = util_now_ms() - t;
	print_message("sleep 60 with a %d ms timeout: returned after %lld ms\n",
	    START_MS, (long long)took);
	assert_true(took >= START_MS && took < START_MS + HANG_MS);
	assert_int_equal(res.timed_out, 1);
	assert_int_equal(res.status, -1);
	/* Kept; and the pidfile was written first, for sshd_fixture_reap. */
	assert_string_equal(res.out, "started\n");
	guest_result_release(&res);
	sshd_fixture_reap(pidfile);

	/* The connection is still good. */
	exec_ok(g, "echo again", NULL, &res);
	assert_string_equal(res.out, "again\n");
	guest_result_release(&res);
	free(cmd);
	free(pidfile);
	guest_close(g);
}

static void
check_upload(struct guest *g, const char *name, const char *data, int mode)
{
	struct stat	 sb;
	char		*file = sshd_fixture_path(&fx, name), *cause = NULL;
	char		*disk;
	size_t		 len;

	if (guest_upload(g, file, data, strlen(data), mode, &cause) != 0)
		fail_msg("guest_upload '%s': %s", file, cause);
	assert_int_equal(stat(file, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, mode);
	disk = sshd_fixture_read(file, &len);
	assert_non_null(disk);
	assert_string_equal(disk, data);
	free(disk);
	free(file);
}

static void
test_upload(void **state)
{
	struct guest	*g;
	char		*file, *cause = NULL, *want;

	(void)state;
	sshd_fixture_need(&fx);
	g = sshd_fixture_connect(&fx);
	check_upload(g, "it's a file", "secret\n", 0600);
	check_upload(g, "it's a file", "shorter\n", 0600);
	check_upload(g, "-script $(x) `y` \"z\"", "#!/bin/sh\n", 0755);

	file = sshd_fixture_path(&fx, "missing/dir");
	assert_int_equal(guest_upload(g, file, "x", 1, 0644, &cause), -1);
	print_message("upload into a missing directory: %s\n", cause);
	xasprintf(&want, "cannot write '%s' on 127.0.0.1:%u: ", file,
	    fx.port);
	assert_memory_equal(cause, want, strlen(want));
	assert_non_null(strstr(cause, "No such file or directory"));
	assert_null(strchr(cause, '\n'));
	free(cause);
	free(want);

	assert_int_equal(guest_upload(g, file, "x", 1, 010000, &cause), -1);
	assert_non_null(strstr(cause, "is not a file mode"));
	free(cause);
	free(file);
	guest_close(g);
}

static void
test_wrong_key(void **state)
{
	struct guest	*g;
	char		*cause = NULL, *want;
	int64_t		 t, took;

	(void)state;
	sshd_fixture_need(&fx);
	/*
	 * Long enough for one attempt to be refused on a busy machine:
	 * the refusal must be what is reported, whenever the deadline
	 * then cuts a later attempt short.
	 */
	t = util_now_ms();
	g = guest_connect("127.0.0.1", fx.port, fx.user, fx.wrong, fx.kh,
	    START_MS, NULL, NULL, &cause);
	took = util_now_ms() - t;
	print_message("wrong key, %d ms: gave up after %lld ms: %s\n",
	    START_MS, (long long)took, cause);
	assert_null(g);
	/* Retried until the deadline (a booting guest may lack the key). */
	assert_true(took >= START_MS && took < START_MS + HANG_MS);
	xasprintf(&want, "cannot log in to 127.0.0.1:%u as '%s' within 10 s: "
	    "key '%s' refused", fx.port, fx.user, fx.wrong);
	assert_string_equal(cause, want);
	free(want);
	free(cause);
}

static void
test_bad_key_file(void **state)
{
	struct guest	*g;
	char		*cause = NULL, *want, *file;
	int64_t		 t;

	(void)state;
	sshd_fixture_need(&fx);
	file = sshd_fixture_path(&fx, "no_such_key");
	t = util_now_ms();
	g = guest_connect("127.0.0.1", fx.port, fx.user, file, fx.kh,
	    LONG_MS, NULL, NULL, &cause);
	assert_null(g);
	assert_true(util_now_ms() - t < LONG_MS / 2);	/* not retried */
	xasprintf(&want, "cannot read key '%s': No such file or directory",
	    file);
	assert_string_equal(cause, want);
	free(want);
	free(cause);
	free(file);

	/* Refused, not prompted for. */
	g = guest_connect("127.0.0.1", fx.port, fx.user, fx.encrypted, fx.kh,
	    LONG_MS, NULL, NULL, &cause);
	assert_null(g);
	xasprintf(&want, "'%s' is not a private key usable without a "
	    "passphrase", fx.encrypted);
	assert_string_equal(cause, want);
	free(want);
	free(cause);
}

static void
test_host_key(void **state)
{
	struct guest	*g;
	char		*cause = NULL, *want, *file;
	int64_t		 t, took;

	(void)state;
	sshd_fixture_need(&fx);
	t = util_now_ms();
	g = guest_connect("127.0.0.1", fx.port, fx.user, fx.key, fx.badkh,
	    LONG_MS, NULL, NULL, &cause);
	took = util_now_ms() - t;
	print_message("host key mismatch, %d ms: refused after %lld ms: "
	    "%s\n", LONG_MS, (long long)took, cause);
	assert_null(g);
	assert_true(took < LONG_MS / 2);	/* not retried */
	xasprintf(&want, "host key of 127.0.0.1:%u does not match '%s' (it "
	    "offered SHA256:", fx.port, fx.badkh);
	assert_memory_equal(cause, want, strlen(want));
	free(want);
	free(cause);

	g = guest_connect("127.0.0.1", fx.port, fx.user, fx.key, fx.emptykh,
	    LONG_MS, NULL, NULL, &cause);
	assert_null(g);
	xasprintf(&want, "host key of 127.0.0.1:%u is not in '%s' (it "
	    "offered SHA256:", fx.port, fx.emptykh);
	assert_memory_equal(cause, want, strlen(want));
	free(want);
	free(cause);

	file = sshd_fixture_path(&fx, "no_such_known_hosts");
	g = guest_connect("127.0.0.1", fx.port, fx.user, fx.key, file,
	    LONG_MS, NULL, NULL, &cause);
	assert_null(g);
	assert_non_null(strstr(cause, "No such file or directory"));
	free(cause);
	free(file);

	/* No known_hosts: no check. */
	g = guest_connect("127.0.0.1", fx.port, fx.user, fx.key, NULL,
	    LONG_MS, NULL, NULL, &cause);
	assert_non_null(g);
	guest_close(g);
}

/*
 * A socket listening on 127.0.0.1:*port (any free port if 0, written
 * back), which the kernel accepts connections on and nobody answers.
 */
static int
listen_loopback(unsigned *port)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof sin;
	int			 s;

	assert_true((s = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(*port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(listen(s, 8), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&sin, &len), 0);
	*port = ntohs(sin.sin_port);
	return s;
}

struct ticks {
	int	 n;
	int	 last;
};

static int
tick(int waited_ms, void *arg)
{
	struct ticks	*t = arg;

	t->n++;
	assert_true(waited_ms > t->last);
	t->last = waited_ms;
	return 0;
}

/* Asks to stop at the second call. */
static int
tick_stop(int waited_ms, void *arg)
{
	struct ticks	*t = arg;

	(void)waited_ms;
	return ++t->n >= 2;
}

static void
test_stop(void **state)
{
	struct guest	*g;
	struct ticks	 ticks = { 0, 0 };
	char		*cause = NULL;
	unsigned	 port;
	int64_t		 t, took;

	(void)state;
	sshd_fixture_need(&fx);
	port = sshd_fixture_free_port();
	assert_true(port != 0);
	t = util_now_ms();
	g = guest_connect("127.0.0.1", port, "root", fx.key, NULL, LONG_MS,
	    tick_stop, &ticks, &cause);
	took = util_now_ms() - t;
	assert_null(g);
	assert_int_equal(ticks.n, 2);
	/* The second call comes a second after the first. */
	assert_true(took >= 2000 && took < LONG_MS / 2);
	assert_non_null(strstr(cause, "stopped waiting for 127.0.0.1:"));
	print_message("progress said stop, %d ms: stopped after %lld ms: "
	    "%s\n", LONG_MS, (long long)took, cause);
	free(cause);
}

static void
test_refused(void **state)
{
	struct guest	*g;
	struct ticks	 ticks = { 0, 0 };
	char		*cause = NULL, *want;
	unsigned	 port;
	int64_t		 t, took;

	(void)state;
	sshd_fixture_need(&fx);
	port = sshd_fixture_free_port();
	assert_true(port != 0);
	t = util_now_ms();
	g = guest_connect("127.0.0.1", port, fx.user, fx.key, NULL, 1500,
	    tick, &ticks, &cause);
	took = util_now_ms() - t;
	print_message("nothing listening, 1500 ms: gave up after %lld ms "
	    "(%d progress calls): %s\n", (long long)took, ticks.n, cause);
	assert_null(g);
	assert_true(took >= 1500 && took < 1500 + HANG_MS);
	/* About once a second: at least once, never twice in one second. */
	assert_true(ticks.n >= 1 && ticks.n <= took / 1000);
	xasprintf(&want, "no answer from 127.0.0.1:%u within 1.5 s: ", port);
	assert_memory_equal(cause, want, strlen(want));
	assert_non_null(strstr(cause, "Connection refused"));
	free(want);
	free(cause);
}

static void
test_silent(void **state)
{
	struct guest	*g;
	char		*cause = NULL, *want;
	unsigned	 port = 0;
	int		 s;
	int64_t		 t, took;

	(void)state;
	sshd_fixture_need(&fx);
	/* Accepted by the kernel, never by anyone: no greeting ever. */
	s = listen_loopback(&port);
	t = util_now_ms();
	g = guest_connect("127.0.0.1", port, fx.user, fx.key, NULL, 1500, NULL,
	    NULL, &cause);
	took = util_now_ms() - t;
	print_message("silent listener, 1500 ms: gave up after %lld ms: %s\n",
	    (long long)took, cause);
	close(s);
	assert_null(g);
	assert_true(took >= 1500 && took < 1500 + HANG_MS);
	xasprintf(&want, "no answer from 127.0.0.1:%u within 1.5 s: ssh "
	    "handshake timed out", port);
	assert_string_equal(cause, want);
	free(want);
	free(cause);
}

/* Like a QEMU port forward to a guest whose sshd is not up yet. */
static void
test_dropped(void **state)
{
	struct guest	*g;
	char		*cause = NULL, *want;
	unsigned	 port = 0;
	int		 s, fd;
	pid_t		 pid;
	int64_t		 t, took;

	(void)state;
	sshd_fixture_need(&fx);
	s = listen_loopback(&port);
	if ((pid = fork()) == 0) {
		while ((fd = accept(s, NULL, NULL)) != -1)
			close(fd);
		_exit(0);
	}
	close(s);
	t = util_now_ms();
	g = guest_connect("127.0.0.1", port, fx.user, fx.key, NULL, 1500, NULL,
	    NULL, &cause);
	took = util_now_ms() - t;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	print_message("connections dropped, 1500 ms: gave up after %lld ms: "
	    "%s\n", (long long)took, cause);
	assert_null(g);
	assert_true(took >= 1500 && took < 1500 + HANG_MS);
	xasprintf(&want, "no answer from 127.0.0.1:%u within 1.5 s: ", port);
	assert_memory_equal(cause, want, strlen(want));
	free(want);
	free(cause);
}

/* Where a listener comes up at the first progress call. */
struct late {
	unsigned	 port;
	int		 s;
};

static int
listen_late(int waited_ms, void *arg)
{
	struct late	*l = arg;

	(void)waited_ms;
	if (l->s == -1)
		l->s = listen_loopback(&l->port);
	return 0;
}

/*
 * Refused until the first progress call, then accepted and never
 * greeted, so every attempt from then on ends at the deadline: what
 * was learnt is that the connection was refused, and that is reported
 * (not that the last handshake timed out).
 */
static void
test_refused_then_silent(void **state)
{
	struct guest	*g;
	struct late	 l;
	struct pollfd	 pfd;
	char		*cause = NULL, *want;

	(void)state;
	sshd_fixture_need(&fx);
	l.port = sshd_fixture_free_port();
	l.s = -1;
	assert_true(l.port != 0);
	g = guest_connect("127.0.0.1", l.port, fx.user, fx.key, NULL, 2500,
	    listen_late, &l, &cause);
	assert_null(g);
	assert_true(l.s != -1);
	/* Whether an attempt got there in time is up to the machine. */
	pfd.fd = l.s;
	pfd.events = POLLIN;
	print_message("refused, then silent (%s), 2500 ms: %s\n",
	    poll(&pfd, 1, 0) == 1 ? "reached" : "not reached in time", cause);
	close(l.s);
	xasprintf(&want, "no answer from 127.0.0.1:%u within 2.5 s: ",
	    l.port);
	assert_memory_equal(cause, want, strlen(want));
	assert_non_null(strstr(cause, "Connection refused"));
	free(want);
	free(cause);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exec),
		cmocka_unit_test(test_stdin),
		cmocka_unit_test(test_binary),
		cmocka_unit_test(test_large_output),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_upload),
		cmocka_unit_test(test_wrong_key),
		cmocka_unit_test(test_bad_key_file),
		cmocka_unit_test(test_host_key),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_stop),
		cmocka_unit_test(test_silent),
		cmocka_unit_test(test_dropped),
		cmocka_unit_test(test_refused_then_silent),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
