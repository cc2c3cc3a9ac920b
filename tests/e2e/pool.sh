#!/bin/bash
# pool.sh - exercises booted ahead of time: fill, claim (two at once),
# restored guests that work, stale members skipped, a member that will
# not start replaced by a cold boot, drain.
#
# Drains the pool of the state directory it runs on, first and last.
# Needs root, a running libvirtd and the debian-12 image.
#
# usage: tests/e2e/pool.sh path/to/breakfix
set -u

BIN=$(realpath "${1:?usage: pool.sh BREAKFIX}")
TOP=$(cd "$(dirname "$0")/../.." && pwd)
STATE=${BREAKFIX_STATE_DIR:-/var/lib/breakfix}
URI=${BREAKFIX_CONNECT:-qemu:///system}
KEY=$STATE/keys/admin_ed25519
TMP=$(mktemp -d)
ids=()
lpid=
export BREAKFIX_POOL_SIZE=2 BREAKFIX_POOL_HOT=0

cleanup() {
	local id
	[ -n "$lpid" ] && kill "$lpid" 2>/dev/null
	for id in "${ids[@]}"; do
		"$BIN" -q down "$id" >/dev/null 2>&1 || true
	done
	"$BIN" -q pool drain >/dev/null 2>&1 || true
	rm -rf "$TMP"
}
trap cleanup EXIT

. "$(dirname "$0")/../lib.sh"
json() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
status() { "$BIN" pool status --json; }
members() { # STATE: ids of members in that state
	status | python3 -c 'import json,sys
for m in json.load(sys.stdin)["members"]:
    if m["state"] == sys.argv[1]: print(m["id"])' "$1"
}
wait_fill() { # until no fill runs (at most 6 minutes)
	local i
	for i in $(seq 72); do
		[ "$(status | json filling_pid)" = 0 ] && return 0
		sleep 5
	done
	return 1
}
guest() { # PORT CMD: run CMD in the guest as the admin
	ssh -q -o BatchMode=yes -o StrictHostKeyChecking=no \
	    -o UserKnownHostsFile=/dev/null -i "$KEY" -p "$1" \
	    breakfix@127.0.0.1 "$2"
}

cd "$TOP"

# --- fill: one hot, one warm ---------------------------------------------
"$BIN" -q pool drain >/dev/null 2>&1
start=$(date +%s)
"$BIN" pool fill -n 2 --hot 1 >"$TMP/fill.out" 2>&1
check "fill ($(($(date +%s) - start)) s)" test $? -eq 0
status >"$TMP/status.json"
check fill-one-hot test "$(json hot <"$TMP/status.json")" = 1
check fill-one-warm test "$(json warm <"$TMP/status.json")" = 1
check fill-disk-counted python3 -c 'import json,sys
s = json.load(open(sys.argv[1]))
assert 0 < s["disk_used"] < s["disk_limit"]' "$TMP/status.json"
saved=$(own_domains "$STATE" "$URI" --with-managed-save | grep -c '^breakfix-ex-')
check fill-saved test "$saved" -ge 1
check ls-hides-members sh -c "! '$BIN' ls | grep -q '^ex-'"

# --- two up at once: each gets its own member ------------------------------
sleep 20	# the saved member's clock falls behind
for i in 1 2; do
	"$BIN" up --json --candidate "pool-$i" tests/e2e/tiny.yaml \
	    >"$TMP/up$i.json" 2>"$TMP/up$i.err" &
	eval "p$i=$!"
done
wait "$p1"; r1=$?
wait "$p2"; r2=$?
check two-ups test "$r1$r2" = 00
id1=$(json id <"$TMP/up1.json" 2>/dev/null)
id2=$(json id <"$TMP/up2.json" 2>/dev/null)
ids+=("$id1" "$id2")
check two-members-distinct test -n "$id1" -a "$id1" != "$id2"
launches=$(for i in 1 2; do json launch <"$TMP/up$i.json"; done | sort | tr '\n' ' ')
check hot-and-warm-claimed test "$launches" = "hot warm "
# Each member made its own SSH host key at its first boot.
hk1=$(awk '{ print $3 }' "$STATE/exercises/$id1/known_hosts" 2>/dev/null)
hk2=$(awk '{ print $3 }' "$STATE/exercises/$id2/known_hosts" 2>/dev/null)
check members-own-host-keys test -n "$hk1" -a -n "$hk2" -a "$hk1" != "$hk2"
for i in 1 2; do
	echo "  up $i: $(json launch <"$TMP/up$i.json"), $(json ready_ms <"$TMP/up$i.json") ms to ready"
done
w=1 wid=$id1
[ "$(json launch <"$TMP/up2.json")" = warm ] && w=2 wid=$id2
port=$(json port <"$TMP/up$w.json")
# Within 5 s of the host's clock while the guest was asked, however long
# asking took.
before=$(date +%s)
gtime=$(guest "$port" 'date +%s')
after=$(date +%s)
check restored-clock-set test "$gtime" -gt $((before - 5)) -a \
    "$gtime" -lt $((after + 5))
check restored-fault-in guest "$port" 'test -e /etc/breakfix-e2e'
check claimed-metadata sh -c "virsh -c '$URI' dumpxml breakfix-$id1 | grep -q '<breakfix:candidate>pool-1<'"
check claimed-listed sh -c "'$BIN' ls | grep -q '^$id1 .*e2e-tiny'"
check claimed-check-runs sh -c "'$BIN' check $id1 >/dev/null; test \$? -eq 1"
check claimed-record sh -c "'$BIN' status --json $wid | grep -q '\"launch\": \"warm\"'"
check refill-started test -s "$STATE/pool/fill.log"
"$BIN" -q down "$id1" "$id2" >/dev/null 2>&1

# --- a stale member is skipped; one that cannot start gives way ----------
check refill-done wait_fill
mapfile -t warm < <(members warm)
check refilled test "${#warm[@]}" -eq 2
if [ "${#warm[@]}" -eq 2 ]; then
	stale=${warm[0]} blocked=${warm[1]}
	sed -i 's/"pool": "debian-12@[^"]*"/"pool": "debian-12@an-older-build"/' \
	    "$STATE/exercises/$stale/exercise.json"
	check stale-seen test "$(members stale)" = "$stale"
	# The other one's SSH forward cannot bind: QEMU will not start.
	bport=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["port"])' \
	    "$STATE/exercises/$blocked/exercise.json")
	python3 -c 'import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1); time.sleep(900)' "$bport" &
	lpid=$!
	for i in $(seq 150); do	# until it listens, at most 30 s
		ss -Hltn "sport = :$bport" | grep -q . && break
		sleep 0.2
	done
	"$BIN" up --json --timeout 6m tests/e2e/tiny.yaml >"$TMP/up3.json" 2>"$TMP/up3.err"
	check fallback-up test $? -eq 0
	id3=$(json id <"$TMP/up3.json" 2>/dev/null)
	ids+=("$id3")
	check fallback-noted grep -q "pool member $blocked did not come up" "$TMP/up3.err"
	check fallback-cold test "$(json launch <"$TMP/up3.json" 2>/dev/null)" = cold
	check blocked-removed sh -c "! virsh -c '$URI' dominfo breakfix-$blocked >/dev/null 2>&1 && test ! -e '$STATE/exercises/$blocked'"
	kill "$lpid" 2>/dev/null
	lpid=
	"$BIN" -q down "$id3" >/dev/null 2>&1
fi

# --- drain: stops the refill, leaves nothing ------------------------------
"$BIN" pool drain >"$TMP/drain.out" 2>&1
check drain test $? -eq 0
check drain-no-domains test -z "$(own_domains "$STATE" "$URI" | grep '^breakfix-ex-')"
check drain-no-fill test "$(status | json filling_pid)" = 0
check drain-empty test "$(status | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["members"]))')" = 0

finish
