/*
 * seal.c - signed statements about recordings (Ed25519, libcrypto).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "seal.h"
#include "util.h"

#define SEAL_VERSION	1
#define SEAL_SIG_LEN	64	/* Ed25519 */
#define SEAL_SIG_B64	88	/* base64 of 64 bytes */

struct seal_key {
	EVP_PKEY	*pkey;
};

static const char *const seal_kinds[] = {
	[SEAL_OPEN] = "open",
	[SEAL_HEAD] = "head",
	[SEAL_END] = "end",
	[SEAL_GONE] = "gone",
};

const char *
seal_kind_name(enum seal_kind k)
{
	return seal_kinds[k];
}

/* libcrypto's last error, after what failed. */
static void
seal_crypto_cause(char **cause, const char *what)
{
	unsigned long	 e = ERR_get_error();
	char		 buf[256];

	ERR_clear_error();
	if (e == 0)
		xasprintf(cause, "%s", what);
	else {
		ERR_error_string_n(e, buf, sizeof buf);
		xasprintf(cause, "%s: %s", what, buf);
	}
}

/* Open path for reading or, with O_CREAT, a new file; never a link. */
static FILE *
seal_fopen(const char *path, int flags, unsigned mode, char **cause)
{
	FILE	*fp;
	int	 fd;

	fd = open(path, flags | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd == -1) {
		xasprintf(cause, "cannot open '%s': %s", path,
		    strerror(errno));
		return NULL;
	}
	if ((fp = fdopen(fd, flags & O_WRONLY ? "w" : "r")) == NULL) {
		xasprintf(cause, "cannot open '%s': %s", path,
		    strerror(errno));
		close(fd);
	}
	return fp;
}

static int
seal_write_pem(const char *path, EVP_PKEY *pkey, int private, char **cause)
{
	FILE	*fp;
	int	 ok;

	if ((fp = seal_fopen(path, O_WRONLY | O_CREAT | O_EXCL,
	    private ? 0600 : 0644, cause)) == NULL)
		return -1;
	/* The modes seal.h promises, whatever the umask. */
	ok = fchmod(fileno(fp), private ? 0600 : 0644) == 0 &&
	    (private ? PEM_write_PrivateKey(fp, pkey, NULL, NULL, 0, NULL,
	    NULL) : PEM_write_PUBKEY(fp, pkey));
	if (fclose(fp) != 0 || !ok) {
		xasprintf(cause, "cannot write '%s'", path);
		unlink(path);
		return -1;
	}
	return 0;
}

/* A new pair in path and path.pub. */
static EVP_PKEY *
seal_key_make(const char *path, const char *pub, char **cause)
{
	EVP_PKEY	*pkey;

	if ((pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")) == NULL) {
		seal_crypto_cause(cause, "cannot make an Ed25519 key");
		return NULL;
	}
	if (seal_write_pem(path, pkey, 1, cause) != 0 ||
	    seal_write_pem(pub, pkey, 0, cause) != 0) {
		unlink(path);
		EVP_PKEY_free(pkey);
		return NULL;
	}
	return pkey;
}

static int
seal_no_passphrase(char *buf, int size, int rwflag, void *arg)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)arg;
	return -1;
}

static EVP_PKEY *
seal_read_pem(const char *path, int private, char **cause)
{
	EVP_PKEY	*pkey;
	FILE		*fp;

	if ((fp = seal_fopen(path, O_RDONLY, 0, cause)) == NULL)
		return NULL;
	/* No passphrase: an encrypted key is an error, never a prompt. */
	pkey = private ? PEM_read_PrivateKey(fp, NULL, seal_no_passphrase,
	    NULL) : PEM_read_PUBKEY(fp, NULL, seal_no_passphrase, NULL);
	fclose(fp);
	if (pkey == NULL || EVP_PKEY_get_id(pkey) != EVP_PKEY_ED25519) {
		xasprintf(cause, "'%s' is not an Ed25519 %s key", path,
		    private ? "private" : "public");
		EVP_PKEY_free(pkey);
		ERR_clear_error();
		return NULL;
	}
	return pkey;
}

struct seal_key *
seal_key_open(const char *path, int make, char **cause)
{
	struct seal_key	*k = NULL;
	EVP_PKEY	*pkey;
	char		*pub;

	xasprintf(&pub, "%s.pub", path);
	if (access(path, F_OK) != 0 && errno == ENOENT) {
		if (!make || access(pub, F_OK) == 0) {
			xasprintf(cause, "the gateway's seal key '%s' is "
			    "missing", path);
			goto out;
		}
		pkey = seal_key_make(path, pub, cause);
	} else
		pkey = seal_read_pem(path, 1, cause);
	if (pkey != NULL) {
		k = xcalloc(1, sizeof *k);
		k->pkey = pkey;
	}
out:
	free(pub);
	return k;
}

struct seal_key *
seal_key_public(const char *path, char **cause)
{
	struct seal_key	*k;
	EVP_PKEY	*pkey;

	if ((pkey = seal_read_pem(path, 0, cause)) == NULL)
		return NULL;
	k = xcalloc(1, sizeof *k);
	k->pkey = pkey;
	return k;
}

void
seal_key_free(struct seal_key *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_free(k->pkey);
	free(k);
}

static json_t *
seal_hex_json(const unsigned char *p, size_t n)
{
	char	 buf[2 * CHAIN_KEY_LEN + 2 * CHAIN_DIGEST_LEN + 1];

	util_hex(p, n, buf);
	buf[2 * n] = '\0';
	return json_string(buf);
}

/* The object s says, without its signature. */
static json_t *
seal_json(const struct seal *s)
{
	json_t	*j;

	j = json_pack("{s:i, s:s, s:s, s:I}", "v", SEAL_VERSION, "kind",
	    seal_kinds[s->kind], "rec", s->rec, "t", (json_int_t)s->t);
	if (s->kind == SEAL_OPEN) {
		json_object_set_new(j, "ex", json_string(s->ex));
		json_object_set_new(j, "key", seal_hex_json(s->chain_key,
		    CHAIN_KEY_LEN));
		json_object_set_new(j, "pid", json_integer(s->pid));
		json_object_set_new(j, "start", json_integer(
		    (json_int_t)s->start));
		json_object_set_new(j, "gw", json_integer(s->gw_pid));
		json_object_set_new(j, "gw_start", json_integer(
		    (json_int_t)s->gw_start));
		return j;
	}
	json_object_set_new(j, "n", json_integer((json_int_t)s->n));
	json_object_set_new(j, "head", seal_hex_json(s->head,
	    CHAIN_DIGEST_LEN));
	if (s->kind == SEAL_GONE)
		json_object_set_new(j, "why", json_string(s->why));
	return j;
}

static int
seal_plain(const char *s)
{
	size_t	 len = strlen(s);

	return len > 0 && strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") == len;
}

/* What is signed: the object without "sig", compact, keys sorted. */
static char *
seal_message(json_t *j)
{
	return json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
}

char *
seal_sign(struct seal_key *k, const struct seal *s, char **cause)
{
	unsigned char	 sig[SEAL_SIG_LEN];
	char		 b64[SEAL_SIG_B64 + 1], *msg = NULL, *line = NULL;
	size_t		 siglen = sizeof sig;
	EVP_MD_CTX	*ctx = NULL;
	json_t		*j;

	if (!seal_plain(s->rec) || (s->kind == SEAL_OPEN &&
	    !seal_plain(s->ex))) {
		xasprintf(cause, "cannot seal '%s': not a plain name", s->rec);
		return NULL;
	}
	j = seal_json(s);
	if (s->kind == SEAL_GONE && json_object_get(j, "why") == NULL) {
		xasprintf(cause, "cannot seal '%s': its reason is not UTF-8",
		    s->rec);
		goto out;
	}
	if ((msg = seal_message(j)) == NULL ||
	    (ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(ctx, NULL, NULL, NULL, k->pkey) != 1 ||
	    EVP_DigestSign(ctx, sig, &siglen, (unsigned char *)msg,
	    strlen(msg)) != 1) {
		seal_crypto_cause(cause, "cannot sign a seal");
		goto out;
	}
	EVP_EncodeBlock((unsigned char *)b64, sig, (int)siglen);
	json_object_set_new(j, "sig", json_string(b64));
	free(msg);
	/* What a verifier reads of a line (an escaped why can pass it). */
	if ((msg = seal_message(j)) != NULL && strlen(msg) <= SEAL_LINE_MAX)
		xasprintf(&line, "%s\n", msg);
	else
		xasprintf(cause, "cannot seal '%s': the line would be too long",
		    s->rec);
out:
	EVP_MD_CTX_free(ctx);
	json_decref(j);
	free(msg);
	return line;
}

/* Does sig (base64) sign j (without "sig") with k? */
static int
seal_signed(struct seal_key *k, json_t *j, const char *b64)
{
	unsigned char	 sig[SEAL_SIG_B64], again[SEAL_SIG_B64 + 1];
	EVP_MD_CTX	*ctx;
	char		*msg;
	int		 ok = 0;

	if (b64 == NULL || strlen(b64) != SEAL_SIG_B64 ||
	    EVP_DecodeBlock(sig, (const unsigned char *)b64, SEAL_SIG_B64) !=
	    SEAL_SIG_LEN + 2)
		return 0;
	/*
	 * One spelling of it: the decoder takes '=' anywhere for 'A' and
	 * ignores the last digit's four unused bits.
	 */
	EVP_EncodeBlock(again, sig, SEAL_SIG_LEN);
	if (strcmp((char *)again, b64) != 0)
		return 0;
	if ((msg = seal_message(j)) == NULL)
		return 0;
	if ((ctx = EVP_MD_CTX_new()) != NULL &&
	    EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k->pkey) == 1 &&
	    EVP_DigestVerify(ctx, sig, SEAL_SIG_LEN, (unsigned char *)msg,
	    strlen(msg)) == 1)
		ok = 1;
	ERR_clear_error();
	EVP_MD_CTX_free(ctx);
	free(msg);
	return ok;
}

/* A string member of j into buf (at most max), plain or any. */
static int
seal_get_str(json_t *j, const char *key, char *buf, size_t max, int plain)
{
	const char	*v = json_string_value(json_object_get(j, key));

	if (v == NULL || strlen(v) > max || (plain && !seal_plain(v)))
		return -1;
	snprintf(buf, max + 1, "%s", v);
	return 0;
}

static int
seal_get_hex(json_t *j, const char *key, unsigned char *out, size_t n)
{
	const char	*v = json_string_value(json_object_get(j, key));

	return v == NULL ? -1 : util_unhex(v, strlen(v), out, n);
}

static int
seal_get_uint(json_t *j, const char *key, unsigned long long *out)
{
	json_t	*v = json_object_get(j, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return -1;
	*out = (unsigned long long)json_integer_value(v);
	return 0;
}

/* The fields of a signed object into s; -1 if one is missing or bad. */
static int
seal_fields(json_t *j, struct seal *s)
{
	const char		*kind = json_string_value(json_object_get(j,
				    "kind"));
	unsigned long long	 v, t;
	size_t			 i;

	memset(s, 0, sizeof *s);
	for (i = 0; i < nitems(seal_kinds); i++) {
		if (kind != NULL && strcmp(kind, seal_kinds[i]) == 0)
			break;
	}
	if (i == nitems(seal_kinds) || seal_get_uint(j, "v", &v) != 0 ||
	    v != SEAL_VERSION || seal_get_uint(j, "t", &t) != 0 ||
	    seal_get_str(j, "rec", s->rec, SEAL_NAME_MAX, 1) != 0)
		return -1;
	s->kind = (enum seal_kind)i;
	s->t = (long long)t;
	if (s->kind == SEAL_OPEN) {
		if (seal_get_str(j, "ex", s->ex, SEAL_ID_MAX, 1) != 0 ||
		    seal_get_hex(j, "key", s->chain_key, CHAIN_KEY_LEN) != 0 ||
		    seal_get_uint(j, "pid", &v) != 0 ||
		    seal_get_uint(j, "start", &s->start) != 0 ||
		    seal_get_uint(j, "gw_start", &s->gw_start) != 0)
			return -1;
		s->pid = (long)v;
		if (seal_get_uint(j, "gw", &v) != 0)
			return -1;
		s->gw_pid = (long)v;
		return 0;
	}
	if (seal_get_uint(j, "n", &s->n) != 0 ||
	    seal_get_hex(j, "head", s->head, CHAIN_DIGEST_LEN) != 0)
		return -1;
	if (s->kind == SEAL_GONE && seal_get_str(j, "why", s->why,
	    SEAL_WHY_MAX, 0) != 0)
		return -1;
	return 0;
}

int
seal_check(struct seal_key *k, const char *line, size_t len,
    struct seal *s, char **cause)
{
	json_error_t	 jerr;
	json_t		*j, *sig;
	char		*b64 = NULL;
	int		 rc = -1;

	if ((j = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr)) ==
	    NULL || !json_is_object(j)) {
		xasprintf(cause, "not a seal");
		goto out;
	}
	if ((sig = json_object_get(j, "sig")) != NULL &&
	    json_is_string(sig))
		b64 = xstrdup(json_string_value(sig));
	json_object_del(j, "sig");
	if (!seal_signed(k, j, b64)) {
		xasprintf(cause, "a seal whose signature does not match");
		goto out;
	}
	if (seal_fields(j, s) != 0) {
		xasprintf(cause, "a signed seal it cannot read (a newer "
		    "format?)");
		goto out;
	}
	rc = 0;
out:
	free(b64);
	json_decref(j);
	return rc;
}
