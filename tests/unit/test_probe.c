/*
 * test_probe.c - the host checks' HTTP and TCP client against real
 * listeners on loopback, each a forked process that answers one
 * connection the way a hostile or broken guest service might: right,
 * wrong, not at all, a byte a second, garbage, without end.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "probe.h"
#include "file-fixture.h"
#include "util.h"

#define PAGE	"<html><h1>Northwind Operations Portal</h1></html>\n"

/* How the server answers its one connection. */
enum serve {
	SERVE_OK,		/* 200 and PAGE */
	SERVE_404,
	SERVE_OTHER_PAGE,	/* 200, a body without the text */
	SERVE_CLOSE,		/* closes at once, reading nothing */
	SERVE_TRICKLE,		/* the status line, a byte a second */
	SERVE_TRICKLE_BODY,	/* good headers, then a byte a second */
	SERVE_GARBAGE,		/* not HTTP */
	SERVE_HUGE_HEADERS,	/* headers without end */
	SERVE_HUGE_BODY,	/* 200, 2 MiB without the text */
	SERVE_SPLIT,		/* the text split across two writes */
	SERVE_SILENT,		/* accepts, reads, never answers */
	SERVE_CONTENT_LENGTH,	/* the text only after Content-Length */
	SERVE_BINARY_REASON,	/* a status line with escapes in it */
	SERVE_ECHO,		/* 200, the request as the body */
};

struct server {
	pid_t		 pid;
	unsigned	 port;
};

static void
serve_write(int fd, const char *s)
{
	(void)util_write_all(fd, s, strlen(s));
}

/* The request, up to its blank line (bounded). */
static size_t
serve_read_request(int fd, char *buf, size_t size)
{
	size_t	 len = 0;
	ssize_t	 n;

	while (len + 1 < size && (n = read(fd, buf + len, size - 1 - len)) > 0) {
		len += (size_t)n;
		buf[len] = '\0';
		if (strstr(buf, "\r\n\r\n") != NULL)
			break;
	}
	buf[len] = '\0';
	return len;
}

static void
serve_big(int fd, int headers)
{
	char	 chunk[4096];
	int	 i;

	memset(chunk, 'x', sizeof chunk);
	if (headers) {
		serve_write(fd, "HTTP/1.0 200 OK\r\n");
		for (i = 0; i < 1024; i++)
			serve_write(fd, "X-Padding: xxxxxxxxxxxxxxxxxxxxxxxx\r\n");
		return;
	}
	serve_write(fd, "HTTP/1.0 200 OK\r\n\r\n");
	for (i = 0; i < 512; i++)
		if (util_write_all(fd, chunk, sizeof chunk) != 0)
			return;
}

static void
serve_one(int fd, enum serve how)
{
	static const char slow[] = "HTTP/1.0 200 OK\r\n\r\n";
	char	 req[4096], *body;
	size_t	 i;

	if (how == SERVE_CLOSE)
		return;
	serve_read_request(fd, req, sizeof req);
	switch (how) {
	case SERVE_OK:
		serve_write(fd, "HTTP/1.1 200 OK\r\nServer: t\r\n\r\n" PAGE);
		break;
	case SERVE_404:
		serve_write(fd, "HTTP/1.1 404 Not Found\r\n\r\nno\n");
		break;
	case SERVE_OTHER_PAGE:
		serve_write(fd, "HTTP/1.0 200 OK\r\n\r\n<h1>Welcome to nginx!</h1>");
		break;
	case SERVE_TRICKLE:
		for (i = 0; i < sizeof slow - 1; i++) {
			(void)util_write_all(fd, slow + i, 1);
			sleep(1);
		}
		break;
	case SERVE_TRICKLE_BODY:
		serve_write(fd, "HTTP/1.0 200 OK\r\n\r\n");
		for (i = 0; i < 30; i++) {
			serve_write(fd, "a");
			sleep(1);
		}
		break;
	case SERVE_GARBAGE:
		serve_write(fd, "SSH-2.0-OpenSSH_9.2\r\n\x1b[2J\r\n\r\n");
		break;
	case SERVE_HUGE_HEADERS:
	case SERVE_HUGE_BODY:
		serve_big(fd, how == SERVE_HUGE_HEADERS);
		break;
	case SERVE_SPLIT:
		serve_write(fd, "HTTP/1.0 200 OK\r\n\r\n<h1>Northwind Oper");
		usleep(200 * 1000);
		serve_write(fd, "ations Portal</h1>\n");
		break;
	case SERVE_SILENT:
		sleep(30);
		break;
	case SERVE_CONTENT_LENGTH:
		serve_write(fd, "HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\n"
		    "hello" PAGE);
		sleep(30);	/* keeps the connection: the length ends it */
		break;
	case SERVE_BINARY_REASON:
		serve_write(fd, "HTTP/1.0 500 \x1b]0;pwned\x07\xff\r\n\r\n");
		break;
	case SERVE_ECHO:
		xasprintf(&body, "HTTP/1.0 200 OK\r\n\r\n%s", req);
		serve_write(fd, body);
		free(body);
		break;
	case SERVE_CLOSE:
		break;
	}
}

/* A listener on 127.0.0.1 that serves one connection as told. */
static void
server_start(struct server *s, enum serve how)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof sin;
	int			 l, fd;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true((l = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	assert_int_equal(bind(l, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(listen(l, 4), 0);
	assert_int_equal(getsockname(l, (struct sockaddr *)&sin, &len), 0);
	s->port = ntohs(sin.sin_port);
	if ((s->pid = fork()) == 0) {
		signal(SIGPIPE, SIG_IGN);
		if ((fd = accept(l, NULL, NULL)) != -1) {
			serve_one(fd, how);
			close(fd);
		}
		_exit(0);
	}
	assert_true(s->pid > 0);
	close(l);
}

static void
server_stop(struct server *s)
{
	kill(s->pid, SIGKILL);
	waitpid(s->pid, NULL, 0);
}

/* GET / for PAGE's text from a server answering as told, in timeout_ms. */
static void
get(enum serve how, int timeout_ms, const char *contains,
    struct probe_result *r)
{
	struct probe_target	 t;
	struct probe_http	 h;
	struct server		 s;

	server_start(&s, how);
	memset(&t, 0, sizeof t);
	t.addr = "127.0.0.1";
	t.port = s.port;
	t.timeout_ms = timeout_ms;
	memset(&h, 0, sizeof h);
	h.host = "portal.northwind.internal";
	h.port = 80;
	h.path = "/";
	h.status = 200;
	h.contains = contains;
	probe_http(&t, &h, r);
	server_stop(&s);
}

static void
assert_printable(const char *s)
{
	for (; *s != '\0'; s++)
		assert_true(*s >= 0x20 && *s < 0x7f);
}

static void
test_http_ok(void **state)
{
	struct probe_result	 r;

	(void)state;
	get(SERVE_OK, 5000, "Northwind Operations Portal", &r);
	assert_int_equal(r.pass, 1);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.detail, "HTTP 200, the body contains \"Northwind "
	    "Operations Portal\"");
	probe_result_release(&r);
	get(SERVE_404, 5000, NULL, &r);		/* any body, but not 404 */
	assert_int_equal(r.pass, 0);
	probe_result_release(&r);
	get(SERVE_OK, 5000, NULL, &r);
	assert_int_equal(r.pass, 1);
	assert_string_equal(r.detail, "HTTP 200");
	probe_result_release(&r);
}

static void
test_http_wrong_status(void **state)
{
	struct probe_result	 r;

	(void)state;
	get(SERVE_404, 5000, "Portal", &r);
	assert_int_equal(r.pass, 0);
	assert_int_equal(r.timed_out, 0);
	assert_int_equal(r.status, 404);
	assert_string_equal(r.detail, "HTTP 404 Not Found, not 200");
	probe_result_release(&r);
}

static void
test_http_wrong_body(void **state)
{
	struct probe_result	 r;

	(void)state;
	get(SERVE_OTHER_PAGE, 5000, "Northwind Operations Portal", &r);
	assert_int_equal(r.pass, 0);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.detail, "HTTP 200, but the body (26 bytes) does "
	    "not contain \"Northwind Operations Portal\"");
	probe_result_release(&r);
}

static void
test_http_closed(void **state)
{
	struct probe_result	 r;

	(void)state;
	get(SERVE_CLOSE, 5000, "Portal", &r);
	assert_int_equal(r.pass, 0);
	assert_int_equal(r.timed_out, 0);
	assert_int_equal(r.status, -1);
	assert_string_equal(r.detail, "the connection was closed without an "
	    "answer");
	probe_result_release(&r);
}

/* A byte a second: the probe gives up at its deadline, not later. */
static void
test_http_trickle(void **state)
{
	struct probe_result	 r;

	(void)state;
	get(SERVE_TRICKLE, 2000, "Portal", &r);
	assert_int_equal(r.pass, 0);
	assert_int_equal(r.timed_out, 1);
	assert_true(r.ms >= 1900 && r.ms < 2000 + HANG_MS);
	assert_non_null(strstr(r.detail, "the headers still incomplete after "
	    "2.0 s"));
	probe_result_release(&r);
	get(SERVE_TRICKLE_BODY, 2000, "Portal", &r);
	assert_int_equal(r.pass, 0);
	assert_int_equal(r.timed_out, 1);
	assert_true(r.ms >= 1900 && r.ms < 2000 + HANG_MS);
	assert_non_null(strstr(r.detail, "the body still incomplete after"));
	probe_result_release(&r);
	get(SERVE_SILENT, 1000, "Portal", &r);
	assert_int_equal(r.timed_out, 1);
	assert_string_equal(r.detail, "no answer within 1.0 s");
	assert_true(r.ms >= 900 && r.ms < 1000 + HANG_MS);
	probe_result_release(&r);
}

static void
test_http_garbage(void **state)
{
	struct probe_result	 r;

	(void)state;
	get(SERVE_GARBAGE, 5000, "Portal", &r);
	assert_int_equal(r.pass, 0);
	assert_int_equal(r.status, -1);
	assert_string_equal(r.detail, "not an HTTP answer: \"SSH-2.0-OpenSSH_9.2\"");
	probe_result_release(&r);
	get(SERVE_BINARY_REASON, 5000, NULL, &r);
	assert_int_equal(r.pass, 0);
	assert_int_equal(r.status, 500);
	assert_printable(r.detail);
	assert_string_equal(r.detail, "HTTP 500 ?]0;pwned??, not 200");
	probe_result_release(&r);
}

static void
test_http_huge(void **state)
{
	struct probe_result	 r;

	(void)state;
	get(SERVE_HUGE_HEADERS, 5000, "Portal", &r);
	assert_int_equal(r.pass, 0);
	assert_int_equal(r.timed_out, 0);
	assert_string_equal(r.detail, "the answer's headers are longer than 16 "
	    "KiB");
	probe_result_release(&r);
	get(SERVE_HUGE_BODY, 5000, "Portal", &r);
	assert_int_equal(r.pass, 0);
	assert_int_equal(r.timed_out, 0);
	assert_string_equal(r.detail, "HTTP 200, but the first 1024 KiB of the "
	    "body do not contain \"Portal\"");
	probe_result_release(&r);
}

static void
test_http_body_edges(void **state)
{
	struct probe_result	 r;

	(void)state;
	get(SERVE_SPLIT, 5000, "Northwind Operations Portal", &r);
	assert_int_equal(r.pass, 1);
	probe_result_release(&r);
	/* Content-Length says where the body ends: no wait, and exact. */
	get(SERVE_CONTENT_LENGTH, 5000, "Portal", &r);
	assert_int_equal(r.pass, 0);
	assert_int_equal(r.timed_out, 0);
	assert_string_equal(r.detail, "HTTP 200, but the body (5 bytes) does "
	    "not contain \"Portal\"");
	probe_result_release(&r);
}

/* The request: HTTP/1.0, the path, the Host header with a port not 80. */
static void
test_http_request(void **state)
{
	struct probe_target	 t;
	struct probe_http	 h;
	struct probe_result	 r;
	struct server		 s;

	(void)state;
	server_start(&s, SERVE_ECHO);
	memset(&t, 0, sizeof t);
	t.addr = "127.0.0.1";
	t.port = s.port;
	t.timeout_ms = 5000;
	memset(&h, 0, sizeof h);
	h.host = "metrics.internal";
	h.port = 9100;
	h.path = "/metrics?x=1";
	h.status = 200;
	h.contains = "GET /metrics?x=1 HTTP/1.0\r\nHost: metrics.internal:9100"
	    "\r\n";
	probe_http(&t, &h, &r);
	server_stop(&s);
	assert_int_equal(r.pass, 1);
	probe_result_release(&r);
}

static void
test_not_listening(void **state)
{
	struct probe_target	 t;
	struct probe_http	 h;
	struct probe_result	 r;
	struct server		 s;

	(void)state;
	server_start(&s, SERVE_CLOSE);
	server_stop(&s);		/* its port is closed now */
	memset(&t, 0, sizeof t);
	t.addr = "127.0.0.1";
	t.port = s.port;
	t.timeout_ms = 2000;
	memset(&h, 0, sizeof h);
	h.host = "localhost";
	h.port = 80;
	h.path = "/";
	h.status = 200;
	probe_http(&t, &h, &r);
	assert_int_equal(r.pass, 0);
	assert_int_equal(r.timed_out, 0);
	assert_non_null(strstr(r.detail, "Connection refused"));
	probe_result_release(&r);
	probe_tcp(&t, &r);
	assert_int_equal(r.pass, 0);
	assert_non_null(strstr(r.detail, "Connection refused"));
	probe_result_release(&r);
	t.addr = "localhost";
	probe_tcp(&t, &r);
	assert_string_equal(r.detail, "'localhost' is not a numeric address");
	probe_result_release(&r);
}

/* What QEMU would say: not yet, then yes on the nth question. */
static int
accepted_after(void *arg)
{
	int	*n = arg;

	return --*n <= 0 ? 1 : 0;
}

static int
never_accepted(void *arg)
{
	(void)arg;
	return 0;
}

static void
test_tcp(void **state)
{
	struct probe_target	 t;
	struct probe_result	 r;
	struct server		 s;
	int			 n = 3;

	(void)state;
	server_start(&s, SERVE_SILENT);
	memset(&t, 0, sizeof t);
	t.addr = "127.0.0.1";
	t.port = s.port;
	t.timeout_ms = 2000;
	probe_tcp(&t, &r);
	assert_int_equal(r.pass, 1);
	assert_string_equal(r.detail, "the connection was accepted");
	probe_result_release(&r);
	/* Through a forward: only once the far end is seen to accept. */
	t.accepted = accepted_after;
	t.arg = &n;
	probe_tcp(&t, &r);
	assert_int_equal(r.pass, 1);
	assert_int_equal(n, 0);
	probe_result_release(&r);
	t.accepted = never_accepted;
	probe_tcp(&t, &r);
	assert_int_equal(r.pass, 0);
	assert_int_equal(r.timed_out, 1);
	assert_true(r.ms >= 1900 && r.ms < 2000 + HANG_MS);
	assert_string_equal(r.detail, "no answer within 2.0 s: the connection "
	    "was never accepted (packets dropped?)");
	probe_result_release(&r);
	server_stop(&s);
	/* Closed by the far end before anyone saw it accepted: refused. */
	server_start(&s, SERVE_CLOSE);
	t.port = s.port;
	probe_tcp(&t, &r);
	assert_int_equal(r.pass, 0);
	assert_int_equal(r.timed_out, 0);
	assert_string_equal(r.detail, "the connection was refused (or closed "
	    "at once)");
	probe_result_release(&r);
	server_stop(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_http_ok),
		cmocka_unit_test(test_http_wrong_status),
		cmocka_unit_test(test_http_wrong_body),
		cmocka_unit_test(test_http_closed),
		cmocka_unit_test(test_http_trickle),
		cmocka_unit_test(test_http_garbage),
		cmocka_unit_test(test_http_huge),
		cmocka_unit_test(test_http_body_edges),
		cmocka_unit_test(test_http_request),
		cmocka_unit_test(test_not_listening),
		cmocka_unit_test(test_tcp),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
