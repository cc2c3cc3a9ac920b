/*
 * password.c - the candidate's password for the gateway.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "password.h"
#include "util.h"

#define PASSWORD_ALPHABET	UTIL_READABLE
#define PASSWORD_GROUPS		4
#define PASSWORD_GROUP_LEN	4
#define PASSWORD_ITERATIONS	100000
#define PASSWORD_SALT		16
#define PASSWORD_KEY		32
#define PASSWORD_PREFIX		"pbkdf2-sha256$"

char *
password_new(void)
{
	const size_t	 n = sizeof PASSWORD_ALPHABET - 1;
	unsigned char	 b;
	char		*p, *o;
	int		 i = 0;

	o = p = xmalloc(PASSWORD_GROUPS * (PASSWORD_GROUP_LEN + 1));
	while (i < PASSWORD_GROUPS * PASSWORD_GROUP_LEN) {
		if (RAND_bytes(&b, 1) != 1)
			abort();
		if (b >= 256 - 256 % n)		/* no modulo bias */
			continue;
		if (i > 0 && i % PASSWORD_GROUP_LEN == 0)
			*o++ = '-';
		*o++ = PASSWORD_ALPHABET[b % n];
		i++;
	}
	*o = '\0';
	return p;
}

static int
password_derive(const char *plain, const unsigned char *salt, int iter,
    unsigned char *key)
{
	return PKCS5_PBKDF2_HMAC(plain, (int)strlen(plain), salt,
	    PASSWORD_SALT, iter, EVP_sha256(), PASSWORD_KEY, key) == 1 ? 0 : -1;
}

char *
password_hash(const char *plain)
{
	unsigned char	 salt[PASSWORD_SALT], key[PASSWORD_KEY];
	char		 hsalt[2 * PASSWORD_SALT + 1], hkey[2 * PASSWORD_KEY + 1];
	char		*out;

	if (RAND_bytes(salt, sizeof salt) != 1 ||
	    password_derive(plain, salt, PASSWORD_ITERATIONS, key) != 0)
		return NULL;
	util_hex(salt, sizeof salt, hsalt);
	hsalt[sizeof hsalt - 1] = '\0';
	util_hex(key, sizeof key, hkey);
	hkey[sizeof hkey - 1] = '\0';
	xasprintf(&out, PASSWORD_PREFIX "%d$%s$%s", PASSWORD_ITERATIONS, hsalt,
	    hkey);
	OPENSSL_cleanse(key, sizeof key);
	return out;
}

int
password_check(const char *stored, const char *plain)
{
	unsigned char	 salt[PASSWORD_SALT], want[PASSWORD_KEY];
	unsigned char	 got[PASSWORD_KEY];
	const char	*p, *s, *k;
	char		*end;
	long		 iter;
	int		 ok;

	if (strncmp(stored, PASSWORD_PREFIX, strlen(PASSWORD_PREFIX)) != 0)
		return 0;
	p = stored + strlen(PASSWORD_PREFIX);
	iter = strtol(p, &end, 10);
	if (end == p || *end != '$' || iter < 1000 || iter > 10000000)
		return 0;
	s = end + 1;
	if ((k = strchr(s, '$')) == NULL ||
	    util_unhex(s, (size_t)(k - s), salt, sizeof salt) != 0 ||
	    util_unhex(k + 1, strcspn(k + 1, "\n"), want,
	    sizeof want) != 0)
		return 0;
	if (password_derive(plain, salt, (int)iter, got) != 0)
		return 0;
	ok = CRYPTO_memcmp(got, want, sizeof got) == 0;
	OPENSSL_cleanse(got, sizeof got);
	return ok;
}
