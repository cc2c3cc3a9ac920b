/*
 * vm.c - exercise VMs on libvirt.
 *
 * The domain XML is written by hand rather than built with a DOM: it is
 * one fixed shape with a handful of values, and every value goes through
 * vm_buf_escape. The metadata libvirt hands back is parsed with libxml2,
 * which libvirt itself depends on.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libvirt/libvirt.h>
#include <libvirt/libvirt-qemu.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "util.h"
#include "vm.h"

#define VM_QEMU_NS	"http://libvirt.org/schemas/domain/qemu/1.0"

/*
 * QEMU's own memory on top of the guest's: device emulation, slirp, I/O
 * buffers and, under TCG, the translated code cache. A 512 MiB TCG guest
 * measured about 450 MB RSS after boot, so 256 MiB above the guest is
 * ample headroom. The limit is there so that one exercise cannot take
 * the host's memory with it; set too tight, the kernel kills QEMU. It is
 * optional (spec->hard_limit) because libvirt 9.0 also sets the limit as
 * QEMU's RLIMIT_MEMLOCK, and without CAP_SYS_RESOURCE that fails.
 */
#define VM_OVERHEAD_KIB	(256ULL * 1024)
#define VM_TB_CACHE_MIB	"64"

/* libvirt returns our own metadata, so this is generous; beyond, ignored. */
#define VM_META_MAX	(64 * 1024)

#define VM_TIME_FORMAT	"%Y-%m-%dT%H:%M:%SZ"

/* The user network's id on QEMU's command line, for the monitor. */
#define VM_NETDEV	"net0"
/* Lines of 'info usernet' read; a guest cannot make slirp list more. */
#define VM_USERNET_MAX	4096

struct vm_conn {
	virConnectPtr	 conn;
	char		*uri;
};

/* A growing string; the x* allocators mean it never fails. */
struct vm_buf {
	char		*s;
	size_t		 len;
	size_t		 size;
};

/* The metadata's string members, by element name: written and read. */
static const struct {
	const char	*name;
	size_t		 off;
} vm_meta_strings[] = {
	{ "id", offsetof(struct vm_meta, id) },
	{ "scenario", offsetof(struct vm_meta, scenario) },
	{ "scenario-file", offsetof(struct vm_meta, scenario_file) },
	{ "candidate", offsetof(struct vm_meta, candidate) },
	{ "dir", offsetof(struct vm_meta, dir) },
	{ "pool", offsetof(struct vm_meta, pool) },
};

static char **
vm_meta_string(struct vm_meta *meta, size_t i)
{
	return (char **)((char *)meta + vm_meta_strings[i].off);
}

static const char *
vm_meta_cstring(const struct vm_meta *meta, size_t i)
{
	return *(char *const *)((const char *)meta + vm_meta_strings[i].off);
}

/* libvirt prints every error to stderr unless a handler is installed. */
static void
vm_error_ignore(void *arg, virErrorPtr error)
{
	(void)arg;
	(void)error;
}

static int
vm_error_code(void)
{
	virErrorPtr	 error;

	if ((error = virGetLastError()) == NULL)
		return VIR_ERR_OK;
	return error->code;
}

/* *cause = "<what>: <libvirt's last error>". */
static void __attribute__((format(printf, 2, 3)))
vm_fail(char **cause, const char *fmt, ...)
{
	va_list	 ap;
	char	*what;

	va_start(ap, fmt);
	xvasprintf(&what, fmt, ap);
	va_end(ap);
	xasprintf(cause, "%s: %s", what, virGetLastErrorMessage());
	free(what);
}

struct vm_conn *
vm_open(const char *uri, char **cause)
{
	struct vm_conn	*vc;
	virConnectPtr	 conn;
	char		*actual, *msg;

	virSetErrorFunc(NULL, vm_error_ignore);
	if ((conn = virConnectOpen(uri)) == NULL) {
		vm_fail(&msg, "cannot connect to '%s'",
		    uri != NULL ? uri : "default");
		if (uri != NULL && strcmp(uri, "qemu:///system") == 0) {
			xasprintf(cause, "%s (is libvirtd running? try "
			    "'breakfix doctor --fix')", msg);
			free(msg);
		} else
			*cause = msg;
		return NULL;
	}
	if ((actual = virConnectGetURI(conn)) == NULL) {
		vm_fail(cause, "cannot get the URI of '%s'",
		    uri != NULL ? uri : "default");
		virConnectClose(conn);
		return NULL;
	}
	vc = xcalloc(1, sizeof *vc);
	vc->conn = conn;
	vc->uri = actual;
	return vc;
}

void
vm_close(struct vm_conn *vc)
{
	if (vc == NULL)
		return;
	virConnectClose(vc->conn);
	free(vc->uri);
	free(vc);
}

const char *
vm_uri(const struct vm_conn *vc)
{
	return vc->uri;
}

const char *
vm_state_name(enum vm_state state)
{
	switch (state) {
	case VM_STATE_RUNNING:
		return "running";
	case VM_STATE_PAUSED:
		return "paused";
	case VM_STATE_SHUTOFF:
		return "shut off";
	case VM_STATE_SAVED:
		return "saved";
	case VM_STATE_CRASHED:
		return "crashed";
	case VM_STATE_OTHER:
		break;
	}
	return "other";
}

const char *
vm_accel_name(enum vm_accel accel)
{
	return accel == VM_ACCEL_KVM ? "kvm" : accel == VM_ACCEL_AUTO ?
	    "auto" : "tcg";
}

static void
vm_buf_addn(struct vm_buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->size) {
		b->size = b->size == 0 ? 4096 : b->size;
		while (b->len + n + 1 > b->size)
			b->size *= 2;
		b->s = xreallocarray(b->s, 1, b->size);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void
vm_buf_add(struct vm_buf *b, const char *s)
{
	vm_buf_addn(b, s, strlen(s));
}

static void __attribute__((format(printf, 2, 3)))
vm_buf_printf(struct vm_buf *b, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;
	int	 n;

	va_start(ap, fmt);
	n = xvasprintf(&s, fmt, ap);
	va_end(ap);
	vm_buf_addn(b, s, n);
	free(s);
}

/*
 * Length of the character at p if XML 1.0 allows it, else 0. Refused:
 * control characters but tab, newline and return; bytes that are not
 * shortest-form UTF-8; surrogates; U+FFFE and U+FFFF. libxml2 (and so
 * libvirt) rejects a whole document for one of these, even escaped.
 */
static size_t
vm_xml_char(const unsigned char *p)
{
	uint32_t	 c;
	size_t		 len, i;

	if (p[0] < 0x80)
		return p[0] >= 0x20 || p[0] == '\t' || p[0] == '\n' ||
		    p[0] == '\r';
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2;
		c = p[0] & 0x1f;
	} else if ((p[0] & 0xf0) == 0xe0) {
		len = 3;
		c = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		c = p[0] & 0x07;
	} else
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)	/* also stops at the NUL */
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff) ||
	    c == 0xfffe || c == 0xffff)
		return 0;
	return len;
}

/*
 * The reference for a character that cannot stand for itself in text or
 * in an attribute of either quote. Tab, newline and return are among
 * them because a parser would normalise them away otherwise.
 */
static const char *
vm_xml_entity(unsigned char c)
{
	switch (c) {
	case '&':
		return "&amp;";
	case '<':
		return "&lt;";
	case '>':
		return "&gt;";
	case '"':
		return "&quot;";
	case '\'':
		return "&apos;";
	case '\t':
		return "&#9;";
	case '\n':
		return "&#10;";
	case '\r':
		return "&#13;";
	}
	return NULL;
}

/*
 * s as XML text. A character XML cannot carry becomes U+FFFD: callers
 * validate what matters (paths), and the rest (the candidate's name, say)
 * should still give a domain rather than none.
 */
static void
vm_buf_escape(struct vm_buf *b, const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	const char		*rep;
	size_t			 len;

	while (*p != '\0') {
		if ((rep = vm_xml_entity(*p)) != NULL) {
			vm_buf_add(b, rep);
			p++;
		} else if ((len = vm_xml_char(p)) == 0) {
			vm_buf_add(b, "\xef\xbf\xbd");
			p++;
		} else {
			vm_buf_addn(b, (const char *)p, len);
			p += len;
		}
	}
}

/* before, s escaped (NULL as ""), after. */
static void
vm_buf_line(struct vm_buf *b, const char *before, const char *s,
    const char *after)
{
	vm_buf_add(b, before);
	vm_buf_escape(b, s != NULL ? s : "");
	vm_buf_add(b, after);
}

/* ISO 8601 in UTC; 0 (never) is written as nothing. */
static void
vm_time_format(time_t t, char *buf, size_t len)
{
	struct tm	 tm;

	buf[0] = '\0';
	if (t != 0 && gmtime_r(&t, &tm) != NULL)
		strftime(buf, len, VM_TIME_FORMAT, &tm);
}

static time_t
vm_time_parse(const char *s)
{
	struct tm	 tm;
	const char	*end;

	memset(&tm, 0, sizeof tm);
	if ((end = strptime(s, VM_TIME_FORMAT, &tm)) == NULL || *end != '\0')
		return 0;
	return timegm(&tm);
}

/*
 * The <exercise> element: prefixed and indented inside a domain's XML,
 * bare for virDomainSetMetadata (which adds the namespace itself).
 */
static void
vm_xml_exercise(struct vm_buf *b, const struct vm_meta *meta,
    enum vm_accel accel, const char *pfx, const char *indent)
{
	const char	*name, *value;
	char		 t[32];
	size_t		 i;

	for (i = 0; i < nitems(vm_meta_strings); i++) {
		name = vm_meta_strings[i].name;
		value = vm_meta_cstring(meta, i);
		vm_buf_printf(b, "%s<%s%s>", indent, pfx, name);
		vm_buf_escape(b, value != NULL ? value : "");
		vm_buf_printf(b, "</%s%s>\n", pfx, name);
	}
	vm_time_format(meta->created, t, sizeof t);
	vm_buf_printf(b, "%s<%screated>%s</%screated>\n", indent, pfx, t, pfx);
	vm_time_format(meta->expires, t, sizeof t);
	vm_buf_printf(b, "%s<%sexpires>%s</%sexpires>\n", indent, pfx, t, pfx);
	vm_buf_printf(b, "%s<%sport>%u</%sport>\n", indent, pfx, meta->port,
	    pfx);
	/* What the domain really runs with, whatever meta says. */
	vm_buf_printf(b, "%s<%saccel>%s</%saccel>\n", indent, pfx,
	    vm_accel_name(accel), pfx);
}

static void
vm_xml_metadata(struct vm_buf *b, const struct vm_spec *spec)
{
	vm_buf_printf(b, "  <metadata>\n    <breakfix:exercise "
	    "xmlns:breakfix='%s'>\n", VM_META_NS);
	vm_xml_exercise(b, &spec->meta, spec->accel, "breakfix:", "      ");
	vm_buf_add(b, "    </breakfix:exercise>\n  </metadata>\n");
}

static void
vm_xml_resources(struct vm_buf *b, const struct vm_spec *spec)
{
	unsigned long long	 kib = (spec->memory + 1023) / 1024;

	vm_buf_printf(b, "  <memory unit='KiB'>%llu</memory>\n", kib);
	vm_buf_printf(b, "  <currentMemory unit='KiB'>%llu</currentMemory>\n",
	    kib);
	if (spec->hard_limit)
		vm_buf_printf(b, "  <memtune>\n    <hard_limit unit='KiB'>%llu"
		    "</hard_limit>\n  </memtune>\n", kib + VM_OVERHEAD_KIB);
	vm_buf_printf(b, "  <vcpu placement='static'>%u</vcpu>\n",
	    spec->vcpus != 0 ? spec->vcpus : 1);
}

/*
 * Direct kernel boot: the image needs no bootloader and the command line
 * stays ours. No <cpu>: libvirt's default model boots under TCG and KVM
 * alike, while host-passthrough makes QEMU abort on some hosts (MSR
 * 0x10a) and would tie managed save images to one host's CPU.
 */
static void
vm_xml_os(struct vm_buf *b, const struct vm_spec *spec)
{
	vm_buf_add(b, "  <os>\n    <type arch='x86_64' machine='q35'>hvm"
	    "</type>\n");
	if (spec->kernel != NULL)
		vm_buf_line(b, "    <kernel>", spec->kernel, "</kernel>\n");
	if (spec->initrd != NULL)
		vm_buf_line(b, "    <initrd>", spec->initrd, "</initrd>\n");
	if (spec->cmdline != NULL)
		vm_buf_line(b, "    <cmdline>", spec->cmdline, "</cmdline>\n");
	vm_buf_add(b, "  </os>\n");
	/*
	 * ACPI so that a graceful shutdown can be asked for. Under TCG,
	 * QEMU's default 1 GiB translation cache doubles the RSS of a 512 MiB
	 * guest; 64 MiB boots as fast (32 MiB was half again slower).
	 */
	vm_buf_add(b, "  <features>\n    <acpi/>\n");
	if (spec->accel == VM_ACCEL_TCG)
		vm_buf_add(b, "    <tcg>\n      <tb-cache unit='MiB'>"
		    VM_TB_CACHE_MIB "</tb-cache>\n    </tcg>\n");
	vm_buf_add(b, "  </features>\n  <clock offset='utc'/>\n");
	/* A reboot inside the exercise is the candidate's right. */
	vm_buf_add(b, "  <on_poweroff>destroy</on_poweroff>\n"
	    "  <on_reboot>restart</on_reboot>\n"
	    "  <on_crash>destroy</on_crash>\n");
}

/* A scenario's extra disks, named in the guest by their serial numbers. */
static void
vm_xml_extra_disks(struct vm_buf *b, const struct vm_spec *spec)
{
	size_t	 i;

	for (i = 0; i < spec->nextra; i++) {
		vm_buf_add(b, "    <disk type='file' device='disk'>\n"
		    "      <driver name='qemu' type='qcow2' "
		    "discard='unmap'/>\n");
		vm_buf_line(b, "      <source file='", spec->extra_disks[i],
		    "'/>\n");
		vm_buf_printf(b, "      <target dev='vd%c' bus='virtio'/>\n",
		    (char)('b' + i));
		vm_buf_line(b, "      <serial>", spec->extra_serials[i],
		    "</serial>\n");
		vm_buf_add(b, "    </disk>\n");
	}
}

/*
 * Only what the exercise needs: no graphics, USB or balloon, which cost
 * memory and TCG time and are more for a guest to poke at. The rng keeps
 * sshd from waiting for entropy at boot. The guest agent's channel is
 * breakfix's admin channel (admin.h); libvirt picks its socket's path.
 */
static void
vm_xml_devices(struct vm_buf *b, const struct vm_spec *spec)
{
	vm_buf_add(b, "  <devices>\n"
	    "    <disk type='file' device='disk'>\n"
	    "      <driver name='qemu' type='qcow2'/>\n");
	vm_buf_line(b, "      <source file='", spec->disk, "'/>\n");
	vm_buf_add(b, "      <target dev='vda' bus='virtio'/>\n"
	    "    </disk>\n");
	vm_xml_extra_disks(b, spec);
	vm_buf_add(b, "    <controller type='usb' model='none'/>\n"
	    "    <serial type='null'>\n");
	vm_buf_line(b, "      <log file='", spec->console_log,
	    "' append='on'/>\n");
	vm_buf_add(b, "      <target port='0'/>\n"
	    "    </serial>\n"
	    "    <console type='null'>\n");
	vm_buf_line(b, "      <log file='", spec->console_log,
	    "' append='on'/>\n");
	vm_buf_add(b, "      <target type='serial' port='0'/>\n"
	    "    </console>\n"
	    "    <channel type='unix'>\n"
	    "      <target type='virtio' name='" VM_AGENT_CHANNEL "'/>\n"
	    "    </channel>\n"
	    "    <memballoon model='none'/>\n"
	    "    <rng model='virtio'>\n"
	    "      <backend model='random'>/dev/urandom</backend>\n"
	    "    </rng>\n"
	    "  </devices>\n");
}

/*
 * User networking with restrict=on: the guest can reach neither the host
 * nor beyond, and only the forward to its sshd is open. The NIC sits on
 * the root bus at a fixed slot, clear of the ports libvirt assigns.
 */
static void
vm_xml_network(struct vm_buf *b, const struct vm_spec *spec)
{
	vm_buf_printf(b, "  <qemu:commandline>\n"
	    "    <qemu:arg value='-netdev'/>\n"
	    "    <qemu:arg value='user,id=" VM_NETDEV ",restrict=on,"
	    "hostfwd=tcp:127.0.0.1:%u-:22'/>\n"
	    "    <qemu:arg value='-device'/>\n"
	    "    <qemu:arg value='virtio-net-pci,netdev=" VM_NETDEV ",bus=pcie.0,"
	    "addr=0x0a'/>\n"
	    "  </qemu:commandline>\n", spec->meta.port);
}

char *
vm_domain_xml(const struct vm_spec *spec)
{
	struct vm_buf	 b;

	memset(&b, 0, sizeof b);
	vm_buf_printf(&b, "<domain type='%s' xmlns:qemu='%s'>\n",
	    spec->accel == VM_ACCEL_KVM ? "kvm" : "qemu", VM_QEMU_NS);
	vm_buf_line(&b, "  <name>", spec->name, "</name>\n");
	vm_xml_metadata(&b, spec);
	vm_xml_resources(&b, spec);
	vm_xml_os(&b, spec);
	vm_xml_devices(&b, spec);
	vm_xml_network(&b, spec);
	vm_buf_add(&b, "</domain>\n");
	return b.s;
}

/*
 * Undefine a domain that was just defined and never ran. No managed save
 * or snapshots can exist yet, so the plain call is enough.
 */
static void
vm_undefine_new(virDomainPtr dom, char **cause)
{
	char	*first;

	if (virDomainUndefine(dom) == 0)
		return;
	first = *cause;
	vm_fail(cause, "%s; and cannot undefine it", first);
	free(first);
}

int
vm_create(struct vm_conn *vc, const struct vm_spec *spec, char **cause)
{
	virDomainPtr	 dom = NULL;
	char		*xml;
	int		 rc = -1;

	xml = vm_domain_xml(spec);
	/*
	 * Validate against libvirt's schema: without it, an element a host's
	 * libvirt does not know is dropped silently.
	 */
	if ((dom = virDomainDefineXMLFlags(vc->conn, xml,
	    VIR_DOMAIN_DEFINE_VALIDATE)) == NULL) {
		vm_fail(cause, "cannot define domain '%s'", spec->name);
		goto out;
	}
	if (virDomainCreate(dom) != 0) {
		vm_fail(cause, "cannot start domain '%s'", spec->name);
		vm_undefine_new(dom, cause);
		goto out;
	}
	rc = 0;
out:
	if (dom != NULL)
		virDomainFree(dom);
	free(xml);
	return rc;
}

/* The domain called name, or NULL with *cause set. */
static virDomainPtr
vm_find(struct vm_conn *vc, const char *name, char **cause)
{
	virDomainPtr	 dom;

	if ((dom = virDomainLookupByName(vc->conn, name)) == NULL)
		vm_fail(cause, "cannot look up domain '%s'", name);
	return dom;
}

int
vm_start(struct vm_conn *vc, const char *name, char **cause)
{
	virDomainPtr	 dom;
	int		 rc = -1;

	if ((dom = vm_find(vc, name, cause)) == NULL)
		return -1;
	if (virDomainCreate(dom) != 0)
		vm_fail(cause, "cannot start domain '%s'", name);
	else
		rc = 0;
	virDomainFree(dom);
	return rc;
}

int
vm_managed_save(struct vm_conn *vc, const char *name, char **cause)
{
	virDomainPtr	 dom;
	int		 rc = -1;

	if ((dom = vm_find(vc, name, cause)) == NULL)
		return -1;
	if (virDomainManagedSave(dom, 0) != 0)
		vm_fail(cause, "cannot save domain '%s'", name);
	else
		rc = 0;
	virDomainFree(dom);
	return rc;
}

int
vm_set_meta(struct vm_conn *vc, const char *name, const struct vm_meta *meta,
    enum vm_accel accel, char **cause)
{
	virDomainPtr	 dom;
	struct vm_buf	 b;
	unsigned int	 flags = VIR_DOMAIN_AFFECT_CONFIG;
	int		 rc = -1, active;

	if ((dom = vm_find(vc, name, cause)) == NULL)
		return -1;
	memset(&b, 0, sizeof b);
	vm_buf_add(&b, "<exercise>\n");
	vm_xml_exercise(&b, meta, accel, "", "  ");
	vm_buf_add(&b, "</exercise>\n");
	if ((active = virDomainIsActive(dom)) == 1)
		flags |= VIR_DOMAIN_AFFECT_LIVE;
	if (active == -1 || virDomainSetMetadata(dom,
	    VIR_DOMAIN_METADATA_ELEMENT, b.s, "breakfix", VM_META_NS,
	    flags) != 0)
		vm_fail(cause, "cannot set the metadata of domain '%s'", name);
	else
		rc = 0;
	free(b.s);
	virDomainFree(dom);
	return rc;
}

/*
 * The domain went away under us (another breakfix, a user with virsh):
 * for destroy, that is success.
 */
static int
vm_gone(void)
{
	return vm_error_code() == VIR_ERR_NO_DOMAIN;
}

/* Hard stop if running. Returns 0, 1 if gone meanwhile, -1 on error. */
static int
vm_stop(virDomainPtr dom, const char *name, char **cause)
{
	int	 active;

	if ((active = virDomainIsActive(dom)) == 0)
		return 0;
	if (active == 1 && virDomainDestroy(dom) == 0)
		return 0;
	if (vm_gone())
		return 1;
	/* It stopped on its own between the two calls. */
	if (active == 1 && vm_error_code() == VIR_ERR_OPERATION_INVALID)
		return 0;
	vm_fail(cause, "cannot stop domain '%s'", name);
	return -1;
}

static int
vm_undefine(virDomainPtr dom, const char *name, char **cause)
{
	unsigned int	 flags = VIR_DOMAIN_UNDEFINE_MANAGED_SAVE |
			    VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA |
			    VIR_DOMAIN_UNDEFINE_NVRAM;
	int		 code;

	if (virDomainHasManagedSaveImage(dom, 0) == 1 &&
	    virDomainManagedSaveRemove(dom, 0) != 0 && !vm_gone()) {
		vm_fail(cause, "cannot remove the saved state of '%s'", name);
		return -1;
	}
	if (virDomainUndefineFlags(dom, flags) == 0 || vm_gone())
		return 0;
	/* Drivers refuse flags they do not know (the test driver: NVRAM). */
	code = vm_error_code();
	if ((code == VIR_ERR_INVALID_ARG || code == VIR_ERR_NO_SUPPORT) &&
	    (virDomainUndefine(dom) == 0 || vm_gone()))
		return 0;
	vm_fail(cause, "cannot undefine domain '%s'", name);
	return -1;
}

int
vm_destroy(struct vm_conn *vc, const char *name, char **cause)
{
	virDomainPtr	 dom = NULL;
	int		 rc = -1, r;

	if ((dom = virDomainLookupByName(vc->conn, name)) == NULL) {
		if (vm_gone())
			rc = 0;
		else
			vm_fail(cause, "cannot look up domain '%s'", name);
		goto out;
	}
	if ((r = vm_stop(dom, name, cause)) != 0) {
		rc = r == 1 ? 0 : -1;
		goto out;
	}
	/* A transient domain is gone once stopped. */
	if ((r = virDomainIsPersistent(dom)) != 1) {
		if (r == 0 || vm_gone())
			rc = 0;
		else
			vm_fail(cause, "cannot inspect domain '%s'", name);
		goto out;
	}
	rc = vm_undefine(dom, name, cause);
out:
	if (dom != NULL)
		virDomainFree(dom);
	return rc;
}

static void
vm_meta_field(struct vm_meta *meta, const char *name, const char *value)
{
	char		**sp;
	char		 *end;
	unsigned long	  port;
	size_t		  i;

	for (i = 0; i < nitems(vm_meta_strings); i++) {
		if (strcmp(name, vm_meta_strings[i].name) == 0) {
			sp = vm_meta_string(meta, i);
			free(*sp);
			*sp = xstrdup(value);
			return;
		}
	}
	if (strcmp(name, "created") == 0)
		meta->created = vm_time_parse(value);
	else if (strcmp(name, "expires") == 0)
		meta->expires = vm_time_parse(value);
	else if (strcmp(name, "port") == 0) {
		port = strtoul(value, &end, 10);
		meta->port = *value >= '0' && *value <= '9' && *end == '\0' &&
		    port <= 65535 ? port : 0;
	} else if (strcmp(name, "accel") == 0)
		meta->accel = strcmp(value, "kvm") == 0 ? VM_ACCEL_KVM :
		    VM_ACCEL_TCG;
}

/* The <exercise> element's children into meta; unknown ones are skipped. */
static void
vm_meta_parse(const char *xml, struct vm_meta *meta)
{
	xmlParserCtxtPtr	 ctx = NULL;
	xmlDocPtr		 doc = NULL;
	xmlNodePtr		 root, n;
	xmlChar			*text;
	size_t			 len;

	if (xml == NULL || (len = strlen(xml)) > VM_META_MAX)
		goto out;
	if ((ctx = xmlNewParserCtxt()) == NULL)
		goto out;
	doc = xmlCtxtReadMemory(ctx, xml, (int)len, "metadata.xml", NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc == NULL || (root = xmlDocGetRootElement(doc)) == NULL ||
	    strcmp((const char *)root->name, "exercise") != 0)
		goto out;
	for (n = root->children; n != NULL; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		text = xmlNodeGetContent(n);
		vm_meta_field(meta, (const char *)n->name,
		    text != NULL ? (const char *)text : "");
		xmlFree(text);
	}
out:
	xmlFreeDoc(doc);
	xmlFreeParserCtxt(ctx);
}

/*
 * The domain's metadata into meta (zeroed first); anything missing or
 * unreadable stays "" or 0, so a domain someone edited by hand still
 * lists.
 */
static void
vm_meta_read(virDomainPtr dom, struct vm_meta *meta)
{
	char	*xml;
	size_t	 i;

	memset(meta, 0, sizeof *meta);
	xml = virDomainGetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT,
	    VM_META_NS, VIR_DOMAIN_AFFECT_CURRENT);
	vm_meta_parse(xml, meta);
	free(xml);
	for (i = 0; i < nitems(vm_meta_strings); i++) {
		if (*vm_meta_string(meta, i) == NULL)
			*vm_meta_string(meta, i) = xstrdup("");
	}
}

void
vm_meta_release(struct vm_meta *meta)
{
	size_t	 i;

	for (i = 0; i < nitems(vm_meta_strings); i++) {
		free(*vm_meta_string(meta, i));
		*vm_meta_string(meta, i) = NULL;
	}
}

/* Returns 0, or -1 with libvirt's error set. */
static int
vm_domain_state(virDomainPtr dom, enum vm_state *state)
{
	int	 st, reason, saved;

	if (virDomainGetState(dom, &st, &reason, 0) != 0)
		return -1;
	switch (st) {
	case VIR_DOMAIN_RUNNING:
	case VIR_DOMAIN_BLOCKED:
		*state = VM_STATE_RUNNING;
		break;
	case VIR_DOMAIN_PAUSED:
		*state = VM_STATE_PAUSED;
		break;
	case VIR_DOMAIN_SHUTOFF:
		if ((saved = virDomainHasManagedSaveImage(dom, 0)) < 0)
			return -1;
		*state = saved ? VM_STATE_SAVED :
		    reason == VIR_DOMAIN_SHUTOFF_CRASHED ? VM_STATE_CRASHED :
		    VM_STATE_SHUTOFF;
		break;
	case VIR_DOMAIN_CRASHED:
		*state = VM_STATE_CRASHED;
		break;
	default:
		*state = VM_STATE_OTHER;
		break;
	}
	return 0;
}

int
vm_lookup(struct vm_conn *vc, const char *name, struct vm_meta *meta,
    enum vm_state *state, char **cause)
{
	virDomainPtr	 dom = NULL;
	int		 rc = -1;

	memset(meta, 0, sizeof *meta);
	*state = VM_STATE_OTHER;
	if ((dom = virDomainLookupByName(vc->conn, name)) == NULL ||
	    vm_domain_state(dom, state) != 0) {
		if (vm_gone())
			rc = 1;
		else
			vm_fail(cause, "cannot look up domain '%s'", name);
		goto out;
	}
	vm_meta_read(dom, meta);
	rc = 0;
out:
	if (dom != NULL)
		virDomainFree(dom);
	return rc;
}

/* Returns 0 (e filled), 1 (not ours, or gone), or -1 with *cause. */
static int
vm_entry_read(virDomainPtr dom, struct vm_entry *e, char **cause)
{
	const char	*name;

	if ((name = virDomainGetName(dom)) == NULL) {
		vm_fail(cause, "cannot get a domain's name");
		return -1;
	}
	if (strncmp(name, VM_NAME_PREFIX, strlen(VM_NAME_PREFIX)) != 0)
		return 1;
	if (vm_domain_state(dom, &e->state) != 0) {
		if (vm_gone())
			return 1;
		vm_fail(cause, "cannot get the state of domain '%s'", name);
		return -1;
	}
	e->name = xstrdup(name);
	vm_meta_read(dom, &e->meta);
	return 0;
}

static int
vm_entry_cmp(const void *a, const void *b)
{
	const struct vm_entry	*ea = a, *eb = b;

	return strcmp(ea->name, eb->name);
}

int
vm_list(struct vm_conn *vc, struct vm_entry **out, size_t *n, char **cause)
{
	virDomainPtr	*doms = NULL;
	struct vm_entry	*list = NULL;
	size_t		 count = 0;
	int		 ndoms, i, r, rc = -1;

	*out = NULL;
	*n = 0;
	if ((ndoms = virConnectListAllDomains(vc->conn, &doms, 0)) < 0) {
		vm_fail(cause, "cannot list domains on '%s'", vc->uri);
		goto out;
	}
	list = xcalloc(ndoms, sizeof *list);
	for (i = 0; i < ndoms; i++) {
		if ((r = vm_entry_read(doms[i], &list[count], cause)) == -1)
			goto out;
		if (r == 0)
			count++;
	}
	qsort(list, count, sizeof *list, vm_entry_cmp);
	*out = list;
	*n = count;
	list = NULL;			/* transferred */
	rc = 0;
out:
	vm_entries_free(list, count);
	for (i = 0; i < ndoms; i++)
		virDomainFree(doms[i]);
	free(doms);
	return rc;
}

void
vm_entries_free(struct vm_entry *entries, size_t n)
{
	size_t	 i;

	if (entries == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(entries[i].name);
		vm_meta_release(&entries[i].meta);
	}
	free(entries);
}

int
vm_agent_command(struct vm_conn *vc, const char *name, const char *request,
    int timeout_s, char **reply, char **cause)
{
	virDomainPtr	 dom;
	char		*r;

	*reply = NULL;
	if ((dom = vm_find(vc, name, cause)) == NULL)
		return -1;
	if (timeout_s < 1)
		timeout_s = 1;
	r = virDomainQemuAgentCommand(dom, request, timeout_s, 0);
	if (r == NULL)
		vm_fail(cause, "the guest agent of '%s'", name);
	virDomainFree(dom);
	*reply = r;
	return r != NULL ? 0 : -1;
}

int
vm_monitor(struct vm_conn *vc, const char *name, const char *command,
    char **reply, char **cause)
{
	virDomainPtr	 dom;
	int		 rc = -1;

	*reply = NULL;
	if ((dom = vm_find(vc, name, cause)) == NULL)
		return -1;
	if (virDomainQemuMonitorCommand(dom, command, reply,
	    VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP) != 0)
		vm_fail(cause, "QEMU's monitor of '%s' ('%s')", name, command);
	else
		rc = 0;
	virDomainFree(dom);
	return rc;
}

int
vm_forward_add(struct vm_conn *vc, const char *name, unsigned host_port,
    unsigned guest_port, char **cause)
{
	char	*cmd, *reply = NULL;
	int	 rc = -1;

	xasprintf(&cmd, "hostfwd_add " VM_NETDEV " tcp:127.0.0.1:%u-:%u",
	    host_port, guest_port);
	if (vm_monitor(vc, name, cmd, &reply, cause) != 0)
		goto out;
	/* HMP answers nothing on success, and a message on failure. */
	if (reply[strspn(reply, " \t\r\n")] != '\0') {
		reply[strcspn(reply, "\r\n")] = '\0';
		xasprintf(cause, "cannot forward 127.0.0.1:%u to port %u of "
		    "'%s': %s", host_port, guest_port, name, reply);
		goto out;
	}
	rc = 0;
out:
	free(reply);
	free(cmd);
	return rc;
}

/* One line of 'info usernet' into *s: 1 if it is a TCP socket's. */
static int
vm_usernet_line(const char *line, struct vm_usernet_sock *s)
{
	char	 state[24], src[48], dst[48];
	int	 fd;
	unsigned sport, dport;

	if (sscanf(line, " TCP[%23[^]]] %d %47s %u %47s %u", state, &fd, src,
	    &sport, dst, &dport) != 6 || sport > 65535 || dport > 65535)
		return 0;
	memset(s, 0, sizeof *s);
	snprintf(s->state, sizeof s->state, "%s", state);
	snprintf(s->host_addr, sizeof s->host_addr, "%s", src);
	s->fd = fd;
	s->host_port = sport;
	s->guest_port = dport;
	return 1;
}

size_t
vm_usernet_parse(const char *text, struct vm_usernet_sock **out)
{
	struct vm_usernet_sock	*v = NULL, s;
	const char		*p, *nl;
	char			 line[256];
	size_t			 n = 0, lines = 0;

	for (p = text; *p != '\0' && lines++ < VM_USERNET_MAX; p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL)
			nl = p + strlen(p) - 1;
		snprintf(line, sizeof line, "%.*s", (int)(nl - p + 1), p);
		if (!vm_usernet_line(line, &s))
			continue;
		v = xreallocarray(v, n + 1, sizeof *v);
		v[n++] = s;
	}
	*out = v;
	return n;
}

int
vm_usernet(struct vm_conn *vc, const char *name,
    struct vm_usernet_sock **out, size_t *n, char **cause)
{
	char	*reply = NULL;

	*out = NULL;
	*n = 0;
	if (vm_monitor(vc, name, "info usernet", &reply, cause) != 0)
		return -1;
	*n = vm_usernet_parse(reply, out);
	free(reply);
	return 0;
}
