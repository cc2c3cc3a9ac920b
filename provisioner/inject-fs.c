/*
 * inject-fs.c - faults on files and filesystems: file, remove, chmod,
 * chown, immutable, mount, capability, fill, inodes, volume.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"
#include "inject-int.h"
#include "util.h"

/* base64 as written in the scenario, without its blanks and newlines. */
static char *
inject_unblank(const char *s)
{
	char	*out = xmalloc(strlen(s) + 1), *o = out;

	for (; *s != '\0'; s++) {
		if (strchr(" \t\r\n", *s) == NULL)
			*o++ = *s;
	}
	*o = '\0';
	return out;
}

void
inject_plan_file(const struct scenario_fault *f, struct inject_plan *p)
{
	const char	*b64 = scenario_fault_param(f, "content_base64");

	util_append(&p->apply, "set -e\n");
	if (b64 != NULL) {
		p->input = inject_unblank(b64);
		inject_put_base64(p, inject_param(f, "path"),
		    inject_param(f, "owner"), inject_param(f, "mode"));
		return;
	}
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

/* immutable: chattr +i, or +a (append-only); lsattr shows the letter. */
void
inject_plan_immutable(const struct scenario_fault *f, struct inject_plan *p)
{
	const char	*attr = inject_param(f, "attribute");
	char		*path = inject_quote(f, "path");
	char		 letter = strcmp(attr, "append-only") == 0 ? 'a' : 'i';

	xasprintf(&p->apply, "chattr +%c -- %s\n", letter, path);
	xasprintf(&p->proof, "lsattr -d -- %s | cut -d' ' -f1 | grep -q %c ||"
	    " { echo %s': not %s' >&2; exit 1; }\n", path, letter, path,
	    attr);
	free(path);
}

/*
 * Proof lines: the options, as the kernel shows them now (an option
 * such as exec shows as noexec's absence) and, with persist, as written
 * in /etc/fstab.
 */
static void
inject_mount_proof(struct inject_plan *p, const char *path, const char *opts,
    int persist)
{
	xasprintf(&p->proof, "m=%s\n"
	    "o=$(findmnt -n -o OPTIONS --mountpoint \"$m\" | tail -n 1)\n"
	    "[ -n \"$o\" ] || { echo \"$m is not mounted\" >&2; exit 1; }\n"
	    "for w in $(echo '%s' | tr , ' '); do\n"
	    "    case $w in\n"
	    "    exec|suid|dev|atime) case \",$o,\" in *,no$w,*)"
	    " echo \"$m is mounted $o\" >&2; exit 1 ;; esac ;;\n"
	    "    *) case \",$o,\" in *,$w,*) ;; *)"
	    " echo \"$m is mounted $o\" >&2; exit 1 ;; esac ;;\n"
	    "    esac\n"
	    "done\n", path, opts);
	if (!persist)
		return;
	util_append(&p->proof, "s=$(findmnt -n -s -o OPTIONS --mountpoint "
	    "\"$m\")\n"
	    "for w in $(echo '%s' | tr , ' '); do\n"
	    "    case \",$s,\" in *,$w,*) ;; *)"
	    " echo \"/etc/fstab mounts $m with ${s:-nothing}\" >&2; exit 1 ;;"
	    " esac\n"
	    "done\n", opts);
}

/*
 * mount: remount with the options; with persist, first rewrite the
 * options of its /etc/fstab line (each option and its opposite taken
 * out, the new ones added), so that boot mounts it the same way.
 */
void
inject_plan_mount(const struct scenario_fault *f, struct inject_plan *p)
{
	const char	*opts = inject_param(f, "options");
	char		*path = inject_quote(f, "path");
	char		*replaced = fault_mount_replaced(opts);

	xasprintf(&p->apply, "set -e\n"
	    "m=%s\n"
	    "mountpoint -q -- \"$m\" ||"
	    " { echo \"$m is not a mount point\" >&2; exit 1; }\n", path);
	if (inject_true(f, "persist"))
		util_append(&p->apply, "t=$(mktemp /etc/fstab.XXXXXX)\n"
		    "M=$m O='%s' R=',%s,' awk '\n"
		    "function unesc(s) { gsub(/\\\\040/, \" \", s); return s }\n"
		    "!/^[[:space:]]*#/ && NF >= 4 && unesc($2) == ENVIRON[\"M\"] {\n"
		    "    n = split($4, a, \",\"); o = \"\"\n"
		    "    for (i = 1; i <= n; i++)\n"
		    "        if (index(ENVIRON[\"R\"], \",\" a[i] \",\") == 0)\n"
		    "            o = o (o == \"\" ? \"\" : \",\") a[i]\n"
		    "    $4 = (o == \"\" ? \"\" : o \",\") ENVIRON[\"O\"]\n"
		    "    hit = 1\n"
		    "}\n"
		    "{ print }\n"
		    "END { exit !hit }' /etc/fstab >\"$t\" ||\n"
		    "    { rm -f \"$t\"; echo \"$m has no line in /etc/fstab to "
		    "keep the options in\" >&2; exit 1; }\n"
		    "chmod 0644 \"$t\"\n"
		    "mv -f \"$t\" /etc/fstab\n"
		    "systemctl daemon-reload\n", opts, replaced);
	util_append(&p->apply, "mount -o remount,%s -- \"$m\"\n", opts);
	inject_mount_proof(p, path, opts, inject_true(f, "persist"));
	free(path);
	free(replaced);
}

/*
 * A shell function: caps FILE prints the file's permitted and
 * inheritable capability masks and its effective bit, from the
 * security.capability attribute as the kernel reads it ("0 0 0" when
 * it has none).
 */
#define INJECT_CAPS_FN \
	"caps() {\n" \
	"    python3 - \"$1\" <<'EOF'\n" \
	"import os, sys\n" \
	"try:\n" \
	"    b = os.getxattr(sys.argv[1], 'security.capability')\n" \
	"except OSError:\n" \
	"    b = b''\n" \
	"def w(i):\n" \
	"    return int.from_bytes(b[i:i + 4], 'little') if len(b) >= i + 4 else 0\n" \
	"print(w(4) | w(12) << 32, w(8) | w(16) << 32, w(0) & 1)\n" \
	"EOF\n" \
	"}\n"

/*
 * capability: setcap as an administrator would; remove keeps the
 * file's other capabilities (and refuses a file that has none of the
 * named ones: the fault would do nothing). The proof reads the masks.
 */
void
inject_plan_capability(const struct scenario_fault *f, struct inject_plan *p)
{
	const char	*action = inject_param(f, "action");
	const char	*caps = inject_param(f, "caps");
	const char	*flags = inject_param(f, "flags");
	char		*path = inject_quote(f, "path");
	uint64_t	 mask = fault_caps_mask(caps);

	xasprintf(&p->apply, "set -e\n"
	    "f=%s\n"
	    "[ -f \"$f\" ] || { echo \"$f: no such file\" >&2; exit 1; }\n"
	    INJECT_CAPS_FN
	    "set -- $(caps \"$f\")\n", path);
	p->proof = xstrdup(p->apply);
	if (strcmp(action, "set") == 0) {
		util_append(&p->apply, "setcap '%s=%s' \"$f\"\n", caps, flags);
		util_append(&p->proof, "[ \"$*\" = '%" PRIu64 " %" PRIu64
		    " %d' ]", mask, strchr(flags, 'i') ? mask : 0,
		    strchr(flags, 'e') != NULL);
	} else if (strcmp(action, "remove") == 0) {
		util_append(&p->apply, "[ $(( ($1 | $2) & %" PRIu64 " )) -ne 0 ]"
		    " || { echo \"$f has none of %s: nothing to remove\" >&2; "
		    "exit 1; }\n"
		    "c=$(getcap -- \"$f\")\n"
		    "setcap \"${c#\"$f\" } %s-eip\" \"$f\"\n"
		    "set -- $(caps \"$f\")\n"
		    "[ \"$1 $2\" != '0 0' ] || setcap -r \"$f\"\n", mask, caps,
		    caps);
		util_append(&p->proof, "[ $(( ($1 | $2) & %" PRIu64 " )) -eq 0 ]",
		    mask);
	} else {
		util_append(&p->apply, "[ \"$1 $2\" != '0 0' ] ||"
		    " { echo \"$f has no capabilities: nothing to clear\" >&2; "
		    "exit 1; }\n"
		    "setcap -r \"$f\"\n");
		util_append(&p->proof, "[ \"$*\" = '0 0 0' ]");
	}
	util_append(&p->proof, " ||"
	    " { echo \"$f has capabilities '$(getcap -- \"$f\")'\" >&2; "
	    "exit 1; }\n");
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
