/*
 * test_check.c - a scenario's checks run for real: guest checks over
 * the admin channel's SSH path to the loopback sshd of sshd-fixture.h
 * (what a check prints is kept as UTF-8, whatever bytes the guest
 * sent), host checks against a listener of the test's own, reached
 * directly as if through a forward.
 */
#include <sys/socket.h>
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

#include "admin.h"
#include "check.h"
#include "exercise.h"
#include "scenario-fixture.h"
#include "sshd-fixture.h"

static struct sshd_fixture fx;

static int
setup(void **state)
{
	(void)state;
	return sshd_fixture_group(&fx, "test_check");
}

static int
teardown(void **state)
{
	(void)state;
	sshd_fixture_stop(&fx);
	return 0;
}

static void
test_output(void **state)
{
	struct check_result	*r = NULL;
	struct check_target	 t;
	struct scenario		*sc;
	struct admin		*a;
	char			*cause = NULL;

	(void)state;
	sshd_fixture_need(&fx);
	sc = fixture_scenario("name: t\ntitle: t\nbriefing: b\nsolution: s\n"
	    "faults: [{id: f, kind: remove, path: /x}]\n"
	    "checks:\n"
	    "  - {id: fine, describe: d, run: 'echo ok'}\n"
	    "  - {id: bytes, describe: d, run: \"printf 'no\\\\377\\\\303\\\\n'; "
	    "exit 3\"}\n");
	a = admin_over_ssh(sshd_fixture_connect(&fx));
	memset(&t, 0, sizeof t);
	t.admin = a;
	if (check_run_all(&t, sc, &r, &cause) != 0)
		fail_msg("%s", cause);
	assert_int_equal(r[0].pass, 1);
	assert_string_equal(r[0].output, "ok\n");
	assert_int_equal(r[1].pass, 0);
	assert_int_equal(r[1].status, 3);
	assert_string_equal(r[1].output, "no\xef\xbf\xbd\xef\xbf\xbd\n");
	check_results_free(r, sc->nchecks);
	admin_close(a);
	scenario_free(sc);
}

/*
 * A listener on 127.0.0.1 answering each of n connections with answer;
 * its port in *port. Returns the serving process.
 */
static pid_t
serve(const char *answer, int n, unsigned *port)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof sin;
	char			 buf[4096];
	pid_t			 pid;
	int			 l, fd;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true((l = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	assert_int_equal(bind(l, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(listen(l, 8), 0);
	assert_int_equal(getsockname(l, (struct sockaddr *)&sin, &len), 0);
	*port = ntohs(sin.sin_port);
	if ((pid = fork()) == 0) {
		while (n-- > 0 && (fd = accept(l, NULL, NULL)) != -1) {
			if (read(fd, buf, sizeof buf) > 0)
				(void)write(fd, answer, strlen(answer));
			close(fd);
		}
		_exit(0);
	}
	close(l);
	return pid;
}

static const char host_yaml[] =
    "name: t\ntitle: t\nbriefing: b\nsolution: s\n"
    "faults: [{id: f, kind: remove, path: /x}]\n"
    "checks:\n"
    "  - {id: page, describe: d, http: {port: 80, host: portal.test, "
    "contains: Portal}, timeout: 5s}\n"
    "  - {id: missing, describe: d, http: {port: 80, contains: Other}}\n"
    "  - {id: port, describe: d, tcp: {port: 80}}\n"
    "  - {id: elsewhere, describe: d, tcp: {port: 5432}}\n";

/* Host checks need no admin channel; results say where they ran. */
static void
test_host(void **state)
{
	struct exercise_forward	 fwd;
	struct check_result	*r = NULL;
	struct check_target	 t;
	struct scenario		*sc;
	char			*cause = NULL;
	pid_t			 pid;

	(void)state;
	sc = fixture_scenario(host_yaml);
	pid = serve("HTTP/1.0 200 OK\r\n\r\n<h1>Portal</h1>\n", 3, &fwd.host);
	fwd.guest = 80;
	memset(&t, 0, sizeof t);
	t.forwards = &fwd;
	t.nforwards = 1;
	t.direct = 1;
	assert_int_equal(check_run_all(&t, sc, &r, &cause), 0);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	assert_true(r[0].pass && r[0].host);
	assert_int_equal(r[0].status, 0);
	assert_int_equal(r[0].http_status, 200);
	assert_string_equal(check_where(&r[0]), "host");
	assert_true(strncmp(r[0].output, "HTTP 200, the body contains "
	    "\"Portal\" (GET http://portal.test/ via 127.0.0.1:", 46) == 0);
	assert_false(r[1].pass);
	assert_int_equal(r[1].status, 1);
	assert_non_null(strstr(r[1].output, "does not contain \"Other\" (GET "
	    "http://localhost/ via 127.0.0.1:"));
	assert_true(r[2].pass);
	assert_int_equal(r[2].http_status, -1);
	assert_false(r[3].pass);
	assert_string_equal(r[3].output, "no forward to guest port 5432 (TCP to "
	    "guest port 5432)\n");
	check_results_free(r, sc->nchecks);

	/* Through QEMU, but no libvirt to ask: no pass on faith. */
	t.direct = 0;
	assert_int_equal(check_run_all(&t, sc, &r, &cause), 0);
	assert_false(r[0].pass);
	assert_non_null(strstr(r[0].output, "libvirt cannot be reached"));
	check_results_free(r, sc->nchecks);
	scenario_free(sc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_output),
		cmocka_unit_test(test_host),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
