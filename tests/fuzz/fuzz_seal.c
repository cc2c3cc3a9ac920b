/*
 * fuzz_seal.c - libFuzzer harness for seal lines (seal.h), which verify
 * reads from a .seal file anyone may have written.
 *
 * Any bytes give an answer, with a cause when it is no, never a crash or
 * a leak. A line that checks is what seal_sign would write, but for
 * spacing, key order and escapes: signed again, it checks with the same
 * fields, and is the line itself in the signed form (Ed25519 signs the
 * same message the same way, and a signature has one spelling).
 * The saved inputs are signed with the key below, made for this harness
 * (it vouches for nothing): tests/data/seal/README says how.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "seal.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char key_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIGz3OSp9rKfpu+j+p5ixEnHTVHYWr0pOu+TRU/YHOP39\n"
    "-----END PRIVATE KEY-----\n";

static struct seal_key	*key;

static void
load_key(void)
{
	char	 dir[] = "/tmp/fuzz_seal.XXXXXX", *path, *cause = NULL;
	int	 fd;

	if (mkdtemp(dir) == NULL)
		abort();
	path = util_path(dir, "seal_ed25519");
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600)) == -1 ||
	    util_write_all(fd, key_pem, sizeof key_pem - 1) != 0 ||
	    close(fd) != 0)
		abort();
	if ((key = seal_key_open(path, 0, &cause)) == NULL) {
		fprintf(stderr, "fuzz_seal: %s\n", cause);
		abort();
	}
	unlink(path);
	rmdir(dir);
	free(path);
}

/* The line in the form seal_sign writes: compact, keys sorted. */
static char *
signed_form(const char *line, size_t len)
{
	json_t	*j;
	char	*msg;

	if ((j = json_loadb(line, len, 0, NULL)) == NULL)
		abort();
	msg = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(j);
	if (msg == NULL)
		abort();
	return msg;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seal	 s, again;
	char		*cause = NULL, *line, *a, *b;

	if (key == NULL)
		load_key();
	if (seal_check(key, (const char *)data, size, &s, &cause) != 0) {
		if (cause == NULL)
			abort();
		free(cause);
		return 0;
	}
	if (cause != NULL || (line = seal_sign(key, &s, &cause)) == NULL)
		abort();
	if (seal_check(key, line, strlen(line) - 1, &again, &cause) != 0 ||
	    memcmp(&s, &again, sizeof s) != 0)
		abort();
	a = signed_form((const char *)data, size);
	b = signed_form(line, strlen(line));
	if (strcmp(a, b) != 0)
		abort();
	free(a);
	free(b);
	free(line);
	return 0;
}
