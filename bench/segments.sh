#!/bin/bash
# segments.sh - QEMU's socket netdevs as the wire between two machines
# of one exercise, with no bridge and no host network set-up: does
# traffic pass, does it pass again after both machines are saved
# (libvirt managed save) and restored, and does a machine on another
# exercise's segment see any of it. One table row per way:
#
#   mcast   -netdev socket,mcast=GROUP:PORT,localaddr=127.0.0.1
#           (every machine on GROUP:PORT is on the segment)
#   udp     -netdev socket,udp=127.0.0.1:PEER,localaddr=127.0.0.1:OWN
#           (point to point: two machines only)
#
# The third machine of each row sits on the same kind of segment with
# another port (what a second exercise would get) and the same address
# range; it must see nothing.
#
# usage: bench/segments.sh [IMAGE]
#        (default debian-12; needs root, libvirtd and the built image;
#        three small VMs at a time, removed at the end)
set -euo pipefail
cd "$(dirname "$0")/.."
. tests/lib.sh

IMAGE=${1:-debian-12}
STATE=${BREAKFIX_STATE_DIR:-/var/lib/breakfix}
IMG=$STATE/images/$IMAGE
URI=qemu:///system
TMP=$(mktemp -d)
PREFIX=breakfix-bench-seg-$$
doms=()

cleanup() {
	local d
	for d in "${doms[@]}"; do
		virsh -c "$URI" destroy "$d" >/dev/null 2>&1 || true
		virsh -c "$URI" undefine --managed-save "$d" >/dev/null 2>&1 || true
	done
	rm -rf "$TMP"
}
trap cleanup EXIT
chmod 0711 "$TMP"
[ -r "$IMG/manifest.json" ] || { echo "segments.sh: no image $IMG" >&2; exit 1; }
cmdline=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["kernel_cmdline"])' "$IMG/manifest.json")

# define NAME MAC NETDEV: a TCG machine on the image with one NIC on the
# segment NETDEV (and the guest agent), started.
define() {
	local name=$1 mac=$2 netdev=$3
	qemu-img create -q -f qcow2 -F qcow2 -b "$IMG/disk.qcow2" "$TMP/$name.qcow2"
	cat >"$TMP/$name.xml" <<EOF
<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <name>$name</name>
  <memory unit='MiB'>512</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
    <kernel>$IMG/vmlinuz</kernel>
    <initrd>$IMG/initrd.img</initrd>
    <cmdline>$cmdline</cmdline>
  </os>
  <features><acpi/><tcg><tb-cache unit='MiB'>64</tb-cache></tcg></features>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='$TMP/$name.qcow2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <controller type='usb' model='none'/>
    <serial type='null'><log file='$TMP/$name.log'/><target port='0'/></serial>
    <channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>
    <memballoon model='none'/>
    <rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>
  </devices>
  <qemu:commandline>
    <qemu:arg value='-netdev'/>
    <qemu:arg value='$netdev,id=seg0'/>
    <qemu:arg value='-device'/>
    <qemu:arg value='virtio-net-pci,netdev=seg0,mac=$mac,bus=pcie.0,addr=0x0b'/>
  </qemu:commandline>
</domain>
EOF
	virsh -c "$URI" define "$TMP/$name.xml" >/dev/null
	doms+=("$name")
	virsh -c "$URI" start "$name" >/dev/null
}

# wait_agent NAME: until the guest agent answers (at most 4 minutes)
wait_agent() {
	local _
	for _ in $(seq 240); do
		virsh -c "$URI" qemu-agent-command --timeout 2 "$1" \
		    '{"execute":"guest-ping"}' >/dev/null 2>&1 && return 0
		sleep 1
	done
	echo "segments.sh: $1's agent never answered" >&2
	return 1
}

# address NAME MAC ADDR: the NIC with MAC up with ADDR/24
address() {
	guest_agent "$1" "i=\$(ip -o link | grep -i '$2' | cut -d: -f2 | tr -d ' ') &&
	    ip link set \"\$i\" up && ip addr add $3/24 dev \"\$i\"" >/dev/null
}

# reach FROM ADDR: "yes RTT" when FROM pings ADDR, else "no"
reach() {
	local out
	if out=$(guest_agent "$1" "ping -n -c 3 -W 2 $2 2>&1"); then
		echo "yes $(printf '%s\n' "$out" | sed -n 's|.*= [0-9.]*/\([0-9.]*\)/.*|\1|p') ms"
	else
		echo "no"
	fi
}

# seconds CMD...: the wall time of CMD (its output dropped), in seconds
# with one decimal
seconds() {
	local t0 t1
	t0=$(date +%s.%N)
	"$@" >/dev/null
	t1=$(date +%s.%N)
	python3 -c "print(f'{$t1 - $t0:.1f}')"
}

row() { # WAY NETDEV-A NETDEV-B NETDEV-C
	local way=$1 a=$PREFIX-$1-a b=$PREFIX-$1-b c=$PREFIX-$1-c
	local before after other save restore d
	define "$a" 52:54:00:77:00:01 "$2"
	define "$b" 52:54:00:77:00:02 "$3"
	define "$c" 52:54:00:77:00:03 "$4"
	for d in "$a" "$b" "$c"; do wait_agent "$d"; done
	address "$a" 52:54:00:77:00:01 10.77.0.1
	address "$b" 52:54:00:77:00:02 10.77.0.2
	address "$c" 52:54:00:77:00:03 10.77.0.3
	before=$(reach "$a" 10.77.0.2)
	save=$(seconds virsh -c "$URI" managedsave "$a")
	virsh -c "$URI" managedsave "$b" >/dev/null
	restore=$(seconds virsh -c "$URI" start "$a")
	virsh -c "$URI" start "$b" >/dev/null
	wait_agent "$a"
	wait_agent "$b"
	after=$(reach "$a" 10.77.0.2)
	other=$(reach "$a" 10.77.0.3)
	printf '%-6s %-18s %-18s %-14s %8s %9s\n' "$way" "$before" "$after" \
	    "$other" "$save s" "$restore s"
	for d in "$a" "$b" "$c"; do
		virsh -c "$URI" destroy "$d" >/dev/null 2>&1 || true
		virsh -c "$URI" undefine --managed-save "$d" >/dev/null 2>&1 || true
	done
}

port=$(( 20000 + $$ % 20000 ))
echo "# bench/segments.sh: two machines on a socket segment, a third on another ($IMAGE, TCG, $(nproc) cores)"
printf '%-6s %-18s %-18s %-14s %8s %9s\n' way "A->B" "A->B restored" "A->other" save restore
row mcast \
    "socket,mcast=239.77.0.1:$port,localaddr=127.0.0.1" \
    "socket,mcast=239.77.0.1:$port,localaddr=127.0.0.1" \
    "socket,mcast=239.77.0.1:$((port + 1)),localaddr=127.0.0.1"
row udp \
    "socket,udp=127.0.0.1:$((port + 11)),localaddr=127.0.0.1:$((port + 10))" \
    "socket,udp=127.0.0.1:$((port + 10)),localaddr=127.0.0.1:$((port + 11))" \
    "socket,udp=127.0.0.1:$((port + 13)),localaddr=127.0.0.1:$((port + 12))"
