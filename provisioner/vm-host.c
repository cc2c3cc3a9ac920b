/*
 * vm-host.c - what the host under a libvirt connection can run: KVM or
 * only TCG, and whether QEMU's memory can be capped.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "util.h"
#include "vm.h"

#define VM_HOST_KVM_VERDICT	"accel-kvm-broken"	/* under <state> */
#define VM_HOST_CAP_SYS_RESOURCE 24

enum vm_accel
vm_host_accel(struct vm_conn *conn, char **why)
{
	char	*p;

	(void)conn;
	if (access("/dev/kvm", R_OK | W_OK) != 0) {
		xasprintf(why, "/dev/kvm is not usable: %s", strerror(errno));
		return VM_ACCEL_TCG;
	}
	p = config_path(VM_HOST_KVM_VERDICT);
	if (access(p, F_OK) == 0) {
		xasprintf(why, "KVM guests did not start here before (remove "
		    "%s to try again)", p);
		free(p);
		return VM_ACCEL_TCG;
	}
	free(p);
	*why = xstrdup("/dev/kvm is usable");
	return VM_ACCEL_KVM;
}

void
vm_host_kvm_failed(const char *why)
{
	char	*p = config_path(VM_HOST_KVM_VERDICT);
	int	 fd;

	/* Root's, like everything else at the state directory's top. */
	if ((fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) != -1) {
		(void)fchmod(fd, 0600);
		dprintf(fd, "%s\n", why);
		close(fd);
	}
	free(p);
}

int
vm_host_hard_limit(struct vm_conn *conn, char **why)
{
	int	 pid;

	if (strncmp(vm_uri(conn), "qemu:///", 8) != 0) {
		*why = xstrdup("remote libvirt, assumed able");
		return 1;
	}
	if ((pid = util_pid_of("libvirtd")) == -1) {
		*why = xstrdup("libvirtd not found on this host, assumed able");
		return 1;
	}
	if (util_has_capability(pid, VM_HOST_CAP_SYS_RESOURCE)) {
		*why = xstrdup("libvirtd has CAP_SYS_RESOURCE");
		return 1;
	}
	*why = xstrdup("libvirtd lacks CAP_SYS_RESOURCE (a container?), so "
	    "QEMU's memory cannot be capped");
	return 0;
}
