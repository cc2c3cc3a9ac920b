/*
 * utf8.c - bytes as UTF-8 text, as asciinema's recorder makes them (see
 * utf8.h).
 *
 * The state machine follows the WHATWG decoder: the lead byte narrows
 * the range of the next byte (lo, hi), which is how overlong forms,
 * surrogates and code points past U+10FFFF are refused at the first byte
 * that shows them, and why that byte then starts afresh.
 */
#include <stdlib.h>
#include <string.h>

#include "utf8.h"
#include "util.h"

void
utf8_init(struct utf8 *u)
{
	u->have = u->need = 0;
	u->lo = 0x80;
	u->hi = 0xbf;
}

/* Open a sequence starting with c; 0 if c cannot start one. */
static int
utf8_start(struct utf8 *u, unsigned char c)
{
	if (c >= 0xc2 && c <= 0xdf)
		u->need = 1;
	else if (c >= 0xe0 && c <= 0xef) {
		u->need = 2;
		if (c == 0xe0)
			u->lo = 0xa0;	/* no overlong forms */
		else if (c == 0xed)
			u->hi = 0x9f;	/* no surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		u->need = 3;
		if (c == 0xf0)
			u->lo = 0x90;
		else if (c == 0xf4)
			u->hi = 0x8f;	/* nothing past U+10FFFF */
	} else
		return 0;
	u->seq[0] = c;
	u->have = 1;
	return 1;
}

size_t
utf8_feed(struct utf8 *u, const void *buf, size_t len, char *out)
{
	const unsigned char	*in = buf;
	size_t			 i = 0, n = 0;
	unsigned char		 c;

	while (i < len) {
		c = in[i];
		if (u->have == 0) {
			i++;
			if (c < 0x80)
				out[n++] = (char)c;
			else if (!utf8_start(u, c)) {
				memcpy(out + n, UTF8_FFFD, 3);
				n += 3;
			}
			continue;
		}
		if (c < u->lo || c > u->hi) {
			/* What came before is one bad subpart; c starts anew. */
			utf8_init(u);
			memcpy(out + n, UTF8_FFFD, 3);
			n += 3;
			continue;
		}
		i++;
		u->lo = 0x80;
		u->hi = 0xbf;
		u->seq[u->have++] = c;
		if (u->have == u->need + 1) {
			memcpy(out + n, u->seq, u->have);
			n += u->have;
			utf8_init(u);
		}
	}
	return n;
}

size_t
utf8_finish(struct utf8 *u, char *out)
{
	if (u->have == 0)
		return 0;
	utf8_init(u);
	memcpy(out, UTF8_FFFD, 3);
	return 3;
}

size_t
utf8_char(const void *buf, size_t len)
{
	const unsigned char	*s = buf;
	struct utf8		 u;
	size_t			 i;

	if (len == 0)
		return 0;
	if (s[0] < 0x80)
		return 1;
	utf8_init(&u);
	if (!utf8_start(&u, s[0]))
		return 0;
	for (i = 1; i <= u.need; i++) {
		if (i == len || s[i] < u.lo || s[i] > u.hi)
			return 0;
		u.lo = 0x80;
		u.hi = 0xbf;
	}
	return u.need + 1;
}

char *
utf8_string(const char *s)
{
	struct utf8	 u;
	size_t		 len = strlen(s), n;
	char		*out;

	utf8_init(&u);
	out = xmalloc(3 * (len + 1) + 1);
	n = utf8_feed(&u, s, len, out);
	n += utf8_finish(&u, out + n);
	out[n] = '\0';
	return out;
}
