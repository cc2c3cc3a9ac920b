#!/bin/bash
# Build the breakfix "debian-12" base image.
#
#   build.sh OUTPUT_DIR ADMIN_PUBKEY_FILE
#   build.sh --recipe-hash     print the recipe hash that manifest.json records
#
# Run as root. Produces, in OUTPUT_DIR (replaced only when the whole
# build succeeded):
#   disk.qcow2     root filesystem (ext4 on the whole disk, no partitions)
#   vmlinuz        kernel for direct kernel boot
#   initrd.img     initramfs (virtio_pci, virtio_blk, virtio_net, ext4)
#   manifest.json  recipe hash, package versions, sizes, timing
# Boot with: root=/dev/vda rw console=ttyS0 (see domain-example.xml).
#
# Environment (all optional):
#   MIRROR           Debian archive to use instead of the host's apt
#                    sources (host-apt.sh); SECURITY_MIRROR with it
#   IMAGE_SIZE       ext4 size, sparse    (2G; the guest grows it at boot to
#                                          fill a larger disk)
#   QCOW2_COMPRESS   1 = compressed qcow2 (1)
#   MIN_FREE_MB      refuse to start below this much free space (4096)
#   DEBOOTSTRAP_CACHE  directory to keep downloaded .debs between builds
set -euo pipefail
umask 022
export LC_ALL=C

NAME=debian-12
SUITE=bookworm
ARCH=amd64
ADMIN_USER=breakfix
CANDIDATE_USER=candidate
GUEST_DNS=10.0.2.3
STEPS=7

MIRROR=${MIRROR:-}
SECURITY_MIRROR=${SECURITY_MIRROR:-}
IMAGE_SIZE=${IMAGE_SIZE:-2G}
QCOW2_COMPRESS=${QCOW2_COMPRESS:-1}
MIN_FREE_MB=${MIN_FREE_MB:-4096}
DEBOOTSTRAP_CACHE=${DEBOOTSTRAP_CACHE:-}

RECIPE_DIR=$(cd "$(dirname "$0")" && pwd)
PROG=$(basename "$0")
# shellcheck source=images/debian-12/host-apt.sh
. "$RECIPE_DIR/host-apt.sh"

# fd 8 is the caller's stderr, even where a trap runs inside a redirection.
exec 8>&2
die() { printf '%s: error: %s\n' "$PROG" "$*" >&8; exit 1; }
step_no=0
step() { step_no=$((step_no + 1)); printf '[%d/%d] %s\n' "$step_no" "$STEPS" "$*"; }
note() { printf '      %s\n' "$*"; }

usage() {
	cat >&2 <<USAGE
usage: $PROG OUTPUT_DIR ADMIN_PUBKEY_FILE
       $PROG --recipe-hash
  Builds the $NAME base image into OUTPUT_DIR (e.g. /var/lib/breakfix/images/$NAME).
  ADMIN_PUBKEY_FILE is the OpenSSH public key of the '$ADMIN_USER' admin account.
USAGE
	exit 2
}

# ---------------------------------------------------------------- checks
# The recipe hash covers every input: the build script, the package list
# and the overlay (not the docs, the example domain or derive.sh, which
# builds on a base image and is hashed into each derived image's name).
# breakfix asks for it to tell whether a built image is current.
recipe_hash() {
	(cd "$RECIPE_DIR" && find . -type f ! -name '*.md' \
		! -name 'domain-example.xml' ! -name derive.sh | sed 's|^\./||' |
		LC_ALL=C sort | while IFS= read -r f; do sha256sum -- "$f"; done |
		sha256sum | cut -d' ' -f1)
}
if [ "${1:-}" = --recipe-hash ]; then
	recipe_hash
	exit 0
fi

[ $# -eq 2 ] || usage
case $1 in -h|--help) usage ;; esac
OUTPUT_DIR=$1
PUBKEY_FILE=$2

[ "$(id -u)" -eq 0 ] || die "must run as root (debootstrap, chroot and mounts need it)"
case $OUTPUT_DIR in
	/*) ;;
	*) OUTPUT_DIR=$PWD/$OUTPUT_DIR ;;
esac
OUTPUT_DIR=${OUTPUT_DIR%/}
case $OUTPUT_DIR in
	*[[:space:]]*) die "OUTPUT_DIR must not contain white space: '$OUTPUT_DIR'" ;;
	/|'') die "OUTPUT_DIR must not be /" ;;
esac
[ -r "$PUBKEY_FILE" ] || die "cannot read public key file '$PUBKEY_FILE'"
PUBKEY=$(grep -v '^[[:space:]]*\(#\|$\)' "$PUBKEY_FILE" | head -n 1 || true)
case $PUBKEY in
	ssh-ed25519\ *|ssh-rsa\ *|ecdsa-sha2-*\ *|sk-ssh-ed25519@openssh.com\ *|sk-ecdsa-sha2-*\ *) ;;
	*) die "'$PUBKEY_FILE' does not hold an OpenSSH public key" ;;
esac

missing=
for tool in debootstrap:debootstrap chroot:coreutils mkfs.ext4:e2fsprogs \
    qemu-img:qemu-utils sha256sum:coreutils flock:util-linux \
    findmnt:util-linux ssh-keygen:openssh-client; do
	command -v "${tool%%:*}" >/dev/null 2>&1 || missing="$missing ${tool#*:}"
done
[ -z "$missing" ] || die "missing tools; install them with: apt-get install$missing"
{ [ -d "$RECIPE_DIR/overlay" ] && [ -r "$RECIPE_DIR/packages" ]; } ||
	die "recipe incomplete: need packages and overlay/ in $RECIPE_DIR"
ssh-keygen -l -f "$PUBKEY_FILE" >/dev/null 2>&1 ||
	die "'$PUBKEY_FILE' is not a valid public key (ssh-keygen -l refuses it)"

PARENT=$(dirname "$OUTPUT_DIR")
BASE=$(basename "$OUTPUT_DIR")
mkdir -p "$PARENT"
free_mb=$(df -Pm "$PARENT" | awk 'NR == 2 { print $4 }')
[ "${free_mb:-0}" -ge "$MIN_FREE_MB" ] ||
	die "only ${free_mb:-0} MiB free under $PARENT; the build needs $MIN_FREE_MB MiB"

PACKAGES=$(sed -e 's/#.*//' -e 's/[[:space:]]\+/ /g' "$RECIPE_DIR/packages" |
	tr ' ' '\n' | sed '/^$/d' | tr '\n' ' ')
[ -n "$PACKAGES" ] || die "no packages listed in $RECIPE_DIR/packages"

# One build per output directory at a time.
exec 9>"$PARENT/.$BASE.lock"
flock -n 9 || die "another build of $OUTPUT_DIR is running"

SOURCES=$(host_apt_sources "$SUITE")
[ -n "$MIRROR" ] || MIRROR=$(host_apt_mirror "$SUITE")
[ -n "$MIRROR" ] && [ -n "$SOURCES" ] ||
	die "the host's apt has no source for $SUITE (apt-get indextargets); set MIRROR=URL"
host_apt_proxy_env

start_s=$(date +%s)

# --------------------------------------------------- work dir and cleanup
WORK=$(mktemp -d "$PARENT/.$BASE.build.XXXXXX")
ROOT=$WORK/rootfs
OUT=$WORK/out
mkdir -p "$ROOT" "$OUT"

# Mount points under $ROOT, deepest first (mountinfo escapes blanks; the
# work path has none).
mounts_under_root() {
	awk -v p="$ROOT" '$5 == p || index($5, p "/") == 1 { print $5 }' \
		/proc/self/mountinfo | sort -r
}
unmount_all() {
	local m tries=0
	while [ -n "$(mounts_under_root)" ] && [ $tries -lt 5 ]; do
		for m in $(mounts_under_root); do
			umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
		done
		tries=$((tries + 1))
	done
	[ -z "$(mounts_under_root)" ]
}
cleanup() {
	local rc=$?
	set +e
	trap - EXIT INT TERM HUP
	if [ -n "${WORK:-}" ] && [ -d "$WORK" ]; then
		if [ $rc -ne 0 ] && [ -s "$WORK/build.log" ]; then
			cp "$WORK/build.log" "$PARENT/.$BASE.failed-build.log" &&
				printf '%s: full log: %s\n' "$PROG" \
					"$PARENT/.$BASE.failed-build.log" >&8
		fi
		if unmount_all; then
			rm -rf --one-file-system "$WORK"
		else
			printf '%s: warning: still mounted under %s; not removing it\n' \
				"$PROG" "$ROOT" >&8
		fi
	fi
	[ $rc -eq 0 ] || printf '%s: build failed (exit %d); %s left unchanged\n' \
		"$PROG" "$rc" "$OUTPUT_DIR" >&8
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

in_root() {
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 \
		DEBIAN_FRONTEND=noninteractive DEBCONF_NONINTERACTIVE_SEEN=true \
		chroot "$ROOT" "$@"
}
mount_api() {
	mount -t proc proc "$ROOT/proc"
	mount -t sysfs sysfs "$ROOT/sys"
	# debootstrap made the device nodes; bind the host's only if it could not.
	[ -c "$ROOT/dev/null" ] || mount --bind /dev "$ROOT/dev"
	mount -t devpts -o newinstance,ptmxmode=0666 devpts "$ROOT/dev/pts"
}
LOG=$WORK/build.log
run_logged() {  # run_logged WHAT CMD...: quiet unless it fails
	if ! "${@:2}" >>"$LOG" 2>&1; then
		tail -n 40 "$LOG" >&8
		die "$1 failed (last lines of the log above)"
	fi
}

# ------------------------------------------------------------ debootstrap
step "debootstrap $SUITE ($ARCH, minbase) from $MIRROR"
set -- --variant=minbase --arch="$ARCH" --merged-usr
if [ -n "$DEBOOTSTRAP_CACHE" ]; then
	mkdir -p "$DEBOOTSTRAP_CACHE"
	set -- "$@" --cache-dir="$DEBOOTSTRAP_CACHE"
fi
run_logged debootstrap debootstrap "$@" "$SUITE" "$ROOT" "$MIRROR"
note "$(du -sm --one-file-system "$ROOT" | cut -f1) MiB"

# --------------------------------------------------------------- packages
# shellcheck disable=SC2086
step "install packages ($(set -- $PACKAGES; echo $#) listed)"
printf '%s\n' "$SOURCES" >"$ROOT/etc/apt/sources.list"
host_apt_conf >"$ROOT/etc/apt/apt.conf.d/00breakfix-host"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf" 2>/dev/null || true
# Config first, so package scripts see it (initramfs list, sshd, dpkg).
cp -a --no-preserve=ownership "$RECIPE_DIR/overlay/." "$ROOT/"
chmod 0440 "$ROOT"/etc/sudoers.d/*
chmod 0750 "$ROOT/etc/sudoers.d"
# No daemon may start inside the build root.
printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"
chmod 0755 "$ROOT/usr/sbin/policy-rc.d"
mount_api
APT_OPTS="-y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold -o APT::Install-Recommends=false -o APT::Install-Suggests=false"
run_logged "apt-get update" in_root apt-get -q update
# shellcheck disable=SC2086
run_logged "apt-get upgrade" in_root apt-get $APT_OPTS dist-upgrade
# shellcheck disable=SC2086
run_logged "apt-get install" in_root apt-get $APT_OPTS install $PACKAGES
note "$(in_root dpkg-query -W -f '.\n' | wc -l) packages installed"

# -------------------------------------------------------------- configure
step "configure (hostname, network, ssh, accounts, boot)"
echo breakfix >"$ROOT/etc/hostname"
cat >"$ROOT/etc/hosts" <<'HOSTS'
127.0.0.1	localhost
127.0.1.1	breakfix
::1		localhost ip6-localhost ip6-loopback
ff02::1		ip6-allnodes
ff02::2		ip6-allrouters
HOSTS
# Whole-disk ext4; the overlay is throwaway and always clean, so no fsck;
# x-systemd.growfs fills a disk created larger than the image.
cat >"$ROOT/etc/fstab" <<'FSTAB'
# <device> <mount point> <type> <options> <dump> <pass>
/dev/vda / ext4 rw,relatime,errors=remount-ro,x-systemd.growfs 0 0
FSTAB
ln -sf /usr/share/zoneinfo/Etc/UTC "$ROOT/etc/localtime"
echo Etc/UTC >"$ROOT/etc/timezone"

# Accounts: the admin logs in with the given key only; the candidate
# gets a key from the gateway later. Neither has a usable password.
in_root useradd --create-home --shell /bin/bash --comment "breakfix admin" \
	--password '*' "$ADMIN_USER"
in_root useradd --create-home --shell /bin/bash --comment "candidate" \
	--groups sudo --password '*' "$CANDIDATE_USER"
install -d -m 0700 "$ROOT/home/$ADMIN_USER/.ssh" "$ROOT/home/$CANDIDATE_USER/.ssh"
printf '%s\n' "$PUBKEY" >"$ROOT/home/$ADMIN_USER/.ssh/authorized_keys"
: >"$ROOT/home/$CANDIDATE_USER/.ssh/authorized_keys"
chmod 0600 "$ROOT"/home/*/.ssh/authorized_keys
in_root chown -R "$ADMIN_USER:$ADMIN_USER" "/home/$ADMIN_USER/.ssh"
in_root chown -R "$CANDIDATE_USER:$CANDIDATE_USER" "/home/$CANDIDATE_USER/.ssh"
in_root passwd --lock root >/dev/null
in_root visudo -c -q || die "sudoers files do not parse"

# Every interactive bash loads the command marks the gateway logs
# (overlay/etc/breakfix-marks.bash; docs/recording-format.md).
grep -qF 'breakfix-marks.bash' "$ROOT/etc/bash.bashrc" ||
	printf '\n%s\n' '[ -r /etc/breakfix-marks.bash ] && . /etc/breakfix-marks.bash' \
		>>"$ROOT/etc/bash.bashrc"

# Network: systemd-networkd (DHCP from QEMU); a fixed resolver (QEMU's).
in_root systemctl enable --quiet systemd-networkd.service
in_root systemctl enable --quiet serial-getty@ttyS0.service
in_root systemctl enable --quiet ssh.service nginx.service cron.service
# dnsmasq is there for scenarios that set up a resolver; off by default.
in_root systemctl disable --quiet dnsmasq.service

# Boot trimmed to what a throwaway exercise VM needs. Under TCG every
# process started at boot costs real time on the single vCPU, so: no
# periodic jobs, no waiting for "network online", no pseudo filesystems
# and module preloads nobody uses, no generators for things the image
# does not have (LUKS, GPT auto-mount, hibernation, SysV scripts: every
# service here has a native unit).
for unit in e2scrub_reap.service e2scrub_all.timer e2scrub_all.service \
    apt-daily.timer apt-daily-upgrade.timer apt-daily.service \
    apt-daily-upgrade.service man-db.timer fstrim.timer \
    systemd-networkd-wait-online.service systemd-network-generator.service \
    systemd-timesyncd.service getty@tty1.service getty-static.service \
    systemd-journal-flush.service systemd-pstore.service \
    systemd-binfmt.service proc-sys-fs-binfmt_misc.automount \
    systemd-modules-load.service systemd-sysusers.service \
    systemd-random-seed.service systemd-update-utmp-runlevel.service \
    modprobe@configfs.service modprobe@dm_mod.service modprobe@drm.service \
    modprobe@fuse.service modprobe@loop.service \
    dev-hugepages.mount sys-kernel-debug.mount sys-kernel-tracing.mount \
    sys-kernel-config.mount sys-fs-fuse-connections.mount; do
	in_root systemctl mask --quiet "$unit"
done
# logind needs D-Bus; without the dbus package it would only fail. (With
# dbus it must stay: masked, it makes `systemctl reboot` fail.)
[ -e "$ROOT/usr/bin/dbus-daemon" ] ||
	in_root systemctl mask --quiet systemd-logind.service
mkdir -p "$ROOT/etc/systemd/system-generators"
for gen in systemd-cryptsetup-generator systemd-getty-generator \
    systemd-gpt-auto-generator systemd-hibernate-resume-generator \
    systemd-integritysetup-generator systemd-rc-local-generator \
    systemd-run-generator systemd-system-update-generator \
    systemd-sysv-generator systemd-veritysetup-generator; do
	ln -sf /dev/null "$ROOT/etc/systemd/system-generators/$gen"
done

# One machine-id for every clone: the VMs never meet, and a fixed id
# keeps the first boot from being a "first boot" (no preset-all).
: >"$ROOT/etc/machine-id"
in_root systemd-machine-id-setup >/dev/null 2>&1
rm -f "$ROOT/var/lib/dbus/machine-id"

# ssh host keys: none in the image. Every VM makes its own at first boot
# (breakfix-hostkeys.service, before ssh.service) and breakfix learns it
# over the guest agent; a key baked in here would be every exercise's.
# sshd -t needs a key to check the configuration: a throwaway one.
rm -f "$ROOT"/etc/ssh/ssh_host_*
in_root ssh-keygen -q -t ed25519 -N '' -f /etc/ssh/ssh_host_ed25519_key
mkdir -p "$ROOT/run/sshd"
in_root sshd -t || die "sshd -t refuses the configuration"
rmdir "$ROOT/run/sshd"
rm -f "$ROOT"/etc/ssh/ssh_host_*
in_root systemctl enable --quiet breakfix-hostkeys.service

# ---------------------------------------------------- initramfs and kernel
step "initramfs and kernel"
run_logged update-initramfs in_root update-initramfs -u -k all
KVER=$(in_root linux-version list | sort -V | tail -n 1)
[ -n "$KVER" ] || die "no kernel installed in the image"
cp "$ROOT/boot/vmlinuz-$KVER" "$OUT/vmlinuz"
cp "$ROOT/boot/initrd.img-$KVER" "$OUT/initrd.img"
chmod 0640 "$OUT/vmlinuz" "$OUT/initrd.img"
initrd_list=$(in_root lsinitramfs "/boot/initrd.img-$KVER")
for mod in virtio_pci virtio_blk virtio_net ext4; do
	printf '%s\n' "$initrd_list" | grep -q "/$mod\.ko" ||
		in_root sh -c "grep -q '/$mod\.ko:\?' /lib/modules/$KVER/modules.builtin" ||
		die "initramfs lacks $mod (neither in it nor built into $KVER)"
done
note "kernel $KVER"

# ------------------------------------------------------------ shrink image
in_root apt-get -q clean
rm -f "$ROOT/usr/sbin/policy-rc.d"
unmount_all || die "cannot unmount the API filesystems under $ROOT"
printf 'nameserver %s\n' "$GUEST_DNS" >"$ROOT/etc/resolv.conf"
rm -rf "$ROOT"/var/lib/apt/lists/* "$ROOT"/var/cache/apt/*.bin \
	"$ROOT"/var/cache/debconf/*-old "$ROOT"/var/lib/dpkg/*-old \
	"$ROOT"/var/log/journal/* "$ROOT"/tmp/* "$ROOT"/var/tmp/* \
	"$ROOT"/root/.bash_history "$ROOT/etc/apt/apt.conf.d/00breakfix-host"
find "$ROOT/usr/share/doc" -mindepth 1 ! -name copyright ! -type d -delete 2>/dev/null || true
find "$ROOT/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
rm -rf "$ROOT"/usr/share/man/* "$ROOT"/usr/share/info/* \
	"$ROOT"/usr/share/lintian "$ROOT"/usr/share/linda
find "$ROOT/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias \
	-exec rm -rf {} + 2>/dev/null || true
find "$ROOT/var/log" -type f -exec truncate -s 0 {} +
rootfs_mb=$(du -sm --one-file-system "$ROOT" | cut -f1)

# ------------------------------------------------------------- filesystem
step "ext4 filesystem image ($IMAGE_SIZE, sparse; ${rootfs_mb} MiB of files)"
# Inode tables and journal written now, so the guest starts no background
# zeroing that would fill every overlay.
run_logged mkfs.ext4 mkfs.ext4 -q -F -L breakfix-root -d "$ROOT" \
	-E lazy_itable_init=0,lazy_journal_init=0 \
	"$WORK/root.ext4" "$IMAGE_SIZE"

# ------------------------------------------------------------------ qcow2
step "qcow2 disk image"
set -- convert -q -O qcow2 -o cluster_size=65536
[ "$QCOW2_COMPRESS" = 1 ] && set -- "$@" -c
run_logged qemu-img qemu-img "$@" "$WORK/root.ext4" "$OUT/disk.qcow2"
rm -f "$WORK/root.ext4"
chmod 0640 "$OUT/disk.qcow2"

# --------------------------------------------------------------- manifest
step "manifest.json and install into $OUTPUT_DIR"
recipe_files=$(cd "$RECIPE_DIR" && find . -type f ! -name '*.md' \
	! -name 'domain-example.xml' ! -name derive.sh | sed 's|^\./||' | LC_ALL=C sort)
recipe_sha=$(recipe_hash)

json_str() {  # JSON string literal of $1 (no control characters expected)
	printf '"%s"' "$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g')"
}
file_obj() {  # file_obj NAME: {"path":…,"bytes":…,"sha256":…}
	printf '{"path": %s, "bytes": %s, "sha256": "%s"}' "$(json_str "$1")" \
		"$(stat -c %s "$OUT/$1")" "$(sha256sum "$OUT/$1" | cut -d' ' -f1)"
}
virtual_size=$(qemu-img info --output=json "$OUT/disk.qcow2" |
	sed -n 's/^ *"virtual-size": *\([0-9]*\).*/\1/p' | head -n 1)
end_s=$(date +%s)
{
	printf '{\n'
	printf '  "name": %s,\n' "$(json_str "$NAME")"
	printf '  "format_version": 1,\n'
	printf '  "distribution": "debian", "suite": %s, "arch": %s,\n' \
		"$(json_str "$SUITE")" "$(json_str "$ARCH")"
	printf '  "built_at": "%s",\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	printf '  "build_seconds": %d,\n' $((end_s - start_s))
	printf '  "build_host": %s,\n' "$(json_str "$(uname -n)")"
	printf '  "recipe_sha256": "%s",\n' "$recipe_sha"
	printf '  "recipe_files": ['
	sep=
	for f in $recipe_files; do printf '%s%s' "$sep" "$(json_str "$f")"; sep=', '; done
	printf '],\n'
	printf '  "mirror": %s,\n' "$(json_str "$MIRROR")"
	printf '  "kernel_version": %s,\n' "$(json_str "$KVER")"
	printf '  "kernel_cmdline": "root=/dev/vda rw console=ttyS0",\n'
	printf '  "root_device": "/dev/vda", "root_fstype": "ext4",\n'
	printf '  "rootfs_files_mib": %d,\n' "$rootfs_mb"
	printf '  "disk": %s,\n' "$(file_obj disk.qcow2 | sed "s/}\$/, \"format\": \"qcow2\", \"virtual_size\": ${virtual_size:-0}, \"compressed\": $([ "$QCOW2_COMPRESS" = 1 ] && echo true || echo false)}/")"
	printf '  "kernel": %s,\n' "$(file_obj vmlinuz)"
	printf '  "initrd": %s,\n' "$(file_obj initrd.img)"
	printf '  "admin_user": %s,\n' "$(json_str "$ADMIN_USER")"
	printf '  "admin_key_fingerprint": %s,\n' \
		"$(json_str "$(ssh-keygen -l -E sha256 -f "$PUBKEY_FILE" | awk '{ print $2 }')")"
	printf '  "candidate_user": %s,\n' "$(json_str "$CANDIDATE_USER")"
	printf '  "guest_dns": %s,\n' "$(json_str "$GUEST_DNS")"
	printf '  "packages": {\n'
	# shellcheck disable=SC2016
	in_root dpkg-query -W -f '${db:Status-Abbrev}\t${Package}\t${Version}\n' |
		awk -F'\t' '$1 ~ /^ii/ { printf "%s    \"%s\": \"%s\"", sep, $2, $3; sep = ",\n" } END { printf "\n" }'
	printf '  }\n'
	printf '}\n'
} >"$OUT/manifest.json"
if command -v python3 >/dev/null 2>&1; then
	python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$OUT/manifest.json" ||
		die "manifest.json is not valid JSON"
fi

# QEMU (libvirt's user, in its group) reads the image; nobody else needs
# to: it holds the admin key's public half and the tools of every
# scenario, not a secret, but not everyone's business either.
qemu_group=$(id -gn libvirt-qemu 2>/dev/null || echo root)
chgrp "$qemu_group" "$OUT" "$OUT"/*
chmod 0640 "$OUT"/manifest.json
chmod 0750 "$OUT"

# Swap into place: the old image (if any) moves aside, the new one moves
# in, then the old one goes. A failure before this point leaves the
# previous image untouched.
sync -f "$OUT/disk.qcow2" 2>/dev/null || sync
if [ -e "$OUTPUT_DIR" ]; then
	mv -T "$OUTPUT_DIR" "$WORK/previous"
fi
mv -T "$OUT" "$OUTPUT_DIR"
total_s=$(( $(date +%s) - start_s ))
printf 'built %s in %d s: disk.qcow2 %s MiB, vmlinuz %s MiB, initrd.img %s MiB\n' \
	"$OUTPUT_DIR" "$total_s" \
	"$(( $(stat -c %s "$OUTPUT_DIR/disk.qcow2") / 1048576 ))" \
	"$(( $(stat -c %s "$OUTPUT_DIR/vmlinuz") / 1048576 ))" \
	"$(( $(stat -c %s "$OUTPUT_DIR/initrd.img") / 1048576 ))"
