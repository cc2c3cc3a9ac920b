/*
 * test_gw_proto.c - the messages between a gateway connection process
 * and the listener: which ones gw_proto_valid lets through (all the
 * listener checks before it reads a field), and sending, receiving and
 * calling over a real SOCK_SEQPACKET pair, descriptors included.
 */
#include <sys/socket.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "gw-proto.h"
#include "util.h"

static const struct {
	enum gw_proto_type	 type;
	uint32_t		 flags;		/* the ones it may have */
} types[] = {
	{ GW_PROTO_AUTH_PASSWORD, 0 },
	{ GW_PROTO_AUTH_KEY, GW_PROTO_PROBE },
	{ GW_PROTO_SESSION, 0 },
	{ GW_PROTO_SEAL, GW_PROTO_END },
	{ GW_PROTO_AUDIT, 0 },
	{ GW_PROTO_RESULT, GW_PROTO_OK },
};

static void
pair(int *sv)
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
	    sv), 0);
}

/* Every type, with each flag bit there is: only its own are allowed. */
static void
test_valid_types(void **state)
{
	struct gw_msg	 m;
	size_t		 i;
	int		 bit;

	(void)state;
	for (i = 0; i < nitems(types); i++) {
		gw_proto_init(&m, types[i].type, "web-down-7f3a", "text");
		assert_true(gw_proto_valid(&m, sizeof m));
		for (bit = 0; bit < 32; bit++) {
			m.flags = 1u << bit;
			if (gw_proto_valid(&m, sizeof m) !=
			    ((m.flags & types[i].flags) != 0))
				fail_msg("type %d flags %#x", types[i].type,
				    m.flags);
		}
		m.flags = types[i].flags | GW_PROTO_OK << 1;
		assert_false(gw_proto_valid(&m, sizeof m));
	}
	gw_proto_init(&m, GW_PROTO_RESULT, NULL, NULL);
	for (i = 0; i < 3; i++) {
		m.type = (uint32_t[]){ 0, GW_PROTO_RESULT + 1, UINT32_MAX }[i];
		assert_false(gw_proto_valid(&m, sizeof m));
	}
}

/* The whole struct, and strings terminated within their fields. */
static void
test_valid_shape(void **state)
{
	struct gw_msg	 m;

	(void)state;
	gw_proto_init(&m, GW_PROTO_AUDIT, "hint", "detail");
	assert_true(gw_proto_valid(&m, sizeof m));
	assert_false(gw_proto_valid(&m, sizeof m - 1));
	assert_false(gw_proto_valid(&m, sizeof m + 1));
	assert_false(gw_proto_valid(&m, 0));
	assert_false(gw_proto_valid(&m, offsetof(struct gw_msg, text)));

	/* Full to the last byte, which is the NUL: fine. */
	memset(m.user, 'u', sizeof m.user - 1);
	memset(m.text, 't', sizeof m.text - 1);
	assert_true(gw_proto_valid(&m, sizeof m));
	m.user[sizeof m.user - 1] = 'u';
	assert_false(gw_proto_valid(&m, sizeof m));
	m.user[sizeof m.user - 1] = '\0';
	m.text[sizeof m.text - 1] = 't';
	assert_false(gw_proto_valid(&m, sizeof m));
	/* What follows a NUL is not looked at. */
	m.text[0] = '\0';
	assert_true(gw_proto_valid(&m, sizeof m));
	m.user[0] = '\0';
	assert_true(gw_proto_valid(&m, sizeof m));
}

/* gw_proto_init zeroes the rest and cuts long strings to their fields. */
static void
test_init(void **state)
{
	struct gw_msg	 m;
	char		 big[GW_PROTO_TEXT_MAX + 10];

	(void)state;
	memset(&m, 0xa5, sizeof m);
	gw_proto_init(&m, GW_PROTO_SEAL, NULL, NULL);
	assert_int_equal(m.type, GW_PROTO_SEAL);
	assert_int_equal(m.flags, 0);
	assert_true(m.n == 0);
	assert_string_equal(m.user, "");
	assert_string_equal(m.text, "");
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	gw_proto_init(&m, GW_PROTO_AUTH_PASSWORD, big, big);
	assert_int_equal(strlen(m.user), GW_PROTO_USER_MAX);
	assert_int_equal(strlen(m.text), GW_PROTO_TEXT_MAX);
	assert_true(gw_proto_valid(&m, sizeof m));
}

static void
recv_ok(int sock, struct gw_msg *m, int *fds, size_t maxfds, size_t *nfds)
{
	size_t	 len;

	assert_int_equal(gw_proto_recv(sock, m, &len, fds, maxfds, nfds), 1);
	assert_int_equal(len, sizeof *m);
	assert_true(gw_proto_valid(m, len));
}

static void
test_send_recv(void **state)
{
	struct gw_msg	 m, got;
	size_t		 nfds = 7;
	int		 sv[2], fds[1];

	(void)state;
	pair(sv);
	gw_proto_init(&m, GW_PROTO_SEAL, NULL, NULL);
	m.flags = GW_PROTO_END;
	m.n = 18446744073709551615ULL;
	memset(m.head, 0xab, sizeof m.head);
	assert_int_equal(gw_proto_send(sv[0], &m, NULL, 0), 0);
	recv_ok(sv[1], &got, fds, 1, &nfds);
	assert_int_equal(nfds, 0);
	assert_memory_equal(&got, &m, sizeof m);

	/* Either way, one message per call. */
	gw_proto_init(&m, GW_PROTO_RESULT, NULL, "first");
	assert_int_equal(gw_proto_send(sv[1], &m, NULL, 0), 0);
	gw_proto_init(&m, GW_PROTO_RESULT, NULL, "second");
	assert_int_equal(gw_proto_send(sv[1], &m, NULL, 0), 0);
	recv_ok(sv[0], &got, fds, 0, &nfds);
	assert_string_equal(got.text, "first");
	recv_ok(sv[0], &got, fds, 0, &nfds);
	assert_string_equal(got.text, "second");
	close(sv[0]);
	close(sv[1]);
}

/* Is fd's pipe still open at its other end? (fd is non-blocking.) */
static int
writer_open(int fd)
{
	char	 c;

	return read(fd, &c, 1) == -1 && errno == EAGAIN;
}

/*
 * Descriptors: the first maxfds taken (close-on-exec), the rest closed,
 * so that no descriptor a peer sends outlives the message.
 */
static void
test_descriptors(void **state)
{
	struct gw_msg	 m, got;
	size_t		 nfds, i, maxfds;
	int		 sv[2], reads[GW_FD_COUNT], writes[GW_FD_COUNT];
	int		 fds[GW_FD_COUNT], p[2];

	(void)state;
	pair(sv);
	for (maxfds = 0; maxfds <= GW_FD_COUNT; maxfds += 2) {
		for (i = 0; i < GW_FD_COUNT; i++) {
			assert_int_equal(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
			reads[i] = p[0];
			writes[i] = p[1];
		}
		gw_proto_init(&m, GW_PROTO_RESULT, NULL, "files");
		m.flags = GW_PROTO_OK;
		assert_int_equal(gw_proto_send(sv[0], &m, writes,
		    GW_FD_COUNT), 0);
		for (i = 0; i < GW_FD_COUNT; i++)
			close(writes[i]);	/* sent: the copies stay open */
		recv_ok(sv[1], &got, fds, maxfds, &nfds);
		assert_int_equal(nfds, maxfds);
		assert_string_equal(got.text, "files");
		for (i = 0; i < GW_FD_COUNT; i++) {
			assert_int_equal(writer_open(reads[i]), i < maxfds);
			if (i >= maxfds)
				continue;
			assert_true(fcntl(fds[i], F_GETFD) & FD_CLOEXEC);
			assert_int_equal(write(fds[i], "x", 1), 1);
			assert_int_equal(read(reads[i], p, 1), 1);
			close(fds[i]);
		}
		for (i = 0; i < GW_FD_COUNT; i++)
			close(reads[i]);
	}
	/* More than a message can carry is not sent. */
	assert_int_equal(gw_proto_send(sv[0], &m, fds, GW_FD_COUNT + 1), -1);
	assert_int_equal(errno, EINVAL);
	close(sv[0]);
	close(sv[1]);
}

/* A message shorter or longer than the struct is never whole. */
static void
test_wrong_size(void **state)
{
	struct gw_msg	 m, got;
	char		 big[sizeof m + 16];
	size_t		 len, nfds;
	int		 sv[2], fds[1];

	(void)state;
	pair(sv);
	gw_proto_init(&m, GW_PROTO_AUDIT, "hint", "1");
	assert_int_equal(send(sv[0], &m, sizeof m - 1, 0),
	    (ssize_t)sizeof m - 1);
	assert_int_equal(gw_proto_recv(sv[1], &got, &len, fds, 1, &nfds), 1);
	assert_int_equal(len, sizeof m - 1);
	assert_false(gw_proto_valid(&got, len));

	memset(big, 0, sizeof big);
	memcpy(big, &m, sizeof m);
	assert_int_equal(send(sv[0], big, sizeof big, 0), (ssize_t)sizeof big);
	assert_int_equal(gw_proto_recv(sv[1], &got, &len, fds, 1, &nfds), 1);
	assert_int_equal(len, 0);		/* cut to fit: not whole */
	assert_false(gw_proto_valid(&got, len));

	/* The next message is read whole, as if nothing happened. */
	assert_int_equal(gw_proto_send(sv[0], &m, NULL, 0), 0);
	recv_ok(sv[1], &got, fds, 1, &nfds);
	close(sv[0]);
	close(sv[1]);
}

/* The peer gone: end of file to read, EPIPE (not SIGPIPE) to write. */
static void
test_eof(void **state)
{
	struct gw_msg	 m;
	size_t		 len, nfds;
	int		 sv[2], fds[1];

	(void)state;
	pair(sv);
	close(sv[0]);
	assert_int_equal(gw_proto_recv(sv[1], &m, &len, fds, 1, &nfds), 0);
	assert_int_equal(len, 0);
	assert_int_equal(nfds, 0);
	gw_proto_init(&m, GW_PROTO_AUDIT, "hint", NULL);
	assert_int_equal(gw_proto_send(sv[1], &m, NULL, 0), -1);
	assert_int_equal(errno, EPIPE);
	close(sv[1]);
	assert_int_equal(gw_proto_recv(sv[1], &m, &len, fds, 1, &nfds), -1);
	assert_int_equal(errno, EBADF);
}

/* gw_proto_call with the answer queued by the "listener" beforehand. */
static int
call(int sock, struct gw_msg *answer, int *fds, size_t *nfds, char **cause)
{
	struct gw_msg	 req;

	*cause = NULL;
	gw_proto_init(&req, GW_PROTO_SESSION, NULL, NULL);
	return gw_proto_call(sock, &req, answer, fds, GW_FD_COUNT, nfds,
	    cause);
}

static void
test_call(void **state)
{
	struct gw_msg	 m, answer, req;
	size_t		 nfds, len;
	int		 sv[2], fds[GW_FD_COUNT], p[2];
	char		*cause;

	(void)state;
	pair(sv);
	assert_int_equal(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
	gw_proto_init(&m, GW_PROTO_RESULT, NULL, "{}");
	m.flags = GW_PROTO_OK;
	assert_int_equal(gw_proto_send(sv[1], &m, &p[1], 1), 0);
	assert_int_equal(call(sv[0], &answer, fds, &nfds, &cause), 0);
	assert_null(cause);
	assert_int_equal(nfds, 1);
	assert_string_equal(answer.text, "{}");
	close(fds[0]);
	/* The request went out. */
	assert_int_equal(gw_proto_recv(sv[1], &req, &len, fds, 0, &nfds), 1);
	assert_true(gw_proto_valid(&req, len));
	assert_int_equal(req.type, GW_PROTO_SESSION);

	/* "No" is an answer too. */
	m.flags = 0;
	assert_int_equal(gw_proto_send(sv[1], &m, NULL, 0), 0);
	assert_int_equal(call(sv[0], &answer, fds, &nfds, &cause), 0);
	assert_int_equal(answer.flags, 0);

	/* Not a RESULT, or not well formed: its descriptors are closed. */
	gw_proto_init(&m, GW_PROTO_SEAL, NULL, NULL);
	assert_int_equal(gw_proto_send(sv[1], &m, &p[1], 1), 0);
	close(p[1]);
	assert_int_equal(call(sv[0], &answer, fds, &nfds, &cause), -1);
	assert_string_equal(cause, "no answer from the gateway: a bad message");
	free(cause);
	assert_int_equal(nfds, 0);
	assert_false(writer_open(p[0]));
	close(p[0]);
	gw_proto_init(&m, GW_PROTO_RESULT, NULL, NULL);
	m.flags = GW_PROTO_END;
	assert_int_equal(gw_proto_send(sv[1], &m, NULL, 0), 0);
	assert_int_equal(call(sv[0], &answer, fds, &nfds, &cause), -1);
	assert_string_equal(cause, "no answer from the gateway: a bad message");
	free(cause);

	/* The listener stops answering, then goes. */
	assert_int_equal(shutdown(sv[1], SHUT_WR), 0);
	assert_int_equal(call(sv[0], &answer, fds, &nfds, &cause), -1);
	assert_string_equal(cause, "no answer from the gateway: it went away");
	free(cause);
	close(sv[1]);		/* with requests unread: ECONNRESET */
	assert_int_equal(call(sv[0], &answer, fds, &nfds, &cause), -1);
	assert_int_equal(strncmp(cause, "cannot ask the gateway: ", 24), 0);
	free(cause);
	close(sv[0]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_types),
		cmocka_unit_test(test_valid_shape),
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_send_recv),
		cmocka_unit_test(test_descriptors),
		cmocka_unit_test(test_wrong_size),
		cmocka_unit_test(test_eof),
		cmocka_unit_test(test_call),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
