/*
 * chain.h - the hash chain beside a recording: what the writer
 * (record.h) and the verifier (verify.h) must agree on.
 *
 * PATH.chain holds one line per line of PATH, in order, then an end
 * line:
 *
 *	HEX			D[n] = HMAC-SHA256(key, D[n-1] || line n)
 *	end N HEX		HMAC-SHA256(key, D[N] || "end N")
 *
 * HEX is lowercase, D[0] is CHAIN_DIGEST_LEN zero bytes, a line is
 * taken without its newline. docs/recording-format.md has the whole
 * contract, and what the chain proves.
 *
 * The key is CHAIN_KEY_LEN random bytes, made for each recording by the
 * gateway's listener and kept in its opening seal (seal.h): no secret,
 * it ties the chain to that one recording. The chain alone proves
 * nothing (anyone can recompute it); it names the first line that
 * differs, and the seals vouch for it.
 */
#ifndef BREAKFIX_CHAIN_H
#define BREAKFIX_CHAIN_H

#include <sys/types.h>

#include <stddef.h>

#define CHAIN_SUFFIX		".chain"
#define CHAIN_DIGEST_LEN	32	/* HMAC-SHA256 */
#define CHAIN_HEX_LEN		(2 * CHAIN_DIGEST_LEN)
#define CHAIN_LINE_MAX		128	/* "end N HEX" is at most 89 */
#define CHAIN_KEY_LEN		32	/* a recording's chain key */

/* HMAC-SHA256 with one key; not thread-safe. */
struct chain_mac;

/*
 * A MAC keyed with key/keylen (copied; keylen must not be 0). Returns it
 * (chain_mac_free it), or NULL with *cause set.
 */
struct chain_mac *chain_mac_new(const unsigned char *key, size_t keylen,
		    char **cause);

/* Free m, wiping its copy of the key. m may be NULL. */
void		 chain_mac_free(struct chain_mac *m);

/*
 * digest = HMAC(key, prev || p[0..n)), prev and digest CHAIN_DIGEST_LEN
 * bytes. 0, or -1 with *cause set.
 */
int		 chain_mac_line(struct chain_mac *m, const unsigned char *prev,
		    const void *p, size_t n, unsigned char *digest,
		    char **cause);

/*
 * The same for a line that comes in pieces: begin with prev, update with
 * each piece (n may be 0), final into digest. Each 0, or -1 with *cause
 * set; after -1 begin again.
 */
int		 chain_mac_begin(struct chain_mac *m, const unsigned char *prev,
		    char **cause);
int		 chain_mac_update(struct chain_mac *m, const void *p, size_t n,
		    char **cause);
int		 chain_mac_final(struct chain_mac *m, unsigned char *digest,
		    char **cause);

/* 1 if the two digests are the same, 0 if not; in constant time. */
int		 chain_digest_equal(const unsigned char *a,
		    const unsigned char *b);

/*
 * The entry line for digest, newline included, into out (CHAIN_HEX_LEN
 * + 1 bytes, not NUL-terminated). Returns its length.
 */
size_t		 chain_entry(const unsigned char *digest, char *out);

/*
 * The end line for a recording of lines lines whose last entry is prev,
 * newline included, into out (CHAIN_LINE_MAX bytes, not NUL-terminated):
 * *len is its length. 0, or -1 with *cause set.
 */
int		 chain_end(struct chain_mac *m, const unsigned char *prev,
		    unsigned long long lines, char *out, size_t *len,
		    char **cause);

/* A line of a chain file, as read: a verifier trusts none of it. */
enum chain_kind {
	CHAIN_ENTRY,	/* HEX */
	CHAIN_END,	/* end N HEX */
	CHAIN_BAD,	/* anything else */
};

struct chain_line {
	enum chain_kind		 kind;
	unsigned char		 digest[CHAIN_DIGEST_LEN];
	unsigned long long	 count;		/* N, for CHAIN_END */
	char			 text[CHAIN_LINE_MAX + 1];
	size_t			 len;		/* of text, up to the MAC */
};

/*
 * Parse the line in cl->text, len bytes without its newline (len may be
 * more than CHAIN_LINE_MAX: text then holds its start, and it is bad).
 * Sets kind, digest (CHAIN_ENTRY, CHAIN_END), count (CHAIN_END) and len:
 * the line's length, or for CHAIN_END that of "end N", the text its MAC
 * covers.
 */
void		 chain_parse(struct chain_line *cl, size_t len);

#endif
