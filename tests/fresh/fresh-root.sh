#!/bin/bash
# fresh-root.sh - the README's set-up on a Debian 12 with nothing on it,
# as far as a chroot allows.
#
# usage: tests/fresh/fresh-root.sh        (as root; 'make fresh')
#
# A debootstrap minbase root of Debian 12 is made once and kept as a
# tarball in the cache directory, named after the suite, architecture
# and variant (and FORMAT below): it is made again only when one of
# them changes. Each run unpacks a new copy, copies in the source tree
# as it stands (what git tracks, and untracked files it does not ignore:
# never a build output), and runs in a chroot, as root, what a new user
# runs:
#   apt-get update; apt-get install make     the README's prerequisite
#   make demo DEMO_FLAGS=--no-vm             deps, the build, --version
#                                            and validate, in one make
#   ./breakfix --version; ./breakfix validate scenarios/*.yaml
#   make deps; make                          again: nothing left to do
# and checks that the build came after the packages deps installed, with
# their include flags. libvirtd, the base image and VMs are beyond a
# chroot; make check's e2e tests cover them on the host.
#
# The host's apt archive cache and npm cache are seen through overlays,
# never written; packages the host's cache lacks are kept in the cache
# directory's debs/ for the next run. The run happens in private mount
# and PID namespaces, so no mount outlives it, nor any process started
# in the root; policy-rc.d keeps packages from starting daemons.
#
# Environment:
#   BREAKFIX_FRESH_CACHE  the cache directory (/var/cache/breakfix/fresh-root)
#   FRESH_LOG             the full log (build/fresh-root.log)
#   MIRROR, SECURITY_MIRROR  override the mirrors read from the host's apt
set -u
export LC_ALL=C

TOP=$(cd "$(dirname "$0")/../.." && pwd)
PROG=fresh-root
SUITE=bookworm
VARIANT=minbase
FORMAT=1		# bump when what goes into the cached root changes
CACHE=${BREAKFIX_FRESH_CACHE:-/var/cache/breakfix/fresh-root}
LOG=${FRESH_LOG:-$TOP/build/fresh-root.log}
MIN_FREE_MB=8192
SRC=/root/breakfix	# where the tree goes in the root

die() { echo "$PROG: $*" >&2; exit 1; }

# Into private namespaces first: every mount made below, and every
# process started, goes when this script (their PID 1) ends, however it
# ends. unshare itself ignores SIGINT and SIGTERM: signal this script.
if [ -z "${FRESH_IN_NS:-}" ]; then
	[ "$(id -u)" -eq 0 ] ||
	    die "must run as root (debootstrap, chroot and mounts need it)"
	exec env FRESH_IN_NS=1 unshare --mount --pid --fork --mount-proc \
	    --propagation private "$0" "$@"
fi

. "$TOP/tests/lib.sh"
ARCH=$(dpkg --print-architecture)
KEY=$SUITE-$ARCH-$VARIANT-v$FORMAT
TARBALL=$CACHE/$KEY.tar.zst
RUN=		# this run's directory: root/, overlays' upper and work dirs
ROOT=
MAKING=		# the cached root being made
STEP=		# the running step's process
OUT=
timings=()

# --- timing and steps -------------------------------------------------------

now() { printf '%s' "${EPOCHREALTIME/./}"; }	# microseconds
secs() { # START_US: seconds since, one decimal
	local us=$(($(now) - $1))
	printf '%d.%d' $((us / 1000000)) $((us % 1000000 / 100000))
}
note() { printf '     %s\n' "$*"; }

# step LIMIT NAME CMD...: run CMD with its output in the log (and, once
# done, in $OUT), killed after LIMIT (a shell function runs unbounded:
# those are local work). Its time is noted and kept for the summary. The
# status is CMD's (124 when it ran out of time), with the last lines of
# its output shown when it is not 0. CMD runs in the background, so that
# a signal reaches the traps at once.
step() {
	local limit=$1 name=$2 t0 rc s start
	shift 2
	printf '\n=== %s: %s\n' "$name" "$*" >>"$LOG"
	start=$(stat -c %s "$LOG")
	t0=$(now)
	if declare -F "$1" >/dev/null; then
		"$@" </dev/null >>"$LOG" 2>&1 &
	else
		timeout --kill-after=10 "$limit" "$@" </dev/null >>"$LOG" 2>&1 &
	fi
	STEP=$!
	wait "$STEP"
	rc=$?
	STEP=
	tail -c +$((start + 1)) "$LOG" >"$OUT"
	s=$(secs "$t0")
	timings+=("$(printf '%-40s %7s s' "$name" "$s")")
	note "$name: $s s"
	[ "$rc" -ne 124 ] || note "$name: stopped after $limit"
	if [ "$rc" -ne 0 ]; then
		note "$name: exit $rc; the last lines (all of it in $LOG):"
		tail -n 25 "$OUT" | sed 's/^/       /'
	fi
	return "$rc"
}

# CHROOT CMD...: CMD in the root as root, with a clean environment but
# for the host's proxy variables (how this network reaches the mirror).
# IN_SRC CMD...: the same, in the tree's copy.
set_chroot() {
	local v
	CHROOT=(env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
	    HOME=/root LC_ALL=C.UTF-8 TERM=dumb)
	for v in http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY; do
		[ -z "${!v:-}" ] || CHROOT+=("$v=${!v}")
	done
	CHROOT+=(chroot "$ROOT")
	# shellcheck disable=SC2016
	IN_SRC=("${CHROOT[@]}" /bin/bash -c 'cd "$0" && exec "$@"' "$SRC")
}

# --- the host's mirrors -----------------------------------------------------

# The URI the host's apt uses for SUITE's main component; the image
# build's default (VAR in images/debian-12/build.sh) when it has none.
host_mirror() { # SUITE VAR
	local uri
	# shellcheck disable=SC2016
	uri=$(apt-get indextargets --format '$(REPO_URI)' "Release: $1" \
	    'Created-By: Packages' 'Component: main' 2>/dev/null | head -n 1)
	[ -n "$uri" ] || uri=$(sed -n "s/^$2=\${$2:-\(.*\)}\$/\1/p" \
	    "$TOP/images/debian-12/build.sh")
	printf '%s' "${uri%/}"
}
MIRROR=${MIRROR:-$(host_mirror "$SUITE" MIRROR)}
SECURITY_MIRROR=${SECURITY_MIRROR:-$(host_mirror "$SUITE-security" SECURITY_MIRROR)}

# --- mounts ---------------------------------------------------------------------

# Mount points under DIR, deepest first.
mounts_under() {
	awk -v p="$1" '$5 == p || index($5, p "/") == 1 { print $5 }' \
	    /proc/self/mountinfo | sort -r
}
umount_under() {
	local m tries=0
	while [ -n "$(mounts_under "$1")" ] && [ "$tries" -lt 5 ]; do
		for m in $(mounts_under "$1"); do
			umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
		done
		tries=$((tries + 1))
	done
	[ -z "$(mounts_under "$1")" ]
}
# DIR removed, once nothing is mounted under it.
remove() {
	umount_under "$1" && rm -rf --one-file-system "$1" && [ ! -e "$1" ]
}

# --- the cached root ----------------------------------------------------------

# The minbase root as debootstrap leaves it, as a tarball; made under
# the cache's lock, so that two runs at once make it once.
make_tarball() {
	local rc=0
	exec 7>"$CACHE/.lock"
	flock -w 1200 7 ||
	    { bad cached-root "the cache's lock is held (waited 20 min)"; return 1; }
	if [ ! -s "$TARBALL" ]; then
		echo "== making the cached root: debootstrap --variant=$VARIANT $SUITE ($ARCH)"
		MAKING=$(mktemp -d "$CACHE/.make.XXXXXX")
		step 20m debootstrap debootstrap --variant="$VARIANT" \
		    --arch="$ARCH" "$SUITE" "$MAKING/root" "$MIRROR" &&
		step 5m "pack $KEY.tar.zst" tar -C "$MAKING/root" \
		    --numeric-owner --zstd -cf "$MAKING/root.tar.zst" . &&
		mv "$MAKING/root.tar.zst" "$TARBALL" || rc=1
		remove "$MAKING"
		MAKING=
		if [ "$rc" -ne 0 ]; then
			bad cached-root "could not make $TARBALL"
		else
			printf 'made %s\nmirror %s\n%s\n' "$(date -u +%FT%TZ)" \
			    "$MIRROR" "$(debootstrap --version)" >"$CACHE/$KEY.info"
			note "$TARBALL: $(du -m "$TARBALL" | cut -f1) MiB"
		fi
	fi
	exec 7>&-
	return "$rc"
}

# --- one run's root -----------------------------------------------------------

# Runs killed before they could clean up leave their directory (never a
# mount: those died with their namespace). A run holds its lock while
# it lives.
remove_stale_runs() {
	local d
	find "$CACHE/runs" -mindepth 1 -maxdepth 1 -type d -mmin +1 |
	    while IFS= read -r d; do
		if flock -n "$d/lock" true 2>/dev/null; then
			note "removing $d, left by a run that was killed"
			rm -rf --one-file-system "$d"
		fi
	done
}

unpack_root() {
	mkdir -p "$CACHE/runs" "$CACHE/debs"
	remove_stale_runs
	RUN=$(mktemp -d "$CACHE/runs/XXXXXX") || return 1
	exec 8>"$RUN/lock"
	flock -n 8 || return 1
	ROOT=$RUN/root
	mkdir "$ROOT"
	step 5m "unpack the cached root" tar -C "$ROOT" --numeric-owner \
	    --zstd -xpf "$TARBALL"
}

# What a machine on this network has besides its packages: resolver,
# sources for this host's mirror, the local CA certificates and apt's
# proxy settings. And policy-rc.d: no daemon starts in the root; dpkg
# skips its fsyncs (as in Debian's container images): the root is
# thrown away, and a thousand packages unpack much faster.
configure_root() {
	cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
	cat >"$ROOT/etc/apt/sources.list" <<-SOURCES
	deb $MIRROR $SUITE main
	deb $MIRROR $SUITE-updates main
	deb $SECURITY_MIRROR $SUITE-security main
	SOURCES
	mkdir -p "$ROOT/usr/local/share/ca-certificates"
	cp /usr/local/share/ca-certificates/*.crt \
	    "$ROOT/usr/local/share/ca-certificates/" 2>/dev/null
	apt-config dump |
	    grep -E '^Acquire::([a-z]+::Proxy|Check-Valid-Until|Check-Date) ' \
	    >"$ROOT/etc/apt/apt.conf.d/00host-network"
	echo force-unsafe-io >"$ROOT/etc/dpkg/dpkg.cfg.d/unsafe-io"
	printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"
	chmod 0755 "$ROOT/usr/sbin/policy-rc.d"
}

# NAME TARGET LOWER...: the host's LOWER directories seen at TARGET, read
# only; writes land in the run's NAME.upper.
overlay() {
	local name=$1 target=$2 lowers
	shift 2
	lowers=$(IFS=:; echo "$*")
	mkdir -p "$RUN/$name.upper" "$RUN/$name.work" "$target"
	mount -t overlay "fresh-$name" -o \
	    "lowerdir=$lowers,upperdir=$RUN/$name.upper,workdir=$RUN/$name.work" \
	    "$target"
}

mount_root() {
	local npm_cache
	mount -t proc proc "$ROOT/proc" &&
	mount -t sysfs -o ro sysfs "$ROOT/sys" &&
	{ [ -c "$ROOT/dev/null" ] || mount --bind /dev "$ROOT/dev"; } &&
	mount -t devpts -o newinstance,ptmxmode=0666 devpts "$ROOT/dev/pts" &&
	mkdir -p "$ROOT/dev/shm" &&
	mount -t tmpfs -o mode=1777 tmpfs "$ROOT/dev/shm" || return 1
	mkdir -p /var/cache/apt/archives
	overlay apt "$ROOT/var/cache/apt/archives" "$CACHE/debs" \
	    /var/cache/apt/archives ||
	    note "no overlay of the apt cache: every package is downloaded"
	npm_cache=$(npm config get cache 2>/dev/null || echo "${HOME:-/root}/.npm")
	if [ -d "$npm_cache" ]; then
		overlay npm "$ROOT/root/.npm" "$npm_cache" ||
		    note "no overlay of npm's cache: the player is downloaded"
	fi
}

# The tree as it stands: tracked files that exist and untracked ones git
# does not ignore. No build outputs, whatever the working tree holds.
copy_tree() {
	mkdir -p "$ROOT$SRC"
	if git -C "$TOP" rev-parse --git-dir >/dev/null 2>&1; then
		git -C "$TOP" ls-files -z --cached --others --exclude-standard |
		    (cd "$TOP" && while IFS= read -r -d '' f; do
			if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi
		done) | tar -C "$TOP" --null -T - -cf - | tar -C "$ROOT$SRC" -xf -
	else
		tar -C "$TOP" --exclude=./build --exclude='./build-*' \
		    --exclude=./breakfix -cf - . | tar -C "$ROOT$SRC" -xf -
	fi
}

# --- caches and cleaning up -------------------------------------------------

# What the run fetched that no cache had.
downloads() {
	local n mib
	n=$(find "$RUN/apt.upper" -maxdepth 1 -name '*.deb' | wc -l)
	mib=$(find "$RUN/apt.upper" -maxdepth 1 -name '*.deb' -printf '%s\n' |
	    awk '{ b += $1 } END { printf "%.0f", b / 1048576 }')
	note "apt: $n packages downloaded ($mib MiB), kept in $CACHE/debs"
	if [ -d "$RUN/npm.upper" ]; then
		n=$(find "$RUN/npm.upper" -path '*/content-v2/*' -type f | wc -l)
		note "npm: $n files fetched into its cache (not kept)"
	fi
}

debs_in() { find "$1" -maxdepth 1 -name '*.deb' -printf '%f\n' | sort; }

# Packages the host's cache lacks, kept for the next run: new downloads,
# and, after a run that passed, only what the root has installed.
keep_debs() { # PASSED
	local f
	[ -d "$RUN/apt.upper" ] || return 0
	downloads
	exec 7>"$CACHE/.lock"
	flock -w 600 7 || return 0
	for f in "$RUN"/apt.upper/*.deb; do
		[ -f "$f" ] && mv -f "$f" "$CACHE/debs/"
	done
	if [ "$1" -eq 1 ]; then
		# shellcheck disable=SC2016
		dpkg-query --admindir="$ROOT/var/lib/dpkg" -W \
		    -f '${Package}_${Version}_${Architecture}.deb\n' |
		    sed 's/:/%3a/g' | sort >"$RUN/installed"
		# Not installed, or in the host's cache after all: not kept.
		{ debs_in "$CACHE/debs" | comm -23 - "$RUN/installed"
		  debs_in /var/cache/apt/archives | comm -12 - "$RUN/installed"
		} | (cd "$CACHE/debs" && xargs -r rm -f --)
	fi
	exec 7>&-
}

# Every process but this script: those still in the root are named in
# LEFT (a daemon that started despite policy-rc.d); all are killed.
LEFT=
kill_the_rest() {
	local p pid
	LEFT=
	for p in /proc/[0-9]*; do
		pid=${p#/proc/}
		[ "$pid" -ne 1 ] || continue
		if [ -n "$ROOT" ] && [ "$(readlink "$p/root")" = "$ROOT" ]; then
			LEFT="$LEFT $(cat "$p/comm")"
		fi
		kill -9 "$pid"
	done 2>/dev/null
}

# Everything out: a running step, processes, mounts, the run's directory.
# PASSED: 1 after a run that passed (keep_debs). 0 when nothing is left.
cleanup() {
	local passed=${1:-0} rc=0
	if [ -n "$STEP" ]; then
		kill -TERM "$STEP" 2>/dev/null
		wait "$STEP"
		STEP=
	fi
	kill_the_rest
	[ -z "$LEFT" ] || { note "was still running in the root:$LEFT"; rc=1; }
	if [ -n "$MAKING" ]; then
		remove "$MAKING" || { note "cannot remove $MAKING"; rc=1; }
		MAKING=
	fi
	if [ -n "$RUN" ]; then
		umount_under "$RUN" || { note "still mounted under $RUN"; rc=1; }
		keep_debs "$passed"
		remove "$RUN" || { note "cannot remove $RUN"; rc=1; }
		RUN=
	fi
	rm -f "$OUT"
	return "$rc"
}
trap 'rc=$?; cleanup 0; exit $rc' EXIT
trap 'echo "$PROG: interrupted"; exit 130' INT
trap 'echo "$PROG: terminated"; exit 143' TERM
trap 'exit 129' HUP

# --- the checks -------------------------------------------------------------

# Nothing the README's steps install is there yet, nor any build output.
bare() {
	"${CHROOT[@]}" /bin/sh -c '! command -v make && ! command -v pkg-config &&
	    ! dpkg-query -W libxml2-dev libyaml-dev' >/dev/null 2>&1
}
check_fresh() {
	check "a fresh root: no make, pkg-config or -dev package" bare
	check "the tree's copy holds no build output" \
	    test ! -e "$ROOT$SRC/build" -a ! -e "$ROOT$SRC/breakfix"
}

# The README: on a fresh Debian 12, as root, with make installed.
prerequisite() {
	local rc
	step 10m "apt-get update" "${CHROOT[@]}" apt-get -q update &&
	    step 10m "apt-get install make" "${CHROOT[@]}" \
	    apt-get -q -y install make
	rc=$?
	check "apt-get update; apt-get install make" test "$rc" -eq 0
	return "$rc"
}

# One make: deps, then the build, then the scenarios. The build must
# come after the packages, and see them: their include flags on the
# compiles, every object newer than the last package installed.
demo() {
	local rc first_cc deps_line flags
	step 40m "make demo DEMO_FLAGS=--no-vm" "${IN_SRC[@]}" \
	    make demo DEMO_FLAGS=--no-vm
	rc=$?
	check "make demo DEMO_FLAGS=--no-vm" test "$rc" -eq 0
	[ "$rc" -eq 0 ] || return 1
	deps_line=$(grep -n -m 1 '^deps: installing:' "$OUT" | cut -d: -f1)
	first_cc=$(grep -n -m 1 -- ' -c -o ' "$OUT" | cut -d: -f1)
	check "make demo installed the packages (deps: installing)" \
	    test -n "$deps_line"
	check "make demo compiled after deps (output line ${first_cc:-none} > ${deps_line:-none})" \
	    test "${first_cc:-0}" -gt "${deps_line:-0}"
	flags=$("${IN_SRC[@]}" pkg-config --cflags libxml-2.0 2>/dev/null)
	flags=${flags% }
	check "the build had pkg-config's flags ('$flags' compiling vm.c)" \
	    grep -qF -- " ${flags:-pkg-config failed} " \
	    <(grep -- '-c -o build/vm.o' "$OUT")
	# shellcheck disable=SC2016
	check "every object is newer than the last package installed" \
	    "${IN_SRC[@]}" /bin/sh -c 'ls build/*.o >/dev/null &&
		[ -z "$(find build -name "*.o" ! -newer /var/lib/dpkg/status)" ]'
	check "make demo checked the scenarios and stopped before libvirt" \
	    grep -q '^== Stopping here (--no-vm)' "$OUT"
}

# The binary it built, as the README shows it.
binary() {
	local rc n
	step 1m "./breakfix --version" "${IN_SRC[@]}" ./breakfix --version
	rc=$?
	check "./breakfix --version: $(head -n 1 "$OUT")" \
	    test "$rc" -eq 0 -a "$(grep -c '^breakfix ' "$OUT")" -eq 1
	# shellcheck disable=SC2046
	set -- $(cd "$ROOT$SRC" && echo scenarios/*.yaml)
	step 1m "./breakfix validate scenarios/*.yaml" "${IN_SRC[@]}" \
	    ./breakfix validate "$@"
	rc=$?
	n=$(grep -c ': ok (' "$OUT")
	check "./breakfix validate scenarios/*.yaml: $n of $# ok" \
	    test "$rc" -eq 0 -a "$n" -eq $#
}

# Both again: nothing to install, nothing to build.
again() {
	step 5m "make deps, again" "${IN_SRC[@]}" make deps
	check "make deps again: all packages present" \
	    grep -q '^deps: all packages present' "$OUT"
	step 5m "make, again" "${IN_SRC[@]}" make
	check "make again: nothing to build" \
	    grep -q "Nothing to be done for 'all'" "$OUT"
}

summary() { # START_US
	echo "== times"
	printf '     %s\n' "${timings[@]}"
	printf '     %-40s %7s s\n' total "$(secs "$1")"
}

# --- the run ----------------------------------------------------------------

mkdir -p "$(dirname "$LOG")" "$CACHE" || exit 1
: >"$LOG"
OUT=$(mktemp) || exit 1
t_all=$(now)
echo "fresh root: Debian $SUITE ($ARCH, $VARIANT) from $MIRROR; log in $LOG"
free_mb=$(df -Pm "$CACHE" | awk 'NR == 2 { print $4 }')
[ "${free_mb:-0}" -ge "$MIN_FREE_MB" ] ||
    die "only ${free_mb:-0} MiB free under $CACHE; the test needs $MIN_FREE_MB MiB"

if [ -s "$TARBALL" ]; then
	echo "== the cached root: $TARBALL ($(du -m "$TARBALL" | cut -f1) MiB," \
	    "made $(sed -n 's/^made //p' "$CACHE/$KEY.info" 2>/dev/null))"
elif ! make_tarball; then
	finish
	exit 1
fi
echo "== a new root from it, the tree copied in"
if ! unpack_root || ! configure_root || ! mount_root; then
	bad "new root" "could not unpack, configure or mount $ROOT"
	finish
	exit 1
fi
set_chroot
step 2m "copy the tree" copy_tree
check_fresh
echo "== the README's set-up, in the root"
prerequisite && demo && binary && again
echo "== cleaning up"
note "the root: $(du -sm --one-file-system "$ROOT" | cut -f1) MiB"
t_clean=$(now)
cleanup $((failed == 0))
check "nothing left running, mounted or behind" test $? -eq 0
timings+=("$(printf '%-40s %7s s' "clean up" "$(secs "$t_clean")")")
summary "$t_all"
if finish; then
	echo "fresh root: PASS: the README's set-up works on a new Debian $SUITE"
else
	echo "fresh root: FAIL (the log: $LOG)"
	exit 1
fi
