#!/bin/sh
# Install every Debian package breakfix needs to build, test and run.
# Idempotent: does nothing when all are present.
set -eu

# debootstrap makes the base image and the fresh-machine test's root,
# which zstd packs (tests/fresh/fresh-root.sh). Derived images are built
# through qemu-storage-daemon's FUSE export (qemu-system-common) and
# their local apt repositories indexed by dpkg-scanpackages (dpkg-dev).
PACKAGES="
	make gcc clang pkg-config cppcheck libclang-rt-14-dev
	libyaml-dev libvirt-dev libssh-dev libjansson-dev libssl-dev
	libxml2-dev libcmocka-dev
	libvirt-daemon-system libvirt-clients qemu-system-x86 qemu-utils
	debootstrap openssh-client openssh-server openssl e2fsprogs iproute2 procps
	qemu-system-common dpkg-dev
	python3 bc sudo asciinema expect util-linux
	chromium cmark-gfm
	zstd
"
# npm fetches asciinema-player (scripts/fetch-player.sh): Debian's, unless
# one is there already (NodeSource's nodejs bundles its own and conflicts
# with Debian's npm package).
if ! command -v npm >/dev/null 2>&1; then
	PACKAGES="$PACKAGES npm"
fi

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	    grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done
if [ -z "$missing" ]; then
	echo "deps: all packages present"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing:$missing" >&2
	echo "deps: run 'make deps' as root to install them" >&2
	exit 1
fi
echo "deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
