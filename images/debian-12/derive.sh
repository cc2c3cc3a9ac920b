#!/bin/bash
# Build a derived image: a qcow2 layer on top of a built base image,
# with more Debian packages installed and, if asked, a local apt
# repository of some packages (with their dependencies), container
# images and files inside it.
#
#   derive.sh [-i PACKAGE]... [-m PACKAGE]... [-c NAME:TAG=PKG,...]...
#             [-f STAGE_DIR] BASE_DIR OUTPUT_DIR
#     -i PACKAGE   install PACKAGE (and what it depends on)
#     -m PACKAGE   put PACKAGE's .deb and its dependencies' in the image's
#                  local repository (/var/local/breakfix-mirror), which
#                  apt uses instead of the network
#     -c NAME:TAG=PKG,...
#                  a container image localhost/NAME:TAG in podman's
#                  storage, its root filesystem the listed Debian
#                  packages and everything they depend on, unpacked
#                  (dpkg -x, inside the image's root: no maintainer
#                  scripts run); /bin/sh links to busybox when busybox
#                  is there and sh is not. Needs podman among the -i
#                  packages.
#     -f STAGE_DIR files to place, last of all: STAGE_DIR/files.tsv has
#                  a line "N<TAB>PATH<TAB>MODE<TAB>OWNER<TAB>GROUP" for
#                  each, its content in STAGE_DIR/N; OWNER and GROUP are
#                  names in the image (GROUP empty: OWNER's login group).
#                  They are placed by one tar run inside the image's
#                  root, owners looked up there first, so that a link in
#                  the image is followed there and never on the host, and
#                  no program of the image runs once they are in.
#
# Run as root (by `breakfix image build --for`, which then writes
# OUTPUT_DIR/manifest.json). Produces, in OUTPUT_DIR (replaced only when
# the build succeeded):
#   disk.qcow2     only what changed, backed by BASE_DIR/disk.qcow2
#   vmlinuz, initrd.img   the base image's (hard links)
#   packages.tsv   package<TAB>version of every installed package
#   mirror.tsv     the local repository's .debs (empty without -m)
#
# How: qemu-storage-daemon exports the new layer (backed by the base) as
# a raw file through FUSE; that file is loop-mounted and packages are
# installed by chroot, fetched the way the host's apt fetches them
# (host-apt.sh; MIRROR overrides). docs/performance.md has the figures
# against a full rebuild and the other ways measured.
set -euo pipefail
umask 022
export LC_ALL=C

SUITE=bookworm
MIRROR_DIR=/var/local/breakfix-mirror
MIRROR=${MIRROR:-}
SECURITY_MIRROR=${SECURITY_MIRROR:-}
RECIPE_DIR=$(cd "$(dirname "$0")" && pwd)
PROG=$(basename "$0")
# shellcheck source=images/debian-12/host-apt.sh
. "$RECIPE_DIR/host-apt.sh"

# Mounts in a namespace of our own: a mount namespace made meanwhile
# (libvirt makes one per QEMU it starts) would otherwise keep a copy of
# the layer's mount alive past our umount, and its last writes would
# reach the FUSE export after it stopped.
if [ -z "${DERIVE_UNSHARED:-}" ]; then
	DERIVE_UNSHARED=1 exec unshare --mount --propagation private -- "$0" "$@"
fi

exec 8>&2
die() { printf '%s: error: %s\n' "$PROG" "$*" >&8; exit 1; }
step_no=0
step() { step_no=$((step_no + 1)); printf '[%d/8] %s\n' "$step_no" "$*"; }

INSTALL=()
MIRRORED=()
CONTAINERS=()
STAGE=
while getopts i:m:c:f: opt; do
	case $opt in
	i) INSTALL+=("$OPTARG") ;;
	m) MIRRORED+=("$OPTARG") ;;
	c) CONTAINERS+=("$OPTARG") ;;
	f) STAGE=$OPTARG ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 2 ] || { echo "usage: $PROG [-i PKG]... [-m PKG]... [-c NAME:TAG=PKG,...]... [-f STAGE_DIR] BASE_DIR OUTPUT_DIR" >&2; exit 2; }
BASE_DIR=$1
OUTPUT_DIR=${2%/}
for p in "${INSTALL[@]}" "${MIRRORED[@]}"; do
	[[ $p =~ ^[a-z0-9][a-z0-9+.-]+$ ]] || die "'$p' is not a Debian package name"
done
for c in "${CONTAINERS[@]}"; do
	[[ $c =~ ^[a-z0-9][a-z0-9._-]*:[A-Za-z0-9_][A-Za-z0-9_.-]*=[a-z0-9][a-z0-9+.-]+(,[a-z0-9][a-z0-9+.-]+)*$ ]] ||
		die "'$c' is not NAME:TAG=PACKAGE,..."
done
FILES=()	# "N<TAB>PATH<TAB>MODE<TAB>OWNER<TAB>GROUP", checked
if [ -n "$STAGE" ]; then
	[ -f "$STAGE/files.tsv" ] || die "no files.tsv in $STAGE"
	name_re='^[A-Za-z_][A-Za-z0-9_.-]*$'
	while IFS=$'\t' read -r n path mode owner group; do
		[[ $n =~ ^[0-9]+$ && -f $STAGE/$n ]] || die "$STAGE: no file '$n'"
		# No '\': GNU tar reads it as an escape in names it is given.
		[[ $path =~ ^(/[^/[:cntrl:]\\]+)+$ && ! $path =~ /\.\.?(/|$) ]] ||
			die "$STAGE: '$path' is not a clean absolute path"
		[[ $mode =~ ^[0-7]{3,4}$ ]] || die "$STAGE: '$mode' is not a mode"
		[[ $owner =~ $name_re && ( -z $group || $group =~ $name_re ) ]] ||
			die "$STAGE: '$owner:$group' is not an owner"
		FILES+=("$n"$'\t'"$path"$'\t'"$mode"$'\t'"$owner"$'\t'"$group")
	done <"$STAGE/files.tsv"
fi
if [ ${#CONTAINERS[@]} -gt 0 ] && [[ " ${INSTALL[*]} " != *" podman "* ]]; then
	die "container images need podman among the packages (-i podman)"
fi
[ "$(id -u)" -eq 0 ] || die "must run as root (loop mount, chroot)"
[ -r "$BASE_DIR/disk.qcow2" ] || die "no base image in $BASE_DIR"
for tool in qemu-img qemu-storage-daemon dpkg-scanpackages losetup flock; do
	command -v "$tool" >/dev/null 2>&1 || die "missing $tool (scripts/deps.sh)"
done
[ -c /dev/fuse ] || die "/dev/fuse is missing: the layer is mounted through FUSE"
SOURCES=$(host_apt_sources "$SUITE")
[ -n "$SOURCES" ] ||
	die "the host's apt has no source for $SUITE (apt-get indextargets); set MIRROR=URL"

PARENT=$(dirname "$OUTPUT_DIR")
BASE=$(basename "$OUTPUT_DIR")
mkdir -p "$PARENT"
exec 9>"$PARENT/.$BASE.lock"
flock -n 9 || die "another build of $OUTPUT_DIR is running"
start_s=$(date +%s)
WORK=$(mktemp -d "$PARENT/.$BASE.build.XXXXXX")
ROOT=$WORK/root
OUT=$WORK/out
RAW=$WORK/raw
LOG=$WORK/build.log
mkdir -p "$ROOT" "$OUT"
: >"$RAW"

cleanup() {
	local rc=$? pid
	set +e
	trap - EXIT INT TERM HUP
	umount -R "$ROOT" 2>/dev/null || umount -R -l "$ROOT" 2>/dev/null
	[ ! -s "$WORK/loop" ] || losetup -d "$(cat "$WORK/loop")" 2>/dev/null
	if pid=$(cat "$WORK/qsd.pid" 2>/dev/null) && [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.5
		done
	fi
	if [ $rc -ne 0 ] && [ -s "$LOG" ]; then
		cp "$LOG" "$PARENT/.$BASE.failed-build.log"
		printf '%s: full log: %s\n' "$PROG" "$PARENT/.$BASE.failed-build.log" >&8
	fi
	if findmnt -M "$ROOT" >/dev/null 2>&1 || findmnt -M "$RAW" >/dev/null 2>&1; then
		printf '%s: warning: still mounted under %s; not removing it\n' "$PROG" "$WORK" >&8
	else
		rm -rf --one-file-system "$WORK"
	fi
	[ $rc -eq 0 ] || printf '%s: build failed (exit %d); %s left unchanged\n' \
		"$PROG" "$rc" "$OUTPUT_DIR" >&8
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

run_logged() {  # run_logged WHAT CMD...: quiet unless it fails
	if ! "${@:2}" >>"$LOG" 2>&1; then
		tail -n 30 "$LOG" >&8
		die "$1 failed (last lines of the log above)"
	fi
}
in_root() {
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 \
		DEBIAN_FRONTEND=noninteractive DEBCONF_NONINTERACTIVE_SEEN=true \
		chroot "$ROOT" "$@"
}

# ------------------------------------------------------------- the layer
step "layer on $BASE_DIR/disk.qcow2, mounted through FUSE"
BASE_DISK=$(cd "$BASE_DIR" && pwd)/disk.qcow2
run_logged qemu-img qemu-img create -q -f qcow2 -o cluster_size=65536 \
	-b "$BASE_DISK" -F qcow2 "$OUT/disk.qcow2"
run_logged qemu-storage-daemon qemu-storage-daemon --daemonize \
	--pidfile "$WORK/qsd.pid" \
	--blockdev "driver=file,node-name=file0,filename=$OUT/disk.qcow2,discard=unmap" \
	--blockdev "driver=qcow2,node-name=disk0,file=file0,discard=unmap" \
	--export "type=fuse,id=exp0,node-name=disk0,mountpoint=$RAW,writable=on"
# No barriers: each would be a flush through FUSE; the layer is written
# back once (syncfs below) and flushed when qemu-storage-daemon stops.
# Buffered loop I/O (no direct I/O through FUSE), released explicitly.
LOOP=$(losetup --direct-io=off -f --show "$RAW")
printf '%s\n' "$LOOP" >"$WORK/loop"
mount -o barrier=0 "$LOOP" "$ROOT"
mount -t proc proc "$ROOT/proc"
mount -t sysfs sysfs "$ROOT/sys"
mount -t devpts -o newinstance,ptmxmode=0666 devpts "$ROOT/dev/pts"
[ -c "$ROOT/dev/null" ] || die "the base image has no /dev/null"

# -------------------------------------------------------------- packages
step "install ${#INSTALL[@]} package(s): ${INSTALL[*]:-none}"
cp -a "$ROOT/etc/resolv.conf" "$WORK/resolv.conf"
cp -a "$ROOT/etc/apt/sources.list" "$WORK/sources.list"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf" 2>/dev/null || true
printf '%s\n' "$SOURCES" >"$ROOT/etc/apt/sources.list"
host_apt_conf >"$ROOT/etc/apt/apt.conf.d/00breakfix-host"
printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"
chmod 0755 "$ROOT/usr/sbin/policy-rc.d"
host_apt_proxy_env
APT_OPTS=(-y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold
	-o APT::Install-Recommends=false -o APT::Install-Suggests=false)
run_logged "apt-get update" in_root apt-get -q update
if [ ${#INSTALL[@]} -gt 0 ]; then
	run_logged "apt-get install" in_root apt-get "${APT_OPTS[@]}" install "${INSTALL[@]}"
fi

# ------------------------------------------------------ container images
step "${#CONTAINERS[@]} container image(s)"
# closure PKG...: the packages and everything they depend on, each once
closure() {
	in_root apt-cache depends --recurse --no-recommends --no-suggests \
		--no-conflicts --no-breaks --no-replaces --no-enhances "$@" |
		grep '^[a-z0-9]' | LC_ALL=C sort -u
}
for c in "${CONTAINERS[@]}"; do
	ref=localhost/${c%%=*}
	IFS=, read -r -a pkgs <<<"${c#*=}"
	cwork=/var/tmp/breakfix-container
	rm -rf "$ROOT$cwork"
	mkdir -p "$ROOT$cwork/debs" "$ROOT$cwork/rootfs"
	deps=$(closure "${pkgs[@]}")
	run_logged "apt-get download for $ref" in_root sh -c "cd $cwork/debs && apt-get -q download ${deps//$'\n'/ }"
	# Unpacked inside the image's root, so that a link one package
	# ships (/var/run -> /run) is followed there, never on the host.
	# shellcheck disable=SC2016
	run_logged "unpacking the packages of $ref" in_root sh -c '
		cd "$1" && for deb in debs/*.deb; do dpkg-deb -x "$deb" rootfs || exit 1; done
		cd rootfs || exit 1
		if [ -x bin/busybox ] && [ ! -e bin/sh ]; then ln -s busybox bin/sh; fi
		mkdir -p tmp etc proc sys dev && chmod 1777 tmp &&
			tar -cf ../rootfs.tar .' sh "$cwork"
	r=$ROOT$cwork/rootfs
	run_logged "podman import $ref" in_root podman --cgroup-manager=cgroupfs \
		--events-backend=none import "$cwork/rootfs.tar" "$ref"
	printf '      %s: %s package(s), %s MiB\n' "$ref" "$(wc -w <<<"$deps")" \
		"$(du -sm "$r" | cut -f1)"
	rm -rf "$ROOT$cwork"
done
# What podman left while importing: its run-time state (the guest's
# /run is a fresh tmpfs at boot anyway) and any overlay it mounted.
umount -R "$ROOT/var/lib/containers/storage/overlay" 2>/dev/null || true
rm -rf "$ROOT/run/containers" "$ROOT/run/libpod"

# ----------------------------------------------------- local repository
step "local repository of ${#MIRRORED[@]} package(s): ${MIRRORED[*]:-none}"
if [ ${#MIRRORED[@]} -gt 0 ]; then
	mkdir -p "$ROOT$MIRROR_DIR"
	# Every dependency, installed or not: the candidate may purge it too.
	deps=$(closure "${MIRRORED[@]}")
	run_logged "apt-get download" in_root sh -c "cd $MIRROR_DIR && apt-get -q download ${deps//$'\n'/ }"
	(cd "$ROOT$MIRROR_DIR" && dpkg-scanpackages --multiversion . >Packages 2>>"$LOG")
	printf 'deb [trusted=yes] file:%s ./\n' "$MIRROR_DIR" \
		>"$ROOT/etc/apt/sources.list.d/breakfix-mirror.list"
	# The VM has no way out: the local repository is its only source,
	# and its index is there already, so `apt install` works at once.
	printf '# No network in this machine; packages come from %s\n' \
		"$MIRROR_DIR" >"$ROOT/etc/apt/sources.list"
	run_logged "apt-get update (local)" in_root apt-get -q update
	(cd "$ROOT$MIRROR_DIR" && for f in *.deb; do
		printf '%s\t%s\n' "$f" "$(stat -c %s "$f")"; done) >"$OUT/mirror.tsv"
	printf '      %s .debs, %s MiB\n' "$(wc -l <"$OUT/mirror.tsv")" \
		"$(du -sm "$ROOT$MIRROR_DIR" | cut -f1)"
else
	cp -a "$WORK/sources.list" "$ROOT/etc/apt/sources.list"
	rm -rf "$ROOT"/var/lib/apt/lists/*
	: >"$OUT/mirror.tsv"
fi

# -------------------------------------------------------------- tidy up
step "tidy up"
# shellcheck disable=SC2016
in_root dpkg-query -W -f '${db:Status-Abbrev}\t${Package}\t${Version}\n' |
	awk -F'\t' '$1 ~ /^ii/ { print $2 "\t" $3 }' >"$OUT/packages.tsv"
in_root apt-get -q clean
rm -f "$ROOT/usr/sbin/policy-rc.d" "$ROOT/etc/apt/apt.conf.d/00breakfix-host" \
	"$ROOT"/var/cache/apt/*.bin
cp -a "$WORK/resolv.conf" "$ROOT/etc/resolv.conf"
find "$ROOT/var/log" -type f -exec truncate -s 0 {} +
umount "$ROOT/dev/pts" "$ROOT/sys" "$ROOT/proc"

# ----------------------------------------------------------------- files
step "place ${#FILES[@]} file(s)"
if [ ${#FILES[@]} -gt 0 ]; then
	# Owners and where each path leads, from the image's own passwd,
	# group and links, before any file of the scenario is in (so no
	# file of it is read or run doing so).
	TREE=$WORK/files
	mkdir -m 0700 "$TREE"
	rels=()
	for f in "${FILES[@]}"; do
		IFS=$'\t' read -r n path mode owner group <<<"$f"
		dir=$(in_root realpath -m -- "${path%/*}/") ||
			die "file $path: cannot resolve its directory in the image"
		case $dir/ in
		/proc/* | /sys/* | /dev/* | /run/*)
			die "file $path: its directory is $dir in the image, mounted afresh at boot" ;;
		esac
		! in_root test -d "$path" ||
			die "file $path: a directory in the image has that path"
		pw=$(in_root getent passwd "$owner") ||
			die "file $path: no user '$owner' in the image"
		IFS=: read -r _ _ uid gid _ <<<"$pw"
		if [ -n "$group" ]; then
			gr=$(in_root getent group "$group") ||
				die "file $path: no group '$group' in the image"
			IFS=: read -r _ _ gid _ <<<"$gr"
		fi
		[[ $uid =~ ^[0-9]+$ && $gid =~ ^[0-9]+$ ]] ||
			die "file $path: '$owner:$group' has no numeric ids in the image"
		install -D -m "$mode" -o "+$uid" -g "+$gid" "$STAGE/$n" "$TREE$path"
		rels+=(".$path")
	done
	# The names go to tar as they are (NUL-separated, never unquoted),
	# and the archive must hold exactly them before anything is placed.
	printf '%s\0' "${rels[@]}" | tar -C "$TREE" --null --no-unquote \
		--verbatim-files-from --no-recursion --numeric-owner -T - \
		-cf "$WORK/files.tar" || die "archiving the files failed"
	[ "$(tar --quoting-style=literal -tf "$WORK/files.tar" | LC_ALL=C sort)" = \
		"$(printf '%s\n' "${rels[@]}" | LC_ALL=C sort)" ] ||
		die "the files' archive holds other names than the files'"
	# One tar, the image's own, run inside its root: links there are
	# followed there. Numeric owners: it looks nothing up as it goes.
	in_root tar --numeric-owner -xpf - -C / <"$WORK/files.tar" ||
		die "placing the files failed"
	for f in "${FILES[@]}"; do
		IFS=$'\t' read -r _ path mode owner group <<<"$f"
		printf '      %s %s %s%s\n' "$mode" "$path" "$owner" "${group:+:$group}"
	done
fi

# ----------------------------------------------------------- write back
step "write the layer back and check it"
# What was written and deleted again (apt's lists of the whole archive,
# downloaded .debs) leaves the layer: discarded clusters read as zeros.
fstrim "$ROOT" >>"$LOG" 2>&1 || true
# Write everything back while mounted, so that a failed write shows
# here (syncfs reports it) rather than as a lost page at umount.
sync -f "$ROOT" || die "writing the layer back failed (see dmesg)"
umount "$ROOT"
blockdev --flushbufs "$LOOP"
losetup -d "$LOOP"
rm -f "$WORK/loop"
# The filesystem must be clean on the layer itself, its journal empty:
# an error writing through FUSE would otherwise go unnoticed.
run_logged "e2fsck of the layer" e2fsck -f -n "$RAW"
! dumpe2fs -h "$RAW" 2>/dev/null | grep -q needs_recovery ||
	die "the layer's filesystem was not unmounted cleanly (see dmesg)"
# It removes its pid file as it exits: read the pid once.
qsd=$(cat "$WORK/qsd.pid")
kill "$qsd"
for _ in $(seq 20); do kill -0 "$qsd" 2>/dev/null || break; sleep 0.5; done
! kill -0 "$qsd" 2>/dev/null || die "qemu-storage-daemon $qsd does not stop"
rm -f "$WORK/qsd.pid"

# ----------------------------------------------------------- install it
step "install into $OUTPUT_DIR"
qemu_group=$(id -gn libvirt-qemu 2>/dev/null || echo root)
mine=("$OUT/disk.qcow2" "$OUT/packages.tsv" "$OUT/mirror.tsv")
# The base's kernel and initrd, hard links when they can be. A link is
# the base's own file, which libvirt may have lent to a running VM (its
# owner changed, the old one remembered): its owner and mode are left
# alone, else the next VM to use it fails to start ("Setting different
# DAC user or group ... already in use").
for f in vmlinuz initrd.img; do
	if ! ln "$BASE_DIR/$f" "$OUT/$f" 2>/dev/null; then
		cp "$BASE_DIR/$f" "$OUT/$f"
		mine+=("$OUT/$f")
	fi
done
chgrp "$qemu_group" "$OUT" "${mine[@]}"
chmod 0640 "${mine[@]}"
chmod 0750 "$OUT"
sync -f "$OUT/disk.qcow2" 2>/dev/null || sync
[ ! -e "$OUTPUT_DIR" ] || mv -T "$OUTPUT_DIR" "$WORK/previous"
mv -T "$OUT" "$OUTPUT_DIR"
printf 'built %s in %d s: disk.qcow2 %s MiB (a layer on %s)\n' "$OUTPUT_DIR" \
	$(( $(date +%s) - start_s )) \
	$(( $(stat -c %s "$OUTPUT_DIR/disk.qcow2") / 1048576 )) "$BASE_DISK"
