#!/bin/bash
# lifecycle.sh - a real VM through breakfix: up, reach it, ls, status,
# down; and a failing up that must leave nothing behind.
#
# Needs root, a running libvirtd and the debian-12 image
# ('breakfix doctor --fix' and 'breakfix image build' do both).
#
# usage: tests/e2e/lifecycle.sh path/to/breakfix
set -u
. "$(dirname "$0")/../lib.sh"
# The cold path: every up here boots a new VM (tests/e2e/pool.sh has
# the pool).
export BREAKFIX_POOL_SIZE=0

URI=${BREAKFIX_CONNECT:-qemu:///system}
ids=()

TMP=
cleanup() {
	local id
	for id in "${ids[@]}"; do
		"$BIN" -q down "$id" >/dev/null 2>&1 || true
	done
	rm -rf "$TMP"
}
trap cleanup EXIT
# A state directory of its own: reap and ls here see only its exercises.
e2e_state lifecycle.sh "${1:-}"
domain_exists() { virsh -c "$URI" dominfo "breakfix-$1" >/dev/null 2>&1; }
json_field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

# --- up, for real ----------------------------------------------------
start=$(date +%s.%N)
if ! "$BIN" up --json --candidate e2e --timeout 6m tests/e2e/tiny.yaml \
    >"$TMP/up.json" 2>"$TMP/up.err"; then
	bad up "exit $?"
	sed 's/^/  /' "$TMP/up.err"
	finish
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
# The fault (a marker file) is in, as written, and the check fails.
ssh -q -o BatchMode=yes -o UserKnownHostsFile="$dir/known_hosts" \
    -i "$STATE/keys/admin_ed25519" -p "$port" breakfix@127.0.0.1 \
    'stat -c %a:%U:%G /etc/breakfix-e2e; cat /etc/breakfix-e2e' \
    >"$TMP/marker.out" 2>&1
check fault-applied test "$(cat "$TMP/marker.out")" = "$(printf '644:root:root\ne2e')"

# The candidate's account is renamed as the scenario asks (ops, no sudo),
# and the real OpenSSH client with a pty gets the briefing at login.
ssh-keygen -q -t ed25519 -N '' -f "$TMP/cand" </dev/null
ssh -q -o BatchMode=yes -o UserKnownHostsFile="$dir/known_hosts" \
    -i "$STATE/keys/admin_ed25519" -p "$port" breakfix@127.0.0.1 \
    'sudo -n install -m 0600 -o ops -g ops /dev/stdin /home/ops/.ssh/authorized_keys' \
    <"$TMP/cand.pub"
printf '%s\n' 'id -un' \
    'sudo -n true 2>/dev/null && echo sudo-works || echo no-sudo' 'exit' |
    timeout 60 ssh -tt -o BatchMode=yes -o UserKnownHostsFile="$dir/known_hosts" \
    -o LogLevel=error -i "$TMP/cand" -p "$port" ops@127.0.0.1 \
    >"$TMP/cand.out" 2>&1
# Without CRs and the shell's terminal escapes (bracketed paste, title).
tr -d '\r' <"$TMP/cand.out" |
	sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g; s/\x1b\][^\x07]*\x07//g' >"$TMP/cand.txt"
check candidate-renamed grep -qx 'ops' "$TMP/cand.txt"
check candidate-no-sudo grep -qx 'no-sudo' "$TMP/cand.txt"
check briefing-at-login sh -c "grep -q 'End-to-end test exercise' '$TMP/cand.txt' &&
	grep -q 'Time limit: 5m' '$TMP/cand.txt' &&
	grep -q 'only proves the VM lifecycle' '$TMP/cand.txt'"

"$BIN" check "$id" >"$TMP/check1.out" 2>&1
rc=$?
check check-fails-exit test "$rc" -eq 1
check check-fails grep -qE '^marker-gone +FAIL ' "$TMP/check1.out"
"$BIN" check --json "$id" >"$TMP/check2.json" 2>&1
check check-json python3 -c "import json; d=json.load(open('$TMP/check2.json'));
assert d['checks'][0]['id'] == 'marker-gone' and d['checks'][0]['pass'] is False"
# Fixed by hand, the check passes; up's own check run and these three are logged.
ssh -q -o BatchMode=yes -o UserKnownHostsFile="$dir/known_hosts" \
    -i "$STATE/keys/admin_ed25519" -p "$port" breakfix@127.0.0.1 \
    'sudo rm /etc/breakfix-e2e'
"$BIN" check "$id" >"$TMP/check3.out" 2>&1
check check-passes grep -qE '^marker-gone +pass ' "$TMP/check3.out"
check check-events test "$(grep -c '"event":"check"' "$dir/events.log")" -eq 4

# --- reap downs what has expired, and only that -----------------------
if "$BIN" up --json --ttl 1s --timeout 6m tests/e2e/tiny.yaml \
    >"$TMP/up2.json" 2>"$TMP/up2.err"; then
	id2=$(json_field id <"$TMP/up2.json")
	ids+=("$id2")
	"$BIN" reap >"$TMP/reap.out" 2>&1
	check reap-expired sh -c "! virsh -c '$URI' dominfo 'breakfix-$id2' >/dev/null 2>&1"
	check reap-record grep -q '"state": "down"' "$STATE/exercises/$id2/exercise.json"
	check reap-spares-live domain_exists "$id"
	check reap-says grep -qE '^[1-9][0-9]* exercises? reaped \([1-9][0-9]* expired, 0 crashed\)' "$TMP/reap.out"
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
"$BIN" up --timeout 1s tests/e2e/tiny.yaml >"$TMP/fail.out" 2>"$TMP/fail.err"
rc=$?
fid=$(sed -n 's/^starting breakfix-\([^ ]*\) .*/\1/p' "$TMP/fail.err")
check fail-exit test "$rc" -eq 1
check fail-says grep -qE 'did not answer: no answer from the guest agent within 1 s' "$TMP/fail.err"
check fail-nothing-left grep -q 'nothing was left behind' "$TMP/fail.err"
check fail-id-known test -n "$fid"
check fail-no-dir test ! -e "$STATE/exercises/$fid"
check fail-no-domain sh -c "! virsh -c '$URI' dominfo 'breakfix-$fid' >/dev/null 2>&1"

# --- a scenario whose check passes despite its faults is refused -------
sed 's|run: test ! -e /etc/breakfix-e2e|run: "true"|' tests/e2e/tiny.yaml \
	>"$TMP/unbroken.yaml"
"$BIN" up "$TMP/unbroken.yaml" >/dev/null 2>"$TMP/unbroken.err"
rc=$?
uid=$(sed -n 's/^starting breakfix-\([^ ]*\) .*/\1/p' "$TMP/unbroken.err")
check unbroken-exit test "$rc" -eq 1
check unbroken-says grep -q "check 'marker-gone' passes with every fault applied" "$TMP/unbroken.err"
check unbroken-no-dir test ! -e "$STATE/exercises/$uid"
check unbroken-no-domain sh -c "! virsh -c '$URI' dominfo 'breakfix-$uid' >/dev/null 2>&1"

# --- every fault kind, applied and proven in one guest ----------------
start=$(date +%s)
if "$BIN" up --json --timeout 6m tests/e2e/every-kind.yaml \
    >"$TMP/every.json" 2>"$TMP/every.err"; then
	eid=$(json_field id <"$TMP/every.json")
	ids+=("$eid")
	ok "every fault kind applied and proven ($(grep -c '^fault ' "$TMP/every.err") faults, $(( $(date +%s) - start )) s)"
	check every-down "$BIN" -q down "$eid"
else
	bad every-kind "$(grep -v '^fault \|^waiting' "$TMP/every.err" | head -n 20)"
fi

finish
