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

#define BIG		(3 * 1024 * 1024)

static struct sshd_fixture fx;

static int
setup(void **state)
{
	char	*cause = NULL;

	(void)state;
	if (sshd_fixture_start(&fx, "test_guest", &cause) != 0) {
		fprintf(stderr, "%s\n", cause);
		free(cause);
		return -1;
	}
	return 0;
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
	assert_int_equal(guest_exec(g, "kill -9 $PPID", NULL, 10000, &res,
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

static void
test_timeout(void **state)
{
	struct guest		*g;
	struct guest_result	 res;
	char			*pidfile, *cmd, *cause = NULL;
	int64_t			 t, took, startup;

	(void)state;
	sshd_fixture_need(&fx);
	g = sshd_fixture_connect(&fx);
	pidfile = sshd_fixture_path(&fx, "sleep.pid");
	xasprintf(&cmd, "echo $$ > '%s'; echo started; exec sleep 30",
	    pidfile);

	t = util_now_ms();
	assert_int_equal(guest_exec(g, cmd, NULL, 1000, &res, &cause), 0);
	took = util_now_ms() - t;
	print_message("sleep 30 with a 1000 ms timeout: returned after "
	    "%lld ms\n", (long long)took);
	assert_true(took >= 1000 && took < 2000);
	assert_int_equal(res.timed_out, 1);
	assert_int_equal(res.status, -1);
	assert_non_null(res.out);
	guest_result_release(&res);
	sshd_fixture_reap(pidfile);
	unlink(pidfile);

	/*
	 * The login shell can take a while to start (bash reads ~/.bashrc
	 * under sshd): allow for that, and check that output from before
	 * the timeout is kept.
	 */
	t = util_now_ms();
	exec_ok(g, "true", NULL, &res);
	startup = util_now_ms() - t;
	guest_result_release(&res);
	assert_int_equal(guest_exec(g, cmd, NULL, (int)startup + 1000, &res,
	    &cause), 0);
	assert_int_equal(res.timed_out, 1);
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
	t = util_now_ms();
	g = guest_connect("127.0.0.1", fx.port, fx.user, fx.wrong, fx.kh,
	    1500, NULL, NULL, &cause);
	took = util_now_ms() - t;
	print_message("wrong key, 1500 ms: gave up after %lld ms: %s\n",
	    (long long)took, cause);
	assert_null(g);
	assert_true(took < 2500);
	xasprintf(&want, "cannot log in to 127.0.0.1:%u as '%s' within 1.5 s: "
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
	    10000, NULL, NULL, &cause);
	assert_null(g);
	assert_true(util_now_ms() - t < 500);
	xasprintf(&want, "cannot read key '%s': No such file or directory",
	    file);
	assert_string_equal(cause, want);
	free(want);
	free(cause);
	free(file);

	/* Refused, not prompted for. */
	g = guest_connect("127.0.0.1", fx.port, fx.user, fx.encrypted, fx.kh,
	    10000, NULL, NULL, &cause);
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
	    10000, NULL, NULL, &cause);
	took = util_now_ms() - t;
	print_message("host key mismatch, 10000 ms: refused after %lld ms: "
	    "%s\n", (long long)took, cause);
	assert_null(g);
	assert_true(took < 2000);	/* not retried */
	xasprintf(&want, "host key of 127.0.0.1:%u does not match '%s' (it "
	    "offered SHA256:", fx.port, fx.badkh);
	assert_memory_equal(cause, want, strlen(want));
	free(want);
	free(cause);

	g = guest_connect("127.0.0.1", fx.port, fx.user, fx.key, fx.emptykh,
	    10000, NULL, NULL, &cause);
	assert_null(g);
	xasprintf(&want, "host key of 127.0.0.1:%u is not in '%s' (it "
	    "offered SHA256:", fx.port, fx.emptykh);
	assert_memory_equal(cause, want, strlen(want));
	free(want);
	free(cause);

	file = sshd_fixture_path(&fx, "no_such_known_hosts");
	g = guest_connect("127.0.0.1", fx.port, fx.user, fx.key, file,
	    10000, NULL, NULL, &cause);
	assert_null(g);
	assert_non_null(strstr(cause, "No such file or directory"));
	free(cause);
	free(file);

	/* No known_hosts: no check. */
	g = guest_connect("127.0.0.1", fx.port, fx.user, fx.key, NULL,
	    10000, NULL, NULL, &cause);
	assert_non_null(g);
	guest_close(g);
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
	g = guest_connect("127.0.0.1", port, "root", fx.key, NULL, 20000,
	    tick_stop, &ticks, &cause);
	took = util_now_ms() - t;
	assert_null(g);
	assert_int_equal(ticks.n, 2);
	assert_true(took < 4000);
	assert_non_null(strstr(cause, "stopped waiting for 127.0.0.1:"));
	print_message("progress said stop, 20000 ms: stopped after %lld ms: "
	    "%s\n", (long long)took, cause);
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
	assert_true(took >= 1400 && took < 2500);
	assert_true(ticks.n >= 1 && ticks.n <= 2);
	xasprintf(&want, "no answer from 127.0.0.1:%u within 1.5 s: ", port);
	assert_memory_equal(cause, want, strlen(want));
	assert_non_null(strstr(cause, "Connection refused"));
	free(want);
	free(cause);
}

static void
test_silent(void **state)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof sin;
	struct guest		*g;
	char			*cause = NULL, *want;
	int			 s;
	int64_t			 t, took;

	(void)state;
	sshd_fixture_need(&fx);
	/* Accepted by the kernel, never by anyone: no greeting ever. */
	assert_true((s = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(listen(s, 8), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&sin, &len), 0);
	t = util_now_ms();
	g = guest_connect("127.0.0.1", ntohs(sin.sin_port), fx.user, fx.key,
	    NULL, 1500, NULL, NULL, &cause);
	took = util_now_ms() - t;
	print_message("silent listener, 1500 ms: gave up after %lld ms: %s\n",
	    (long long)took, cause);
	close(s);
	assert_null(g);
	assert_true(took >= 1400 && took < 2500);
	xasprintf(&want, "no answer from 127.0.0.1:%u within 1.5 s: ssh "
	    "handshake timed out", ntohs(sin.sin_port));
	assert_string_equal(cause, want);
	free(want);
	free(cause);
}

/* Like a QEMU port forward to a guest whose sshd is not up yet. */
static void
test_dropped(void **state)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof sin;
	struct guest		*g;
	char			*cause = NULL, *want;
	int			 s, fd;
	pid_t			 pid;
	int64_t			 t, took;

	(void)state;
	sshd_fixture_need(&fx);
	assert_true((s = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(listen(s, 8), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&sin, &len), 0);
	if ((pid = fork()) == 0) {
		while ((fd = accept(s, NULL, NULL)) != -1)
			close(fd);
		_exit(0);
	}
	close(s);
	t = util_now_ms();
	g = guest_connect("127.0.0.1", ntohs(sin.sin_port), fx.user, fx.key,
	    NULL, 1500, NULL, NULL, &cause);
	took = util_now_ms() - t;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	print_message("connections dropped, 1500 ms: gave up after %lld ms: "
	    "%s\n", (long long)took, cause);
	assert_null(g);
	assert_true(took >= 1400 && took < 2500);
	xasprintf(&want, "no answer from 127.0.0.1:%u within 1.5 s: ",
	    ntohs(sin.sin_port));
	assert_memory_equal(cause, want, strlen(want));
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
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
