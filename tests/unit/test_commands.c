/*
 * test_commands.c - commands rebuilt from the keys typed, and read from
 * the gateway's commands log.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "cast.h"
#include "commands.h"
#include "util.h"

#define HEADER "{\"version\": 2, \"width\": 80, \"height\": 24}\n"

/* The commands rebuilt from a cast whose events are the given lines. */
static struct command *
rebuilt(const char *events, size_t *n)
{
	struct command	*c;
	struct cast	*cast;
	char		*text, *cause = NULL;

	xasprintf(&text, HEADER "%s", events);
	if ((cast = cast_parse("t.cast", text, strlen(text), &cause)) == NULL)
		fail_msg("%s", cause);
	commands_from_input(cast, &c, n);
	cast_free(cast);
	free(text);
	return c;
}

static void
test_editing(void **state)
{
	struct command	*c;
	size_t		 n;

	(void)state;
	c = rebuilt(
	    "[1.0, \"i\", \"ls -l\"]\n"
	    "[1.5, \"i\", \"\\r\"]\n"
	    "[2.0, \"i\", \"sytem\\u007f\\u007f\\u007fstemctl status\\r\"]\n"
	    "[3.0, \"i\", \"rm -rf /\\u0015echo safe\\r\"]\n"
	    "[4.0, \"i\", \"cat one two\\u0017three\\r\"]\n"
	    "[5.0, \"i\", \"oops\\u0003\"]\n"
	    "[6.0, \"o\", \"not input\\r\"]\n"
	    "[7.0, \"i\", \"\\r\\r\"]\n"
	    "[8.0, \"i\", \"caf\\u00e9\\u007f\\u007fe\\n\"]\n", &n);
	assert_int_equal(n, 5);
	assert_string_equal(c[0].text, "ls -l");
	assert_true(c[0].start == 1.0);
	assert_int_equal(c[0].exit, -1);
	assert_true(c[0].duration < 0);
	assert_string_equal(c[1].text, "systemctl status");
	assert_string_equal(c[2].text, "echo safe");
	assert_string_equal(c[3].text, "cat one three");
	assert_string_equal(c[4].text, "cae");
	assert_int_equal(c[4].approximate, 0);
	commands_free(c, n);
}

static void
test_approximate(void **state)
{
	struct command	*c;
	size_t		 n;

	(void)state;
	c = rebuilt(
	    "[1.0, \"i\", \"\\u001b[A\\r\"]\n"		/* history */
	    "[2.0, \"i\", \"systemctl sta\\tnginx\\r\"]\n"	/* completion */
	    "[3.0, \"i\", \"ls\\u001b[Dx\\r\"]\n"		/* cursor left */
	    "[4.0, \"i\", \"echo fine\\r\"]\n"
	    "[5.0, \"i\", \"\\u001b\\u00e9x\\r\"]\n", &n);	/* Alt-é */
	assert_int_equal(n, 5);
	assert_string_equal(c[0].text, "");
	assert_int_equal(c[0].approximate, 1);
	assert_string_equal(c[1].text, "systemctl stanginx");
	assert_int_equal(c[1].approximate, 1);
	assert_int_equal(c[2].approximate, 1);
	assert_string_equal(c[3].text, "echo fine");
	assert_int_equal(c[3].approximate, 0);
	/* The ESC and é's first byte are gone: its second is not UTF-8. */
	assert_string_equal(c[4].text, "\xef\xbf\xbdx");
	assert_int_equal(c[4].approximate, 1);
	commands_free(c, n);
}

static void
test_log(void **state)
{
	enum commands_source	 src;
	struct command		*c;
	char			 dir[] = "/tmp/test_commands.XXXXXX";
	char			*cast, *log, *cause = NULL;
	size_t			 n;
	FILE			*fp;

	(void)state;
	assert_non_null(mkdtemp(dir));
	xasprintf(&cast, "%s/s.cast", dir);
	xasprintf(&log, "%s/s.commands", dir);
	assert_non_null(fp = fopen(cast, "w"));
	fputs(HEADER "[1.0, \"i\", \"typed\\r\"]\n", fp);
	fclose(fp);

	/* No log: rebuilt from the keys. */
	assert_int_equal(commands_load(cast, &c, &n, &src, &cause), 0);
	assert_int_equal(src, COMMANDS_INPUT);
	assert_int_equal(n, 1);
	assert_string_equal(c[0].text, "typed");
	commands_free(c, n);

	/* The log wins; a last line cut short is dropped. */
	assert_non_null(fp = fopen(log, "w"));
	fputs("{\"start\": 2.5, \"end\": 3.0, \"duration\": 0.5, \"exit\": 1, "
	    "\"command\": \"false\"}\n"
	    "{\"start\": 4, \"end\": null, \"duration\": null, \"exit\": null, "
	    "\"command\": \"sleep 100\"}\n"
	    "{\"start\": 9, \"end\"", fp);
	fclose(fp);
	assert_int_equal(commands_load(cast, &c, &n, &src, &cause), 0);
	assert_int_equal(src, COMMANDS_LOG);
	assert_int_equal(n, 2);
	assert_string_equal(c[0].text, "false");
	assert_int_equal(c[0].exit, 1);
	assert_true(c[0].duration > 0.49 && c[0].duration < 0.51);
	assert_int_equal(c[1].exit, -1);
	assert_true(c[1].duration < 0);
	commands_free(c, n);

	/* A broken line in the middle is an error naming it. */
	assert_non_null(fp = fopen(log, "w"));
	fputs("not json\n{\"start\": 1, \"command\": \"x\"}\n", fp);
	fclose(fp);
	assert_int_equal(commands_load(cast, &c, &n, &src, &cause), -1);
	assert_non_null(strstr(cause, "s.commands:1: "));
	free(cause);

	unlink(log);
	unlink(cast);
	rmdir(dir);
	free(cast);
	free(log);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_editing),
		cmocka_unit_test(test_approximate),
		cmocka_unit_test(test_log),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
