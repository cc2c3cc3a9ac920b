/*
 * test_seal.c - the gateway's key pair (made, loaded, refused), and
 * seals: signed and checked for every kind, and every way a line can
 * fail to be a good seal. Lines the gateway would never write (an
 * unknown kind, a name that is not plain) are signed here with the
 * private key through libcrypto directly, to reach the checks that
 * come after the signature's.
 */
#include <sys/stat.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "seal.h"
#include "util.h"

#define NOT_A_SEAL	"not a seal"
#define BAD_SIG		"a seal whose signature does not match"
#define UNREADABLE	"a signed seal it cannot read (a newer format?)"
#define REC		"20261207-112033-4242.cast"

static char		 dir[] = "/tmp/test_seal.XXXXXX";
static char		*key_path;	/* the pair every test signs with */
static struct seal_key	*key, *pub;

/* dir/name, freshly allocated; nothing there. */
static char *
fresh(const char *name)
{
	char	*p = util_path(dir, name), *pubp;

	xasprintf(&pubp, "%s.pub", p);
	unlink(p);
	unlink(pubp);
	free(pubp);
	return p;
}

static mode_t
mode_of(const char *path)
{
	struct stat	 st;

	assert_int_equal(lstat(path, &st), 0);
	return st.st_mode & 07777;
}

static int
exists(const char *path)
{
	struct stat	 st;

	return lstat(path, &st) == 0;
}

static void
assert_cause(char **cause, const char *want)
{
	if (*cause == NULL || strcmp(*cause, want) != 0)
		fail_msg("cause '%s', wanted '%s'", *cause ? *cause : "(none)",
		    want);
	free(*cause);
	*cause = NULL;
}

/* One seal of each kind, as the gateway fills them in. */
static void
sample(struct seal *s, enum seal_kind kind)
{
	size_t	 i;

	memset(s, 0, sizeof *s);
	s->kind = kind;
	snprintf(s->rec, sizeof s->rec, "%s", REC);
	s->t = 1796642433123LL;
	if (kind == SEAL_OPEN) {
		snprintf(s->ex, sizeof s->ex, "web-down-7f3a");
		for (i = 0; i < CHAIN_KEY_LEN; i++)
			s->chain_key[i] = (unsigned char)(i * 7 + 1);
		s->pid = 4242;
		s->start = 123456789;
		s->gw_pid = 4200;
		s->gw_start = 123450000;
		return;
	}
	s->n = kind == SEAL_HEAD ? 17 : 42;
	for (i = 0; i < CHAIN_DIGEST_LEN; i++)
		s->head[i] = (unsigned char)(255 - i);
	if (kind == SEAL_GONE)
		snprintf(s->why, sizeof s->why, "the connection process was "
		    "killed by signal 9");
}

static char *
sign_ok(struct seal_key *k, const struct seal *s)
{
	char	*line, *cause = NULL;

	if ((line = seal_sign(k, s, &cause)) == NULL)
		fail_msg("seal_sign: %s", cause);
	return line;
}

/* seal_check on a NUL-terminated line (no newline); 0 or -1, and cause. */
static int
check(struct seal_key *k, const char *line, struct seal *s, char **cause)
{
	int	 rc;

	*cause = NULL;
	rc = seal_check(k, line, strlen(line), s, cause);
	assert_true(rc == 0 ? *cause == NULL : *cause != NULL);
	return rc;
}

static void
assert_rejected(const char *line, const char *want)
{
	struct seal	 s;
	char		*cause;

	if (check(pub, line, &s, &cause) != -1)
		fail_msg("accepted: %s", line);
	if (strcmp(cause, want) != 0)
		fail_msg("'%s' for %s, wanted '%s'", cause, line, want);
	free(cause);
}

/* The line without its newline, as a reader of the seal file has it. */
static char *
chomp(char *line)
{
	size_t	 len = strlen(line);

	assert_true(len > 0 && line[len - 1] == '\n');
	line[len - 1] = '\0';
	return line;
}

static json_t *
parse(const char *line)
{
	json_error_t	 jerr;
	json_t		*j;

	if ((j = json_loads(line, JSON_REJECT_DUPLICATES, &jerr)) == NULL)
		fail_msg("not JSON: %s: %s", jerr.text, line);
	return j;
}

/* j's line: compact and sorted (the gateway's form), or not. */
static char *
dump(json_t *j, size_t flags)
{
	char	*line;

	assert_non_null(line = json_dumps(j, flags));
	return line;
}

/*
 * j signed as seal.h says, without seal_sign: the compact object
 * without "sig", keys sorted, signed with Ed25519, the signature added
 * in base64. Returns the line (no newline).
 */
static char *
sign_json(json_t *j)
{
	unsigned char	 sig[64], b64[89];
	EVP_MD_CTX	*ctx;
	EVP_PKEY	*pkey;
	FILE		*fp;
	size_t		 siglen = sizeof sig;
	char		*msg, *line;

	assert_non_null(fp = fopen(key_path, "r"));
	assert_non_null(pkey = PEM_read_PrivateKey(fp, NULL, NULL, NULL));
	fclose(fp);
	json_object_del(j, "sig");
	msg = dump(j, JSON_COMPACT | JSON_SORT_KEYS);
	assert_non_null(ctx = EVP_MD_CTX_new());
	assert_int_equal(EVP_DigestSignInit(ctx, NULL, NULL, NULL, pkey), 1);
	assert_int_equal(EVP_DigestSign(ctx, sig, &siglen,
	    (unsigned char *)msg, strlen(msg)), 1);
	assert_int_equal(EVP_EncodeBlock(b64, sig, (int)siglen), 88);
	json_object_set_new(j, "sig", json_string((char *)b64));
	line = dump(j, JSON_COMPACT | JSON_SORT_KEYS);
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	free(msg);
	return line;
}

/* A signed line of kind, parsed, to change and sign again. */
static json_t *
sample_json(enum seal_kind kind)
{
	struct seal	 s;
	char		*line;
	json_t		*j;

	sample(&s, kind);
	line = sign_ok(key, &s);
	j = parse(line);
	free(line);
	return j;
}

/* --- the key pair -------------------------------------------------- */

/* Made when neither half is there: 0600 and 0644, and it signs. */
static void
test_key_make(void **state)
{
	struct seal_key	*k, *again, *p;
	struct seal	 s, got;
	char		*path = fresh("made"), *pubp, *line, *cause = NULL;
	mode_t		 mask;

	(void)state;
	xasprintf(&pubp, "%s.pub", path);
	assert_null(seal_key_open(path, 0, &cause));
	xasprintf(&line, "the gateway's seal key '%s' is missing", path);
	assert_cause(&cause, line);
	free(line);
	assert_false(exists(path) || exists(pubp));

	mask = umask(077);	/* a root's umask: the public half stays 0644 */
	k = seal_key_open(path, 1, &cause);
	umask(mask);
	assert_non_null(k);
	assert_int_equal(mode_of(path), 0600);
	assert_int_equal(mode_of(pubp), 0644);

	/* Loaded again, it is the same key: its seals check with .pub. */
	again = seal_key_open(path, 1, &cause);
	assert_non_null(again);
	assert_non_null(p = seal_key_public(pubp, &cause));
	sample(&s, SEAL_HEAD);
	line = chomp(sign_ok(again, &s));
	assert_int_equal(check(p, line, &got, &cause), 0);
	free(line);
	line = chomp(sign_ok(k, &s));
	assert_int_equal(check(p, line, &got, &cause), 0);
	free(line);
	seal_key_free(k);
	seal_key_free(again);
	seal_key_free(p);
	seal_key_free(NULL);
	free(pubp);
	free(path);
}

/* The private half gone and the public one there: never a new pair. */
static void
test_key_half(void **state)
{
	struct seal_key	*k;
	char		*path = fresh("half"), *pubp, *want, *cause = NULL;

	(void)state;
	xasprintf(&pubp, "%s.pub", path);
	assert_non_null(k = seal_key_open(path, 1, &cause));
	seal_key_free(k);
	assert_int_equal(unlink(path), 0);
	assert_null(seal_key_open(path, 1, &cause));
	xasprintf(&want, "the gateway's seal key '%s' is missing", path);
	assert_cause(&cause, want);
	assert_false(exists(path));

	/* Only the private half: loaded as it is (verify wants .pub). */
	assert_non_null(k = seal_key_open(key_path, 0, &cause));
	seal_key_free(k);
	free(want);
	free(pubp);
	free(path);
}

/* Links are not followed, to read or to make. */
static void
test_key_links(void **state)
{
	struct seal_key	*k;
	char		*path = fresh("link"), *pubp, *target, *tpub;
	char		*cause = NULL;

	(void)state;
	xasprintf(&pubp, "%s.pub", path);
	xasprintf(&tpub, "%s.pub", key_path);
	/* To a good pair. */
	assert_int_equal(symlink(key_path, path), 0);
	assert_null(seal_key_open(path, 1, &cause));
	assert_non_null(strstr(cause, strerror(ELOOP)));
	free(cause);
	assert_int_equal(symlink(tpub, pubp), 0);
	assert_null(seal_key_public(pubp, &cause));
	assert_non_null(strstr(cause, strerror(ELOOP)));
	free(cause);
	unlink(path);
	unlink(pubp);

	/* Dangling: the key is not made through it, at either half. */
	target = util_path(dir, "elsewhere");
	unlink(target);
	assert_int_equal(symlink(target, path), 0);
	assert_null(seal_key_open(path, 1, &cause));
	assert_non_null(strstr(cause, strerror(EEXIST)));
	free(cause);
	assert_false(exists(target));
	unlink(path);
	assert_int_equal(symlink(target, pubp), 0);
	assert_null(seal_key_open(path, 1, &cause));
	assert_non_null(strstr(cause, strerror(EEXIST)));
	free(cause);
	assert_false(exists(target));
	assert_false(exists(path));	/* the private half taken back */
	unlink(pubp);

	assert_non_null(k = seal_key_open(key_path, 0, &cause));
	seal_key_free(k);
	free(target);
	free(tpub);
	free(pubp);
	free(path);
}

/* path is refused as the private (seal_key_open) or public half. */
static void
assert_not_key(const char *path, int private)
{
	char	*want, *cause = NULL;

	if (private)
		assert_null(seal_key_open(path, 0, &cause));
	else
		assert_null(seal_key_public(path, &cause));
	xasprintf(&want, "'%s' is not an Ed25519 %s key", path,
	    private ? "private" : "public");
	assert_cause(&cause, want);
	free(want);
}

/* What is not an Ed25519 key of the right half is refused. */
static void
test_key_wrong(void **state)
{
	EVP_PKEY	*ec;
	FILE		*fp;
	char		*path = fresh("wrong"), *pubp, *cause = NULL;

	(void)state;
	xasprintf(&pubp, "%s.pub", path);
	assert_non_null(fp = fopen(path, "w"));
	fputs("not a key\n", fp);
	assert_int_equal(fclose(fp), 0);
	assert_not_key(path, 1);
	assert_not_key(key_path, 0);	/* a private key is no public one */

	/* Another algorithm, either half. */
	assert_non_null(ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"));
	assert_non_null(fp = fopen(path, "w"));
	assert_int_equal(PEM_write_PrivateKey(fp, ec, NULL, NULL, 0, NULL,
	    NULL), 1);
	fclose(fp);
	assert_non_null(fp = fopen(pubp, "w"));
	assert_int_equal(PEM_write_PUBKEY(fp, ec), 1);
	fclose(fp);
	EVP_PKEY_free(ec);
	assert_not_key(path, 1);
	assert_not_key(pubp, 0);

	/* Encrypted: refused, never a passphrase prompt. */
	assert_non_null(fp = fopen(path, "w"));
	assert_non_null(ec = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"));
	assert_int_equal(PEM_write_PrivateKey(fp, ec, EVP_aes_256_cbc(),
	    NULL, 0, NULL, (void *)"secret"), 1);
	fclose(fp);
	EVP_PKEY_free(ec);
	assert_not_key(path, 1);

	unlink(pubp);
	assert_null(seal_key_public(pubp, &cause));
	assert_non_null(strstr(cause, strerror(ENOENT)));
	free(cause);
	free(pubp);
	free(path);
}

/* --- signing and checking ------------------------------------------ */

static void
assert_same_seal(const struct seal *a, const struct seal *b)
{
	assert_int_equal(a->kind, b->kind);
	assert_string_equal(a->rec, b->rec);
	assert_string_equal(a->ex, b->ex);
	assert_memory_equal(a->chain_key, b->chain_key, CHAIN_KEY_LEN);
	assert_int_equal(a->pid, b->pid);
	assert_true(a->start == b->start);
	assert_int_equal(a->gw_pid, b->gw_pid);
	assert_true(a->gw_start == b->gw_start);
	assert_true(a->n == b->n);
	assert_memory_equal(a->head, b->head, CHAIN_DIGEST_LEN);
	assert_true(a->t == b->t);
	assert_string_equal(a->why, b->why);
}

/* Each kind: one line, compact, sorted, and read back the same. */
static void
test_round_trip(void **state)
{
	static const char *const first[] = {
		[SEAL_OPEN] = "{\"ex\":\"web-down-7f3a\",\"gw\":4200,"
		    "\"gw_start\":123450000,\"key\":\"01080f16",
		[SEAL_HEAD] = "{\"head\":\"fffefdfc",
		[SEAL_END] = "{\"head\":\"fffefdfc",
		[SEAL_GONE] = "{\"head\":\"fffefdfc",
	};
	struct seal	 s, got;
	char		*line, *again, *cause;
	int		 kind;

	(void)state;
	for (kind = SEAL_OPEN; kind <= SEAL_GONE; kind++) {
		sample(&s, (enum seal_kind)kind);
		line = sign_ok(key, &s);
		assert_true(strchr(line, '\n') == line + strlen(line) - 1);
		if (strncmp(line, first[kind], strlen(first[kind])) != 0)
			fail_msg("%s seal: %s", seal_kind_name(s.kind), line);
		assert_non_null(strstr(line, ",\"v\":1"));
		assert_true(strlen(line) <= SEAL_LINE_MAX);
		memset(&got, 0xa5, sizeof got);
		assert_int_equal(check(pub, chomp(line), &got, &cause), 0);
		assert_same_seal(&s, &got);
		/* Signed again, the same line: Ed25519 is deterministic. */
		again = chomp(sign_ok(key, &got));
		assert_string_equal(again, line);
		free(again);
		free(line);
	}
	assert_string_equal(seal_kind_name(SEAL_OPEN), "open");
	assert_string_equal(seal_kind_name(SEAL_GONE), "gone");
}

/* The longest names and reason there are room for, any bytes in why. */
static void
test_limits(void **state)
{
	struct seal	 s, got;
	char		*line, *want, *cause = NULL;

	(void)state;
	sample(&s, SEAL_OPEN);
	memset(s.rec, 'r', SEAL_NAME_MAX);
	memset(s.ex, 'e', SEAL_ID_MAX);
	line = chomp(sign_ok(key, &s));
	assert_int_equal(check(pub, line, &got, &cause), 0);
	assert_same_seal(&s, &got);
	free(line);

	sample(&s, SEAL_GONE);
	memset(s.rec, 'r', SEAL_NAME_MAX);
	memset(s.why, '"', SEAL_WHY_MAX);	/* each escaped: \" */
	s.why[0] = '\x1b';
	s.n = 18446744073709551615ULL >> 1;
	line = chomp(sign_ok(key, &s));
	assert_true(strlen(line) <= SEAL_LINE_MAX);
	assert_int_equal(check(pub, line, &got, &cause), 0);
	assert_same_seal(&s, &got);
	free(line);

	/*
	 * A reason the verifier could not read back is not signed: one
	 * that is not UTF-8, or that escaped (\u001b for ESC) makes the
	 * line longer than a verifier reads.
	 */
	memset(s.why, '\x1b', SEAL_WHY_MAX);
	assert_null(seal_sign(key, &s, &cause));
	xasprintf(&want, "cannot seal '%s': the line would be too long", s.rec);
	assert_cause(&cause, want);
	free(want);
	snprintf(s.why, sizeof s.why, "killed \xff");
	assert_null(seal_sign(key, &s, &cause));
	xasprintf(&want, "cannot seal '%s': its reason is not UTF-8", s.rec);
	assert_cause(&cause, want);
	free(want);
}

/* Names that are not plain are not signed. */
static void
test_sign_refuses(void **state)
{
	static const char *const names[] = {
		"", "a/b", "../x", " x", "x y", "caf\xc3\xa9", "a\nb", "$(id)",
	};
	struct seal	 s;
	char		*want, *cause = NULL;
	size_t		 i;

	(void)state;
	for (i = 0; i < nitems(names); i++) {
		sample(&s, SEAL_HEAD);
		snprintf(s.rec, sizeof s.rec, "%s", names[i]);
		assert_null(seal_sign(key, &s, &cause));
		xasprintf(&want, "cannot seal '%s': not a plain name",
		    names[i]);
		assert_cause(&cause, want);
		free(want);
		sample(&s, SEAL_OPEN);
		snprintf(s.ex, sizeof s.ex, "%s", names[i]);
		assert_null(seal_sign(key, &s, &cause));
		assert_non_null(cause);
		free(cause);
		cause = NULL;
	}
	/* ex is only an open seal's: a head's is not looked at. */
	sample(&s, SEAL_HEAD);
	snprintf(s.ex, sizeof s.ex, "not plain");
	free(sign_ok(key, &s));
}

/* A member changed to another value of the same type. */
static void
change(json_t *j, const char *name)
{
	json_t		*v = json_object_get(j, name);
	char		*str;

	assert_non_null(v);
	if (json_is_integer(v)) {
		json_object_set_new(j, name, json_integer(
		    json_integer_value(v) + 1));
		return;
	}
	str = xstrdup(json_string_value(v));
	/* Hex stays hex, a plain name plain, a kind a kind. */
	if (strcmp(name, "kind") == 0)
		snprintf(str, strlen(str) + 1, "%s",
		    strcmp(str, "end") == 0 ? "head" : "end");
	else
		str[strlen(str) - 1] = str[strlen(str) - 1] == 'a' ? 'b' : 'a';
	json_object_set_new(j, name, json_string(str));
	free(str);
}

/* Every member of every kind: changed, removed; one added. */
static void
test_changed(void **state)
{
	const char	*name;
	char		*names[16];
	json_t		*j, *v;
	char		*line;
	size_t		 n, i;
	int		 kind;

	(void)state;
	for (kind = SEAL_OPEN; kind <= SEAL_GONE; kind++) {
		j = sample_json((enum seal_kind)kind);
		n = 0;
		json_object_foreach(j, name, v) {
			if (strcmp(name, "sig") != 0 && n < nitems(names))
				names[n++] = xstrdup(name);
		}
		assert_true(n >= 6);
		for (i = 0; i < n; i++) {
			v = json_deep_copy(json_object_get(j, names[i]));
			change(j, names[i]);
			line = dump(j, JSON_COMPACT | JSON_SORT_KEYS);
			assert_rejected(line, BAD_SIG);
			free(line);
			json_object_del(j, names[i]);
			line = dump(j, JSON_COMPACT | JSON_SORT_KEYS);
			assert_rejected(line, BAD_SIG);
			free(line);
			json_object_set_new(j, names[i], v);
			free(names[i]);
		}
		json_object_set_new(j, kind == SEAL_GONE ? "ex" : "why",
		    json_string("x"));
		line = dump(j, JSON_COMPACT | JSON_SORT_KEYS);
		assert_rejected(line, BAD_SIG);
		free(line);
		json_decref(j);
	}
}

/* A seal signed with another key. */
static void
test_other_key(void **state)
{
	struct seal_key	*other;
	struct seal	 s;
	char		*path = fresh("other"), *line, *cause = NULL;

	(void)state;
	assert_non_null(other = seal_key_open(path, 1, &cause));
	sample(&s, SEAL_END);
	line = chomp(sign_ok(other, &s));
	assert_rejected(line, BAD_SIG);
	free(line);
	seal_key_free(other);
	free(path);
}

/* Signatures: none, not base64, short, long, not text, one digit off. */
static void
test_signatures(void **state)
{
	json_t		*j;
	char		*line, *sig, not_b64[89];
	const char	*bad[] = { "", "AAAA", not_b64 };
	size_t		 i;

	(void)state;
	memset(not_b64, '*', 86);	/* the length and padding of one */
	memcpy(not_b64 + 86, "==", 3);
	j = sample_json(SEAL_END);
	sig = xstrdup(json_string_value(json_object_get(j, "sig")));
	assert_int_equal(strlen(sig), 88);
	json_object_del(j, "sig");
	line = dump(j, JSON_COMPACT | JSON_SORT_KEYS);
	assert_rejected(line, BAD_SIG);
	free(line);
	for (i = 0; i < nitems(bad); i++) {
		json_object_set_new(j, "sig", json_string(bad[i]));
		line = dump(j, JSON_COMPACT | JSON_SORT_KEYS);
		assert_rejected(line, BAD_SIG);
		free(line);
	}
	json_object_set_new(j, "sig", json_integer(1));
	line = dump(j, JSON_COMPACT | JSON_SORT_KEYS);
	assert_rejected(line, BAD_SIG);
	free(line);

	/*
	 * A digit of it (each of the first 85 carries six bits of the
	 * signature; see test_encodings for the 86th), a digit short or
	 * long, its padding.
	 */
	for (i = 0; i < 85; i += 4) {
		sig[i] = sig[i] == 'A' ? 'B' : 'A';
		json_object_set_new(j, "sig", json_string(sig));
		line = dump(j, JSON_COMPACT | JSON_SORT_KEYS);
		assert_rejected(line, BAD_SIG);
		free(line);
		sig[i] = sig[i] == 'A' ? 'B' : 'A';
	}
	json_object_set_new(j, "sig", json_stringn(sig, 87));
	line = dump(j, JSON_COMPACT | JSON_SORT_KEYS);
	assert_rejected(line, BAD_SIG);
	free(line);
	xasprintf(&line, "%s=", sig);
	json_object_set_new(j, "sig", json_string(line));
	free(line);
	line = dump(j, JSON_COMPACT | JSON_SORT_KEYS);
	assert_rejected(line, BAD_SIG);
	free(line);
	sig[86] = 'A';
	json_object_set_new(j, "sig", json_string(sig));
	line = dump(j, JSON_COMPACT | JSON_SORT_KEYS);
	assert_rejected(line, BAD_SIG);
	free(line);
	json_decref(j);
	free(sig);
}

/* Not JSON, not an object, a member twice (in any spelling). */
static void
test_not_seals(void **state)
{
	static const char *const bad[] = {
		"", " ", "{", "}", "null", "1", "\"open\"", "[]",
		"[{\"v\":1}]", "{\"v\":1}x", "{\"v\":1}{}",
		"{\"v\":1,\"v\":1}", "{\"v\":1,\"\\u0076\":1}",
		"{\"sig\":\"x\",\"sig\":\"x\"}",
		"{\"v\":\"a\\u0000b\"}",
		"{\"v\":18446744073709551616}",
	};
	struct seal	 s;
	json_t		*j;
	char		*line, *dup, *cause = NULL;
	size_t		 i, len;

	(void)state;
	for (i = 0; i < nitems(bad); i++)
		assert_rejected(bad[i], NOT_A_SEAL);

	/* A good seal with one member twice, its signature still right. */
	j = sample_json(SEAL_HEAD);
	line = dump(j, JSON_COMPACT | JSON_SORT_KEYS);
	xasprintf(&dup, "{\"n\":99,%s", line + 1);
	assert_rejected(dup, NOT_A_SEAL);
	free(dup);
	xasprintf(&dup, "{\"n\":17,%s", line + 1);
	assert_rejected(dup, NOT_A_SEAL);
	free(dup);

	/* It reads len bytes: not to a NUL, not past them. */
	assert_int_equal(seal_check(pub, line, strlen(line) - 1, &s, &cause),
	    -1);
	assert_string_equal(cause, NOT_A_SEAL);
	free(cause);
	len = strlen(line);
	dup = xmalloc(len + 3);
	memcpy(dup, line, len);
	memcpy(dup + len, "\0{}", 3);
	assert_int_equal(seal_check(pub, dup, len + 3, &s, &cause), -1);
	assert_string_equal(cause, NOT_A_SEAL);
	free(cause);
	assert_int_equal(seal_check(pub, dup, len, &s, &cause), 0);
	free(dup);
	json_decref(j);
	free(line);
}

/* Signed, but no seal this version reads: the fields are checked too. */
static void
test_unreadable(void **state)
{
	static const struct {
		enum seal_kind	 kind;
		const char	*name;
		const char	*value;		/* JSON */
	} bad[] = {
		{ SEAL_HEAD, "kind", "\"tail\"" },
		{ SEAL_HEAD, "kind", "\"Head\"" },
		{ SEAL_HEAD, "kind", "1" },
		{ SEAL_HEAD, "v", "2" },
		{ SEAL_HEAD, "v", "0" },
		{ SEAL_HEAD, "v", "\"1\"" },
		{ SEAL_HEAD, "v", "1.0" },
		{ SEAL_HEAD, "v", NULL },
		{ SEAL_HEAD, "rec", "\"a/b\"" },
		{ SEAL_HEAD, "rec", "\"\"" },
		{ SEAL_HEAD, "rec", "\"..\\/x\"" },
		{ SEAL_HEAD, "rec", "\"x\\ny\"" },
		{ SEAL_HEAD, "rec", "7" },
		{ SEAL_HEAD, "rec", NULL },
		{ SEAL_HEAD, "t", "-1" },
		{ SEAL_HEAD, "t", "1.5" },
		{ SEAL_HEAD, "t", NULL },
		{ SEAL_HEAD, "n", "-1" },
		{ SEAL_HEAD, "n", "\"17\"" },
		{ SEAL_HEAD, "n", NULL },
		{ SEAL_HEAD, "head", "\"fffe\"" },
		{ SEAL_HEAD, "head", "\"FFFEFDFCFBFAF9F8F7F6F5F4F3F2F1F0"
		    "EFEEEDECEBEAE9E8E7E6E5E4E3E2E1E0\"" },
		{ SEAL_HEAD, "head", "\"fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0"
		    "efeeedecebeae9e8e7e6e5e4e3e2e1e0ff\"" },
		{ SEAL_HEAD, "head", "\"gffefdfcfbfaf9f8f7f6f5f4f3f2f1f0"
		    "efeeedecebeae9e8e7e6e5e4e3e2e1e0\"" },
		{ SEAL_HEAD, "head", NULL },
		{ SEAL_OPEN, "ex", "\"a b\"" },
		{ SEAL_OPEN, "ex", "\"\"" },
		{ SEAL_OPEN, "ex", NULL },
		{ SEAL_OPEN, "key", "\"01\"" },
		{ SEAL_OPEN, "key", NULL },
		{ SEAL_OPEN, "pid", "-4242" },
		{ SEAL_OPEN, "pid", "\"4242\"" },
		{ SEAL_OPEN, "pid", NULL },
		{ SEAL_OPEN, "start", "-1" },
		{ SEAL_OPEN, "start", NULL },
		{ SEAL_GONE, "why", "9" },
		{ SEAL_GONE, "why", NULL },
		/* An open seal is no head: the fields of its kind. */
		{ SEAL_OPEN, "kind", "\"head\"" },
		{ SEAL_HEAD, "kind", "\"open\"" },
		{ SEAL_HEAD, "kind", "\"gone\"" },
	};
	json_error_t	 jerr;
	json_t		*j;
	char		*line;
	size_t		 i;

	(void)state;
	for (i = 0; i < nitems(bad); i++) {
		j = sample_json(bad[i].kind);
		if (bad[i].value == NULL)
			json_object_del(j, bad[i].name);
		else
			json_object_set_new(j, bad[i].name, json_loads(
			    bad[i].value, JSON_DECODE_ANY, &jerr));
		line = sign_json(j);
		assert_rejected(line, UNREADABLE);
		free(line);
		json_decref(j);
	}
}

/* Names and reasons longer than their fields. */
static void
test_too_long(void **state)
{
	static const struct {
		enum seal_kind	 kind;
		const char	*name;
		size_t		 max;
	} fields[] = {
		{ SEAL_HEAD, "rec", SEAL_NAME_MAX },
		{ SEAL_OPEN, "ex", SEAL_ID_MAX },
		{ SEAL_GONE, "why", SEAL_WHY_MAX },
	};
	struct seal	 s;
	json_t		*j;
	char		 value[SEAL_NAME_MAX + 2], *line, *cause;
	size_t		 i, len;

	(void)state;
	for (i = 0; i < nitems(fields); i++) {
		for (len = fields[i].max; len <= fields[i].max + 1; len++) {
			memset(value, 'x', len);
			value[len] = '\0';
			j = sample_json(fields[i].kind);
			json_object_set_new(j, fields[i].name,
			    json_string(value));
			line = sign_json(j);
			if (len > fields[i].max)
				assert_rejected(line, UNREADABLE);
			else {
				assert_int_equal(check(pub, line, &s, &cause),
				    0);
				assert_int_equal(strlen(strcmp(fields[i].name,
				    "rec") == 0 ? s.rec : strcmp(
				    fields[i].name, "ex") == 0 ? s.ex : s.why),
				    len);
			}
			free(line);
			json_decref(j);
		}
	}
}

/*
 * Another base64 digit with the same top two bits as c: as the last
 * digit of a 64-byte signature (before "=="), it decodes the same.
 */
static char
sig_digit_twin(char c)
{
	static const char	 digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	int			 v = (int)(strchr(digits, c) - digits);

	return digits[(v & 0x30) | ((v + 1) & 0x0f)];
}

/* A head seal whose signature has an 'A' in its first 85 digits. */
static char *
sig_with_a(void)
{
	struct seal	 s;
	char		*line, *sig;

	sample(&s, SEAL_HEAD);
	for (s.n = 0;; s.n++) {
		line = chomp(sign_ok(key, &s));
		sig = strstr(line, "\"sig\":\"") + 7;
		if (memchr(sig, 'A', 85) != NULL)
			return line;
		free(line);
	}
}

/*
 * The signature covers the values, re-serialised in the one form seal.h
 * gives (compact, keys sorted), not the bytes of the line: so another
 * encoding of the same values verifies as the same seal. That is fine
 * because a seal's worth is in what it says, which nobody without the
 * key can change: reordering members, adding whitespace or escaping a
 * character differently leaves every value (and what verify concludes)
 * as it was, and a seal file's bytes are vouched for by nothing else
 * (the chain covers the .cast, not the seals). What differs in value
 * (a number written as 42.0, a member added) does not verify.
 */
static void
test_encodings(void **state)
{
	struct seal	 s, want;
	json_t		*j;
	char		*line, *other, *cause;
	const char	*p;

	(void)state;
	sample(&want, SEAL_GONE);
	j = sample_json(SEAL_GONE);
	other = dump(j, JSON_INDENT(2));			/* spaced, */
	assert_non_null(strchr(other, '\n'));
	assert_int_equal(check(pub, other, &s, &cause), 0);
	assert_same_seal(&want, &s);
	free(other);
	other = dump(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
	assert_int_equal(check(pub, other, &s, &cause), 0);	/* unsorted */
	free(other);

	line = dump(j, JSON_COMPACT | JSON_SORT_KEYS);
	xasprintf(&other, " \t%s\r\n ", line);			/* padded */
	assert_int_equal(check(pub, other, &s, &cause), 0);
	free(other);
	assert_non_null(p = strstr(line, "\"gone\""));	/* escaped */
	xasprintf(&other, "%.*s\\u0067%s", (int)(p - line + 1), line, p + 2);
	assert_int_equal(check(pub, other, &s, &cause), 0);
	assert_same_seal(&want, &s);
	free(other);
	/*
	 * The signature is another matter: it has one spelling. Its last
	 * digit's four unused bits set, or an 'A' written '=', would decode
	 * the same, and do not verify.
	 */
	assert_non_null(p = strstr(line, "==\""));
	other = xstrdup(line);
	other[p - line - 1] = sig_digit_twin(p[-1]);
	assert_rejected(other, BAD_SIG);
	free(other);
	other = sig_with_a();
	*strchr(strstr(other, "\"sig\":\"") + 7, 'A') = '=';
	assert_rejected(other, BAD_SIG);
	free(other);
	xasprintf(&other, "%.*s\"n\":42.0%s", (int)(strstr(line, "\"n\":42") -
	    line), line, strstr(line, "\"n\":42") + 6);		/* a real */
	assert_rejected(other, BAD_SIG);
	free(other);
	free(line);
	json_decref(j);
}

static int
setup(void **state)
{
	char	*cause = NULL, *pubp;

	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	key_path = util_path(dir, "seal_ed25519");
	xasprintf(&pubp, "%s.pub", key_path);
	key = seal_key_open(key_path, 1, &cause);
	pub = seal_key_public(pubp, &cause);
	free(pubp);
	if (key == NULL || pub == NULL) {
		fprintf(stderr, "setup: %s\n", cause);
		free(cause);
		return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	char	*cmd;
	int	 rc;

	(void)state;
	seal_key_free(key);
	seal_key_free(pub);
	free(key_path);
	xasprintf(&cmd, "rm -rf '%s'", dir);
	rc = system(cmd);
	free(cmd);
	return rc;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_make),
		cmocka_unit_test(test_key_half),
		cmocka_unit_test(test_key_links),
		cmocka_unit_test(test_key_wrong),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_sign_refuses),
		cmocka_unit_test(test_changed),
		cmocka_unit_test(test_other_key),
		cmocka_unit_test(test_signatures),
		cmocka_unit_test(test_not_seals),
		cmocka_unit_test(test_unreadable),
		cmocka_unit_test(test_too_long),
		cmocka_unit_test(test_encodings),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
