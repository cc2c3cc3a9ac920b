/*
 * utf8.h - bytes, any bytes, as UTF-8 text, the way asciinema's recorder
 * (Python's incremental decoder, errors="replace") makes them: valid
 * UTF-8 is kept as it is, and bytes that cannot be UTF-8 become U+FFFD,
 * one per maximal ill-formed subpart (the Unicode and WHATWG rule):
 * "a\xffb" is "a\uFFFDb", an encoded surrogate three U+FFFD, an overlong
 * "\xc0\xaf" two.
 *
 * The decoder works on a stream in chunks split anywhere: an incomplete
 * sequence at the end of a chunk waits in the struct utf8 for the next
 * chunk of the same stream.
 */
#ifndef BREAKFIX_UTF8_H
#define BREAKFIX_UTF8_H

#include <stddef.h>

#define UTF8_FFFD	"\xef\xbf\xbd"	/* U+FFFD, the replacement */

/* A decoder's state: the start of a sequence waiting for more. */
struct utf8 {
	unsigned char	 seq[4];
	unsigned	 have;		/* bytes in seq */
	unsigned	 need;		/* continuation bytes after seq[0] */
	unsigned char	 lo, hi;	/* what the next byte may be */
};

/* A decoder at the start of a stream. Nothing to release. */
void		 utf8_init(struct utf8 *u);

/*
 * Decode len bytes of in into out, which must have room for 3 * (len + 1)
 * bytes (not NUL-terminated); the start of a sequence left at the end
 * stays in u for the next call. Returns the number of bytes written, 0
 * when the chunk leaves no whole character.
 */
size_t		 utf8_feed(struct utf8 *u, const void *in, size_t len,
		    char *out);

/*
 * End of stream: a sequence still waiting in u is one U+FFFD, written to
 * out (room for 3 bytes). Returns the number of bytes written, 0 or 3;
 * u is then back at the start.
 */
size_t		 utf8_finish(struct utf8 *u, char *out);

/*
 * The length of the well-formed UTF-8 character at the start of the len
 * bytes at s: 1 to 4; 0 if len is 0 or the bytes there are not one
 * (a byte that starts none, an ill-formed or cut-short sequence), in
 * which case s[0] is a byte on its own. Nothing past len is read.
 */
size_t		 utf8_char(const void *s, size_t len);

/* s, any bytes up to its NUL, as a new NUL-terminated UTF-8 string. */
char		*utf8_string(const char *s);

#endif
