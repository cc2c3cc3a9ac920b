/*
 * fuzz_gw_proto.c - libFuzzer harness for gw_proto_valid, all that the
 * gateway's listener checks of a message from a connection process
 * (which faces the network) before it reads its fields.
 *
 * The input is the message, of any length, in a buffer of exactly that
 * length: ASan sees any read past it. A message let through is the
 * whole struct with both strings terminated within their fields. The
 * same bytes sent over a SOCK_SEQPACKET pair and taken by gw_proto_recv
 * get the same verdict, or none at all when they do not fit.
 */
#include <sys/socket.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gw-proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int	 sv[2] = { -1, -1 };

static void
check(const struct gw_msg *m, size_t len)
{
	if (!gw_proto_valid(m, len))
		return;
	if (len != sizeof *m || memchr(m->user, '\0', sizeof m->user) == NULL ||
	    memchr(m->text, '\0', sizeof m->text) == NULL)
		abort();
}

/* The same bytes as the listener receives them. */
static void
received(const uint8_t *data, size_t size, int valid)
{
	struct gw_msg	 m;
	size_t		 len, nfds;
	int		 fds[1];

	if (sv[0] == -1 && socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) != 0)
		abort();
	if (send(sv[0], data, size, 0) != (ssize_t)size ||
	    gw_proto_recv(sv[1], &m, &len, fds, 0, &nfds) != 1 || nfds != 0)
		abort();
	if (size > sizeof m) {
		if (len != 0 || gw_proto_valid(&m, len))
			abort();
		return;
	}
	if (len != size || memcmp(&m, data, size) != 0 ||
	    gw_proto_valid(&m, len) != valid)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gw_msg	*m;

	if ((m = malloc(size > 0 ? size : 1)) == NULL)
		abort();
	memcpy(m, data, size);
	check(m, size);
	/* An empty datagram reads as end of file: nothing to compare. */
	if (size > 0)
		received(data, size, gw_proto_valid(m, size));
	free(m);
	return 0;
}
