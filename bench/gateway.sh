#!/bin/bash
# gateway.sh - the gateway against direct OpenSSH to the same VM, in one
# run: output throughput through a terminal, keystroke round trip, and
# how many bytes a minute of a typical session adds to the recording;
# and how long a wrong password takes for a known and an unknown id.
#
# "direct" is the real OpenSSH client logging in to the guest's sshd as
# the candidate's account with the gateway's own relay key; "gateway"
# is the same client through breakfix gateway. Both use a pty and an
# interactive shell, so the two differ only by the relay.
#
# usage: bench/gateway.sh [ROUNDS]   (root; a running libvirtd and image)
set -eu

ROUNDS=${1:-3}
TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=$TOP/breakfix
REAL=${BREAKFIX_STATE_DIR:-/var/lib/breakfix}
TMP=$(mktemp -d)
STATE=$TMP/state
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export BREAKFIX_STATE_DIR=$STATE
id=
gwpid=

cleanup() {
	[ -n "$id" ] && "$BIN" -q down "$id" >/dev/null 2>&1
	[ -n "$gwpid" ] && kill "$gwpid" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

chmod 0711 "$TMP"
mkdir -p "$STATE/exercises"
chmod 0711 "$STATE" "$STATE/exercises"
ln -s "$REAL/images" "$STATE/images"
ln -s "$REAL/keys" "$STATE/keys"
ssh-keygen -q -t ed25519 -N '' -f "$TMP/id" </dev/null
"$BIN" gateway --foreground --listen "127.0.0.1:$PORT" >"$TMP/gw.log" 2>&1 &
gwpid=$!
echo "launching an exercise (tests/e2e/tiny.yaml)..." >&2
"$BIN" -q up --json --no-pool --candidate-key "$TMP/id.pub" tests/e2e/tiny.yaml \
    >"$TMP/up.json" 2>/dev/null || { echo "up failed" >&2; exit 1; }
id=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])' <"$TMP/up.json")
vmport=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["port"])' <"$TMP/up.json")
dir=$STATE/exercises/$id
user=$(sed -n 's/^  user: //p' "$dir/scenario.yaml")
user=${user:-candidate}

COMMON=(-tt -o BatchMode=yes -o StrictHostKeyChecking=no
	-o UserKnownHostsFile=/dev/null -o LogLevel=error)
via_gateway=(ssh "${COMMON[@]}" -i "$TMP/id" -p "$PORT" "$id@127.0.0.1")
# The relay key is group-readable for the gateway; ssh wants 0600.
install -m 0600 "$dir/candidate_ed25519" "$TMP/relay"
via_direct=(ssh "${COMMON[@]}" -i "$TMP/relay" -p "$vmport"
	"$user@127.0.0.1")

# A 16 MiB text file in the guest, so that only the terminal path is timed.
printf 'head -c 12582912 /dev/urandom | base64 -w 100 >/tmp/big; exit\n' |
    "${via_direct[@]}" >/dev/null 2>&1
size=$(printf 'stat -c SIZE=%%s /tmp/big; exit\n' | "${via_direct[@]}" 2>/dev/null |
    grep -oE 'SIZE=[0-9]+' | tail -n 1 | cut -d= -f2)

# Seconds for one session that runs $1, then exits.
session() {
	local cmd=$1 t0 t1
	shift
	t0=$(date +%s.%N)
	printf '%s; exit\n' "$cmd" | "$@" >/dev/null 2>&1
	t1=$(date +%s.%N)
	echo "$t1 - $t0" | bc
}
min() { echo "if ($1 < $2) $1 else $2" | bc; }

# Seconds to cat the file through a terminal, best of ROUNDS: a session
# that does it, less one that only logs in and out. The two paths take
# turns within each round, so that the host's load, which drifts on a
# shared machine, falls on both alike.
throughput() {
	local i cg=999999 cd=999999 eg=999999 ed=999999
	for i in $(seq "$ROUNDS"); do
		cg=$(min "$cg" "$(session 'cat /tmp/big' "${via_gateway[@]}")")
		cd=$(min "$cd" "$(session 'cat /tmp/big' "${via_direct[@]}")")
		eg=$(min "$eg" "$(session true "${via_gateway[@]}")")
		ed=$(min "$ed" "$(session true "${via_direct[@]}")")
	done
	tg=$(echo "$cg - $eg" | bc)
	td=$(echo "$cd - $ed" | bc)
}

# Median keystroke round trip in ms: a key sent, its echo back.
cat >"$TMP/rtt.exp" <<'EXP'
set timeout 30
log_user 0
spawn -noecho {*}$argv
expect "$ "
send "stty -icanon; cat\r"
sleep 1
set times {}
for {set i 0} {$i < 60} {incr i} {
	set c [string index "abcdefghijklmnopqrstuvwxyz" [expr {$i % 26}]]
	set t0 [clock microseconds]
	send -- $c
	expect -ex $c
	lappend times [expr {[clock microseconds] - $t0}]
	after 20
}
set times [lsort -integer $times]
puts [format "%.2f" [expr {[lindex $times 30] / 1000.0}]]
send "\003exit\r"
EXP

echo "measuring (rounds: $ROUNDS)..." >&2
throughput
# The round trip likewise: turns, and the best median of each.
rg=999999 rd=999999
for i in $(seq "$ROUNDS"); do
	rg=$(min "$rg" "$(expect "$TMP/rtt.exp" "${via_gateway[@]}")")
	rd=$(min "$rd" "$(expect "$TMP/rtt.exp" "${via_direct[@]}")")
done

# A minute of a typical session through the gateway, then the size of
# its recording.
before=$(cat "$dir"/sessions/*.cast 2>/dev/null | wc -c)
{
	for c in 'systemctl status nginx --no-pager' 'ls -la /etc' \
	    'journalctl -n 30 --no-pager' 'df -h' 'ps aux' 'cat /etc/os-release' \
	    'ss -ltnp' 'free -m' 'ip addr' 'tail -n 20 /var/log/dpkg.log'; do
		printf '%s\n' "$c"
		sleep 6
	done
	printf 'exit\n'
} | "${via_gateway[@]}" >/dev/null 2>&1
t_end=$(cat "$dir"/sessions/*.cast | wc -c)
perminute=$((t_end - before))

# A wrong password for the exercise's id against one for an id that
# does not exist: the gateway must take as long for both, or ids could
# be probed. Taken in turns, each try from its own loopback address (so
# that no address reaches its limit of failures); the median of each.
printf '#!/bin/sh\necho wrong-password\n' >"$TMP/askpass"
chmod 0755 "$TMP/askpass"
wrong_login() { # USER ADDRESS: seconds for one refused password login
	local t0 t1
	t0=$(date +%s.%N)
	SSH_ASKPASS=$TMP/askpass SSH_ASKPASS_REQUIRE=force ssh \
	    -o PubkeyAuthentication=no -o NumberOfPasswordPrompts=1 \
	    -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
	    -o LogLevel=error -b "$2" -p "$PORT" "$1@127.0.0.1" true \
	    </dev/null >/dev/null 2>&1 || true
	t1=$(date +%s.%N)
	echo "$t1 - $t0" | bc
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
: >"$TMP/known.t"
: >"$TMP/unknown.t"
for i in $(seq $((ROUNDS * 3))); do
	wrong_login "$id" "127.0.1.$i" >>"$TMP/known.t"
	wrong_login "${id%-*}-zzzzzzzz" "127.0.2.$i" >>"$TMP/unknown.t"
done
pk=$(median <"$TMP/known.t")
pu=$(median <"$TMP/unknown.t")

mib=$(echo "scale=2; $size / 1048576" | bc)
printf '\n%-34s %12s %12s %8s\n' "gateway vs direct OpenSSH" "gateway" "direct" "ratio"
printf '%-34s %12s %12s %8s\n' "cat ${mib} MiB (MiB/s, best of $ROUNDS)" \
    "$(echo "scale=2; $mib / $tg" | bc)" "$(echo "scale=2; $mib / $td" | bc)" \
    "$(echo "scale=2; $td / $tg" | bc)"
printf '%-34s %12s %12s %8s\n' "keystroke round trip (ms, median)" "$rg" "$rd" \
    "$(printf '%+.2f' "$(echo "$rg - $rd" | bc)") ms"
printf '%-34s %12s\n' "recording, typical session" "$(echo "scale=1; $perminute / 1024" | bc) KiB/min"
printf '\n%-34s %12s %12s %8s\n' "a wrong password ($((ROUNDS * 3)) tries each)" \
    "unknown id" "known id" "ratio"
printf '%-34s %12.3f %12.3f %8s\n' "refused after (s, median)" "$pu" "$pk" \
    "$(echo "scale=3; $pu / $pk" | bc)"
