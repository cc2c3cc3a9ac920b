#!/bin/bash
# kinds.sh - the newer fault kinds on a real VM (tests/e2e/kinds.yaml):
# `up` applies and proves each, then each is shown to do what a
# candidate would run into:
#
#   mount       a program on the noexec volume does not run; sh can
#               still read it; the volume is read-only now, and
#               /etc/fstab keeps noexec (not ro: persist: false)
#   file        content_base64's bytes arrive exact (NUL, CR, 0xff)
#   immutable   append-only: '>' and rm fail, '>>' works
#   capability  a copy of python3 with cap_net_bind_service binds port
#               81 as nobody; the copy whose capabilities were cleared
#               cannot
#   service     nginx is running after its reload
#   user        groups added and removed, unlocked, unexpired
#   vm: disks:  an ext4 disk mounted (and in fstab), a blank one
#               present, which the guest cannot grow past its size on
#               the host; their files are gone after down
#   image: files:
#               the image is built afresh: its files arrive with their
#               bytes, modes and owners, and the one placed where the
#               image has a link to an absolute path (/etc/localtime)
#               replaces the link in the image and writes nothing
#               through it on the host building it
#
# Runs in its own state directory (images and keys linked from the
# real one), and downs its exercise at the end.
#
# usage: tests/e2e/kinds.sh path/to/breakfix
set -u
. "$(dirname "$0")/../lib.sh"
export BREAKFIX_POOL_SIZE=0

id=

TMP=
cleanup() {
	[ -n "$id" ] && "$BIN" -q down "$id" >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT
e2e_state kinds.sh "${1:-}"

# inside NAME CMD: a check that CMD succeeds as root in the guest.
inside() {
	local name=$1
	if guest_agent "breakfix-$id" "$2" >"$TMP/out" 2>&1; then
		ok "$name"
	else
		bad "$name" "$2: $(head -c 300 "$TMP/out")"
	fi
}

zone=/usr/share/zoneinfo/Etc/UTC
zone_before=$(sha256sum <"$zone" 2>&1)
if "$BIN" image build --force --for tests/e2e/kinds.yaml >"$TMP/build.out" 2>&1; then
	ok "image-built: $(grep -c '^      0' "$TMP/build.out") files placed"
else
	bad image-built "$(tail -n 5 "$TMP/build.out")"
fi
check image-files-placed grep -q '^\[6/8\] place 3 file(s)' "$TMP/build.out"
check image-file-not-on-host test "$(sha256sum <"$zone" 2>&1)" = "$zone_before"

start=$(date +%s)
if ! "$BIN" up --json --timeout 8m tests/e2e/kinds.yaml \
    >"$TMP/up.json" 2>"$TMP/up.err"; then
	bad up "$(grep -v "^\[ *[0-9.]*\]" "$TMP/up.err" | tail -n 5)"
	finish
	exit 1
fi
id=$(json id <"$TMP/up.json")
ok "up $id: $(grep -c '^fault ' "$TMP/up.err") faults applied and proven in $(( $(date +%s) - start )) s"

v="/srv/it's here"
inside mount-noexec-refuses "! \"$v/bin/hello\" 2>/dev/null && sh \"$v/bin/hello\" | grep -qx hello"
inside mount-ro-now "! touch \"$v/new\" 2>/dev/null && findmnt -n -o OPTIONS --mountpoint \"$v\" | grep -q '^ro,'"
inside mount-fstab-noexec-not-ro "findmnt -n -s -o OPTIONS --mountpoint \"$v\" | grep -qx 'loop,nofail,noexec,nodev,nosuid'"
inside file-exact-bytes "[ \"\$(sha256sum </var/tmp/bytes.bin)\" = '29b1b8150412a8232d110d3a460010060a21ce2006d04df43e9f1758f1380562  -' ]"
inside append-only-truncate-fails "! sh -c ': >/var/tmp/audit.log' 2>/dev/null && ! rm -f /var/tmp/audit.log 2>/dev/null"
inside append-only-append-works "echo more >>/var/tmp/audit.log && [ \"\$(cat /var/tmp/audit.log)\" = \"\$(printf 'first line\\nmore')\" ]"
inside capability-left "[ \"\$(getcap /usr/local/bin/binder)\" = '/usr/local/bin/binder cap_net_bind_service=ep' ]"
bind="import socket; socket.socket().bind(('127.0.0.1', 81))"
inside capability-binds "runuser -u nobody -- /usr/local/bin/binder -c \"$bind\""
inside capability-cleared "[ -z \"\$(getcap /usr/local/bin/binder2)\" ] && ! runuser -u nobody -- /usr/local/bin/binder2 -c \"$bind\" 2>/dev/null"
inside service-reloaded "systemctl is-active --quiet nginx"
inside user-groups "g=\" \$(id -nG man) \"; case \$g in *' adm '*) ;; *) exit 1 ;; esac; case \$g in *' mail '*) ;; *) exit 1 ;; esac; case \$g in *' www-data '*) exit 1 ;; esac"
inside user-unlocked "case \$(getent shadow news | cut -d: -f2) in '!'*) exit 1 ;; esac"
inside image-file-bytes "[ \"\$(sha256sum </opt/baked/report.csv)\" = '722a901d8b6dcef643b8bb44d73214eaa997cb2aac3757c21d843b1d66bc844e  -' ]"
inside image-file-login-group "[ \"\$(stat -c '%U:%G %a' /opt/baked/report.csv)\" = 'www-data:www-data 640' ]"
inside image-file-link-replaced "[ ! -L /etc/localtime ] && [ \"\$(sha256sum </etc/localtime)\" = '37bee320b6a7b8b0d590bb1dba35d94aef9db078b0379308a7087b7cc5227eca  -' ] && [ \"\$(sha256sum </usr/share/zoneinfo/Etc/UTC)\" != \"\$(sha256sum </etc/localtime)\" ]"
inside image-file-owner-group "[ \"\$(stat -c '%U:%G %a' /opt/baked/tool)\" = 'root:adm 750' ] && [ \"\$(/opt/baked/tool)\" = baked ]"
inside user-unexpired "[ -z \"\$(getent shadow games | cut -d: -f8)\" ]"

dir=$STATE/exercises/$id
inside disk-mounted "findmnt -n -o SOURCE,FSTYPE /srv/e2e-data | grep -qx '/dev/vdb ext4' && [ \"\$(lsblk -bdno SIZE /dev/vdb)\" = 268435456 ]"
inside disk-in-fstab "findmnt -n -s -o FSTYPE --mountpoint /srv/e2e-data | grep -qx ext4"
inside disk-blank "[ -b /dev/disk/by-id/virtio-e2e-blank ] && [ \"\$(lsblk -bdno SIZE /dev/vdc)\" = 134217728 ] && ! blkid /dev/vdc >/dev/null"
check disk-files test -f "$dir/disk-e2e-data.qcow2" -a -f "$dir/disk-e2e-blank.qcow2"
# A hostile candidate writes more than the disk holds: the host's file
# stops at the disk's size (qcow2's own metadata on top).
inside disk-overfilled "! dd if=/dev/urandom of=/dev/vdc bs=1M count=160 oflag=direct 2>/dev/null; sync"
blank=$(stat -c %s "$dir/disk-e2e-blank.qcow2")
echo "   blank disk of 128 MiB, written with 160 MiB: its file is $blank bytes"
check disk-capped test "$blank" -le $(( (128 + 2) * 1048576 ))
check down "$BIN" -q down "$id"
check disk-files-removed sh -c "! ls '$dir'/disk-*.qcow2 >/dev/null 2>&1"
check no-domain-left sh -c "! virsh -c qemu:///system dominfo 'breakfix-$id' >/dev/null 2>&1"
id=
finish
