#!/bin/bash
# lifecycle.sh - a real VM through breakfix: up, reach it, ls, status,
# down; and a failing up that must leave nothing behind.
#
# Needs root, a running libvirtd and the debian-12 image
# ('breakfix doctor --fix' and 'breakfix image build' do both).
#
# usage: tests/e2e/lifecycle.sh path/to/breakfix
set -u

BIN=$(realpath "${1:?usage: lifecycle.sh BREAKFIX}")
TOP=$(cd "$(dirname "$0")/../.." && pwd)
STATE=${BREAKFIX_STATE_DIR:-/var/lib/breakfix}
URI=${BREAKFIX_CONNECT:-qemu:///system}
TMP=$(mktemp -d)
passed=0
failed=0
ids=()

cleanup() {
	local id
	for id in "${ids[@]}"; do
		"$BIN" -q down "$id" >/dev/null 2>&1 || true
	done
	rm -rf "$TMP"
}
trap cleanup EXIT

ok() { echo "ok   $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
check() { # NAME CMD...: passes when CMD succeeds
	local name=$1
	shift
	if "$@"; then ok "$name"; else bad "$name" "$*"; fi
}
domain_exists() { virsh -c "$URI" dominfo "breakfix-$1" >/dev/null 2>&1; }
json_field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

cd "$TOP"

# --- up, for real ----------------------------------------------------
start=$(date +%s.%N)
if ! "$BIN" up --json --candidate e2e --timeout 6m tests/e2e/tiny.yaml \
    >"$TMP/up.json" 2>"$TMP/up.err"; then
	bad up "exit $?"
	sed 's/^/  /' "$TMP/up.err"
	echo "$passed passed, $failed failed"
	exit 1
fi
end=$(date +%s.%N)
id=$(json_field id <"$TMP/up.json")
port=$(json_field port <"$TMP/up.json")
ids+=("$id")
ok "up $id (port $port, $(python3 -c "print(round($end - $start, 1))") s)"
dir="$STATE/exercises/$id"

check domain-running sh -c "virsh -c '$URI' domstate 'breakfix-$id' | grep -q running"
check overlay-exists test -f "$dir/disk.qcow2"
check record-ready grep -q '"state": "ready"' "$dir/exercise.json"

# Reach the guest with the real OpenSSH client and the admin key,
# checking its host key against the exercise's known_hosts.
if ssh -q -o BatchMode=yes -o StrictHostKeyChecking=yes \
    -o UserKnownHostsFile="$dir/known_hosts" -o ConnectTimeout=20 \
    -i "$STATE/keys/admin_ed25519" -p "$port" breakfix@127.0.0.1 \
    'sudo -n id -u; hostname' >"$TMP/ssh.out" 2>"$TMP/ssh.err" &&
    [ "$(head -n 1 "$TMP/ssh.out")" = 0 ]; then
	ok "admin ssh + sudo in guest ($(tail -n 1 "$TMP/ssh.out"))"
else
	bad admin-ssh "$(cat "$TMP/ssh.err")"
fi
# The forward listens on loopback only.
check loopback-only sh -c "ss -Hltn 'sport = :$port' | grep -q '127.0.0.1:$port' &&
	! ss -Hltn 'sport = :$port' | grep -qv '127.0.0.1:$port'"

"$BIN" ls >"$TMP/ls.out" 2>&1
check ls-shows grep -qE "^$id +e2e-tiny +e2e +running" "$TMP/ls.out"
"$BIN" ls --json >"$TMP/ls.json" 2>&1
check ls-json python3 -c "import json,sys; d=json.load(open('$TMP/ls.json'));
assert any(e['id'] == '$id' and e['port'] == $port for e in d)"
"$BIN" status "$id" >"$TMP/status.out" 2>&1
check status-state grep -q '^  state      running' "$TMP/status.out"
check status-console grep -q 'Console (last' "$TMP/status.out"

# --- checks run in the guest, as root, and are logged ------------------
check scenario-kept cmp -s tests/e2e/tiny.yaml "$dir/scenario.yaml"
"$BIN" check "$id" >"$TMP/check1.out" 2>&1
check check-passes grep -qE '^marker-gone +pass ' "$TMP/check1.out"
ssh -q -o BatchMode=yes -o UserKnownHostsFile="$dir/known_hosts" \
    -i "$STATE/keys/admin_ed25519" -p "$port" breakfix@127.0.0.1 \
    'echo e2e | sudo tee /etc/breakfix-e2e >/dev/null'
"$BIN" check "$id" >"$TMP/check2.out" 2>&1
rc=$?
check check-fails-exit test "$rc" -eq 1
check check-fails grep -qE '^marker-gone +FAIL ' "$TMP/check2.out"
check check-events test "$(grep -c '"event":"check"' "$dir/events.log")" -eq 2
"$BIN" check --json "$id" >"$TMP/check3.json" 2>&1
check check-json python3 -c "import json; d=json.load(open('$TMP/check3.json'));
assert d['checks'][0]['id'] == 'marker-gone' and d['checks'][0]['pass'] is False"

# --- reap downs what has expired, and only that -----------------------
if "$BIN" up --json --ttl 1s --timeout 6m tests/e2e/tiny.yaml \
    >"$TMP/up2.json" 2>"$TMP/up2.err"; then
	id2=$(json_field id <"$TMP/up2.json")
	ids+=("$id2")
	"$BIN" reap >"$TMP/reap.out" 2>&1
	check reap-expired sh -c "! virsh -c '$URI' dominfo 'breakfix-$id2' >/dev/null 2>&1"
	check reap-record grep -q '"state": "down"' "$STATE/exercises/$id2/exercise.json"
	check reap-spares-live domain_exists "$id"
	check reap-says grep -qE '[1-9][0-9]* expired exercises? reaped' "$TMP/reap.out"
else
	bad up-ttl "$(cat "$TMP/up2.err")"
fi

# --- down leaves no domain, disk or key, keeps the record ------------
check down "$BIN" down "$id"
check no-domain sh -c "! virsh -c '$URI' dominfo 'breakfix-$id' >/dev/null 2>&1"
check no-overlay test ! -e "$dir/disk.qcow2"
check no-known-hosts test ! -e "$dir/known_hosts"
check record-kept grep -q '"state": "down"' "$dir/exercise.json"
"$BIN" down "$id" >"$TMP/down2.out" 2>&1
check down-idempotent grep -q 'was already down' "$TMP/down2.out"
"$BIN" down no-such-exercise-0000 >/dev/null 2>"$TMP/down3.err"
check down-unknown grep -q "no exercise 'no-such-exercise-0000'" "$TMP/down3.err"
"$BIN" ls --all >"$TMP/ls2.out" 2>&1
check ls-all-down grep -qE "^$id +e2e-tiny +e2e +down" "$TMP/ls2.out"

# --- a failed up cleans up after itself -------------------------------
before=$(ls "$STATE/exercises" | sort)
"$BIN" up --timeout 1s tests/e2e/tiny.yaml >"$TMP/fail.out" 2>"$TMP/fail.err"
rc=$?
check fail-exit test "$rc" -eq 1
check fail-says grep -qE 'did not answer SSH: .* within 1 s' "$TMP/fail.err"
check fail-nothing-left grep -q 'nothing was left behind' "$TMP/fail.err"
after=$(ls "$STATE/exercises" | sort)
check fail-no-dir test "$before" = "$after"
check fail-no-domain sh -c "! virsh -c '$URI' list --all --name | grep -q '^breakfix-e2e-tiny'"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
