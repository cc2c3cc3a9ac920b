#!/bin/bash
# up.sh - launch-to-ready time and memory of an exercise, against the
# same image booted by hand with qemu-system-x86_64 in the same run.
#
# usage: bench/up.sh [RUNS]   (default 3; needs root, libvirtd, the image)
#
# breakfix's number includes everything 'up' does: scenario, overlay,
# domain definition, boot, and an SSH login with the admin key. The peer
# boots the same kernel, initrd and overlay with the same memory under
# the same accelerator and waits for the same login.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${1:-3}
BIN=./breakfix
STATE=${BREAKFIX_STATE_DIR:-/var/lib/breakfix}
IMG=$STATE/images/debian-12
KEY=$STATE/keys/admin_ed25519
TMP=$(mktemp -d)
qpid=
cleanup() {
	[ -n "$qpid" ] && kill "$qpid" 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT

now() { date +%s.%N; }
rss_mb() { ps -o rss= -p "$1" | awk '{ printf "%.0f", $1 / 1024 }'; }

ssh_ready() { # PORT: one admin login, or fail
	ssh -q -o BatchMode=yes -o StrictHostKeyChecking=no \
	    -o UserKnownHostsFile=/dev/null -o ConnectTimeout=5 -i "$KEY" \
	    -p "$1" breakfix@127.0.0.1 true 2>/dev/null
}

breakfix_run() {
	local t0 t1 id pid rss
	t0=$(now)
	$BIN -q up --json --no-pool tests/e2e/tiny.yaml >"$TMP/up.json"
	t1=$(now)
	id=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])' <"$TMP/up.json")
	pid=$(pgrep -f "guest=breakfix-$id," | head -n 1)
	rss=$(rss_mb "$pid")
	$BIN -q down "$id"
	echo "$(echo "$t1 - $t0" | bc) $rss"
}

peer_run() {
	local t0 t1 port rss
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	qemu-img create -q -f qcow2 -F qcow2 -b "$IMG/disk.qcow2" "$TMP/ov.qcow2" 4G
	t0=$(now)
	qemu-system-x86_64 -machine q35 -accel tcg,tb-size=64 -m 512 -smp 1 \
	    -display none \
	    -kernel "$IMG/vmlinuz" -initrd "$IMG/initrd.img" \
	    -append "root=/dev/vda console=ttyS0" \
	    -drive "file=$TMP/ov.qcow2,if=virtio,format=qcow2" \
	    -netdev "user,id=net0,restrict=on,hostfwd=tcp:127.0.0.1:$port-:22" \
	    -device virtio-net-pci,netdev=net0 -serial "file:$TMP/console.log" &
	qpid=$!
	for _ in $(seq 1 600); do
		ssh_ready "$port" && break
		sleep 0.2
	done
	t1=$(now)
	rss=$(rss_mb "$qpid")
	kill "$qpid"; wait "$qpid" 2>/dev/null || true
	qpid=
	rm -f "$TMP/ov.qcow2"
	echo "$(echo "$t1 - $t0" | bc) $rss"
}

printf '%-4s %-22s %-22s %s\n' run 'breakfix up (s, MiB)' 'qemu by hand (s, MiB)' ratio
for i in $(seq 1 "$RUNS"); do
	read -r bt bm < <(breakfix_run)
	read -r pt pm < <(peer_run)
	printf '%-4s %-22s %-22s %.2f\n' "$i" "$(printf '%.1f s, %s' "$bt" "$bm")" \
	    "$(printf '%.1f s, %s' "$pt" "$pm")" "$(echo "$bt / $pt" | bc -l)"
done
