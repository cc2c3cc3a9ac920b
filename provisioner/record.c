/*
 * record.c - asciicast v2 recordings and their HMAC chain.
 *
 * See record.h for the interface and docs/recording-format.md for the
 * format. Two decisions that are easy to undo by accident:
 *
 * - Each line goes out in one write(2), the chain entry before the .cast
 *   line. A writer killed between the two leaves the chain one entry
 *   ahead, which record_verify accepts for a recording without its end
 *   line: that looks exactly like the last line having been cut off,
 *   which anyone can do to an unfinished recording anyway. The other
 *   order would leave a .cast line no entry vouches for, and accepting
 *   that would let anyone append one line of their own.
 * - Text is decoded as the WHATWG and Python UTF-8 decoders do (one
 *   U+FFFD per maximal ill-formed subpart), so that our files say what
 *   asciinema's own recorder would have written for the same bytes.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "record.h"
#include "util.h"

#define REC_HEX_LEN		(2 * RECORD_DIGEST_LEN)
#define REC_READ_SIZE		65536
#define REC_CHAIN_LINE_MAX	128	/* "end N HEX" is at most 89 */
#define REC_COUNT_DIGITS	20	/* digits of the largest line count */
#define REC_FFFD		"\xef\xbf\xbd"
#define REC_PREFIX_MAX		64	/* "[seconds.micros, \"c\", " */
#define REC_CHUNK_MAX		(SIZE_MAX / 32)	/* no overflow sizing lines */

/* A UTF-8 decoder's state: the start of a sequence waiting for more. */
struct rec_utf8 {
	unsigned char	 seq[4];
	unsigned	 have;		/* bytes in seq */
	unsigned	 need;		/* continuation bytes after seq[0] */
	unsigned char	 lo, hi;	/* what the next byte may be */
};

struct rec_mac {
	EVP_MAC		*mac;
	EVP_MAC_CTX	*ctx;
	unsigned char	*key;
	size_t		 keylen;
};

struct record {
	char			*path;
	char			*chain_path;
	int			 fd;
	int			 chain_fd;
	struct rec_mac		*mac;
	unsigned char		 prev[RECORD_DIGEST_LEN];
	unsigned long long	 lines;
	unsigned long long	 start_us;	/* monotonic, at open */
	unsigned long long	 last_us;	/* time of the last event */
	long long		 synced_ms;
	int			 dirty;		/* written since the last fsync */
	int			 broken;	/* a write or fsync failed */
	struct rec_utf8		 out;
	struct rec_utf8		 in;
	char			*text;		/* decoded chunk */
	size_t			 text_size;
	char			*line;		/* line being written */
	size_t			 line_size;
};

/* A line reader that never holds more than a buffer of the file. */
struct rec_reader {
	int		 fd;
	int		 eof;
	size_t		 off, len;
	unsigned char	 buf[REC_READ_SIZE];
};

enum rec_chain_kind { REC_ENTRY, REC_END, REC_BAD };

struct rec_chain_line {
	enum rec_chain_kind	 kind;
	unsigned char		 digest[RECORD_DIGEST_LEN];
	unsigned long long	 count;		/* REC_END */
	char			 text[REC_CHAIN_LINE_MAX + 1];
	size_t			 len;		/* of text, up to the MAC */
};

/* OSSL_PARAM wants a writable string. */
static char rec_digest_name[] = "SHA256";

static void
rec_crypto_cause(char **cause, const char *what)
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

static void
rec_mac_free(struct rec_mac *m)
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

static struct rec_mac *
rec_mac_new(const unsigned char *key, size_t keylen, char **cause)
{
	struct rec_mac	*m;

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
		rec_crypto_cause(cause, "cannot set up HMAC-SHA256");
		rec_mac_free(m);
		return NULL;
	}
	return m;
}

/* Start HMAC(key, prev || ...). 0, or -1 with *cause set. */
static int
rec_mac_begin(struct rec_mac *m, const unsigned char *prev, char **cause)
{
	OSSL_PARAM	 params[2];

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    rec_digest_name, 0);
	params[1] = OSSL_PARAM_construct_end();
	if (!EVP_MAC_init(m->ctx, m->key, m->keylen, params) ||
	    !EVP_MAC_update(m->ctx, prev, RECORD_DIGEST_LEN)) {
		rec_crypto_cause(cause, "HMAC-SHA256 failed");
		return -1;
	}
	return 0;
}

static int
rec_mac_update(struct rec_mac *m, const void *p, size_t n, char **cause)
{
	if (n != 0 && !EVP_MAC_update(m->ctx, p, n)) {
		rec_crypto_cause(cause, "HMAC-SHA256 failed");
		return -1;
	}
	return 0;
}

static int
rec_mac_final(struct rec_mac *m, unsigned char *digest, char **cause)
{
	size_t	 len = 0;

	if (!EVP_MAC_final(m->ctx, digest, &len, RECORD_DIGEST_LEN) ||
	    len != RECORD_DIGEST_LEN) {
		rec_crypto_cause(cause, "HMAC-SHA256 failed");
		return -1;
	}
	return 0;
}

/* digest = HMAC(key, prev || p[0..n)). */
static int
rec_mac_line(struct rec_mac *m, const unsigned char *prev, const void *p,
    size_t n, unsigned char *digest, char **cause)
{
	if (rec_mac_begin(m, prev, cause) != 0 ||
	    rec_mac_update(m, p, n, cause) != 0 ||
	    rec_mac_final(m, digest, cause) != 0)
		return -1;
	return 0;
}

static void
rec_hex(const unsigned char *digest, char *out)
{
	static const char	 hex[] = "0123456789abcdef";
	size_t			 i;

	for (i = 0; i < RECORD_DIGEST_LEN; i++) {
		out[2 * i] = hex[digest[i] >> 4];
		out[2 * i + 1] = hex[digest[i] & 0xf];
	}
}

/* Lowercase hex only, as written. 0, or -1 if s is not REC_HEX_LEN of it. */
static int
rec_unhex(const char *s, size_t len, unsigned char *digest)
{
	size_t	 i;
	int	 v[2], k;

	if (len != REC_HEX_LEN)
		return -1;
	for (i = 0; i < RECORD_DIGEST_LEN; i++) {
		for (k = 0; k < 2; k++) {
			char	 c = s[2 * i + k];

			if (c >= '0' && c <= '9')
				v[k] = c - '0';
			else if (c >= 'a' && c <= 'f')
				v[k] = c - 'a' + 10;
			else
				return -1;
		}
		digest[i] = (unsigned char)(v[0] << 4 | v[1]);
	}
	return 0;
}

static void
rec_utf8_reset(struct rec_utf8 *u)
{
	u->have = u->need = 0;
	u->lo = 0x80;
	u->hi = 0xbf;
}

/* Open a sequence starting with c; 0 if c cannot start one. */
static int
rec_utf8_start(struct rec_utf8 *u, unsigned char c)
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

/*
 * Decode len bytes into out, which must have room for 3 * (len + 1)
 * bytes; the start of a sequence at the end stays in u. Returns the
 * number of bytes written.
 */
static size_t
rec_utf8_feed(struct rec_utf8 *u, const unsigned char *in, size_t len,
    char *out)
{
	size_t		 i = 0, n = 0;
	unsigned char	 c;

	while (i < len) {
		c = in[i];
		if (u->have == 0) {
			i++;
			if (c < 0x80)
				out[n++] = (char)c;
			else if (!rec_utf8_start(u, c)) {
				memcpy(out + n, REC_FFFD, 3);
				n += 3;
			}
			continue;
		}
		if (c < u->lo || c > u->hi) {
			/* What came before is one bad subpart; c starts anew. */
			rec_utf8_reset(u);
			memcpy(out + n, REC_FFFD, 3);
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
			rec_utf8_reset(u);
		}
	}
	return n;
}

/* End of stream: a sequence still open is one U+FFFD. */
static size_t
rec_utf8_finish(struct rec_utf8 *u, char *out)
{
	if (u->have == 0)
		return 0;
	rec_utf8_reset(u);
	memcpy(out, REC_FFFD, 3);
	return 3;
}

/* s, any bytes, as a new NUL-terminated UTF-8 string. */
static char *
rec_utf8_string(const char *s)
{
	struct rec_utf8	 u;
	size_t		 len = strlen(s), n;
	char		*out;

	rec_utf8_reset(&u);
	out = xmalloc(3 * (len + 1) + 1);
	n = rec_utf8_feed(&u, (const unsigned char *)s, len, out);
	n += rec_utf8_finish(&u, out + n);
	out[n] = '\0';
	return out;
}

static unsigned long long
rec_now_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000ULL +
	    (unsigned long long)ts.tv_nsec / 1000ULL;
}

static int
rec_write_all(int fd, const char *buf, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		if ((n = write(fd, buf, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
rec_check(const struct record *r, char **cause)
{
	if (r->broken) {
		xasprintf(cause, "recording '%s' is broken by an earlier error",
		    r->path);
		return -1;
	}
	return 0;
}

static int
rec_fsync(struct record *r, char **cause)
{
	if (fsync(r->chain_fd) != 0) {
		xasprintf(cause, "cannot fsync '%s': %s", r->chain_path,
		    strerror(errno));
		r->broken = 1;
		return -1;
	}
	if (fsync(r->fd) != 0) {
		xasprintf(cause, "cannot fsync '%s': %s", r->path,
		    strerror(errno));
		r->broken = 1;
		return -1;
	}
	r->dirty = 0;
	r->synced_ms = util_now_ms();
	return 0;
}

/*
 * Append one line (with its newline) to the .cast and its entry to the
 * chain, the entry first (see the top of the file).
 */
static int
rec_append(struct record *r, const char *line, size_t len, char **cause)
{
	unsigned char	 digest[RECORD_DIGEST_LEN];
	char		 entry[REC_HEX_LEN + 1];

	if (rec_check(r, cause) != 0)
		return -1;
	if (rec_mac_line(r->mac, r->prev, line, len - 1, digest, cause) != 0)
		return -1;
	rec_hex(digest, entry);
	entry[REC_HEX_LEN] = '\n';
	r->dirty = 1;
	if (rec_write_all(r->chain_fd, entry, sizeof entry) != 0) {
		xasprintf(cause, "cannot write '%s': %s", r->chain_path,
		    strerror(errno));
		r->broken = 1;
		return -1;
	}
	if (rec_write_all(r->fd, line, len) != 0) {
		xasprintf(cause, "cannot write '%s': %s", r->path,
		    strerror(errno));
		r->broken = 1;
		return -1;
	}
	memcpy(r->prev, digest, sizeof r->prev);
	r->lines++;
	return 0;
}

/* *buf, holding at least n bytes (grown, never shrunk). */
static char *
rec_room(char **buf, size_t *size, size_t n)
{
	if (*size < n) {
		free(*buf);
		*buf = xmalloc(n);
		*size = n;
	}
	return *buf;
}

/*
 * len bytes of valid UTF-8 as a JSON string, quotes included, escaped
 * byte for byte as asciinema (Python's json.dumps) escapes: the short
 * escapes JSON has, \u00xx for other control characters, the rest as
 * is. jansson writes the same but for upper-case hex, five times slower
 * on terminal output. out needs room for 6 * len + 2 bytes. Returns the
 * length written.
 */
static size_t
rec_json_string(char *out, const char *s, size_t len)
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 c;
	size_t			 i, n = 0;

	out[n++] = '"';
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\') {
			out[n++] = (char)c;
			continue;
		}
		out[n++] = '\\';
		switch (c) {
		case '"':
		case '\\':
			out[n++] = (char)c;
			break;
		case '\b':
			out[n++] = 'b';
			break;
		case '\f':
			out[n++] = 'f';
			break;
		case '\n':
			out[n++] = 'n';
			break;
		case '\r':
			out[n++] = 'r';
			break;
		case '\t':
			out[n++] = 't';
			break;
		default:
			memcpy(out + n, "u00", 3);
			n += 3;
			out[n++] = hex[c >> 4];
			out[n++] = hex[c & 0xf];
			break;
		}
	}
	out[n++] = '"';
	return n;
}

/* One event line: [time, "code", data], data being len bytes of UTF-8. */
static int
rec_event(struct record *r, const char *code, const char *data, size_t len,
    char **cause)
{
	unsigned long long	 t;
	char			*line;
	size_t			 n;

	t = rec_now_us() - r->start_us;
	if (t < r->last_us)
		t = r->last_us;
	r->last_us = t;
	line = rec_room(&r->line, &r->line_size, REC_PREFIX_MAX + 6 * len + 4);
	n = (size_t)snprintf(line, REC_PREFIX_MAX, "[%llu.%06llu, \"%s\", ",
	    t / 1000000ULL, t % 1000000ULL, code);
	n += rec_json_string(line + n, data, len);
	line[n++] = ']';
	line[n++] = '\n';
	if (rec_append(r, line, n, cause) != 0)
		return -1;
	return record_sync(r, cause);
}

static int
rec_stream(struct record *r, struct rec_utf8 *u, const char *code,
    const void *buf, size_t len, char **cause)
{
	char	*text;
	size_t	 n;

	if (rec_check(r, cause) != 0)
		return -1;
	if (len > REC_CHUNK_MAX) {
		xasprintf(cause, "a chunk of %zu bytes is too large to record",
		    len);
		return -1;
	}
	text = rec_room(&r->text, &r->text_size, 3 * (len + 1));
	if ((n = rec_utf8_feed(u, buf, len, text)) == 0)
		return record_sync(r, cause);
	return rec_event(r, code, text, n, cause);
}

static int
rec_stream_finish(struct record *r, struct rec_utf8 *u, const char *code,
    char **cause)
{
	char	 text[3];
	size_t	 n;

	if ((n = rec_utf8_finish(u, text)) == 0)
		return 0;
	return rec_event(r, code, text, n, cause);
}

/* The header line, with its newline. NULL with *cause on failure. */
static char *
rec_header_line(const struct record_header *h, char **cause)
{
	json_t	*j, *env;
	char	*s, *line = NULL, *v;

	j = json_object();
	json_object_set_new(j, "version", json_integer(2));
	json_object_set_new(j, "width", json_integer(h->width));
	json_object_set_new(j, "height", json_integer(h->height));
	json_object_set_new(j, "timestamp", json_integer(h->timestamp != 0 ?
	    (json_int_t)h->timestamp : (json_int_t)time(NULL)));
	env = json_object();
	if (h->term != NULL) {
		v = rec_utf8_string(h->term);
		json_object_set_new(env, "TERM", json_string(v));
		free(v);
	}
	if (h->shell != NULL) {
		v = rec_utf8_string(h->shell);
		json_object_set_new(env, "SHELL", json_string(v));
		free(v);
	}
	json_object_set_new(j, "env", env);
	if (h->title != NULL) {
		v = rec_utf8_string(h->title);
		json_object_set_new(j, "title", json_string(v));
		free(v);
	}
	/* No indent: one line, with the spaces asciinema writes too. */
	if ((s = json_dumps(j, JSON_PRESERVE_ORDER)) == NULL)
		xasprintf(cause, "cannot encode the recording's header");
	else
		xasprintf(&line, "%s\n", s);
	free(s);
	json_decref(j);
	return line;
}

/* Make the new files' names durable too; not every file system can. */
static void
rec_sync_dir(const char *path)
{
	const char	*slash = strrchr(path, '/');
	char		*dir;
	int		 fd;

	if (slash == NULL)
		dir = xstrdup(".");
	else if (slash == path)
		dir = xstrdup("/");
	else
		dir = xstrndup(path, (size_t)(slash - path));
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		(void)fsync(fd);
		close(fd);
	}
	free(dir);
}

static void
rec_free(struct record *r)
{
	if (r == NULL)
		return;
	if (r->fd != -1)
		close(r->fd);
	if (r->chain_fd != -1)
		close(r->chain_fd);
	rec_mac_free(r->mac);
	free(r->text);
	free(r->line);
	free(r->path);
	free(r->chain_path);
	free(r);
}

static int
rec_create(const char *path, char **cause)
{
	int	 fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (fd == -1)
		xasprintf(cause, "cannot create '%s': %s", path,
		    strerror(errno));
	return fd;
}

struct record *
record_open(const char *path, const struct record_header *h,
    const unsigned char *key, size_t keylen, char **cause)
{
	struct record	*r, *ret = NULL;
	char		*line = NULL;
	int		 made = 0, made_chain = 0;

	r = xcalloc(1, sizeof *r);
	r->fd = r->chain_fd = -1;
	r->path = xstrdup(path);
	xasprintf(&r->chain_path, "%s%s", path, RECORD_CHAIN_SUFFIX);
	rec_utf8_reset(&r->out);
	rec_utf8_reset(&r->in);
	if ((r->mac = rec_mac_new(key, keylen, cause)) == NULL)
		goto out;
	if ((line = rec_header_line(h, cause)) == NULL)
		goto out;
	if ((r->fd = rec_create(r->path, cause)) == -1)
		goto out;
	made = 1;
	if ((r->chain_fd = rec_create(r->chain_path, cause)) == -1)
		goto out;
	made_chain = 1;
	r->start_us = rec_now_us();
	if (rec_append(r, line, strlen(line), cause) != 0 ||
	    rec_fsync(r, cause) != 0)
		goto out;
	rec_sync_dir(path);
	ret = r;
	r = NULL;			/* transferred */
out:
	if (r != NULL) {
		if (made)
			unlink(r->path);
		if (made_chain)
			unlink(r->chain_path);
		rec_free(r);
	}
	free(line);
	return ret;
}

int
record_output(struct record *r, const void *buf, size_t len, char **cause)
{
	return rec_stream(r, &r->out, "o", buf, len, cause);
}

int
record_input(struct record *r, const void *buf, size_t len, char **cause)
{
	return rec_stream(r, &r->in, "i", buf, len, cause);
}

int
record_resize(struct record *r, unsigned width, unsigned height,
    char **cause)
{
	char	 data[32];
	int	 n;

	if (rec_check(r, cause) != 0)
		return -1;
	n = snprintf(data, sizeof data, "%ux%u", width, height);
	return rec_event(r, "r", data, (size_t)n, cause);
}

int
record_marker(struct record *r, const char *label, char **cause)
{
	char	*text;
	int	 rc;

	if (rec_check(r, cause) != 0)
		return -1;
	text = rec_utf8_string(label != NULL ? label : "");
	rc = rec_event(r, "m", text, strlen(text), cause);
	free(text);
	return rc;
}

int
record_sync(struct record *r, char **cause)
{
	if (rec_check(r, cause) != 0)
		return -1;
	if (!r->dirty || util_now_ms() - r->synced_ms < RECORD_SYNC_MS)
		return 0;
	return rec_fsync(r, cause);
}

/* The chain's last line: "end N HEX", HEX = HMAC(key, prev || "end N"). */
static int
rec_end(struct record *r, char **cause)
{
	unsigned char	 digest[RECORD_DIGEST_LEN];
	char		 line[REC_CHAIN_LINE_MAX];
	int		 n;

	if (rec_check(r, cause) != 0)
		return -1;
	n = snprintf(line, sizeof line, "end %llu", r->lines);
	if (rec_mac_line(r->mac, r->prev, line, (size_t)n, digest,
	    cause) != 0)
		return -1;
	line[n++] = ' ';
	rec_hex(digest, line + n);
	n += REC_HEX_LEN;
	line[n++] = '\n';
	if (rec_write_all(r->chain_fd, line, (size_t)n) != 0) {
		xasprintf(cause, "cannot write '%s': %s", r->chain_path,
		    strerror(errno));
		r->broken = 1;
		return -1;
	}
	r->dirty = 1;
	return 0;
}

static int
rec_close_fd(int *fd, const char *path, char **cause)
{
	int	 rc = close(*fd);

	*fd = -1;
	if (rc != 0) {
		xasprintf(cause, "cannot close '%s': %s", path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

int
record_close(struct record *r, char **cause)
{
	int	 rc = -1;

	if (r == NULL)
		return 0;
	if (rec_stream_finish(r, &r->out, "o", cause) != 0 ||
	    rec_stream_finish(r, &r->in, "i", cause) != 0 ||
	    rec_end(r, cause) != 0 ||
	    rec_fsync(r, cause) != 0)
		goto out;
	if (rec_close_fd(&r->chain_fd, r->chain_path, cause) != 0 ||
	    rec_close_fd(&r->fd, r->path, cause) != 0)
		goto out;
	rc = 0;
out:
	rec_free(r);
	return rc;
}

unsigned long long
record_lines(const struct record *r)
{
	return r->lines;
}

/*
 * The next piece of the current line into *p and *n; *eol says whether the
 * line ends there (its newline is not included). Returns 1, 0 at end of
 * file, -1 on a read error (errno set).
 */
static int
rec_read_piece(struct rec_reader *rd, const unsigned char **p, size_t *n,
    int *eol)
{
	const unsigned char	*nl;
	ssize_t			 got;

	if (rd->off == rd->len) {
		if (rd->eof)
			return 0;
		do
			got = read(rd->fd, rd->buf, sizeof rd->buf);
		while (got == -1 && errno == EINTR);
		if (got == -1)
			return -1;
		if (got == 0) {
			rd->eof = 1;
			return 0;
		}
		rd->off = 0;
		rd->len = (size_t)got;
	}
	*p = rd->buf + rd->off;
	if ((nl = memchr(*p, '\n', rd->len - rd->off)) != NULL) {
		*n = (size_t)(nl - *p);
		*eol = 1;
		rd->off += *n + 1;
	} else {
		*n = rd->len - rd->off;
		*eol = 0;
		rd->off = rd->len;
	}
	return 1;
}

static void
rec_read_error(const char *path, char **cause)
{
	xasprintf(cause, "cannot read '%s': %s", path, strerror(errno));
}

/*
 * The next .cast line, fed to HMAC(key, prev || line) into digest;
 * *terminated says whether it ended with a newline. Returns 1, 0 at end
 * of file, -1 with *cause set.
 */
static int
rec_read_cast_line(struct rec_reader *rd, const char *path,
    struct rec_mac *m, const unsigned char *prev, unsigned char *digest,
    int *terminated, char **cause)
{
	const unsigned char	*p;
	size_t			 n;
	int			 eol = 0, got, any = 0;

	while (!eol) {
		if ((got = rec_read_piece(rd, &p, &n, &eol)) == -1) {
			rec_read_error(path, cause);
			return -1;
		}
		if (got == 0)
			break;
		if (!any && rec_mac_begin(m, prev, cause) != 0)
			return -1;
		any = 1;
		if (rec_mac_update(m, p, n, cause) != 0)
			return -1;
	}
	if (!any)
		return 0;
	*terminated = eol;
	return rec_mac_final(m, digest, cause) == 0 ? 1 : -1;
}

static void
rec_parse_chain_line(struct rec_chain_line *cl, size_t len)
{
	const char	*sp;
	char		*end;
	size_t		 digits;

	cl->kind = REC_BAD;
	cl->len = len;
	if (len > REC_CHAIN_LINE_MAX)
		return;
	if (rec_unhex(cl->text, len, cl->digest) == 0) {
		cl->kind = REC_ENTRY;
		return;
	}
	if (len < 6 || memcmp(cl->text, "end ", 4) != 0 ||
	    (sp = memchr(cl->text + 4, ' ', len - 4)) == NULL)
		return;
	digits = (size_t)(sp - (cl->text + 4));
	if (digits == 0 || digits > REC_COUNT_DIGITS ||
	    strspn(cl->text + 4, "0123456789") != digits)
		return;
	errno = 0;
	cl->count = strtoull(cl->text + 4, &end, 10);
	if (errno != 0 || end != sp)
		return;
	if (rec_unhex(sp + 1, len - (size_t)(sp + 1 - cl->text),
	    cl->digest) != 0)
		return;
	cl->len = (size_t)(sp - cl->text);
	cl->kind = REC_END;
}

/* The next chain line. Returns 1, 0 at end of file, -1 with *cause. */
static int
rec_read_chain_line(struct rec_reader *rd, const char *path,
    struct rec_chain_line *cl, char **cause)
{
	const unsigned char	*p;
	size_t			 n, len = 0;
	int			 eol = 0, got, any = 0;

	while (!eol) {
		if ((got = rec_read_piece(rd, &p, &n, &eol)) == -1) {
			rec_read_error(path, cause);
			return -1;
		}
		if (got == 0)
			break;
		any = 1;
		if (len <= REC_CHAIN_LINE_MAX) {
			/* Keep one byte past the limit to know it was passed. */
			if (n > REC_CHAIN_LINE_MAX + 1 - len)
				n = REC_CHAIN_LINE_MAX + 1 - len;
			memcpy(cl->text + len, p, n);
		}
		len += n;
		if (len > REC_CHAIN_LINE_MAX + 1)
			len = REC_CHAIN_LINE_MAX + 1;
	}
	if (!any)
		return 0;
	cl->text[len > REC_CHAIN_LINE_MAX ? REC_CHAIN_LINE_MAX : len] = '\0';
	rec_parse_chain_line(cl, len);
	if (!eol)
		cl->kind = REC_BAD;	/* cut short */
	return 1;
}

/*
 * A reader for path. Returns 0, 1 if path does not exist (nothing set) or
 * -1 with *cause set.
 */
static int
rec_reader_open(const char *path, struct rec_reader **rd, char **cause)
{
	struct stat	 st;
	int		 fd;

	*rd = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return 1;
		xasprintf(cause, "cannot open '%s': %s", path,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		xasprintf(cause, "cannot read '%s': not a file", path);
		close(fd);
		return -1;
	}
	*rd = xcalloc(1, sizeof **rd);
	(*rd)->fd = fd;
	return 0;
}

static void
rec_reader_free(struct rec_reader *rd)
{
	if (rd == NULL)
		return;
	close(rd->fd);
	free(rd);
}

/*
 * The .cast ended after lines lines, all vouched for, the last with
 * digest prev; what is left of the chain must be its end line or,
 * for a recording cut short, nothing or the one entry whose line the
 * writer did not get to write. Returns 0, 1 or -1 as record_verify.
 */
static int
rec_verify_tail(struct rec_reader *chain, const char *chain_path,
    struct rec_mac *m, const unsigned char *prev, unsigned long long lines,
    int *complete, char **cause)
{
	struct rec_chain_line	 cl;
	unsigned char		 last[RECORD_DIGEST_LEN], digest[RECORD_DIGEST_LEN];
	unsigned long long	 extra = 0;
	int			 got;

	memcpy(last, prev, sizeof last);
	for (;;) {
		if ((got = rec_read_chain_line(chain, chain_path, &cl,
		    cause)) == -1)
			return -1;
		if (got == 0 || cl.kind != REC_ENTRY)
			break;
		memcpy(last, cl.digest, sizeof last);
		extra++;
	}
	if (got == 1 && cl.kind == REC_BAD) {
		xasprintf(cause, "chain line %llu is malformed",
		    lines + extra + 1);
		return 1;
	}
	if (extra > (got == 0 ? 1 : 0)) {
		xasprintf(cause, "the chain lists %llu lines but the recording "
		    "has %llu (lines removed?)", lines + extra, lines);
		return 1;
	}
	if (got == 0)
		return 0;		/* cut short */
	if (rec_mac_line(m, last, cl.text, cl.len, digest, cause) != 0)
		return -1;
	if (CRYPTO_memcmp(digest, cl.digest, sizeof digest) != 0) {
		xasprintf(cause, "the chain's end line is not authentic");
		return 1;
	}
	if (cl.count != lines) {
		xasprintf(cause, "the chain's end line counts %llu lines but "
		    "the recording has %llu", cl.count, lines);
		return 1;
	}
	if ((got = rec_read_chain_line(chain, chain_path, &cl, cause)) == -1)
		return -1;
	if (got == 1) {
		xasprintf(cause, "the chain goes on after its end line");
		return 1;
	}
	*complete = 1;
	return 0;
}

/* Check one .cast line's digest against the chain's next line. */
static int
rec_verify_line(struct rec_reader *chain, const char *chain_path,
    unsigned long long lineno, const unsigned char *digest, int terminated,
    char **cause)
{
	struct rec_chain_line	 cl;
	int			 got;

	if ((got = rec_read_chain_line(chain, chain_path, &cl, cause)) == -1)
		return -1;
	if (got == 0 || cl.kind == REC_END) {
		xasprintf(cause, "line %llu has no chain entry (appended?)",
		    lineno);
		return 1;
	}
	if (cl.kind == REC_BAD) {
		xasprintf(cause, "the chain entry for line %llu is malformed",
		    lineno);
		return 1;
	}
	if (CRYPTO_memcmp(digest, cl.digest, RECORD_DIGEST_LEN) != 0) {
		xasprintf(cause, "line %llu does not match its chain entry",
		    lineno);
		return 1;
	}
	if (!terminated) {
		xasprintf(cause, "line %llu has no newline (cut short?)",
		    lineno);
		return 1;
	}
	return 0;
}

int
record_verify(const char *path, const unsigned char *key, size_t keylen,
    int *complete, char **cause)
{
	struct rec_mac		*m = NULL;
	struct rec_reader	*cast = NULL, *chain = NULL;
	char			*chain_path = NULL;
	unsigned char		 prev[RECORD_DIGEST_LEN];
	unsigned char		 digest[RECORD_DIGEST_LEN];
	unsigned long long	 lineno = 0;
	int			 rc = -1, got, terminated = 0;

	*complete = 0;
	memset(prev, 0, sizeof prev);
	xasprintf(&chain_path, "%s%s", path, RECORD_CHAIN_SUFFIX);
	if ((m = rec_mac_new(key, keylen, cause)) == NULL)
		goto out;
	if ((got = rec_reader_open(path, &cast, cause)) != 0) {
		if (got == 1)
			xasprintf(cause, "cannot open '%s': %s", path,
			    strerror(ENOENT));
		goto out;
	}
	if ((got = rec_reader_open(chain_path, &chain, cause)) != 0) {
		if (got == 1) {
			xasprintf(cause, "no chain file");
			rc = 1;
		}
		goto out;
	}
	for (;;) {
		got = rec_read_cast_line(cast, path, m, prev, digest,
		    &terminated, cause);
		if (got == -1)
			goto out;
		if (got == 0)
			break;
		lineno++;
		if ((rc = rec_verify_line(chain, chain_path, lineno, digest,
		    terminated, cause)) != 0)
			goto out;
		rc = -1;
		memcpy(prev, digest, sizeof prev);
	}
	if (lineno == 0) {
		xasprintf(cause, "the recording is empty");
		rc = 1;
		goto out;
	}
	rc = rec_verify_tail(chain, chain_path, m, prev, lineno, complete,
	    cause);
out:
	rec_reader_free(chain);
	rec_reader_free(cast);
	rec_mac_free(m);
	free(chain_path);
	return rc;
}
