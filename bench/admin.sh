#!/bin/bash
# admin.sh - the admin channel's cost: one command over the guest agent
# against one over SSH, and how long 'check' takes when the candidate
# has stopped the agent, then sshd too.
#
# usage: bench/admin.sh [BENCH_ADMIN_COST] [RUNS]
#        (default build/bench_admin-cost, 20 runs; needs root, libvirtd
#        and the image; one VM, in a state directory of its own)
set -euo pipefail
cd "$(dirname "$0")/.."

COST=$(realpath "${1:-build/bench_admin-cost}")
RUNS=${2:-20}
BIN=$(realpath "${BREAKFIX_BIN:-./breakfix}")
REAL=${BREAKFIX_STATE_DIR:-/var/lib/breakfix}
TMP=$(mktemp -d)
export BREAKFIX_STATE_DIR=$TMP/state BREAKFIX_POOL_SIZE=0
id=
cleanup() {
	[ -n "$id" ] && "$BIN" -q down "$id" >/dev/null 2>&1 || true
	rm -rf "$TMP"
}
trap cleanup EXIT
chmod 0711 "$TMP"
mkdir -p "$BREAKFIX_STATE_DIR/exercises"
chmod 0711 "$BREAKFIX_STATE_DIR" "$BREAKFIX_STATE_DIR/exercises"
ln -s "$REAL/images" "$BREAKFIX_STATE_DIR/images"
ln -s "$REAL/keys" "$BREAKFIX_STATE_DIR/keys"

"$BIN" -q up --json tests/e2e/tiny.yaml >"$TMP/up.json"
id=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])' <"$TMP/up.json")
port=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["port"])' <"$TMP/up.json")
dir=$BREAKFIX_STATE_DIR/exercises/$id

echo "# bench/admin.sh: $RUNS runs of 'true' over each channel ($id, $(nproc) cores)"
"$COST" "$id" "$RUNS"

timed_check() { # LABEL: one 'breakfix check', its wall time and verdict
	local t0 t1 rc
	t0=$(date +%s.%N)
	rc=0
	"$BIN" check "$id" >"$TMP/check.out" 2>&1 || rc=$?
	t1=$(date +%s.%N)
	printf '%-34s %7.1f s  exit %d  %s\n' "$1" \
	    "$(python3 -c "print($t1 - $t0)")" "$rc" \
	    "$(grep -E '^admin channel: |admin channel lost|breakfix:' "$TMP/check.out" | head -n 1 | cut -c1-70)"
}
ssh_admin() {
	ssh -q -o BatchMode=yes -o UserKnownHostsFile="$dir/known_hosts" \
	    -i "$REAL/keys/admin_ed25519" -p "$port" breakfix@127.0.0.1 "$@"
}

echo
printf '%-34s %9s  %s\n' "check (1 check)" "wall" "verdict"
timed_check "as launched"
virsh -c qemu:///system qemu-agent-command "breakfix-$id" \
    '{"execute":"guest-exec","arguments":{"path":"/bin/systemctl","arg":["stop","qemu-guest-agent"]}}' \
    >/dev/null
sleep 1
timed_check "agent stopped (SSH stands in)"
ssh_admin sudo systemctl stop ssh.service
timed_check "agent and sshd stopped"
