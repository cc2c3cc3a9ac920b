#!/bin/bash
# hostcheck.sh - host checks on a real VM: a page nginx serves (http:)
# and a port behind a firewall (tcp:), asked for from the host through
# ports breakfix forwards from 127.0.0.1, beside a guest check (run:)
# that asks the same from inside (tests/e2e/hostcheck.yaml).
#
#   up            forwards recorded, listening on 127.0.0.1 only
#   faults in     every check fails; the dropped port times out
#   cheap fakes   curl replaced in the guest, a server with the wrong
#                 page on port 80: the guest check turns green, the
#                 host checks do not
#   honest fix    every check passes
#   guest reboot  the forwards survive it
#   managed save  (what only pool members go through, before a claim)
#                 loses them; check adds them again and passes
#
# The candidate's root is played through the guest agent (what a
# candidate with sudo can do). Runs in its own state directory (images
# and keys linked from the real one), like admin.sh.
#
# usage: tests/e2e/hostcheck.sh path/to/breakfix
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
e2e_state hostcheck.sh "${1:-}"

# guest CMD: run CMD as root in the VM through its guest agent (lib.sh).
guest() { guest_agent "breakfix-$id" "$1"; }

# runcheck NAME: breakfix check, its output in $TMP/NAME.out (stderr in
# .err), its exit status in $rc.
runcheck() {
	"$BIN" check "$id" >"$TMP/$1.out" 2>"$TMP/$1.err"
	rc=$?
	echo "   check ($1): exit $rc"
	sed 's/^/     | /' "$TMP/$1.out" "$TMP/$1.err"
}
row() { # NAME CHECK RESULT FROM: the check's row in NAME's table
	grep -Eq "^$2 +$3 +[0-9.]+s +$4 " "$TMP/$1.out"
}
# ms NAME CHECK: the check's time in ms, from check --json
ms() {
	"$BIN" check --json "$id" 2>/dev/null | python3 -c 'import json,sys
print([c["ms"] for c in json.load(sys.stdin)["checks"] if c["id"] == sys.argv[1]][0])' "$1"
}

# --- up: the forwards, on 127.0.0.1 only --------------------------------
if ! "$BIN" up --json --timeout 6m tests/e2e/hostcheck.yaml \
    >"$TMP/up.json" 2>"$TMP/up.err"; then
	bad up "$(tail -n 5 "$TMP/up.err")"
	finish
	exit 1
fi
id=$(json id <"$TMP/up.json")
ok "up $id"
rec=$STATE/exercises/$id/exercise.json
p80=$(python3 -c 'import json,sys; print([f["host"] for f in json.load(open(sys.argv[1]))["forwards"] if f["guest"] == 80][0])' "$rec")
p5432=$(python3 -c 'import json,sys; print([f["host"] for f in json.load(open(sys.argv[1]))["forwards"] if f["guest"] == 5432][0])' "$rec")
echo "   forwards: 127.0.0.1:$p80 -> 80, 127.0.0.1:$p5432 -> 5432"
for p in "$p80" "$p5432"; do
	check "forward-$p-loopback" test "$(ss -Hltn "sport = :$p" |
	    awk '{ print $4 }')" = "127.0.0.1:$p"
done

# --- faults in: every check fails ---------------------------------------
runcheck broken
check broken-exit test "$rc" -eq 1
check broken-portal row broken portal-served FAIL host
check broken-pg row broken pg-reachable timeout host
check broken-curl row broken portal-curl FAIL guest
check broken-none grep -q '^0 of 3 checks pass$' "$TMP/broken.out"

# --- the cheap fakes: a fake curl, a server with the wrong page ---------
guest 'printf "#!/bin/sh\necho \"<h1>E2E Portal</h1>\"\n" >/usr/local/bin/curl &&
    chmod 755 /usr/local/bin/curl' >/dev/null
guest "systemd-run --unit fakeweb python3 -c 'import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((\"0.0.0.0\", 80)); s.listen(8)
while True:
    c, _ = s.accept(); r = b\"\"
    while b\"\r\n\r\n\" not in r:
        d = c.recv(4096)
        if not d: break
        r += d
    c.sendall(b\"HTTP/1.0 200 OK\r\n\r\n<h1>Totally the portal</h1>\n\")
    c.shutdown(socket.SHUT_WR); c.close()'
    for i in \$(seq 80); do ss -Hltn 'sport = :80' | grep -q . && break; sleep 0.5; done
    ss -Hltn 'sport = :80'" >"$TMP/fakeweb.out"
check fakeweb-listening grep -q ':80 ' "$TMP/fakeweb.out"
runcheck faked
check faked-exit test "$rc" -eq 1
check faked-guest-fooled row faked portal-curl pass guest
check faked-portal-not row faked portal-served FAIL host
check faked-portal-says grep -q 'HTTP 200, but the body (.* bytes) does not contain "E2E Portal"' "$TMP/faked.out"
check faked-pg-not row faked pg-reachable timeout host

# --- the honest fix: everything passes ----------------------------------
guest 'rm -f /usr/local/bin/curl; systemctl stop fakeweb;
    systemctl start nginx; systemctl disable --now nftables;
    nft flush ruleset' >/dev/null
runcheck fixed
check fixed-exit test "$rc" -eq 0
check fixed-all grep -q '^3 of 3 checks pass$' "$TMP/fixed.out"
echo "   times (ms): portal-served $(ms portal-served), pg-reachable" \
    "$(ms pg-reachable), portal-curl $(ms portal-curl)"

# --- a reboot of the guest keeps the forwards ---------------------------
boot0=$(guest 'cat /proc/sys/kernel/random/boot_id')
guest 'systemctl reboot' >/dev/null 2>&1
# Until the guest has booted again (a new boot id), then until it is up.
for i in $(seq 150); do
	b=$(guest 'cat /proc/sys/kernel/random/boot_id' 2>/dev/null)
	if [ -n "$b" ] && [ "$b" != "$boot0" ] &&
	    guest 'systemctl is-system-running --wait >/dev/null; systemctl is-active --quiet nginx' \
	    >/dev/null 2>&1; then
		break
	fi
	sleep 2
done
check rebooted-new-boot test "$(guest 'cat /proc/sys/kernel/random/boot_id')" != "$boot0"
runcheck rebooted
check rebooted-exit test "$rc" -eq 0
check rebooted-not-readded sh -c "! grep -q 'added it again' '$TMP/rebooted.err'"

# --- a managed save and start loses them; check puts them back ---------
virsh -c qemu:///system managedsave "breakfix-$id" >/dev/null
virsh -c qemu:///system start "breakfix-$id" >/dev/null
virsh -c qemu:///system qemu-monitor-command --hmp "breakfix-$id" \
    'info usernet' >"$TMP/usernet.out"
check saved-lost sh -c "! grep HOST_FORWARD '$TMP/usernet.out' | grep -qw '$p80'"
for i in $(seq 60); do
	guest true >/dev/null 2>&1 && break
	sleep 1
done
runcheck restored
check restored-exit test "$rc" -eq 0
check restored-readded grep -q "forward from 127.0.0.1:$p80 to guest port 80 was gone" "$TMP/restored.err"

"$BIN" -q down "$id" >/dev/null 2>&1 && id=
for p in "$p80" "$p5432"; do
	check "down-$p-closed" test -z "$(ss -Hltn "sport = :$p")"
done
finish
