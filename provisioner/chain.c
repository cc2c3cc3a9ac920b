/*
 * chain.c - the recordings' hash chain: HMAC-SHA256 over lines, the chain
 * file's two kinds of line, and the key (see chain.h).
 *
 * Only lowercase hex is accepted, as only lowercase is written: one
 * spelling per digest, so an entry cannot be re-spelled unnoticed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "chain.h"
#include "util.h"

#define CHAIN_COUNT_DIGITS	20	/* digits of the largest line count */

struct chain_mac {
	EVP_MAC		*mac;
	EVP_MAC_CTX	*ctx;
	unsigned char	*key;
	size_t		 keylen;
};

/* OSSL_PARAM wants a writable string. */
static char chain_digest_name[] = "SHA256";

static void
chain_crypto_cause(char **cause, const char *what)
{
	unsigned long	 e = ERR_get_error();
	char		 buf[256];

	if (e == 0)
		xasprintf(cause, "%s", what);
	else {
		ERR_error_string_n(e, buf, sizeof buf);
		xasprintf(cause, "%s: %s", what, buf);
	}
	ERR_clear_error();
}

void
chain_mac_free(struct chain_mac *m)
{
	if (m == NULL)
		return;
	if (m->key != NULL) {
		OPENSSL_cleanse(m->key, m->keylen);
		free(m->key);
	}
	EVP_MAC_CTX_free(m->ctx);
	EVP_MAC_free(m->mac);
	free(m);
}

struct chain_mac *
chain_mac_new(const unsigned char *key, size_t keylen, char **cause)
{
	struct chain_mac	*m;

	if (key == NULL || keylen == 0) {
		xasprintf(cause, "no key for the recording's chain");
		return NULL;
	}
	m = xcalloc(1, sizeof *m);
	m->key = xmalloc(keylen);
	memcpy(m->key, key, keylen);
	m->keylen = keylen;
	if ((m->mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL ||
	    (m->ctx = EVP_MAC_CTX_new(m->mac)) == NULL) {
		chain_crypto_cause(cause, "cannot set up HMAC-SHA256");
		chain_mac_free(m);
		return NULL;
	}
	return m;
}

int
chain_mac_begin(struct chain_mac *m, const unsigned char *prev, char **cause)
{
	OSSL_PARAM	 params[2];

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    chain_digest_name, 0);
	params[1] = OSSL_PARAM_construct_end();
	if (!EVP_MAC_init(m->ctx, m->key, m->keylen, params) ||
	    !EVP_MAC_update(m->ctx, prev, CHAIN_DIGEST_LEN)) {
		chain_crypto_cause(cause, "HMAC-SHA256 failed");
		return -1;
	}
	return 0;
}

int
chain_mac_update(struct chain_mac *m, const void *p, size_t n, char **cause)
{
	if (n != 0 && !EVP_MAC_update(m->ctx, p, n)) {
		chain_crypto_cause(cause, "HMAC-SHA256 failed");
		return -1;
	}
	return 0;
}

int
chain_mac_final(struct chain_mac *m, unsigned char *digest, char **cause)
{
	size_t	 len = 0;

	if (!EVP_MAC_final(m->ctx, digest, &len, CHAIN_DIGEST_LEN) ||
	    len != CHAIN_DIGEST_LEN) {
		chain_crypto_cause(cause, "HMAC-SHA256 failed");
		return -1;
	}
	return 0;
}

int
chain_mac_line(struct chain_mac *m, const unsigned char *prev, const void *p,
    size_t n, unsigned char *digest, char **cause)
{
	if (chain_mac_begin(m, prev, cause) != 0 ||
	    chain_mac_update(m, p, n, cause) != 0 ||
	    chain_mac_final(m, digest, cause) != 0)
		return -1;
	return 0;
}

int
chain_digest_equal(const unsigned char *a, const unsigned char *b)
{
	return CRYPTO_memcmp(a, b, CHAIN_DIGEST_LEN) == 0;
}

size_t
chain_entry(const unsigned char *digest, char *out)
{
	util_hex(digest, CHAIN_DIGEST_LEN, out);
	out[CHAIN_HEX_LEN] = '\n';
	return CHAIN_HEX_LEN + 1;
}

int
chain_end(struct chain_mac *m, const unsigned char *prev,
    unsigned long long lines, char *out, size_t *len, char **cause)
{
	unsigned char	 digest[CHAIN_DIGEST_LEN];
	int		 n;

	n = snprintf(out, CHAIN_LINE_MAX, "end %llu", lines);
	if (chain_mac_line(m, prev, out, (size_t)n, digest, cause) != 0)
		return -1;
	out[n++] = ' ';
	util_hex(digest, CHAIN_DIGEST_LEN, out + n);
	n += CHAIN_HEX_LEN;
	out[n++] = '\n';
	*len = (size_t)n;
	return 0;
}

void
chain_parse(struct chain_line *cl, size_t len)
{
	const char	*sp;
	char		*end;
	size_t		 digits;

	cl->kind = CHAIN_BAD;
	cl->len = len;
	if (len > CHAIN_LINE_MAX)
		return;
	if (util_unhex(cl->text, len, cl->digest, CHAIN_DIGEST_LEN) == 0) {
		cl->kind = CHAIN_ENTRY;
		return;
	}
	if (len < 6 || memcmp(cl->text, "end ", 4) != 0 ||
	    (sp = memchr(cl->text + 4, ' ', len - 4)) == NULL)
		return;
	digits = (size_t)(sp - (cl->text + 4));
	if (digits == 0 || digits > CHAIN_COUNT_DIGITS ||
	    strspn(cl->text + 4, "0123456789") != digits)
		return;
	errno = 0;
	cl->count = strtoull(cl->text + 4, &end, 10);
	if (errno != 0 || end != sp)
		return;
	if (util_unhex(sp + 1, len - (size_t)(sp + 1 - cl->text),
	    cl->digest, CHAIN_DIGEST_LEN) != 0)
		return;
	cl->len = (size_t)(sp - cl->text);
	cl->kind = CHAIN_END;
}
