/*
 * test_yamltree.c - the bounded YAML reader.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "diag.h"
#include "util.h"
#include "yamltree.h"

/* Parse buf; expect failure with exactly one message equal to want. */
static void
refused(const char *buf, size_t len, const char *want)
{
	struct diag	*d = diag_new("t.yaml");
	struct ynode	*root;

	root = yamltree_parse(buf, len, d);
	assert_null(root);
	assert_int_equal(diag_count(d), 1);
	assert_string_equal(diag_message(d, 0), want);
	diag_free(d);
}

static struct ynode *
parsed(const char *buf, struct diag **dp)
{
	struct ynode	*root;

	*dp = diag_new("t.yaml");
	root = yamltree_parse(buf, strlen(buf), *dp);
	assert_non_null(root);
	return root;
}

static void
test_tree(void **state)
{
	struct diag	*d;
	struct ynode	*root, *n;

	(void)state;
	root = parsed("a: 1\nb: [x, \"y\"]\nc:\n  d: |\n    text\n", &d);
	assert_int_equal(diag_count(d), 0);
	assert_int_equal(root->type, YNODE_MAP);
	assert_int_equal(root->n, 6);
	n = yamltree_get(root, "a");
	assert_string_equal(n->value, "1");
	assert_true(n->plain);
	assert_int_equal(n->line, 1);
	assert_int_equal(n->col, 4);
	n = yamltree_get(root, "b");
	assert_int_equal(n->type, YNODE_SEQ);
	assert_int_equal(n->n, 2);
	assert_false(n->items[1]->plain);
	assert_int_equal(n->items[1]->col, 8);
	n = yamltree_get(yamltree_get(root, "c"), "d");
	assert_string_equal(n->value, "text\n");
	assert_int_equal(n->line, 4);
	assert_null(yamltree_get(root, "z"));
	assert_null(yamltree_get(n, "z"));
	assert_string_equal(yamltree_kind(root), "a mapping");
	yamltree_free(root);
	diag_free(d);
}

static void
test_duplicate_key(void **state)
{
	struct diag	*d;
	struct ynode	*root;

	(void)state;
	/* Reported, marked, and the rest of the file still read. */
	root = parsed("a: 1\nb: 2\na: 3\nc: 4\n", &d);
	assert_int_equal(diag_count(d), 1);
	assert_string_equal(diag_message(d, 0), "t.yaml:3:1: duplicate key "
	    "'a' (first at line 1)");
	assert_true(root->items[4]->duplicate);
	assert_string_equal(yamltree_get(root, "a")->value, "1");
	assert_string_equal(yamltree_get(root, "c")->value, "4");
	yamltree_free(root);
	diag_free(d);
}

static void
test_refusals(void **state)
{
	(void)state;
	refused("", 0, "t.yaml: file is empty: no scenario in it");
	refused("# just a comment\n", 17, "t.yaml: file is empty: no "
	    "scenario in it");
	refused("a: &x 1\nb: 2\n", 13, "t.yaml:1:4: anchors ('&') and "
	    "aliases ('*') are not supported");
	refused("a: !!binary aGk=\n", 17, "t.yaml:1:4: tags ('!') are not "
	    "supported");
	refused("a: 1\n---\nb: 2\n", 14, "t.yaml:2:1: more than one YAML "
	    "document: a file holds one scenario");
	refused("a: 1\nb: \0\n", 10, "t.yaml:2:4: NUL byte: this is not a "
	    "text file");
	refused("a: \"x\\0y\"\n", 10, "t.yaml:1:4: string contains a NUL "
	    "character");
	refused("? [a]\n: 1\n", 10, "t.yaml:1:3: mapping keys must be plain "
	    "strings, not a list");
	refused("a: b: c\n", 8, "t.yaml:1:5: YAML syntax error: mapping "
	    "values are not allowed in this context");
}

static void
test_utf8(void **state)
{
	struct diag	*d;
	struct ynode	*root;

	(void)state;
	refused("a: caf\xe9\n", 8, "t.yaml:1:7: invalid UTF-8 (byte 0xe9): "
	    "scenarios must be UTF-8 text");
	refused("a: \xc0\xaf\n", 6, "t.yaml:1:4: invalid UTF-8 (byte 0xc0): "
	    "scenarios must be UTF-8 text");
	refused("a: \xe0\x80\xaf\n", 7, "t.yaml:1:4: invalid UTF-8 (byte "
	    "0xe0): scenarios must be UTF-8 text");
	refused("a: \xed\xa0\x80\n", 7, "t.yaml:1:4: invalid UTF-8 (byte "
	    "0xed): scenarios must be UTF-8 text");
	refused("a: \xf4\x90\x80\x80\n", 8, "t.yaml:1:4: invalid UTF-8 (byte "
	    "0xf4): scenarios must be UTF-8 text");
	refused("a: \xe2\x9c", 6, "t.yaml:1:4: invalid UTF-8 (byte 0xe2): "
	    "scenarios must be UTF-8 text");
	/* Columns count characters, not bytes. */
	refused("\xc3\xa9\xc3\xa9: \xff\n", 8, "t.yaml:1:5: invalid UTF-8 "
	    "(byte 0xff): scenarios must be UTF-8 text");
	/* A UTF-8 byte order mark and real UTF-8 text are fine. */
	root = parsed("\xef\xbb\xbf" "a: caf\xc3\xa9 \xe2\x9c\x93\n", &d);
	assert_string_equal(yamltree_get(root, "a")->value,
	    "caf\xc3\xa9 \xe2\x9c\x93");
	yamltree_free(root);
	diag_free(d);
}

/* n nested flow lists: "[[[...]]]". */
static char *
nested(size_t n)
{
	char	*s = xmalloc(2 * n + 1);

	memset(s, '[', n);
	memset(s + n, ']', n);
	s[2 * n] = '\0';
	return s;
}

static void
test_depth(void **state)
{
	struct diag	*d;
	struct ynode	*root;
	char		*s;

	(void)state;
	s = nested(YAMLTREE_MAX_DEPTH);
	root = parsed(s, &d);
	yamltree_free(root);
	diag_free(d);
	free(s);
	s = nested(YAMLTREE_MAX_DEPTH + 1);
	refused(s, strlen(s), "t.yaml:1:33: nested too deeply");
	free(s);
	s = nested(100000);
	refused(s, strlen(s), "t.yaml:1:33: nested too deeply");
	free(s);
}

static void
test_node_limit(void **state)
{
	size_t	 n = YAMLTREE_MAX_NODES, i;
	char	*s = xmalloc(2 * n + 3), *want;

	(void)state;
	/* One list holding n items is n + 1 nodes: one too many. */
	s[0] = '[';
	for (i = 0; i < n; i++) {
		s[1 + 2 * i] = '1';
		s[2 + 2 * i] = ',';
	}
	s[2 * n] = ']';
	s[2 * n + 1] = '\0';
	xasprintf(&want, "t.yaml:1:%zu: too many values in one file (limit "
	    "reached)", 2 * n);
	refused(s, strlen(s), want);
	free(want);
	/* One fewer item fits. */
	s[2 * n - 2] = ']';
	s[2 * n - 1] = '\0';
	{
		struct diag *d;
		struct ynode *root = parsed(s, &d);
		assert_int_equal(root->n, n - 1);
		yamltree_free(root);
		diag_free(d);
	}
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tree),
		cmocka_unit_test(test_duplicate_key),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_node_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
