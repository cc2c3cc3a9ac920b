/*
 * gw-proto.c - messages between a gateway connection process and the
 * listener, over a SOCK_SEQPACKET pair.
 */
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gw-proto.h"
#include "util.h"

#define GW_PROTO_FDS_MAX	GW_FD_COUNT

int
gw_proto_valid(const struct gw_msg *m, size_t len)
{
	uint32_t	 allowed;

	if (len != sizeof *m)
		return 0;
	switch (m->type) {
	case GW_PROTO_AUTH_KEY:
		allowed = GW_PROTO_PROBE;
		break;
	case GW_PROTO_SEAL:
		allowed = GW_PROTO_END;
		break;
	case GW_PROTO_RESULT:
		allowed = GW_PROTO_OK;
		break;
	case GW_PROTO_AUTH_PASSWORD:
	case GW_PROTO_SESSION:
	case GW_PROTO_AUDIT:
		allowed = 0;
		break;
	default:
		return 0;
	}
	if ((m->flags & ~allowed) != 0)
		return 0;
	return memchr(m->user, '\0', sizeof m->user) != NULL &&
	    memchr(m->text, '\0', sizeof m->text) != NULL;
}

void
gw_proto_init(struct gw_msg *m, enum gw_proto_type type, const char *user,
    const char *text)
{
	memset(m, 0, sizeof *m);
	m->type = type;
	if (user != NULL)
		snprintf(m->user, sizeof m->user, "%s", user);
	if (text != NULL)
		snprintf(m->text, sizeof m->text, "%s", text);
}

/* Room for the descriptors one message may carry. */
union gw_proto_cmsg {
	struct cmsghdr	 hdr;
	char		 buf[CMSG_SPACE(GW_PROTO_FDS_MAX * sizeof(int))];
};

/* msg and iov for one whole message m. */
static void
gw_proto_msghdr(struct msghdr *msg, struct iovec *iov, const struct gw_msg *m)
{
	memset(msg, 0, sizeof *msg);
	iov->iov_base = (void *)m;
	iov->iov_len = sizeof *m;
	msg->msg_iov = iov;
	msg->msg_iovlen = 1;
}

int
gw_proto_send(int sock, const struct gw_msg *m, const int *fds, size_t nfds)
{
	union gw_proto_cmsg	 u;
	struct msghdr		 msg;
	struct iovec		 iov;
	ssize_t			 n;

	if (nfds > GW_PROTO_FDS_MAX) {
		errno = EINVAL;
		return -1;
	}
	gw_proto_msghdr(&msg, &iov, m);
	if (nfds > 0) {
		memset(&u, 0, sizeof u);
		msg.msg_control = u.buf;
		msg.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		u.hdr.cmsg_level = SOL_SOCKET;
		u.hdr.cmsg_type = SCM_RIGHTS;
		u.hdr.cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(&u.hdr), fds, nfds * sizeof(int));
	}
	do
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		return -1;
	if ((size_t)n != sizeof *m) {
		errno = EMSGSIZE;
		return -1;
	}
	return 0;
}

/* The descriptors in msg: up to maxfds into fds, the rest closed. */
static void
gw_proto_take_fds(struct msghdr *msg, int *fds, size_t maxfds, size_t *nfds)
{
	struct cmsghdr	*c;
	size_t		 i, n;
	int		 fd;

	for (c = CMSG_FIRSTHDR(msg); c != NULL; c = CMSG_NXTHDR(msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
			if (*nfds < maxfds)
				fds[(*nfds)++] = fd;
			else
				close(fd);
		}
	}
}

int
gw_proto_recv(int sock, struct gw_msg *m, size_t *len, int *fds,
    size_t maxfds, size_t *nfds)
{
	union gw_proto_cmsg	 u;
	struct msghdr		 msg;
	struct iovec		 iov;
	ssize_t			 n;

	*nfds = 0;
	*len = 0;
	gw_proto_msghdr(&msg, &iov, m);
	msg.msg_control = u.buf;
	msg.msg_controllen = sizeof u.buf;
	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		return -1;
	gw_proto_take_fds(&msg, fds, maxfds, nfds);
	if (n == 0)
		return 0;
	/* A cut message is never whole: gw_proto_valid says no. */
	*len = (msg.msg_flags & MSG_TRUNC) ? 0 : (size_t)n;
	return 1;
}

int
gw_proto_call(int sock, const struct gw_msg *req, struct gw_msg *answer,
    int *fds, size_t maxfds, size_t *nfds, char **cause)
{
	size_t	 len, i;
	int	 r;

	if (gw_proto_send(sock, req, NULL, 0) != 0) {
		xasprintf(cause, "cannot ask the gateway: %s", strerror(errno));
		return -1;
	}
	r = gw_proto_recv(sock, answer, &len, fds, maxfds, nfds);
	if (r == 1 && gw_proto_valid(answer, len) &&
	    answer->type == GW_PROTO_RESULT)
		return 0;
	for (i = 0; i < *nfds; i++)
		close(fds[i]);
	*nfds = 0;
	xasprintf(cause, "no answer from the gateway: %s", r == -1 ?
	    strerror(errno) : r == 0 ? "it went away" : "a bad message");
	return -1;
}
