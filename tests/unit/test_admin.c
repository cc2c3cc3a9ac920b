/*
 * test_admin.c - the admin channel without a VM: the nonce's wrapper run
 * by a real /bin/sh, answers that lack it, the fingerprints' comparison,
 * and a channel that is lost. The "agent" here runs guest-exec's script
 * on this host (or, as a candidate's fake would, answers without running
 * it).
 */
#include <sys/wait.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <jansson.h>

#include "admin.h"
#include "agent.h"
#include "file-fixture.h"
#include "util.h"

/* How the fake agent behaves. */
enum fake_mode {
	FAKE_RUN,		/* runs the script, as qemu-ga would */
	FAKE_EXIT0,		/* "exit 0" and nothing else */
	FAKE_REPLAY,		/* what FAKE_RUN answered first, again */
};

struct fake {
	enum fake_mode	 mode;
	char		*last;		/* the last guest-exec-status reply */
	char		*first;		/* the first one, for FAKE_REPLAY */
	char		 dir[64];
};

static char *
fake_file(const char *path)
{
	FILE	*fp = fopen(path, "r");
	char	*buf = xmalloc(1 << 20);
	size_t	 n = 0;

	if (fp != NULL) {
		n = fread(buf, 1, (1 << 20) - 1, fp);
		fclose(fp);
	}
	buf[n] = '\0';
	return buf;
}

/* guest-exec's script run here: /bin/sh -c SCRIPT <in >out 2>err. */
static char *
fake_run(struct fake *f, json_t *args)
{
	const char	*script = json_string_value(json_array_get(
			    json_object_get(args, "arg"), 3));
	char		*in = NULL, *cmd, *q, *out, *err, *o64, *e64, *reply;
	size_t		 n;
	FILE		*fp;
	int		 st;

	assert_int_equal(agent_unbase64(json_string_value(json_object_get(
	    args, "input-data")), &in, &n), 0);
	xasprintf(&cmd, "%s/in", f->dir);
	assert_non_null(fp = fopen(cmd, "w"));
	fwrite(in, 1, n, fp);
	fclose(fp);
	free(cmd);
	q = util_shell_quote(script);
	xasprintf(&cmd, "/bin/sh -c %s <%s/in >%s/out 2>%s/err", q, f->dir,
	    f->dir, f->dir);
	st = system(cmd);
	free(cmd);
	xasprintf(&cmd, "%s/out", f->dir);
	out = fake_file(cmd);
	free(cmd);
	xasprintf(&cmd, "%s/err", f->dir);
	err = fake_file(cmd);
	o64 = agent_base64(out, strlen(out));
	e64 = agent_base64(err, strlen(err));
	xasprintf(&reply, "{\"return\": {\"exited\": true, \"exitcode\": %d, "
	    "\"out-data\": \"%s\", \"err-data\": \"%s\"}}", WEXITSTATUS(st),
	    o64, e64);
	free(cmd);
	free(q);
	free(in);
	free(out);
	free(err);
	free(o64);
	free(e64);
	return reply;
}

static int
fake_send(void *arg, const char *request, int timeout_s, char **reply,
    char **cause)
{
	struct fake	*f = arg;
	json_t		*req = json_loads(request, 0, NULL);
	const char	*ex = json_string_value(json_object_get(req, "execute"));

	(void)timeout_s;
	(void)cause;
	if (strcmp(ex, "guest-ping") == 0)
		*reply = xstrdup("{\"return\": {}}");
	else if (strcmp(ex, "guest-exec-status") == 0)
		*reply = xstrdup(f->last);
	else {
		free(f->last);
		if (f->mode == FAKE_EXIT0)
			f->last = xstrdup("{\"return\": {\"exited\": true, "
			    "\"exitcode\": 0}}");
		else if (f->mode == FAKE_REPLAY && f->first != NULL)
			f->last = xstrdup(f->first);
		else
			f->last = fake_run(f, json_object_get(req, "arguments"));
		if (f->first == NULL)
			f->first = xstrdup(f->last);
		*reply = xstrdup("{\"return\": {\"pid\": 1}}");
	}
	json_decref(req);
	return 0;
}

static struct fake fk;

static int
setup(void **state)
{
	(void)state;
	snprintf(fk.dir, sizeof fk.dir, "/tmp/test_admin.XXXXXX");
	return mkdtemp(fk.dir) != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	char	*cmd;

	(void)state;
	xasprintf(&cmd, "rm -rf %s", fk.dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", fk.dir);
	free(cmd);
	free(fk.last);
	free(fk.first);
	return 0;
}

static struct admin *
fake_admin(enum fake_mode mode)
{
	free(fk.last);
	free(fk.first);
	fk.last = fk.first = NULL;
	fk.mode = mode;
	return admin_over_agent(agent_new(fake_send, &fk));
}

/* The wrapper passes output, stdin and exit status through unchanged. */
static void
test_wrapped(void **state)
{
	static const struct {
		const char	*script;
		const char	*input;
		const char	*out;
		int		 status;
	} t[] = {
		{ "true", NULL, "", 0 },
		{ "exit 7", NULL, "", 7 },
		{ "printf 'a\\nb'", NULL, "a\nb", 0 },
		{ "echo one; echo two; exit 3", NULL, "one\ntwo\n", 3 },
		{ "cat; echo", "stdin\nhere", "stdin\nhere\n", 0 },
		{ "echo breakfix-exit 0123 0", NULL, "breakfix-exit 0123 0\n", 0 },
	};
	struct guest_result	 res;
	struct admin		*a = fake_admin(FAKE_RUN);
	char			*cause = NULL;
	size_t			 i;

	(void)state;
	for (i = 0; i < nitems(t); i++) {
		assert_int_equal(admin_exec(a, t[i].script, t[i].input, 10000,
		    &res, &cause), 0);
		assert_int_equal(res.tampered, 0);
		assert_int_equal(res.status, t[i].status);
		assert_string_equal(res.out, t[i].out);
		assert_int_equal(res.outlen, strlen(t[i].out));
		guest_result_release(&res);
	}
	assert_int_equal(admin_channel(a), ADMIN_AGENT);
	assert_string_equal(admin_channel_name(admin_channel(a)),
	    "guest agent");
	assert_null(admin_fallback(a));
	admin_close(a);
}

/*
 * A channel that answers "exit 0" without running anything (the
 * authorized_keys command="exit 0" trick, or a fake agent), or that
 * replays an earlier answer: tampered, never a pass.
 */
static void
test_faked(void **state)
{
	struct guest_result	 res;
	struct admin		*a;
	char			*cause = NULL;

	(void)state;
	a = fake_admin(FAKE_EXIT0);
	assert_int_equal(admin_exec(a, "false", NULL, 10000, &res, &cause), 0);
	assert_int_equal(res.tampered, 1);
	assert_int_equal(res.status, -1);
	guest_result_release(&res);
	admin_close(a);

	a = fake_admin(FAKE_REPLAY);
	assert_int_equal(admin_exec(a, "true", NULL, 10000, &res, &cause), 0);
	assert_int_equal(res.tampered, 0);
	assert_int_equal(res.status, 0);
	guest_result_release(&res);
	assert_int_equal(admin_exec(a, "false", NULL, 10000, &res, &cause), 0);
	assert_int_equal(res.tampered, 1);
	assert_int_equal(res.status, -1);
	guest_result_release(&res);
	admin_close(a);
}

/* admin_unwrap takes exactly its own last line, and nothing else. */
static void
test_unwrap(void **state)
{
	static const char nonce[] = "00112233445566778899aabbccddeeff";
	static const struct {
		const char	*out;
		int		 ok;
		const char	*left;
		int		 status;
	} t[] = {
		{ "\nbreakfix-exit 00112233445566778899aabbccddeeff 0\n", 1, "",
		  0 },
		{ "x\n\nbreakfix-exit 00112233445566778899aabbccddeeff 12\n", 1,
		  "x\n", 12 },
		{ "", 0, NULL, 0 },
		{ "hello\n", 0, NULL, 0 },
		{ "\nbreakfix-exit 00112233445566778899aabbccddeeff 0", 0, NULL, 0 },
		{ "\nbreakfix-exit 00112233445566778899aabbccddeeff 0\nmore\n", 0,
		  NULL, 0 },
		{ "\nbreakfix-exit ffffffffffffffffffffffffffffffff 0\n", 0, NULL,
		  0 },
		{ "\nbreakfix-exit 00112233445566778899aabbccddeeff 256\n", 0,
		  NULL, 0 },
		{ "\nbreakfix-exit 00112233445566778899aabbccddeeff -1\n", 0, NULL,
		  0 },
		{ "\nbreakfix-exit 00112233445566778899aabbccddeeff \n", 0, NULL,
		  0 },
		{ "\nbreakfix-exit 00112233445566778899aabbccddeeffx 0\n", 0, NULL,
		  0 },
	};
	char	*buf;
	size_t	 i, len;
	int	 status;

	(void)state;
	for (i = 0; i < nitems(t); i++) {
		buf = xstrdup(t[i].out);
		len = strlen(buf);
		status = -5;
		assert_int_equal(admin_unwrap(buf, &len, nonce, &status),
		    t[i].ok ? 0 : -1);
		if (t[i].ok) {
			assert_string_equal(buf, t[i].left);
			assert_int_equal(len, strlen(t[i].left));
			assert_int_equal(status, t[i].status);
		}
		free(buf);
	}
}

static void
test_fingerprint_diff(void **state)
{
	static const char base[] = "aa /home/breakfix/.ssh/authorized_keys\n"
	    "bb /etc/sudoers\nmissing /etc/systemd/system/x.service\n"
	    "pid:196 qemu-ga\n";
	static const struct {
		const char	*after;
		int		 n;
		const char	*changed;
	} t[] = {
		{ base, 0, NULL },
		{ "aa /home/breakfix/.ssh/authorized_keys\nbb /etc/sudoers\n"
		  "missing /etc/systemd/system/x.service\npid: qemu-ga\n", 1,
		  "qemu-ga" },
		{ "cc /home/breakfix/.ssh/authorized_keys\nbb /etc/sudoers\n"
		  "missing /etc/systemd/system/x.service\npid:196 qemu-ga\n", 1,
		  "/home/breakfix/.ssh/authorized_keys" },
		{ "aa /home/breakfix/.ssh/authorized_keys\n"
		  "dd /etc/systemd/system/x.service\npid:196 qemu-ga\n"
		  "ee /etc/sudoers.d/zz\n", 3, "/etc/sudoers, "
		  "/etc/systemd/system/x.service, /etc/sudoers.d/zz" },
		{ "", 4, NULL },
	};
	char	*changed;
	size_t	 i;

	(void)state;
	for (i = 0; i < nitems(t); i++) {
		assert_int_equal(admin_fingerprint_diff(base, t[i].after,
		    &changed), t[i].n);
		if (t[i].changed != NULL)
			assert_string_equal(changed, t[i].changed);
		assert_true((changed == NULL) == (t[i].n == 0));
		free(changed);
	}
}

/* The fingerprint script runs as it is (on this host). */
static void
test_fingerprint(void **state)
{
	struct admin	*a = fake_admin(FAKE_RUN);
	char		*fp = NULL, *cause = NULL, *changed;

	(void)state;
	if (admin_fingerprint(a, &fp, &cause) != 0)
		fail_msg("admin_fingerprint: %s", cause);
	assert_non_null(strstr(fp, " /etc/sudoers\n"));
	assert_non_null(strstr(fp, " qemu-ga\n"));
	assert_int_equal(admin_fingerprint_diff(fp, fp, &changed), 0);
	free(fp);
	admin_close(a);

	a = fake_admin(FAKE_EXIT0);
	assert_int_equal(admin_fingerprint(a, &fp, &cause), -1);
	assert_string_equal(cause, "admin channel tampered: the admin "
	    "channel's fingerprint came back without its nonce");
	free(cause);
	admin_close(a);
}

/* Neither way in: "admin channel lost", at once, with both reasons. */
static void
test_lost(void **state)
{
	struct admin_target	 t;
	char			*cause = NULL;
	long long		 start = util_now_ms();

	(void)state;
	memset(&t, 0, sizeof t);
	t.port = 1;
	t.key = "/nonexistent/key";
	assert_null(admin_open(&t, 0, &cause));
	assert_string_equal(cause, "admin channel lost: no libvirt connection; "
	    "ssh: not tried");
	free(cause);
	assert_null(admin_open(&t, 1000, &cause));
	assert_non_null(strstr(cause, "admin channel lost: no libvirt "
	    "connection; ssh: cannot read key '/nonexistent/key'"));
	free(cause);
	assert_true(util_now_ms() - start < HANG_MS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wrapped),
		cmocka_unit_test(test_faked),
		cmocka_unit_test(test_unwrap),
		cmocka_unit_test(test_fingerprint_diff),
		cmocka_unit_test(test_fingerprint),
		cmocka_unit_test(test_lost),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
