/*
 * inject-fs.c - faults on files and filesystems: file, remove, chmod,
 * chown, immutable, fill, inodes, volume.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inject-int.h"
#include "util.h"

void
inject_plan_file(const struct scenario_fault *f, struct inject_plan *p)
{
	inject_add(&p->apply, "set -e\n");
	p->input = xstrdup(inject_param(f, "content"));
	inject_put(p, inject_param(f, "path"), inject_param(f, "owner"),
	    inject_param(f, "mode"));
}

void
inject_plan_remove(const struct scenario_fault *f, struct inject_plan *p)
{
	char	*path = inject_quote(f, "path");

	xasprintf(&p->apply, "rm -rf -- %s\n", path);
	xasprintf(&p->proof, "! [ -e %s ] && ! [ -L %s ]\n", path, path);
	free(path);
}

/* chmod and chown: the same command shape, the matching proof. */
static void
inject_change(const struct scenario_fault *f, struct inject_plan *p,
    const char *cmd, const char *param)
{
	char	*path = inject_quote(f, "path");
	char	*value = inject_quote(f, param);

	xasprintf(&p->apply, "%s %s-- %s %s\n", cmd,
	    inject_true(f, "recursive") ? "-R " : "", value, path);
	xasprintf(&p->proof, "p=%s\n", path);
	if (strcmp(param, "mode") == 0)
		inject_prove_mode(&p->proof, inject_param(f, "mode"));
	else
		inject_prove_owner(&p->proof, inject_param(f, "owner"));
	free(path);
	free(value);
}

void
inject_plan_chmod(const struct scenario_fault *f, struct inject_plan *p)
{
	inject_change(f, p, "chmod", "mode");
}

void
inject_plan_chown(const struct scenario_fault *f, struct inject_plan *p)
{
	inject_change(f, p, "chown", "owner");
}

void
inject_plan_immutable(const struct scenario_fault *f, struct inject_plan *p)
{
	char	*path = inject_quote(f, "path");

	xasprintf(&p->apply, "chattr +i -- %s\n", path);
	xasprintf(&p->proof, "lsattr -d -- %s | cut -d' ' -f1 | grep -q i ||"
	    " { echo %s': not immutable' >&2; exit 1; }\n", path, path);
	free(path);
}

/*
 * fill: one preallocated file takes what ordinary users have left, less
 * leave; root's reserved blocks stay. Proof: at most leave + 1 MiB left.
 */
void
inject_plan_fill(const struct scenario_fault *f, struct inject_plan *p)
{
	char		*path = inject_quote(f, "path");
	uint64_t	 leave = inject_number(f, "leave");

	xasprintf(&p->apply, "set -e\n"
	    "f=%s\n"
	    "d=$(dirname -- \"$f\")\n"
	    "mkdir -p -- \"$d\"\n"
	    "rm -f -- \"$f\"\n"
	    "sync -f -- \"$d\"\n"
	    "n=$(( $(stat -f -c '%%a * %%S' -- \"$d\") - %" PRIu64 " ))\n"
	    "[ \"$n\" -gt 0 ] || exit 0\n"
	    "fallocate -l \"$n\" -- \"$f\" 2>/dev/null ||\n"
	    "    head -c \"$n\" /dev/zero >\"$f\" 2>/dev/null || true\n"
	    "sync -f -- \"$d\"\n", path, leave);
	xasprintf(&p->proof, "d=$(dirname -- %s)\n"
	    "a=$(( $(stat -f -c '%%a * %%S' -- \"$d\") ))\n"
	    "[ \"$a\" -le %" PRIu64 " ] ||"
	    " { echo \"$d: $a bytes still available\" >&2; exit 1; }\n",
	    path, leave + 1048576);
	free(path);
}

/* inodes: empty files until at most leave inodes are free. */
void
inject_plan_inodes(const struct scenario_fault *f, struct inject_plan *p)
{
	char		*path = inject_quote(f, "path");
	char		*prefix = inject_quote(f, "prefix");
	uint64_t	 leave = inject_number(f, "leave");

	xasprintf(&p->apply, "set -e\n"
	    "d=%s\n"
	    "mkdir -p -- \"$d\"\n"
	    "python3 - \"$d\" %" PRIu64 " %s <<'EOF'\n"
	    "import errno, os, sys\n"
	    "d, leave, prefix = sys.argv[1], int(sys.argv[2]), sys.argv[3]\n"
	    "i = 0\n"
	    "while True:\n"
	    "    free = os.statvfs(d).f_ffree\n"
	    "    if free <= leave:\n"
	    "        break\n"
	    "    for _ in range(min(free - leave, 4096)):\n"
	    "        name = os.path.join(d, '%%s%%07d' %% (prefix, i))\n"
	    "        i += 1\n"
	    "        try:\n"
	    "            os.close(os.open(name, os.O_CREAT | os.O_EXCL |"
	    " os.O_WRONLY, 0o600))\n"
	    "        except FileExistsError:\n"
	    "            continue\n"
	    "        except OSError as e:\n"
	    "            if e.errno != errno.ENOSPC:\n"
	    "                raise\n"
	    "            sys.exit(0)\n"
	    "EOF\n", path, leave, prefix);
	xasprintf(&p->proof, "d=%s\n"
	    "n=$(stat -f -c %%d -- \"$d\")\n"
	    "[ \"$n\" -le %" PRIu64 " ] ||"
	    " { echo \"$d: $n inodes still free\" >&2; exit 1; }\n",
	    path, leave);
	free(path);
	free(prefix);
}

/*
 * volume: an ext4 image file under /var/lib/volumes, loop-mounted from
 * fstab so that it comes back at boot.
 */
void
inject_plan_volume(const struct scenario_fault *f, struct inject_plan *p)
{
	char		*path = inject_quote(f, "path");
	char		*owner = inject_quote(f, "owner");
	uint64_t	 inodes = inject_number(f, "inodes");
	char		 nopt[32] = "";

	if (inodes != 0)
		snprintf(nopt, sizeof nopt, " -N %" PRIu64, inodes);
	xasprintf(&p->apply, "set -e\n"
	    "m=%s\n"
	    "img=/var/lib/volumes/$(printf '%%s' \"$m\" | "
	    "sed 's|^/||; s|[/ ]|-|g').img\n"
	    "mkdir -p /var/lib/volumes \"$m\"\n"
	    "rm -f \"$img\"\n"
	    "truncate -s %" PRIu64 " \"$img\"\n"
	    "mkfs.ext4 -q -F%s -L \"$(basename -- \"$m\" | cut -c1-16)\" "
	    "\"$img\"\n"
	    "grep -q \"^$img \" /etc/fstab ||\n"
	    "    printf '%%s %%s ext4 loop,nofail 0 0\\n' \"$img\" "
	    "\"$(printf '%%s' \"$m\" | sed 's/ /\\\\040/g')\" >>/etc/fstab\n"
	    "systemctl daemon-reload\n"
	    "mount -- \"$m\"\n"
	    "chown -- %s \"$m\"\n"
	    "chmod -- %s \"$m\"\n", path, inject_number(f, "size"), nopt,
	    owner, inject_param(f, "mode"));
	xasprintf(&p->proof, "p=%s\n"
	    "mountpoint -q -- \"$p\" || { echo \"$p is not mounted\" >&2; "
	    "exit 1; }\n", path);
	inject_prove_mode(&p->proof, inject_param(f, "mode"));
	inject_prove_owner(&p->proof, inject_param(f, "owner"));
	free(path);
	free(owner);
}
