/*
 * probe.h - ask a service from outside, as its clients do: is a TCP
 * connection accepted, does an HTTP GET get the right status and body.
 * The checks that run on the host (check.h) are made of these.
 *
 * The far end is hostile (a candidate's guest, through a forward): one
 * deadline covers everything from connect to the last byte, so a
 * server that trickles a byte at a time cannot hold a probe longer; no
 * more than PROBE_HEAD_MAX bytes of headers and PROBE_BODY_MAX of body
 * are read; and what it sent is quoted back only as printable ASCII,
 * at most PROBE_QUOTE_MAX bytes of it. No library: HTTP/1.0, one GET,
 * no redirects, no TLS.
 */
#ifndef BREAKFIX_PROBE_H
#define BREAKFIX_PROBE_H

#define PROBE_HEAD_MAX		(16 * 1024)	/* status line and headers */
#define PROBE_BODY_MAX		(1024 * 1024)	/* body bytes searched */
#define PROBE_QUOTE_MAX		60		/* bytes of an answer quoted */

struct probe_target {
	const char	*addr;		/* numeric IPv4 or IPv6 address */
	unsigned	 port;
	int		 timeout_ms;	/* for the whole probe */
	/*
	 * Through QEMU's user-mode forward a connect succeeds at the host
	 * end at once, whatever the guest does with it. If not NULL,
	 * accepted(arg) says whether the far end has really accepted the
	 * connection: 1 yes, 0 not yet, -1 cannot tell. NULL: connected
	 * means accepted.
	 */
	int		(*accepted)(void *arg);
	void		*arg;
};

struct probe_http {
	const char	*host;		/* the Host header's name */
	unsigned	 port;		/* the port a client would name (not
					   in the header when 80) */
	const char	*path;		/* "/...", printable ASCII */
	unsigned	 status;	/* the status that passes */
	const char	*contains;	/* text the body must hold; NULL: any */
};

struct probe_result {
	int		 pass;
	int		 timed_out;
	int		 status;	/* the HTTP status, or -1 */
	long		 ms;
	char		*detail;	/* what was found, one line of
					   printable ASCII; never NULL */
};

/*
 * Connect to t and wait until the far end accepts (t->accepted), at
 * most t->timeout_ms. Fills *r (release with probe_result_release).
 */
void	 probe_tcp(const struct probe_target *t, struct probe_result *r);

/*
 * GET h->path from t with HTTP/1.0, at most t->timeout_ms for all of
 * it: passes when the status is h->status and, if h->contains is set,
 * the first PROBE_BODY_MAX bytes of the body contain it. Fills *r.
 */
void	 probe_http(const struct probe_target *t, const struct probe_http *h,
	    struct probe_result *r);

/* Free what r holds; r may be zeroed or released already. */
void	 probe_result_release(struct probe_result *r);

#endif
