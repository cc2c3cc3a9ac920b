/*
 * test_chain.c - the chain's MACs and lines against values computed with
 * Python's hmac (as docs/recording-format.md does). A recording's key
 * comes from its opening seal: test_seal.c and test_record.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "chain.h"
#include "util.h"

static const unsigned char key[] = "0123456789abcdef0123456789abcdef";
#define KEYLEN		(sizeof key - 1)
#define HEADER		"{\"version\": 2}"
/* hmac.new(key, bytes(32) + HEADER, sha256) */
#define HEADER_HEX	"a673088cc472067bba180a48afaa8e3e" \
			"5cb0f06524457a1aead54f3f17118f2a"
/* hmac.new(key, <that digest> + b"end 1", sha256) */
#define END_HEX		"455410f634ece70c11f221fd086b7a7d" \
			"0dcee210602f40f99d71363350f6391e"

static struct chain_mac *
mac_ok(void)
{
	struct chain_mac	*m;
	char			*cause = NULL;

	if ((m = chain_mac_new(key, KEYLEN, &cause)) == NULL)
		fail_msg("chain_mac_new: %s", cause);
	return m;
}

/* The entry and end lines of a one-line recording, as the doc computes. */
static void
test_lines(void **state)
{
	struct chain_mac	*m = mac_ok();
	unsigned char		 zero[CHAIN_DIGEST_LEN], d[CHAIN_DIGEST_LEN];
	unsigned char		 pieces[CHAIN_DIGEST_LEN];
	char			 line[CHAIN_LINE_MAX], *cause = NULL;
	size_t			 n;

	(void)state;
	memset(zero, 0, sizeof zero);
	assert_int_equal(chain_mac_line(m, zero, HEADER, sizeof HEADER - 1, d,
	    &cause), 0);
	assert_int_equal(chain_entry(d, line), CHAIN_HEX_LEN + 1);
	assert_memory_equal(line, HEADER_HEX "\n", CHAIN_HEX_LEN + 1);

	/* In pieces, an empty one included, it is the same MAC. */
	assert_int_equal(chain_mac_begin(m, zero, &cause), 0);
	assert_int_equal(chain_mac_update(m, HEADER, 5, &cause), 0);
	assert_int_equal(chain_mac_update(m, "", 0, &cause), 0);
	assert_int_equal(chain_mac_update(m, &HEADER[5], sizeof HEADER - 6,
	    &cause), 0);
	assert_int_equal(chain_mac_final(m, pieces, &cause), 0);
	assert_true(chain_digest_equal(d, pieces));
	pieces[CHAIN_DIGEST_LEN - 1] ^= 1;
	assert_false(chain_digest_equal(d, pieces));

	assert_int_equal(chain_end(m, d, 1, line, &n, &cause), 0);
	assert_int_equal(n, 6 + CHAIN_HEX_LEN + 1);
	assert_memory_equal(line, "end 1 " END_HEX "\n", n);
	chain_mac_free(m);
	chain_mac_free(NULL);

	assert_null(chain_mac_new(key, 0, &cause));
	assert_string_equal(cause, "no key for the recording's chain");
	free(cause);
}

/* line as chain_parse sees it; returns the kind. */
static enum chain_kind
parse(struct chain_line *cl, const char *line)
{
	size_t	 len = strlen(line);

	memset(cl, 0, sizeof *cl);
	memcpy(cl->text, line, len > CHAIN_LINE_MAX ? CHAIN_LINE_MAX : len);
	chain_parse(cl, len);
	return cl->kind;
}

static void
test_parse(void **state)
{
	static const char *const bad[] = {
		"",
		"A673088CC472067BBA180A48AFAA8E3E"	/* upper case */
		"5CB0F06524457A1AEAD54F3F17118F2A",
		HEADER_HEX "0",
		"end  " END_HEX,
		"end 1x " END_HEX,
		"end -1 " END_HEX,
		"end 123456789012345678901 " END_HEX,
		"end 99999999999999999999 " END_HEX,	/* past 2^64 */
		"end 1 " HEADER_HEX "0",
		"end 1",
		"x" HEADER_HEX HEADER_HEX,
		"end 1 " END_HEX " " END_HEX END_HEX,
	};
	struct chain_line	 cl, want;
	size_t			 i;

	(void)state;
	assert_int_equal(parse(&want, HEADER_HEX), CHAIN_ENTRY);
	assert_int_equal(want.len, CHAIN_HEX_LEN);
	assert_int_equal(parse(&cl, "end 1 " END_HEX), CHAIN_END);
	assert_int_equal(cl.count, 1);
	assert_int_equal(cl.len, 5);	/* "end 1", what the MAC covers */
	assert_int_equal(parse(&cl, "end 18446744073709551615 " END_HEX),
	    CHAIN_END);
	assert_true(cl.count == 18446744073709551615ULL);
	assert_int_equal(parse(&cl, END_HEX), CHAIN_ENTRY);
	assert_false(chain_digest_equal(cl.digest, want.digest));
	for (i = 0; i < nitems(bad); i++) {
		if (parse(&cl, bad[i]) != CHAIN_BAD)
			fail_msg("'%s' parsed as %d", bad[i], cl.kind);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
