/*
 * test_pool.c - the pool's list, claim and drain against libvirt's
 * in-process test driver and a temporary state directory.
 *
 * Each test gets its own state directory holding a built image
 * (images/debian-12/manifest.json and empty files) and pool members as
 * pool_make leaves them: a record in exercises/<id>/ and a
 * domain "breakfix-<id>" in test:///default, running (hot) or managed
 * saved (warm). The test driver never opens the domain's paths.
 *
 * test:///default keeps its state per process, so the concurrent claims
 * (forked processes) each define the members' domains themselves: what
 * they share is the records and pool/claim.lock, which is what makes a
 * member go to one claimer only.
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
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

#include "config.h"
#include "exercise.h"
#include "pool.h"
#include "scenario.h"
#include "util.h"
#include "vm.h"

#define TEST_URI	"test:///default"
#define IMAGE		"debian-12"
#define BUILT_AT	"2026-01-01T00:00:00Z"
#define STAMP		IMAGE "@" BUILT_AT
#define OLD_STAMP	IMAGE "@older"
#define T0		1767225600	/* 2026-01-01T00:00:00Z */

#define WHY_EMPTY	"the pool is empty"
#define WHY_FITS	"no member fits this scenario's VM (image, memory, " \
			"vCPUs, disk, extra disks)"
#define WHY_STALE	"its members are stale (an older image build, or " \
			"lost); the next fill replaces them"
#define WHY_BOOTING	"its members are still booting"
#define WHY_ACCEL	"no member uses the asked accelerator"

#define CLAIMERS	4	/* processes claiming at once */
#define ROUNDS		8	/* times they race */

enum dom {
	DOM_NONE,		/* no domain: lost */
	DOM_HOT,		/* running */
	DOM_WARM,		/* shut off with a managed save */
	DOM_OFF,		/* shut off, nothing saved */
};

/* One record in exercises/<id>/ and, unless DOM_NONE, its domain. */
struct member {
	const char	*id;
	const char	*state;		/* pooled, filling, claimed, ready */
	const char	*stamp;		/* "" for an ordinary exercise */
	time_t		 created;
	enum dom	 dom;
	uint64_t	 memory;	/* 0: the default shape's */
};

static char	 statedir[] = "/tmp/test_pool.XXXXXX";

static struct exercise_shape
default_shape(void)
{
	struct exercise_shape	 shape;

	memset(&shape, 0, sizeof shape);
	shape.image = SCENARIO_DEFAULT_IMAGE;
	shape.memory = SCENARIO_DEFAULT_MEMORY;
	shape.vcpus = SCENARIO_DEFAULT_VCPUS;
	shape.disk = SCENARIO_DEFAULT_DISK;
	return shape;
}

static uint64_t
member_memory(const struct member *m)
{
	return m->memory != 0 ? m->memory : SCENARIO_DEFAULT_MEMORY;
}

static char *
member_dir(const char *id)
{
	char	*p;

	xasprintf(&p, "%s/exercises/%s", statedir, id);
	return p;
}

static void
write_file(const char *path, const char *text)
{
	FILE	*fp;

	assert_non_null(fp = fopen(path, "w"));
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
}

/* A built image as image_load wants it: manifest and its three files. */
static void
make_image(const char *name, const char *built_at)
{
	static const char *const files[] = {
		"disk.qcow2", "vmlinuz", "initrd.img"
	};
	char	*dir, *p, *json;
	size_t	 i;

	xasprintf(&p, "%s/images", statedir);
	assert_int_equal(mkdir(p, 0755), 0);
	free(p);
	xasprintf(&dir, "%s/images/%s", statedir, name);
	assert_int_equal(mkdir(dir, 0755), 0);
	for (i = 0; i < nitems(files); i++) {
		xasprintf(&p, "%s/%s", dir, files[i]);
		write_file(p, "");
		free(p);
	}
	xasprintf(&json, "{\"name\": \"%s\", \"built_at\": \"%s\", "
	    "\"kernel_cmdline\": \"root=/dev/vda console=ttyS0 rw\", "
	    "\"disk\": {\"path\": \"disk.qcow2\", \"bytes\": 0, "
	    "\"virtual_size\": 0}, \"kernel\": {\"path\": \"vmlinuz\"}, "
	    "\"initrd\": {\"path\": \"initrd.img\"}}\n", name, built_at);
	xasprintf(&p, "%s/manifest.json", dir);
	write_file(p, json);
	free(p);
	free(json);
	free(dir);
}

/* The record, as pool_make writes it. Returns 0 or -1. */
static int
save_record(const struct member *m, char **cause)
{
	struct exercise	 ex;
	char		*dir = member_dir(m->id), *parent, *domain;
	int		 rc;

	xasprintf(&domain, VM_NAME_PREFIX "%s", m->id);
	memset(&ex, 0, sizeof ex);
	ex.id = (char *)m->id;
	ex.domain = domain;
	ex.state = (char *)m->state;
	ex.uri = (char *)TEST_URI;
	ex.image = (char *)IMAGE;
	ex.launch = (char *)(m->dom == DOM_HOT ? "hot" : "warm");
	ex.shape = default_shape();
	ex.shape.image = ex.image;
	ex.shape.memory = member_memory(m);
	ex.meta.id = (char *)m->id;
	ex.meta.scenario = (char *)"";
	ex.meta.scenario_file = (char *)"";
	ex.meta.candidate = (char *)"";
	ex.meta.dir = dir;
	ex.meta.pool = (char *)m->stamp;
	ex.meta.created = m->created;
	ex.meta.accel = VM_ACCEL_TCG;
	xasprintf(&parent, "%s/exercises", statedir);
	rc = util_mkdir(parent, 0711, 1, cause) != 0 ||
	    util_mkdir(dir, 0711, 1, cause) != 0 ||
	    exercise_save(&ex, cause) != 0 ? -1 : 0;
	free(parent);
	free(domain);
	free(dir);
	return rc;
}

/* The member's domain, running. No cmocka here: children call it too. */
static int
make_domain(struct vm_conn *vc, const struct member *m, char **cause)
{
	struct vm_spec	 spec;
	char		*dir = member_dir(m->id), *name, *disk, *console;
	int		 rc;

	xasprintf(&name, VM_NAME_PREFIX "%s", m->id);
	xasprintf(&disk, "%s/disk.qcow2", dir);
	xasprintf(&console, "%s/console.log", dir);
	memset(&spec, 0, sizeof spec);
	spec.name = name;
	spec.kernel = "/nonexistent/vmlinuz";
	spec.initrd = "/nonexistent/initrd.img";
	spec.cmdline = "root=/dev/vda console=ttyS0 rw";
	spec.disk = disk;
	spec.console_log = console;
	spec.memory = member_memory(m);
	spec.vcpus = SCENARIO_DEFAULT_VCPUS;
	spec.accel = VM_ACCEL_TCG;
	spec.meta.id = (char *)m->id;
	spec.meta.scenario = (char *)"";
	spec.meta.scenario_file = (char *)"";
	spec.meta.candidate = (char *)"";
	spec.meta.dir = dir;
	spec.meta.pool = (char *)m->stamp;
	spec.meta.created = m->created;
	spec.meta.accel = VM_ACCEL_TCG;
	rc = vm_destroy(vc, name, cause) != 0 ||
	    vm_create(vc, &spec, cause) != 0 ? -1 : 0;
	free(console);
	free(disk);
	free(name);
	free(dir);
	return rc;
}

/* A member's overlay of size bytes, all written (not sparse). */
static void
write_overlay(const char *id, size_t size)
{
	char	*dir = member_dir(id), *p, *buf = xmalloc(size);
	FILE	*fp;

	xasprintf(&p, "%s/disk.qcow2", dir);
	memset(buf, 'x', size);
	assert_non_null(fp = fopen(p, "w"));
	assert_int_equal(fwrite(buf, 1, size, fp), size);
	assert_int_equal(fclose(fp), 0);
	free(buf);
	free(p);
	free(dir);
}

/* Stop a domain without saving it, over a raw connection. */
static void
stop_domain(const char *id)
{
	virConnectPtr	 raw;
	virDomainPtr	 dom;
	char		*name;

	xasprintf(&name, VM_NAME_PREFIX "%s", id);
	assert_non_null(raw = virConnectOpen(TEST_URI));
	assert_non_null(dom = virDomainLookupByName(raw, name));
	assert_int_equal(virDomainDestroy(dom), 0);
	virDomainFree(dom);
	virConnectClose(raw);
	free(name);
}

/* Fail the test with what: cause, freeing cause first. */
static void
fail_cause(const char *what, char *cause)
{
	char	 msg[512];

	snprintf(msg, sizeof msg, "%s: %s", what, cause);
	free(cause);
	fail_msg("%s", msg);
}

static void
add(struct vm_conn *vc, const struct member *m)
{
	char	*cause = NULL, *name;

	if (save_record(m, &cause) != 0)
		fail_cause(m->id, cause);
	if (m->dom == DOM_NONE)
		return;
	if (make_domain(vc, m, &cause) != 0)
		fail_cause(m->id, cause);
	xasprintf(&name, VM_NAME_PREFIX "%s", m->id);
	if (m->dom == DOM_WARM && vm_managed_save(vc, name, &cause) != 0)
		fail_cause(m->id, cause);
	free(name);
	if (m->dom == DOM_OFF)
		stop_domain(m->id);
}

static void
add_all(struct vm_conn *vc, const struct member *m, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		add(vc, &m[i]);
}

static char *
record_state(const char *id)
{
	struct exercise	*ex;
	char		*cause = NULL, *state;

	if (exercise_load(id, &ex, &cause) != 0)
		fail_cause(id, cause);
	state = xstrdup(ex->state);
	exercise_free(ex);
	return state;
}

static void
assert_record_state(const char *id, const char *want)
{
	char	*state = record_state(id);

	assert_string_equal(state, want);
	free(state);
}

/* 0 absent, 1 present; with *st set to its state when present. */
static int
domain_state(struct vm_conn *vc, const char *id, enum vm_state *st)
{
	struct vm_meta	 meta;
	char		*cause = NULL, *name;
	int		 r;

	xasprintf(&name, VM_NAME_PREFIX "%s", id);
	r = vm_lookup(vc, name, &meta, st, &cause);
	assert_null(cause);
	assert_true(r == 0 || r == 1);
	if (r == 0)
		vm_meta_release(&meta);
	free(name);
	return r == 0;
}

static int
dir_exists(const char *id)
{
	struct stat	 st;
	char		*dir = member_dir(id);
	int		 r;

	r = stat(dir, &st) == 0;
	assert_true(r || errno == ENOENT);
	free(dir);
	return r;
}

/* Claim the default shape with accel auto; returns the id, or NULL. */
static char *
claim(struct vm_conn *vc, char **why)
{
	struct exercise_shape	 shape = default_shape();
	char			*id = NULL, *cause = NULL;

	*why = NULL;
	if (pool_claim(vc, &shape, VM_ACCEL_AUTO, &id, why,
	    &cause) != 0)
		fail_cause("pool_claim", cause);
	assert_null(cause);
	assert_true((id == NULL) != (*why == NULL));
	return id;
}

static void
assert_claims(struct vm_conn *vc, const char *want)
{
	char	*id, *why;

	id = claim(vc, &why);
	assert_null(why);
	assert_non_null(id);
	assert_string_equal(id, want);
	assert_record_state(want, "claimed");
	free(id);
}

static void
assert_claims_none(struct vm_conn *vc, const struct exercise_shape *shape,
    enum vm_accel accel, const char *want_why)
{
	char	*id = NULL, *why = NULL, *cause = NULL;

	assert_int_equal(pool_claim(vc, shape, accel, &id, &why, &cause), 0);
	assert_null(cause);
	assert_null(id);
	assert_non_null(why);
	assert_string_equal(why, want_why);
	free(why);
}

/*
 * Stand in for a running fill: hold pool/fill.lock with our pid in it.
 * Returns the fd (close it to stop), or -1. No cmocka: a child calls it.
 */
static int
fake_fill(void)
{
	char	*path, pid[32];
	int	 fd = -1;

	xasprintf(&path, "%s/pool", statedir);
	if (mkdir(path, 0700) == -1 && errno != EEXIST)
		goto out;
	free(path);
	xasprintf(&path, "%s/pool/fill.lock", statedir);
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1)
		goto out;
	snprintf(pid, sizeof pid, "%d\n", (int)getpid());
	if (flock(fd, LOCK_EX | LOCK_NB) == -1 || ftruncate(fd, 0) == -1 ||
	    pwrite(fd, pid, strlen(pid), 0) != (ssize_t)strlen(pid)) {
		close(fd);
		fd = -1;
	}
out:
	free(path);
	return fd;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
setup(void **state)
{
	struct vm_conn	*vc;
	char		*cause = NULL;

	memcpy(statedir + sizeof statedir - 7, "XXXXXX", 6);
	if (mkdtemp(statedir) == NULL)
		return -1;
	config_set_state_dir(statedir);
	make_image(IMAGE, BUILT_AT);
	if ((vc = vm_open(TEST_URI, &cause)) == NULL) {
		fprintf(stderr, "%s\n", cause);
		free(cause);
		return -1;
	}
	*state = vc;
	return 0;
}

/* Remove our domains, whatever a test left, and the state directory. */
static int
teardown(void **state)
{
	struct vm_conn	*vc = *state;
	struct vm_entry	*list;
	char		*cause = NULL;
	size_t		 n, i;
	int		 rc = 0;

	if (vm_list(vc, &list, &n, &cause) != 0) {
		fprintf(stderr, "%s\n", cause);
		free(cause);
		rc = -1;
	} else {
		for (i = 0; i < n; i++) {
			if (vm_destroy(vc, list[i].name, &cause) != 0) {
				fprintf(stderr, "%s\n", cause);
				free(cause);
				cause = NULL;
				rc = -1;
			}
		}
		vm_entries_free(list, n);
	}
	vm_close(vc);
	if (nftw(statedir, rm_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
		rc = -1;
	return rc;
}

/* No exercises directory at all: an empty pool, not an error. */
static void
test_list_empty(void **state)
{
	struct vm_conn		*vc = *state;
	struct pool_member	*v = NULL;
	char			*cause = NULL;
	size_t			 n = 99;

	assert_int_equal(pool_list(vc, &v, &n, &cause), 0);
	assert_null(cause);
	assert_int_equal(n, 0);
	assert_null(v);
	pool_members_free(v, n);
}

/* Members as test_list makes them; id order is not age order. */
static const struct member list_members[] = {
	{ "ex-a", "pooled", STAMP, T0 + 4, DOM_WARM, 0 },
	{ "ex-b", "pooled", STAMP, T0 + 1, DOM_HOT, 0 },
	{ "ex-c", "pooled", OLD_STAMP, T0 + 2, DOM_WARM, 0 },
	{ "ex-d", "pooled", STAMP, T0 + 3, DOM_NONE, 0 },
	{ "ex-e", "filling", STAMP, T0 + 5, DOM_HOT, 0 },
	{ "ex-f", "pooled", STAMP, T0 + 1, DOM_OFF, 0 },
	{ "ex-g", "pooled", STAMP, T0, DOM_WARM, 1ULL << 30 },
	/* Not members: claimed, and an ordinary exercise. */
	{ "ex-h", "claimed", STAMP, T0, DOM_HOT, 0 },
	{ "ex-i", "ready", "", T0, DOM_HOT, 0 },
};

/* ... and how pool_list sees them, by age, with no fill running. */
static const struct {
	const char	*id;
	const char	*state;
	enum vm_state	 vm;
	int		 has_domain;
	int		 stale;
} list_want[] = {
	{ "ex-g", "pooled", VM_STATE_SAVED, 1, 0 },
	{ "ex-b", "pooled", VM_STATE_RUNNING, 1, 0 },
	{ "ex-f", "pooled", VM_STATE_SHUTOFF, 1, 1 },	/* not saved */
	{ "ex-c", "pooled", VM_STATE_SAVED, 1, 1 },	/* older build */
	{ "ex-d", "pooled", VM_STATE_OTHER, 0, 1 },	/* lost */
	{ "ex-a", "pooled", VM_STATE_SAVED, 1, 0 },
	{ "ex-e", "filling", VM_STATE_RUNNING, 1, 1 },	/* no fill */
};

static void
assert_listed(const struct pool_member *v, size_t n)
{
	size_t	 i;

	assert_int_equal(n, nitems(list_want));
	for (i = 0; i < n; i++) {
		assert_string_equal(v[i].id, list_want[i].id);
		assert_string_equal(v[i].state, list_want[i].state);
		assert_string_equal(v[i].image, IMAGE);
		assert_int_equal(v[i].has_domain, list_want[i].has_domain);
		if (list_want[i].has_domain)
			assert_int_equal(v[i].vm, list_want[i].vm);
		assert_int_equal(v[i].stale, list_want[i].stale);
		assert_true(v[i].disk > 0);	/* its exercise.json */
		assert_ptr_equal(v[i].shape.image, v[i].image);
		assert_int_equal(v[i].shape.vcpus, SCENARIO_DEFAULT_VCPUS);
		assert_int_equal(v[i].shape.disk, SCENARIO_DEFAULT_DISK);
		assert_int_equal(v[i].shape.memory, strcmp(v[i].id, "ex-g") ==
		    0 ? 1ULL << 30 : SCENARIO_DEFAULT_MEMORY);
	}
}

static void
test_list(void **state)
{
	struct vm_conn		*vc = *state;
	struct pool_member	*v = NULL;
	char			*cause = NULL;
	size_t			 n;

	add_all(vc, list_members, nitems(list_members));
	write_overlay("ex-a", 65536);	/* something to measure */

	assert_int_equal(pool_filling(), 0);
	assert_int_equal(pool_list(vc, &v, &n, &cause), 0);
	assert_null(cause);
	assert_listed(v, n);
	assert_int_equal(v[0].created, T0);
	assert_int_equal(v[1].created, T0 + 1);	/* ex-b before ex-f */
	assert_true(v[5].disk >= 65536);	/* ex-a's disk.qcow2 */
	pool_members_free(v, n);
}

/* A fill holds pool/fill.lock: its "filling" member is live. */
static void
test_list_filling(void **state)
{
	struct vm_conn		*vc = *state;
	struct pool_member	*v = NULL;
	char			*cause = NULL;
	size_t			 n;
	int			 fd;

	add_all(vc, list_members, nitems(list_members));
	assert_true((fd = fake_fill()) != -1);
	assert_int_equal(pool_filling(), (int)getpid());
	assert_int_equal(pool_list(vc, &v, &n, &cause), 0);
	assert_int_equal(n, nitems(list_want));
	assert_string_equal(v[6].id, "ex-e");
	assert_int_equal(v[6].stale, 0);
	assert_int_equal(v[3].stale, 1);	/* the others stay as they were */
	assert_int_equal(v[4].stale, 1);
	pool_members_free(v, n);
	close(fd);

	/* The fill is gone (its pid is still in the file). */
	assert_int_equal(pool_filling(), 0);
	assert_int_equal(pool_list(vc, &v, &n, &cause), 0);
	assert_listed(v, n);
	pool_members_free(v, n);
}

/* Running before saved, each once, never a stale one, then why not. */
static void
test_claim(void **state)
{
	static const struct member members[] = {
		{ "ex-w1", "pooled", STAMP, T0, DOM_WARM, 0 },
		{ "ex-h1", "pooled", STAMP, T0 + 1, DOM_HOT, 0 },
		{ "ex-w2", "pooled", STAMP, T0 + 2, DOM_WARM, 0 },
		{ "ex-h2", "pooled", STAMP, T0 + 3, DOM_HOT, 0 },
		/* Stale, running ones among them: never taken. */
		{ "ex-s1", "pooled", OLD_STAMP, T0 - 2, DOM_HOT, 0 },
		{ "ex-s2", "pooled", STAMP, T0 - 1, DOM_NONE, 0 },
		{ "ex-s3", "filling", STAMP, T0 - 1, DOM_HOT, 0 },
		{ "ex-s4", "pooled", STAMP, T0 - 1, DOM_OFF, 0 },
	};
	struct vm_conn	*vc = *state;
	enum vm_state	 st;
	char		*why, *id;

	add_all(vc, members, nitems(members));
	assert_claims(vc, "ex-h1");
	assert_claims(vc, "ex-h2");
	assert_claims(vc, "ex-w1");
	assert_claims(vc, "ex-w2");
	assert_null(id = claim(vc, &why));
	assert_string_equal(why, WHY_STALE);
	free(why);

	/* Claiming rewrote the records only; stale ones were left alone. */
	assert_true(domain_state(vc, "ex-h1", &st));
	assert_int_equal(st, VM_STATE_RUNNING);
	assert_true(domain_state(vc, "ex-w1", &st));
	assert_int_equal(st, VM_STATE_SAVED);
	assert_record_state("ex-s1", "pooled");
	assert_record_state("ex-s2", "pooled");
	assert_record_state("ex-s3", "filling");
	assert_record_state("ex-s4", "pooled");
}

static void
test_claim_empty(void **state)
{
	static const struct member others[] = {
		{ "ex-c", "claimed", STAMP, T0, DOM_HOT, 0 },
		{ "ex-r", "ready", "", T0, DOM_HOT, 0 },
	};
	struct exercise_shape	 shape = default_shape();
	struct vm_conn		*vc = *state;

	assert_claims_none(vc, &shape, VM_ACCEL_AUTO, WHY_EMPTY);
	add_all(vc, others, nitems(others));
	assert_claims_none(vc, &shape, VM_ACCEL_AUTO, WHY_EMPTY);
	assert_record_state("ex-c", "claimed");
	assert_record_state("ex-r", "ready");
}

/* Only the shape asked for, and only the accelerator asked for. */
static void
test_claim_shape(void **state)
{
	static const struct member members[] = {
		{ "ex-1", "pooled", STAMP, T0, DOM_WARM, 0 },
		{ "ex-2", "pooled", STAMP, T0 + 1, DOM_HOT, 0 },
	};
	static const struct member big = {
		"ex-big", "pooled", STAMP, T0 + 2, DOM_WARM, 1ULL << 30
	};
	struct exercise_shape	 shape;
	struct vm_conn		*vc = *state;
	char			*id = NULL, *why = NULL, *cause = NULL;

	add_all(vc, members, nitems(members));
	shape = default_shape();
	shape.memory = 1ULL << 30;
	assert_claims_none(vc, &shape, VM_ACCEL_AUTO, WHY_FITS);
	shape = default_shape();
	shape.vcpus = 2;
	assert_claims_none(vc, &shape, VM_ACCEL_AUTO, WHY_FITS);
	shape = default_shape();
	shape.disk = 8ULL << 30;
	assert_claims_none(vc, &shape, VM_ACCEL_AUTO, WHY_FITS);
	shape = default_shape();
	shape.image = "debian-13";
	assert_claims_none(vc, &shape, VM_ACCEL_AUTO, WHY_FITS);
	/* Members have no extra disks: a scenario with some boots cold. */
	shape = default_shape();
	shape.ndisks = 1;
	assert_claims_none(vc, &shape, VM_ACCEL_AUTO, WHY_FITS);
	shape = default_shape();
	assert_claims_none(vc, &shape, VM_ACCEL_KVM, WHY_ACCEL);
	assert_record_state("ex-1", "pooled");
	assert_record_state("ex-2", "pooled");

	/* A member of that other shape goes to that shape only. */
	add(vc, &big);
	shape.memory = 1ULL << 30;
	assert_int_equal(pool_claim(vc, &shape, VM_ACCEL_TCG, &id, &why,
	    &cause), 0);
	assert_null(why);
	assert_non_null(id);
	assert_string_equal(id, "ex-big");
	free(id);
	assert_claims_none(vc, &shape, VM_ACCEL_AUTO, WHY_FITS);
	shape = default_shape();
	assert_int_equal(pool_claim(vc, &shape, VM_ACCEL_TCG, &id, &why,
	    &cause), 0);
	assert_null(why);
	assert_non_null(id);
	assert_string_equal(id, "ex-2");
	free(id);
	assert_record_state("ex-1", "pooled");
}

/* Members still booting under a running fill are not claimed. */
static void
test_claim_booting(void **state)
{
	static const struct member booting = {
		"ex-boot", "filling", STAMP, T0, DOM_HOT, 0
	};
	static const struct member ready = {
		"ex-ready", "pooled", STAMP, T0 + 1, DOM_WARM, 0
	};
	struct exercise_shape	 shape = default_shape();
	struct vm_conn		*vc = *state;
	int			 fd;

	add(vc, &booting);
	assert_true((fd = fake_fill()) != -1);
	assert_claims_none(vc, &shape, VM_ACCEL_AUTO, WHY_BOOTING);
	assert_record_state("ex-boot", "filling");
	add(vc, &ready);
	assert_claims(vc, "ex-ready");
	assert_claims_none(vc, &shape, VM_ACCEL_AUTO, WHY_BOOTING);
	close(fd);
	assert_claims_none(vc, &shape, VM_ACCEL_AUTO, WHY_STALE);
}

static const struct member race[] = {
	{ "ex-r1", "pooled", STAMP, T0, DOM_HOT, 0 },
	{ "ex-r2", "pooled", STAMP, T0 + 1, DOM_HOT, 0 },
};

/*
 * One claimer: its own domains, then wait for go (EOF), claim and write
 * one line to out: "id <id>", "none <why>" or "error <cause>".
 */
static void __attribute__((noreturn))
claimer(int ready, int go, int out)
{
	struct exercise_shape	 shape = default_shape();
	struct vm_conn		*vc;
	char			*id = NULL, *why = NULL, *cause = NULL;
	char			*line, c;
	size_t			 i;

	if ((vc = vm_open(TEST_URI, &cause)) == NULL)
		goto fail;
	for (i = 0; i < nitems(race); i++) {
		if (make_domain(vc, &race[i], &cause) != 0)
			goto fail;
	}
	if (write(ready, "r", 1) != 1 || read(go, &c, 1) != 0) {
		cause = xstrdup("no go");
		goto fail;
	}
	if (pool_claim(vc, &shape, VM_ACCEL_AUTO, &id, &why,
	    &cause) != 0)
		goto fail;
	if (id != NULL)
		xasprintf(&line, "id %s\n", id);
	else
		xasprintf(&line, "none %s\n", why);
	if (write(out, line, strlen(line)) != (ssize_t)strlen(line))
		_exit(2);
	_exit(0);
fail:
	xasprintf(&line, "error %s\n", cause);
	if (write(out, line, strlen(line)) != (ssize_t)strlen(line))
		_exit(2);
	_exit(1);
}

/*
 * One round: CLAIMERS processes claim at once; returns what they said,
 * one line each ("id ID" or "none WHY"), in buf.
 */
static void
race_round(int round, char *buf, size_t size)
{
	pid_t		 pids[CLAIMERS];
	ssize_t		 len, r;
	size_t		 i;
	int		 ready[2], go[2], out[2], status;

	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(out), 0);
	fflush(NULL);
	for (i = 0; i < CLAIMERS; i++) {
		assert_true((pids[i] = fork()) != -1);
		if (pids[i] == 0) {
			close(ready[0]);
			close(go[1]);
			close(out[0]);
			claimer(ready[1], go[0], out[1]);
		}
	}
	close(ready[1]);
	close(go[0]);
	close(out[1]);
	for (i = 0; i < CLAIMERS; i++)
		assert_int_equal(read(ready[0], buf, 1), 1);
	close(go[1]);		/* go */
	len = 0;
	while ((r = read(out[0], buf + len, size - 1 - len)) > 0)
		len += r;
	assert_true(r == 0);
	buf[len] = '\0';
	close(out[0]);
	close(ready[0]);
	for (i = 0; i < CLAIMERS; i++) {
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			fail_msg("round %d: a claimer failed: %s", round, buf);
	}
}

/* Four processes claim two members at once: each goes to one of them. */
static void
test_claim_concurrent(void **state)
{
	char		 buf[4096], *line, *next, *got[CLAIMERS];
	size_t		 i, j, ids, nones;
	int		 round;

	(void)state;
	for (round = 0; round < ROUNDS; round++) {
		for (i = 0; i < nitems(race); i++) {
			char	*cause = NULL;

			if (save_record(&race[i], &cause) != 0)
				fail_cause(race[i].id, cause);
		}
		race_round(round, buf, sizeof buf);
		ids = nones = 0;
		for (line = buf; *line != '\0'; line = next) {
			assert_non_null(next = strchr(line, '\n'));
			*next++ = '\0';
			if (strncmp(line, "id ", 3) == 0) {
				assert_true(ids < CLAIMERS);
				got[ids++] = line + 3;
			} else if (strcmp(line, "none " WHY_EMPTY) == 0)
				nones++;
			else
				fail_msg("round %d: '%s'", round, line);
		}
		assert_int_equal(ids, nitems(race));
		assert_int_equal(nones, CLAIMERS - nitems(race));
		for (i = 0; i < ids; i++) {
			for (j = 0; j < i; j++) {
				if (strcmp(got[i], got[j]) == 0)
					fail_msg("round %d: %s claimed twice",
					    round, got[i]);
			}
			assert_true(strcmp(got[i], race[0].id) == 0 ||
			    strcmp(got[i], race[1].id) == 0);
		}
		for (i = 0; i < nitems(race); i++)
			assert_record_state(race[i].id, "claimed");
	}
}

static void
test_drain(void **state)
{
	static const struct member members[] = {
		{ "ex-w", "pooled", STAMP, T0, DOM_WARM, 0 },
		{ "ex-h", "pooled", STAMP, T0 + 1, DOM_HOT, 0 },
		{ "ex-old", "pooled", OLD_STAMP, T0 + 2, DOM_WARM, 0 },
		{ "ex-lost", "pooled", STAMP, T0 + 3, DOM_NONE, 0 },
		{ "ex-fill", "filling", STAMP, T0 + 4, DOM_HOT, 0 },
		{ "ex-off", "pooled", STAMP, T0 + 5, DOM_OFF, 0 },
	};
	static const struct member kept[] = {
		{ "ex-claimed", "claimed", STAMP, T0, DOM_HOT, 0 },
		{ "ex-ready", "ready", "", T0, DOM_HOT, 0 },
	};
	struct vm_conn		*vc = *state;
	struct pool_member	*v;
	enum vm_state		 st;
	char			*cause = NULL;
	size_t			 i, n;

	add_all(vc, members, nitems(members));
	add_all(vc, kept, nitems(kept));
	assert_int_equal(pool_drain(vc, &cause), (int)nitems(members));
	assert_null(cause);
	for (i = 0; i < nitems(members); i++) {
		if (dir_exists(members[i].id))
			fail_msg("%s: directory left", members[i].id);
		if (domain_state(vc, members[i].id, &st))
			fail_msg("%s: domain left", members[i].id);
	}
	for (i = 0; i < nitems(kept); i++) {
		assert_true(dir_exists(kept[i].id));
		assert_true(domain_state(vc, kept[i].id, &st));
		assert_int_equal(st, VM_STATE_RUNNING);
		assert_record_state(kept[i].id, kept[i].state);
	}
	assert_int_equal(pool_list(vc, &v, &n, &cause), 0);
	assert_int_equal(n, 0);
	pool_members_free(v, n);
	assert_int_equal(pool_drain(vc, &cause), 0);
	assert_null(cause);
}

/* Which exercises are up: domains that are not pool members. */
static void
test_list_up(void **state)
{
	static const struct member members[] = {
		{ "ex-w", "pooled", STAMP, T0, DOM_WARM, 0 },
		{ "ex-claimed", "claimed", STAMP, T0, DOM_HOT, 0 },
		{ "web-down-0001", "ready", "", T0, DOM_HOT, 0 },
		{ "web-down-0002", "down", "", T0, DOM_NONE, 0 },
		{ "disk-full-0003", "ready", "", T0, DOM_OFF, 0 },
	};
	struct vm_conn		*vc = *state;
	struct vm_entry		*v;
	char			*cause = NULL;
	size_t			 n, pooled;

	add_all(vc, members, nitems(members));
	assert_int_equal(exercise_list_up(vc, &v, &n, &pooled, &cause), 0);
	assert_int_equal(n, 2);
	assert_int_equal(pooled, 2);
	assert_string_equal(exercise_id_of(v[0].name), "disk-full-0003");
	assert_string_equal(exercise_id_of(v[1].name), "web-down-0001");
	vm_entries_free(v, n);
	assert_int_equal(exercise_list_up(vc, &v, &n, NULL, &cause), 0);
	assert_int_equal(n, 2);
	vm_entries_free(v, n);
}

/* A running fill is stopped first: drain waits for its lock. */
static void
test_drain_stops_fill(void **state)
{
	static const struct member m = {
		"ex-1", "filling", STAMP, T0, DOM_HOT, 0
	};
	struct vm_conn	*vc = *state;
	char		*cause = NULL, c;
	pid_t		 pid;
	int		 ready[2], status;

	add(vc, &m);
	assert_int_equal(pipe(ready), 0);
	fflush(NULL);
	assert_true((pid = fork()) != -1);
	if (pid == 0) {
		close(ready[0]);
		signal(SIGTERM, SIG_DFL);
		alarm(10);	/* not stopped: dies of SIGALRM instead */
		if (fake_fill() == -1 || write(ready[1], "r", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(ready[1]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	assert_int_equal(pool_filling(), (int)pid);

	assert_int_equal(pool_drain(vc, &cause), 1);
	assert_null(cause);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGTERM);
	assert_int_equal(pool_filling(), 0);
	assert_false(dir_exists(m.id));
}

/* Defaults, then pool set's file, then the environment, each noted. */
static void
test_config(void **state)
{
	struct pool_config	 c, kept;
	char			*cause = NULL;

	(void)state;
	unsetenv("BREAKFIX_POOL_SIZE");
	unsetenv("BREAKFIX_POOL_HOT");
	unsetenv("BREAKFIX_POOL_DISK");
	assert_int_equal(pool_config_load(&c, &cause), 0);
	assert_int_equal(c.size, POOL_SIZE_DEFAULT);
	assert_int_equal(c.hot, 0);
	assert_true(c.disk == POOL_DISK_DEFAULT);
	assert_int_equal(c.size_from, POOL_FROM_DEFAULT);

	assert_int_equal(pool_config_set(4, 2, NULL, &kept, &cause), 0);
	assert_int_equal(pool_config_set(-1, -1, "1G", &kept, &cause), 0);
	assert_int_equal(kept.size, 4);
	assert_int_equal(kept.hot, 2);
	assert_true(kept.disk == 1ULL << 30);
	assert_int_equal(pool_config_load(&c, &cause), 0);
	assert_int_equal(c.size, 4);
	assert_int_equal(c.size_from, POOL_FROM_SETTINGS);
	assert_int_equal(c.disk_from, POOL_FROM_SETTINGS);

	/* The environment wins; a smaller size caps the kept hot. */
	setenv("BREAKFIX_POOL_SIZE", "1", 1);
	assert_int_equal(pool_config_load(&c, &cause), 0);
	assert_int_equal(c.size, 1);
	assert_int_equal(c.size_from, POOL_FROM_ENV);
	assert_int_equal(c.hot, 1);
	assert_int_equal(c.hot_from, POOL_FROM_SETTINGS);
	setenv("BREAKFIX_POOL_HOT", "2", 1);
	assert_int_equal(pool_config_load(&c, &cause), -1);
	assert_string_equal(cause, "BREAKFIX_POOL_HOT='2': expected a number "
	    "from 0 to 1");
	free(cause);
	cause = NULL;
	unsetenv("BREAKFIX_POOL_SIZE");
	unsetenv("BREAKFIX_POOL_HOT");

	/* A refused set leaves the file as it was. */
	assert_int_equal(pool_config_set(1, -1, NULL, &kept, &cause), -1);
	assert_string_equal(cause, "2 hot of 1 members: hot cannot be more "
	    "than the size");
	free(cause);
	cause = NULL;
	assert_int_equal(pool_config_load(&c, &cause), 0);
	assert_int_equal(c.size, 4);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_list_empty, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_filling, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_claim, setup, teardown),
		cmocka_unit_test_setup_teardown(test_claim_empty, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_claim_shape, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_claim_booting, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_claim_concurrent, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_drain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_up, setup, teardown),
		cmocka_unit_test_setup_teardown(test_drain_stops_fill, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_config, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
