/*
 * test_vm.c - domain XML (golden files) and the domain lifecycle against
 * libvirt's in-process test driver.
 *
 * test:///default starts with one domain, "test", which is not ours and
 * must never show up in vm_list. Connections to it within one process
 * share its state, so a second, raw connection can stage what vm.c only
 * reads (managed save, hand-written metadata).
 *
 * UPDATE_GOLDEN=1 rewrites the golden files in tests/data/vm from the
 * current output.
 */
#include <sys/stat.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <libvirt/libvirt.h>
#include <libxml/parser.h>

#include "config.h"
#include "file-fixture.h"
#include "util.h"
#include "vm.h"

#define TEST_URI	"test:///default"

/* Nothing here is a real path: the test driver never opens them. */
static struct vm_spec
tcg_spec(void)
{
	struct vm_spec	 spec;

	memset(&spec, 0, sizeof spec);
	spec.name = "breakfix-web-down-7f3a";
	spec.kernel = "/var/lib/breakfix/images/debian-12/vmlinuz";
	spec.initrd = "/var/lib/breakfix/images/debian-12/initrd.img";
	spec.cmdline = "root=/dev/vda console=ttyS0 rw quiet";
	spec.disk = "/var/lib/breakfix/ex/web-down-7f3a/disk.qcow2";
	spec.console_log = "/var/lib/breakfix/ex/web-down-7f3a/console.log";
	spec.memory = 512ULL << 20;
	spec.vcpus = 1;
	spec.accel = VM_ACCEL_TCG;
	spec.meta.id = (char *)"web-down-7f3a";
	spec.meta.scenario = (char *)"web-down";
	spec.meta.scenario_file = (char *)"scenarios/web-down.yaml";
	spec.meta.candidate = (char *)"a&b<c>";
	spec.meta.dir = (char *)"/var/lib/breakfix/ex/web-down-7f3a";
	spec.meta.created = 1764072000;		/* 2025-11-25T12:00:00Z */
	spec.meta.expires = 1764072000 + 7200;
	spec.meta.port = 2222;
	spec.meta.accel = VM_ACCEL_TCG;
	return spec;
}

/*
 * Everything awkward: quotes of both kinds in attributes, markup in the
 * command line, tab/newline/return, UTF-8, and bytes XML cannot carry
 * (a control character, a stray 0xff, an encoded surrogate), which must
 * come out as U+FFFD rather than as a document libvirt refuses.
 */
static struct vm_spec
kvm_spec(void)
{
	struct vm_spec	 spec;

	memset(&spec, 0, sizeof spec);
	spec.name = "breakfix-o'brien-\"1\"";
	spec.kernel = "/srv/it's \"here\" & there/vmlinuz";
	spec.initrd = NULL;
	spec.cmdline = "root=/dev/vda init=/bin/sh -c 'echo <hi> && true'";
	spec.disk = "/srv/a&b/<disk>.qcow2";
	spec.console_log = "/srv/\"c\"/console's.log";
	spec.memory = (1ULL << 30) + 1;
	spec.hard_limit = 1;
	spec.vcpus = 2;
	spec.accel = VM_ACCEL_KVM;
	spec.meta.id = (char *)"o'brien-1";
	spec.meta.scenario = (char *)"]]> <!-- -->";
	spec.meta.scenario_file =
	    (char *)"sc\xc3\xa9narios/\xf0\x9f\x99\x82.yaml";
	spec.meta.candidate = (char *)"Zo\xc3\xab \"z\"\t<x>\n&\r\x01\xff"
	    "\xed\xa0\x80!";
	spec.meta.dir = NULL;
	spec.meta.created = 0;
	spec.meta.expires = 0;
	spec.meta.port = 65535;
	spec.meta.accel = VM_ACCEL_KVM;
	return spec;
}

/* What a create/list round trip must give back exactly. */
static struct vm_spec
roundtrip_spec(const char *name)
{
	struct vm_spec	 spec = tcg_spec();

	spec.name = name;
	spec.meta.candidate =
	    (char *)"a&b<c>\"'\t\n\r Zo\xc3\xab \xf0\x9f\x99\x82";
	spec.meta.scenario = (char *)"  ";
	spec.meta.scenario_file = (char *)"";
	spec.meta.dir = (char *)"]]>&amp;<![CDATA[";
	return spec;
}

static void
check_golden(const struct vm_spec *spec, const char *file)
{
	char		*path, *xml, *want;
	FILE		*fp;
	xmlDocPtr	 doc;
	const char	*update = getenv("UPDATE_GOLDEN");

	xasprintf(&path, "%s/vm/%s", DATADIR, file);
	xml = vm_domain_xml(spec);
	if (update != NULL && strcmp(update, "1") == 0) {
		assert_non_null(fp = fopen(path, "w"));
		fputs(xml, fp);
		assert_int_equal(fclose(fp), 0);
	}
	want = fixture_slurp(path, NULL);
	assert_non_null(want);
	assert_string_equal(xml, want);

	/* Well-formed, with no help from a lenient parser. */
	doc = xmlReadMemory(xml, strlen(xml), file, NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	assert_non_null(doc);
	xmlFreeDoc(doc);
	free(want);
	free(xml);
	free(path);
}

static void
test_golden_tcg(void **state)
{
	struct vm_spec	 spec = tcg_spec();

	(void)state;
	check_golden(&spec, "tcg.xml");
}

static void
test_golden_kvm(void **state)
{
	struct vm_spec	 spec = kvm_spec();

	(void)state;
	check_golden(&spec, "kvm.xml");
}

/* Extra disks: hostile paths and serial numbers escaped too. */
static void
test_golden_disks(void **state)
{
	static const char *const files[] = { "/srv/a&b/disk-data.qcow2",
	    "/srv/'x'/disk-<spare>.qcow2" };
	static const char *const serials[] = { "data", "sp&<>'\"are" };
	struct vm_spec	 spec = kvm_spec();

	(void)state;
	spec.extra_disks = files;
	spec.extra_serials = serials;
	spec.nextra = nitems(files);
	check_golden(&spec, "disks.xml");
}

/*
 * The verdict that KVM does not work here is root's alone, and written
 * through no link planted in its place.
 */
static void
test_kvm_verdict(void **state)
{
	char		 dir[] = "/tmp/test_vm.XXXXXX", *p, *target, *cmd;
	struct stat	 st;

	(void)state;
	assert_non_null(mkdtemp(dir));
	config_set_state_dir(dir);
	xasprintf(&p, "%s/accel-kvm-broken", dir);
	xasprintf(&target, "%s/elsewhere", dir);
	assert_int_equal(symlink(target, p), 0);
	vm_host_kvm_failed("planted");
	assert_int_equal(access(target, F_OK), -1);
	assert_int_equal(unlink(p), 0);
	vm_host_kvm_failed("a KVM guest printed nothing");
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	xasprintf(&cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(p);
	free(target);
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(vm_state_name(VM_STATE_RUNNING), "running");
	assert_string_equal(vm_state_name(VM_STATE_PAUSED), "paused");
	assert_string_equal(vm_state_name(VM_STATE_SHUTOFF), "shut off");
	assert_string_equal(vm_state_name(VM_STATE_SAVED), "saved");
	assert_string_equal(vm_state_name(VM_STATE_OTHER), "other");
	assert_string_equal(vm_state_name((enum vm_state)99), "other");
	assert_string_equal(vm_accel_name(VM_ACCEL_TCG), "tcg");
	assert_string_equal(vm_accel_name(VM_ACCEL_KVM), "kvm");
}

static void
test_open_bad(void **state)
{
	char	*cause = NULL;

	(void)state;
	assert_null(vm_open("bogus:///nowhere", &cause));
	assert_non_null(cause);
	assert_true(strncmp(cause, "cannot connect to 'bogus:///nowhere': ",
	    38) == 0);
	assert_true(strlen(cause) > 38);
	free(cause);
	vm_close(NULL);
}

static void
assert_meta_equal(const struct vm_meta *got, const struct vm_meta *want)
{
	assert_string_equal(got->id, want->id);
	assert_string_equal(got->scenario, want->scenario);
	assert_string_equal(got->scenario_file, want->scenario_file);
	assert_string_equal(got->candidate, want->candidate);
	assert_string_equal(got->dir, want->dir);
	assert_string_equal(got->pool, want->pool != NULL ? want->pool : "");
	assert_int_equal(got->created, want->created);
	assert_int_equal(got->expires, want->expires);
	assert_int_equal(got->port, want->port);
	assert_int_equal(got->accel, want->accel);
}

static void
assert_absent(struct vm_conn *vc, const char *name)
{
	struct vm_meta	 meta;
	enum vm_state	 st;
	char		*cause = NULL;

	assert_int_equal(vm_lookup(vc, name, &meta, &st, &cause), 1);
	assert_null(cause);
	vm_meta_release(&meta);
}

/* Our domains only: "test" and anything else unprefixed are skipped. */
static size_t
count_ours(struct vm_conn *vc)
{
	struct vm_entry	*list;
	size_t		 n;
	char		*cause = NULL;

	assert_int_equal(vm_list(vc, &list, &n, &cause), 0);
	assert_null(cause);
	vm_entries_free(list, n);
	return n;
}

static void
test_lifecycle(void **state)
{
	struct vm_spec	 spec = roundtrip_spec("breakfix-rt");
	struct vm_conn	*vc;
	struct vm_entry	*list;
	struct vm_meta	 meta;
	enum vm_state	 st;
	size_t		 n;
	char		*cause = NULL;

	(void)state;
	assert_non_null(vc = vm_open(TEST_URI, &cause));
	assert_string_equal(vm_uri(vc), TEST_URI);
	assert_int_equal(count_ours(vc), 0);

	assert_int_equal(vm_create(vc, &spec, &cause), 0);
	assert_null(cause);
	assert_int_equal(vm_list(vc, &list, &n, &cause), 0);
	assert_int_equal(n, 1);
	assert_string_equal(list[0].name, "breakfix-rt");
	assert_int_equal(list[0].state, VM_STATE_RUNNING);
	assert_meta_equal(&list[0].meta, &spec.meta);
	vm_entries_free(list, n);

	assert_int_equal(vm_lookup(vc, "breakfix-rt", &meta, &st, &cause), 0);
	assert_int_equal(st, VM_STATE_RUNNING);
	assert_meta_equal(&meta, &spec.meta);
	vm_meta_release(&meta);

	assert_int_equal(vm_destroy(vc, "breakfix-rt", &cause), 0);
	assert_null(cause);
	assert_absent(vc, "breakfix-rt");
	assert_int_equal(vm_destroy(vc, "breakfix-rt", &cause), 0);
	assert_null(cause);
	assert_int_equal(count_ours(vc), 0);
	vm_close(vc);
}

/*
 * A pool member's life: made and saved with the pool stamp, claimed
 * (metadata rewritten while saved), restored, its metadata rewritten
 * again while running; both rewrites read back exactly.
 */
static void
test_pool_member(void **state)
{
	struct vm_spec	 spec = roundtrip_spec("breakfix-ex-0001");
	struct vm_meta	 claimed, meta;
	struct vm_conn	*vc;
	enum vm_state	 st;
	char		*cause = NULL;

	(void)state;
	spec.meta.pool = (char *)"debian-12@2026-11-25T15:39:55Z";
	assert_non_null(vc = vm_open(TEST_URI, &cause));
	assert_int_equal(vm_create(vc, &spec, &cause), 0);
	assert_int_equal(vm_managed_save(vc, spec.name, &cause), 0);
	assert_null(cause);
	assert_int_equal(vm_lookup(vc, spec.name, &meta, &st, &cause), 0);
	assert_int_equal(st, VM_STATE_SAVED);
	assert_meta_equal(&meta, &spec.meta);
	vm_meta_release(&meta);

	claimed = spec.meta;
	claimed.pool = (char *)"";
	claimed.scenario = (char *)"web-down";
	claimed.candidate = (char *)"Zo\xc3\xab <z>";
	claimed.expires = spec.meta.expires + 60;
	assert_int_equal(vm_set_meta(vc, spec.name, &claimed, VM_ACCEL_TCG,
	    &cause), 0);
	assert_null(cause);
	assert_int_equal(vm_start(vc, spec.name, &cause), 0);
	assert_int_equal(vm_lookup(vc, spec.name, &meta, &st, &cause), 0);
	assert_int_equal(st, VM_STATE_RUNNING);
	vm_meta_release(&meta);

	claimed.candidate = (char *)"someone else";
	assert_int_equal(vm_set_meta(vc, spec.name, &claimed, VM_ACCEL_TCG,
	    &cause), 0);
	assert_int_equal(vm_lookup(vc, spec.name, &meta, &st, &cause), 0);
	assert_meta_equal(&meta, &claimed);
	vm_meta_release(&meta);

	/* Starting a running domain, or one that is gone, fails cleanly. */
	assert_int_equal(vm_start(vc, spec.name, &cause), -1);
	assert_non_null(strstr(cause, "cannot start domain"));
	free(cause);
	cause = NULL;
	assert_int_equal(vm_destroy(vc, spec.name, &cause), 0);
	assert_int_equal(vm_managed_save(vc, spec.name, &cause), -1);
	assert_non_null(strstr(cause, "cannot look up domain"));
	free(cause);
	cause = NULL;
	assert_int_equal(vm_set_meta(vc, spec.name, &claimed, VM_ACCEL_TCG,
	    &cause), -1);
	free(cause);
	vm_close(vc);
}

static void
test_duplicate(void **state)
{
	struct vm_spec	 first = tcg_spec(), second = kvm_spec();
	struct vm_conn	*vc;
	struct vm_meta	 meta;
	enum vm_state	 st;
	char		*cause = NULL;

	(void)state;
	assert_non_null(vc = vm_open(TEST_URI, &cause));
	assert_int_equal(vm_create(vc, &first, &cause), 0);
	second.name = first.name;
	assert_int_equal(vm_create(vc, &second, &cause), -1);
	assert_non_null(cause);
	assert_non_null(strstr(cause, "cannot define domain "
	    "'breakfix-web-down-7f3a': "));
	assert_non_null(strstr(cause, "already exists"));
	free(cause);
	cause = NULL;

	assert_int_equal(vm_lookup(vc, first.name, &meta, &st, &cause), 0);
	assert_int_equal(st, VM_STATE_RUNNING);
	assert_meta_equal(&meta, &first.meta);
	vm_meta_release(&meta);
	assert_int_equal(vm_destroy(vc, first.name, &cause), 0);
	assert_absent(vc, first.name);
	vm_close(vc);
}

/*
 * Bytes XML cannot carry are replaced, one U+FFFD each, so the domain is
 * still defined; what XML can carry comes back exactly.
 */
static void
test_unrepresentable(void **state)
{
	struct vm_spec	 spec = kvm_spec();
	struct vm_conn	*vc;
	struct vm_meta	 meta;
	enum vm_state	 st;
	char		*cause = NULL;

	(void)state;
	assert_non_null(vc = vm_open(TEST_URI, &cause));
	assert_int_equal(vm_create(vc, &spec, &cause), 0);
	assert_null(cause);
	assert_int_equal(vm_lookup(vc, spec.name, &meta, &st, &cause), 0);
	assert_string_equal(meta.candidate, "Zo\xc3\xab \"z\"\t<x>\n&\r"
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd!");
	assert_string_equal(meta.scenario, spec.meta.scenario);
	assert_string_equal(meta.scenario_file, spec.meta.scenario_file);
	assert_string_equal(meta.dir, "");
	assert_int_equal(meta.created, 0);
	assert_int_equal(meta.port, 65535);
	assert_int_equal(meta.accel, VM_ACCEL_KVM);
	vm_meta_release(&meta);
	assert_int_equal(vm_destroy(vc, spec.name, &cause), 0);
	assert_absent(vc, spec.name);
	vm_close(vc);
}

/* Paused and managed-saved domains, staged over a raw connection. */
static void
test_states(void **state)
{
	struct vm_spec	 spec = tcg_spec();
	struct vm_conn	*vc;
	struct vm_entry	*list;
	virConnectPtr	 raw;
	virDomainPtr	 dom;
	struct vm_meta	 meta;
	enum vm_state	 st;
	size_t		 n;
	char		*cause = NULL;

	(void)state;
	assert_non_null(vc = vm_open(TEST_URI, &cause));
	assert_non_null(raw = virConnectOpen(TEST_URI));
	assert_int_equal(vm_create(vc, &spec, &cause), 0);
	assert_non_null(dom = virDomainLookupByName(raw, spec.name));

	assert_int_equal(virDomainSuspend(dom), 0);
	assert_int_equal(vm_lookup(vc, spec.name, &meta, &st, &cause), 0);
	assert_int_equal(st, VM_STATE_PAUSED);
	vm_meta_release(&meta);

	assert_int_equal(virDomainResume(dom), 0);
	assert_int_equal(virDomainManagedSave(dom, 0), 0);
	assert_int_equal(vm_list(vc, &list, &n, &cause), 0);
	assert_int_equal(n, 1);
	assert_int_equal(list[0].state, VM_STATE_SAVED);
	assert_meta_equal(&list[0].meta, &spec.meta);
	vm_entries_free(list, n);

	/* Removes the managed save and, refused NVRAM, undefines anyway. */
	assert_int_equal(vm_destroy(vc, spec.name, &cause), 0);
	assert_null(cause);
	assert_absent(vc, spec.name);
	virDomainFree(dom);
	virConnectClose(raw);
	vm_close(vc);
}

static void
define_raw(virConnectPtr raw, const char *name, const char *metadata)
{
	virDomainPtr	 dom;
	char		*xml;

	xasprintf(&xml, "<domain type='test'><name>%s</name>"
	    "<metadata>%s</metadata><memory>131072</memory>"
	    "<os><type>hvm</type></os></domain>", name, metadata);
	assert_non_null(dom = virDomainDefineXML(raw, xml));
	virDomainFree(dom);
	free(xml);
}

/* Domains defined by hand with broken or no metadata still list. */
static void
test_garbled(void **state)
{
	struct vm_conn	*vc;
	struct vm_entry	*list;
	virConnectPtr	 raw;
	size_t		 n, i;
	char		*cause = NULL;

	(void)state;
	assert_non_null(vc = vm_open(TEST_URI, &cause));
	assert_non_null(raw = virConnectOpen(TEST_URI));
	define_raw(raw, "breakfix-garbled", "<b:exercise xmlns:b='" VM_META_NS
	    "'><b:id>x<b:nested>y</b:nested></b:id><b:port>99999</b:port>"
	    "<b:created>yesterday</b:created><b:expires>2025-11-25T12:00:00"
	    "</b:expires><b:accel>arm</b:accel><b:extra>z</b:extra>"
	    "</b:exercise>");
	define_raw(raw, "breakfix-none", "");
	define_raw(raw, "breakfix-other", "<b:other xmlns:b='" VM_META_NS
	    "'><b:id>nope</b:id></b:other>");
	define_raw(raw, "breakfix-port", "<b:exercise xmlns:b='" VM_META_NS
	    "'><b:port>+22</b:port><b:accel>kvm</b:accel></b:exercise>");
	define_raw(raw, "not-breakfix", "");

	assert_int_equal(vm_list(vc, &list, &n, &cause), 0);
	assert_int_equal(n, 4);
	assert_string_equal(list[0].name, "breakfix-garbled");
	assert_string_equal(list[0].meta.id, "xy");
	assert_int_equal(list[0].meta.port, 0);
	assert_int_equal(list[0].meta.created, 0);
	assert_int_equal(list[0].meta.expires, 0);
	assert_int_equal(list[0].meta.accel, VM_ACCEL_TCG);
	assert_string_equal(list[1].name, "breakfix-none");
	assert_string_equal(list[1].meta.id, "");
	assert_string_equal(list[2].name, "breakfix-other");
	assert_string_equal(list[2].meta.id, "");
	assert_string_equal(list[3].name, "breakfix-port");
	assert_int_equal(list[3].meta.port, 0);
	assert_int_equal(list[3].meta.accel, VM_ACCEL_KVM);
	for (i = 0; i < n; i++) {
		assert_int_equal(list[i].state, VM_STATE_SHUTOFF);
		assert_string_equal(list[i].meta.candidate, "");
		assert_string_equal(list[i].meta.dir, "");
		assert_int_equal(vm_destroy(vc, list[i].name, &cause), 0);
	}
	vm_entries_free(list, n);
	assert_int_equal(count_ours(vc), 0);
	virConnectClose(raw);
	vm_close(vc);
}

/*
 * 'info usernet' as QEMU 7.2 prints it (taken from a running exercise):
 * forwards, connections through them in several states, and lines that
 * are not TCP sockets' or not well formed.
 */
static const char usernet_text[] =
    "Hub -1 (net0):\r\n"
    "  Protocol[State]    FD  Source Address  Port   Dest. Address  Port "
    "RecvQ SendQ\r\n"
    "  TCP[HOST_FORWARD]  91       127.0.0.1 45082       10.0.2.15    82"
    "     0     0\r\n"
    "  TCP[SYN_SENT]      93       127.0.0.1 45082       10.0.2.15    82"
    "     0     0\r\n"
    "  TCP[ESTABLISHED]   94       127.0.0.1 45082       10.0.2.15    82"
    "     0     0\r\n"
    "  TCP[TIME_WAIT]     91               * 45080       10.0.2.15    80"
    "     0     0\r\n"
    "  UDP[236 sec]       20       10.0.2.15   68       10.0.2.2    67"
    "     0     0\r\n"
    "  TCP[ESTABLISHED]   95       127.0.0.1 99999       10.0.2.15    82"
    "     0     0\r\n"
    "  TCP[broken\r\n"
    "  TCP[HOST_FORWARD]  12       127.0.0.1 45627       10.0.2.15    22"
    "     0     0";

static void
test_usernet_parse(void **state)
{
	struct vm_usernet_sock	*s;
	size_t			 n;

	(void)state;
	n = vm_usernet_parse(usernet_text, &s);
	assert_int_equal(n, 5);
	assert_string_equal(s[0].state, "HOST_FORWARD");
	assert_string_equal(s[0].host_addr, "127.0.0.1");
	assert_int_equal(s[0].fd, 91);
	assert_int_equal(s[0].host_port, 45082);
	assert_int_equal(s[0].guest_port, 82);
	assert_string_equal(s[1].state, "SYN_SENT");
	assert_string_equal(s[2].state, "ESTABLISHED");
	assert_int_equal(s[2].fd, 94);
	assert_string_equal(s[3].host_addr, "*");
	assert_int_equal(s[3].guest_port, 80);
	assert_int_equal(s[4].host_port, 45627);	/* no newline at the end */
	free(s);
	assert_int_equal(vm_usernet_parse("", &s), 0);
	assert_null(s);
}

/* The test driver has no QEMU monitor: a failure with a cause. */
static void
test_monitor_unsupported(void **state)
{
	struct vm_spec		 spec = roundtrip_spec("breakfix-mon");
	struct vm_usernet_sock	*s = NULL;
	struct vm_conn		*vc;
	size_t			 n;
	char			*cause = NULL;

	(void)state;
	assert_non_null(vc = vm_open(TEST_URI, &cause));
	assert_int_equal(vm_create(vc, &spec, &cause), 0);
	assert_int_equal(vm_forward_add(vc, "breakfix-mon", 45080, 80, &cause),
	    -1);
	assert_non_null(strstr(cause, "QEMU's monitor of 'breakfix-mon'"));
	free(cause);
	cause = NULL;
	assert_int_equal(vm_usernet(vc, "breakfix-mon", &s, &n, &cause), -1);
	assert_null(s);
	free(cause);
	cause = NULL;
	assert_int_equal(vm_forward_add(vc, "breakfix-none", 1, 2, &cause), -1);
	assert_non_null(strstr(cause, "breakfix-none"));
	free(cause);
	cause = NULL;
	assert_int_equal(vm_destroy(vc, "breakfix-mon", &cause), 0);
	vm_close(vc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden_tcg),
		cmocka_unit_test(test_golden_kvm),
		cmocka_unit_test(test_golden_disks),
		cmocka_unit_test(test_kvm_verdict),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_open_bad),
		cmocka_unit_test(test_lifecycle),
		cmocka_unit_test(test_duplicate),
		cmocka_unit_test(test_pool_member),
		cmocka_unit_test(test_unrepresentable),
		cmocka_unit_test(test_states),
		cmocka_unit_test(test_garbled),
		cmocka_unit_test(test_usernet_parse),
		cmocka_unit_test(test_monitor_unsupported),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
