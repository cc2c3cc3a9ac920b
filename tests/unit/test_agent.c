/*
 * test_agent.c - the guest agent's protocol: the requests agent.c builds
 * and how it reads replies, through a scripted transport (no VM).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "agent.h"
#include "guest.h"
#include "file-fixture.h"
#include "util.h"

/* A transport that answers from a list and keeps what it was sent. */
struct script {
	const char	*replies[8];	/* NULL: fail the request */
	size_t		 nreplies;	/* the last one repeats */
	size_t		 next;
	json_t		*sent;		/* every request, in order */
};

static int
script_send(void *arg, const char *request, int timeout_s, char **reply,
    char **cause)
{
	struct script	*s = arg;
	const char	*r;

	assert_true(timeout_s >= 1);
	json_array_append_new(s->sent, json_loads(request, 0, NULL));
	r = s->replies[s->next < s->nreplies ? s->next : s->nreplies - 1];
	s->next++;
	if (r == NULL) {
		*cause = xstrdup("Guest agent is not responding");
		return -1;
	}
	*reply = xstrdup(r);
	return 0;
}

static struct agent *
script_agent(struct script *s)
{
	s->sent = json_array();
	return agent_new(script_send, s);
}

/* What request i executed, and its arguments. */
static const char *
sent_execute(const struct script *s, size_t i, json_t **args)
{
	json_t	*req = json_array_get(s->sent, i);

	assert_non_null(req);
	*args = json_object_get(req, "arguments");
	return json_string_value(json_object_get(req, "execute"));
}

static void
test_base64(void **state)
{
	static const struct {
		const char	*plain;
		const char	*b64;
	} t[] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" }, { "hello\n\x01\xff", "aGVsbG8KAf8=" },
	};
	static const char *bad[] = { "abc", "ab=c", "a===", "@@@@", "Zg==Zg==",
	    "Zm9v\n" };
	char	*e, *d;
	size_t	 i, n;

	(void)state;
	for (i = 0; i < nitems(t); i++) {
		e = agent_base64(t[i].plain, strlen(t[i].plain));
		assert_string_equal(e, t[i].b64);
		assert_int_equal(agent_unbase64(e, &d, &n), 0);
		assert_int_equal(n, strlen(t[i].plain));
		assert_memory_equal(d, t[i].plain, n);
		free(e);
		free(d);
	}
	for (i = 0; i < nitems(bad); i++) {
		assert_int_equal(agent_unbase64(bad[i], &d, &n), -1);
		assert_null(d);
	}
}

static void
test_ping(void **state)
{
	struct script	 s = { { "{\"return\": {}}" }, 1, 0, NULL };
	struct script	 e = { { "{\"error\": {\"class\": \"GenericError\", "
			    "\"desc\": \"no\\u001b[31m\"}}" }, 1, 0, NULL };
	struct script	 f = { { NULL }, 1, 0, NULL };
	struct script	 j = { { "pong" }, 1, 0, NULL };
	struct agent	*a;
	json_t		*args;
	char		*cause = NULL;

	(void)state;
	a = script_agent(&s);
	assert_int_equal(agent_ping(a, 2, &cause), 0);
	assert_string_equal(sent_execute(&s, 0, &args), "guest-ping");
	assert_null(args);
	agent_free(a);

	a = script_agent(&e);
	assert_int_equal(agent_ping(a, 2, &cause), -1);
	assert_string_equal(cause, "the guest agent refused guest-ping: no");
	free(cause);
	agent_free(a);

	a = script_agent(&f);
	assert_int_equal(agent_ping(a, 2, &cause), -1);
	assert_string_equal(cause, "Guest agent is not responding");
	free(cause);
	agent_free(a);

	a = script_agent(&j);
	assert_int_equal(agent_ping(a, 2, &cause), -1);
	assert_string_equal(cause, "the guest agent's answer to guest-ping is "
	    "not JSON");
	free(cause);
	agent_free(a);
	json_decref(s.sent);
	json_decref(e.sent);
	json_decref(f.sent);
	json_decref(j.sent);
}

/* guest-exec, one poll still running, then the exit with output. */
static void
test_exec(void **state)
{
	struct script		 s = { { "{\"return\": {\"pid\": 42}}",
				    "{\"return\": {\"exited\": false}}",
				    "{\"return\": {\"exited\": true, \"exitcode\": 3, "
				    "\"out-data\": \"aGVsbG8=\", \"err-data\": "
				    "\"b29wcw==\"}}" }, 3, 0, NULL };
	struct guest_result	 res;
	struct agent		*a = script_agent(&s);
	json_t			*args;
	char			*cause = NULL, *in;
	size_t			 n;

	(void)state;
	assert_int_equal(agent_exec(a, "echo $x", "input", 5, 10000, &res,
	    &cause), 0);
	assert_int_equal(res.status, 3);
	assert_int_equal(res.timed_out, 0);
	assert_string_equal(res.out, "hello");
	assert_int_equal(res.outlen, 5);
	assert_string_equal(res.err, "oops");
	guest_result_release(&res);

	assert_string_equal(sent_execute(&s, 0, &args), "guest-exec");
	assert_string_equal(json_string_value(json_object_get(args, "path")),
	    "/usr/bin/setsid");
	assert_string_equal(json_string_value(json_array_get(
	    json_object_get(args, "arg"), 3)), "echo $x");
	assert_true(json_is_true(json_object_get(args, "capture-output")));
	assert_int_equal(agent_unbase64(json_string_value(json_object_get(args,
	    "input-data")), &in, &n), 0);
	assert_string_equal(in, "input");
	free(in);
	assert_string_equal(sent_execute(&s, 1, &args), "guest-exec-status");
	assert_int_equal(json_integer_value(json_object_get(args, "pid")), 42);
	assert_int_equal(json_array_size(s.sent), 3);
	agent_free(a);
	json_decref(s.sent);
}

/* Killed by a signal: no exit status. Without input, stdin is empty. */
static void
test_exec_signal(void **state)
{
	struct script		 s = { { "{\"return\": {\"pid\": 7}}",
				    "{\"return\": {\"exited\": true, \"signal\": 9}}" },
				    2, 0, NULL };
	struct guest_result	 res;
	struct agent		*a = script_agent(&s);
	json_t			*args;
	char			*cause = NULL;

	(void)state;
	assert_int_equal(agent_exec(a, "kill -9 $$", NULL, 0, 10000, &res,
	    &cause), 0);
	assert_int_equal(res.status, -1);
	assert_string_equal(res.out, "");
	assert_string_equal(res.err, "");
	guest_result_release(&res);
	sent_execute(&s, 0, &args);
	assert_string_equal(json_string_value(json_object_get(args,
	    "input-data")), "");
	agent_free(a);
	json_decref(s.sent);
}

/* Past the deadline: the process group is killed, timed_out is set. */
static void
test_exec_timeout(void **state)
{
	struct script		 s = { { "{\"return\": {\"pid\": 99}}",
				    "{\"return\": {\"exited\": false}}" }, 2, 0,
				    NULL };
	struct guest_result	 res;
	struct agent		*a = script_agent(&s);
	json_t			*args;
	char			*cause = NULL;
	long long		 t = util_now_ms();
	size_t			 last;

	(void)state;
	assert_int_equal(agent_exec(a, "sleep 60", NULL, 0, 200, &res,
	    &cause), 0);
	assert_true(util_now_ms() - t >= 200);
	assert_true(util_now_ms() - t < 200 + HANG_MS);
	assert_int_equal(res.timed_out, 1);
	assert_int_equal(res.status, -1);
	guest_result_release(&res);
	last = json_array_size(s.sent) - 1;
	assert_string_equal(sent_execute(&s, last, &args), "guest-exec");
	assert_string_equal(json_string_value(json_object_get(args, "path")),
	    "/bin/kill");
	assert_string_equal(json_string_value(json_array_get(
	    json_object_get(args, "arg"), 2)), "-99");
	agent_free(a);
	json_decref(s.sent);
}

/* Output beyond GUEST_OUTPUT_MAX is dropped; bad base64 is an error. */
static void
test_exec_output(void **state)
{
	struct script		 big = { { "{\"return\": {\"pid\": 1}}", NULL },
				    2, 0, NULL };
	struct script		 bad = { { "{\"return\": {\"pid\": 1}}",
				    "{\"return\": {\"exited\": true, \"exitcode\": 0, "
				    "\"out-data\": \"!!!\"}}" }, 2, 0, NULL };
	struct script		 nopid = { { "{\"return\": {}}" }, 1, 0, NULL };
	struct guest_result	 res;
	struct agent		*a;
	char			*cause = NULL, *data, *b64, *reply;

	(void)state;
	data = xmalloc(GUEST_OUTPUT_MAX + 10);
	memset(data, 'x', GUEST_OUTPUT_MAX + 10);
	b64 = agent_base64(data, GUEST_OUTPUT_MAX + 10);
	xasprintf(&reply, "{\"return\": {\"exited\": true, \"exitcode\": 0, "
	    "\"out-data\": \"%s\"}}", b64);
	big.replies[1] = reply;
	a = script_agent(&big);
	assert_int_equal(agent_exec(a, "yes", NULL, 0, 10000, &res, &cause),
	    0);
	assert_int_equal(res.outlen, GUEST_OUTPUT_MAX);
	assert_int_equal(strlen(res.out), GUEST_OUTPUT_MAX);
	guest_result_release(&res);
	agent_free(a);

	a = script_agent(&bad);
	assert_int_equal(agent_exec(a, "true", NULL, 0, 10000, &res, &cause),
	    -1);
	assert_string_equal(cause, "the guest agent's out-data is not base64");
	free(cause);
	agent_free(a);

	a = script_agent(&nopid);
	assert_int_equal(agent_exec(a, "true", NULL, 0, 10000, &res, &cause),
	    -1);
	assert_string_equal(cause, "the guest agent's answer to guest-exec has "
	    "no pid");
	free(cause);
	agent_free(a);
	json_decref(big.sent);
	json_decref(bad.sent);
	json_decref(nopid.sent);
	free(reply);
	free(b64);
	free(data);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_ping),
		cmocka_unit_test(test_exec),
		cmocka_unit_test(test_exec_signal),
		cmocka_unit_test(test_exec_timeout),
		cmocka_unit_test(test_exec_output),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
