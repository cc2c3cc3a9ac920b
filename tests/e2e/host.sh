#!/bin/bash
# host.sh - the host against a hostile candidate and a dying VM, for real:
# a VM from 'up', the gateway on a loopback port with a small recording
# cap, and a candidate with sudo typing through the real OpenSSH client.
#
#   the console flooded       virtlogd caps console.log and rotates it
#   the terminal flooded      the recording stops at --record-max, marked
#   every file, as nobody     nothing of an exercise is readable or
#   and the gateway's user    writable but the allowed public parts
#   QEMU killed mid-session   the candidate is told; status, ls, check,
#                             a new login and doctor all say "crashed",
#                             from libvirt, not a time-out; reap cleans it up
#
# Verdicts wait for markers in the session's output (bounded), never on
# a sleep. Runs in its own state directory (images and keys linked from
# the real one), like gateway.sh.
#
# usage: tests/e2e/host.sh path/to/breakfix
set -u
. "$(dirname "$0")/../lib.sh"
export BREAKFIX_POOL_SIZE=0

RECORD_MAX=262144
id=
gwpid=
spid=

TMP=
cleanup() {
	exec 3>&- 2>/dev/null
	[ -n "$spid" ] && kill "$spid" 2>/dev/null
	[ -n "$id" ] && "$BIN" -q down "$id" >/dev/null 2>&1
	[ -n "$gwpid" ] && kill "$gwpid" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
e2e_state host.sh "${1:-}"
PORT=$(free_port)

SSH_OPTS=(-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-o LogLevel=error -o ConnectTimeout=20 -o BatchMode=yes -p "$PORT")

ssh-keygen -q -t ed25519 -N '' -f "$TMP/id" </dev/null
"$BIN" gateway --foreground --listen "127.0.0.1:$PORT" \
    --record-max "$((RECORD_MAX / 1024))K" >"$TMP/gw.log" 2>&1 &
gwpid=$!
if ! "$BIN" up --json --candidate-key "$TMP/id.pub" --timeout 6m \
    tests/e2e/admin.yaml >"$TMP/up.json" 2>"$TMP/up.err"; then
	bad up "$(tail -n 5 "$TMP/up.err")"
	finish
	exit 1
fi
id=$(json id <"$TMP/up.json")
dir=$STATE/exercises/$id
ok "up $id"
check id-eight-readable sh -c "echo '$id' | grep -qE '^e2e-admin-[a-hj-km-np-z2-9]{8}\$'"

# --- the candidate's session: one root shell, driven line by line -------
# say CMD STEP [SECS]: type CMD in the session, then wait (at most SECS,
# 60 by default) until the session has printed "STEP-done" (typed as
# STEP-'done', so that the echo of the line itself does not count).
mkfifo "$TMP/in"
timeout 900 ssh -tt -i "$TMP/id" "${SSH_OPTS[@]}" "$id@127.0.0.1" \
    <"$TMP/in" >"$TMP/session.out" 2>&1 &
spid=$!
exec 3>"$TMP/in"
say() {
	local i
	printf '%s; echo %s-'"'done'"'\n' "$1" "$2" >&3
	for i in $(seq $((${3:-60} * 2))); do
		grep -q "$2-done" "$TMP/session.out" 2>/dev/null && return 0
		kill -0 "$spid" 2>/dev/null || break
		sleep 0.5
	done
	bad "$2" "the session did not get through '$1'"
	tail -n 5 "$TMP/session.out" "$TMP/gw.log" | sed 's/^/   | /'
	return 1
}
printf 'sudo -i\n' >&3
say 'echo "uid=$(id -u)"' whoami
check root-shell grep -q 'uid=0' "$TMP/session.out"

# --- the console flooded: virtlogd's cap holds --------------------------
conf() { # NAME DEFAULT: a setting of virtlogd.conf
	local v
	v=$(sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*\\([0-9]*\\).*/\\1/p" \
	    /etc/libvirt/virtlogd.conf 2>/dev/null | tail -n 1)
	echo "${v:-$2}"
}
max_size=$(conf max_size 2097152)
max_backups=$(conf max_backups 3)
flood=$((max_size + max_size / 2))
say "yes console-flood-0123456789abcdef | head -c $flood >/dev/ttyS0" \
    console 600
log=$dir/console.log
size=$(stat -c %s "$log")
total=$(cat "$log"* | wc -c)
echo "   console: $size bytes in console.log, $total in all" \
    "($(ls "$log"* | wc -l) files; cap $max_size x $((max_backups + 1)))"
check console-rotated test -e "$log.0"
check console-capped test "$size" -le "$max_size"
check console-total-capped test "$total" -le $((max_size * (max_backups + 1)))
check console-not-readable-by-all sh -c "[ \$(( 0\$(stat -c %a '$log') & 4 )) -eq 0 ]"

# --- the terminal flooded: the recording stops at its cap ---------------
say "yes output-flood-0123456789abcdef | head -c $((RECORD_MAX * 4))" output 300
cast=$(ls -t "$dir"/sessions/*.cast | head -n 1)
csize=$(stat -c %s "$cast")
echo "   recording: $csize bytes for $((RECORD_MAX * 4)) of output (cap $RECORD_MAX)"
check recording-capped test "$csize" -le $((RECORD_MAX + 65536))
check recording-cap-marked grep -q "output elided from here: over the recording's cap of $RECORD_MAX bytes" "$cast"
# The session goes on, the recording keeps the input.
say "echo after-flood" after
check session-goes-on grep -q 'after-flood' "$TMP/session.out"
check input-still-recorded python3 -c 'import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]).read().splitlines()[1:]]
assert "after-flood" in "".join(e[2] for e in ev if e[1] == "i")' "$cast"

# --- every file, tried as nobody and as the gateway's user ---------------
# Only these may be world-readable: the gateway's address and host key
# fingerprint, and public keys. Nothing may be writable,
# and no directory created in. The gateway's connection processes run as
# GATEWAY_USER and get what one login needs from the monitor: as a file,
# no more than nobody.
find "$STATE" "$REAL/images/debian-12" -xdev \( -type f -o -type d \) \
    >"$TMP/files" 2>/dev/null
try_files() { # USER: try to read and write every file as USER
	runuser -u "$1" -- python3 - "$TMP/files" <<'PY'
import os, re, sys
allowed = re.compile(r"(/gateway\.json|\.pub)$")
found = 0
for p in open(sys.argv[1]).read().split("\n"):
    if not p:
        continue
    if os.path.isdir(p):
        try:
            open(os.path.join(p, ".intruder"), "x").close()
            print("creatable in:", p)
            found += 1
        except OSError:
            pass
        continue
    try:
        open(p, "rb").close()
        if not allowed.search(p):
            print("readable:", p)
            found += 1
    except OSError:
        pass
    try:
        open(p, "ab").close()
        print("writable:", p)
        found += 1
    except OSError:
        pass
sys.exit(found != 0)
PY
}
check files-tried test "$(grep -c "^$dir/" "$TMP/files")" -ge 8
for u in nobody breakfix-gw; do
	try_files "$u" >"$TMP/$u.out" 2>&1
	check "$u-reads-nothing" test $? -eq 0
	sed 's/^/     | /' "$TMP/$u.out"
done

# The recording, capped, still verifies and exports.
"$BIN" verify "$cast" >"$TMP/verify1.out" 2>&1
check_out capped-verifies "$TMP/verify1.out" grep -q ': intact' "$TMP/verify1.out"
"$BIN" export "$cast" --html "$TMP/flood.html" >"$TMP/export.out" 2>&1
check_out capped-exports "$TMP/export.out" grep -q 'over the recording' "$TMP/flood.html"

# --- QEMU killed mid-session ----------------------------------------------
qpid=$(pgrep -f "guest=breakfix-$id,")
check qemu-found test -n "$qpid"
kill -9 $qpid
for i in $(seq 120); do kill -0 "$spid" 2>/dev/null || break; sleep 0.5; done
check candidate-session-ends sh -c "! kill -0 $spid 2>/dev/null"
check candidate-told grep -q 'stopped answering (it may have crashed); tell your interviewer' "$TMP/session.out"
exec 3>&-
wait "$spid" 2>/dev/null
spid=
# The relay sees the connection drop before libvirt has read QEMU's end;
# what the gateway tells the next login depends on libvirt knowing, so
# wait (bounded) until it does.
for i in $(seq 120); do
	virsh -c qemu:///system domstate "breakfix-$id" 2>/dev/null |
	    grep -q running || break
	sleep 0.5
done
check libvirt-knows sh -c "! virsh -c qemu:///system domstate 'breakfix-$id' 2>/dev/null | grep -q running"

printf 'exit\n' | timeout 60 ssh -tt -i "$TMP/id" "${SSH_OPTS[@]}" \
    "$id@127.0.0.1" >"$TMP/relogin.out" 2>&1
check_out relogin-refused "$TMP/relogin.out" grep -q 'not running (it crashed); tell your interviewer' "$TMP/relogin.out"
"$BIN" status "$id" >"$TMP/status.out" 2>&1
check status-crashed grep -q 'crashed (noticed at ' "$TMP/status.out"
check record-crashed sh -c "python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d[\"state\"] == \"crashed\" and d[\"crashed\"] > 0' '$dir/exercise.json'"
"$BIN" ls >"$TMP/ls.out" 2>&1
check ls-crashed grep -qE "^$id .*crashed" "$TMP/ls.out"
t0=$(date +%s)
"$BIN" check "$id" >"$TMP/check.out" 2>&1
rc=$?
secs=$(( $(date +%s) - t0 ))
echo "   check on the crashed VM: exit $rc in $secs s"
check check-fails test "$rc" -ne 0
check check-says grep -q "the VM is not running (it crashed; noticed at" "$TMP/check.out"
"$BIN" doctor >"$TMP/doctor.out" 2>&1
check doctor-reports grep -qE "^FAIL  exercises +1 crashed: $id|crashed:.* $id" "$TMP/doctor.out"
"$BIN" reap >"$TMP/reap.out" 2>&1
check reap-downs sh -c "python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))[\"state\"] == \"down\"' '$dir/exercise.json'"
check reap-no-domain sh -c "! virsh -c qemu:///system dominfo 'breakfix-$id' >/dev/null 2>&1"
check reap-keeps-recording test -s "$cast"
check reap-keeps-crash-time sh -c "python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))[\"crashed\"] > 0' '$dir/exercise.json'"
"$BIN" verify "$cast" >"$TMP/verify.out" 2>&1
echo "   verify: $(cat "$TMP/verify.out")"
check verify-after-crash grep -q ': intact (' "$TMP/verify.out"
id=

finish
