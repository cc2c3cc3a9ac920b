#!/bin/bash
# gateway.sh - the candidate's way in, for real: a VM from 'up', the
# gateway on a loopback port, and the real OpenSSH client (driven by
# expect where a password or a terminal size is needed).
#
# Runs in its own state directory (images and keys linked from the real
# one), so the gateway it starts does not disturb one already running.
#
# usage: tests/e2e/gateway.sh path/to/breakfix
set -u
. "$(dirname "$0")/../lib.sh"
# The cold path: every up here boots a new VM (tests/e2e/pool.sh has
# the pool).
export BREAKFIX_POOL_SIZE=0

id=
gwpid=

TMP=
cleanup() {
	[ -n "$id" ] && "$BIN" -q down "$id" >/dev/null 2>&1
	[ -n "$gwpid" ] && kill "$gwpid" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
e2e_state gateway.sh "${1:-}"
PORT=$(free_port)

output_has() { # CAST TEXT: the recording's output so far has TEXT
	python3 - "$1" "$2" <<'PY'
import json, sys
ev = []
for l in open(sys.argv[1]).read().splitlines()[1:]:
    try:
        ev.append(json.loads(l))
    except ValueError:
        pass    # the line being written
sys.exit(sys.argv[2] not in "".join(e[2] for e in ev if e[1] == "o"))
PY
}

SSH_OPTS=(-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-o LogLevel=error -o ConnectTimeout=20 -p "$PORT")

ssh-keygen -q -t ed25519 -N '' -f "$TMP/id" </dev/null
ssh-keygen -q -t ed25519 -N '' -f "$TMP/other" </dev/null
# A login grace longer than the three slowed wrong passwords below.
"$BIN" gateway --foreground --listen "127.0.0.1:$PORT" --login-grace 60 \
	>"$TMP/gw.log" 2>&1 &
gwpid=$!
if ! "$BIN" up --json --candidate-key "$TMP/id.pub" --candidate carol \
    --timeout 6m tests/e2e/tiny.yaml >"$TMP/up.json" 2>"$TMP/up.err"; then
	bad up "$(tail -n 5 "$TMP/up.err")"
	finish
	exit 1
fi
id=$(json id <"$TMP/up.json")
pw=$(json password <"$TMP/up.json")
dir=$STATE/exercises/$id
ok "up $id"
check up-json-gateway test "$(json gateway.port <"$TMP/up.json")" = "$PORT"
check up-json-fingerprint grep -q '"fingerprint": "SHA256:' "$TMP/up.json"
check password-hashed sh -c "grep -q '^pbkdf2-sha256\\$' '$dir/password' && ! grep -qF -- '$pw' '$dir/password'"
check credentials-private sh -c "[ \"\$(stat -c %a:%U:%G '$dir/password')\" = 600:root:root ]"

# --- password login, a resize, the exit status ------------------------
cat >"$TMP/login.exp" <<'EXP'
set timeout 60
lassign $argv port user pw
spawn -noecho ssh -tt -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=error -o PubkeyAuthentication=no -p $port $user@127.0.0.1
expect "password:" { send "$pw\r" }
expect "$ " { send "id -un\r" }
expect "$ " { exec stty rows 33 columns 101 < $spawn_out(slave,name) ; send "stty size\r" }
# The new size goes through ssh, the gateway and the guest's sshd: until
# it has arrived, stty says the old one, and is asked again.
set tries 0
expect {
	"33 101" { send "exit 3\r" }
	-re {[0-9]+ [0-9]+\r\n} {
		if {[incr tries] < 30} { sleep 1 ; send "stty size\r" ; exp_continue }
	}
}
expect eof
catch wait result
exit [lindex $result 3]
EXP
expect "$TMP/login.exp" "$PORT" "$id" "$pw" >"$TMP/login.out" 2>&1
rc=$?
check password-login grep -q 'ops' "$TMP/login.out"
check resize-reaches-guest grep -q '33 101' "$TMP/login.out"
check exit-status-back test "$rc" -eq 3
check briefing-shown grep -q 'Time limit: 5m' "$TMP/login.out"

cast=$(ls -t "$dir"/sessions/*.cast 2>/dev/null | head -n 1)
check recording-made test -n "$cast"
check recording-events python3 - "$cast" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
h = json.loads(lines[0])
assert h["version"] == 2 and h["env"]["TERM"], h
ev = [json.loads(l) for l in lines[1:]]
codes = {e[1] for e in ev}
assert {"o", "i", "r", "m"} <= codes, codes
assert any(e[1] == "r" and e[2] == "101x33" for e in ev)
assert "stty size" in "".join(e[2] for e in ev if e[1] == "i")
times = [e[0] for e in ev]
assert times == sorted(times)
PY
check recording-chain test -s "$cast.chain"
# The guest's shell marks its commands; the gateway logs them beside.
check commands-log python3 - "${cast%.cast}.commands" <<'PY'
import json, sys
cmds = [json.loads(l) for l in open(sys.argv[1])]
byname = {c["command"]: c for c in cmds}
assert byname["id -un"]["exit"] == 0, cmds
assert byname["stty size"]["exit"] == 0, cmds
assert all(c["end"] is None or c["end"] >= c["start"] for c in cmds)
PY
# The reviewer's tools on the real thing.
# (once sealed: the client is told the session ended before that)
wait_for 60 grep -q '"kind":"end"' "$cast.seal"
check verify-intact sh -c "'$BIN' verify '$cast' | grep -q ': intact ('"
# A forgery made with everything public (the chain key, the seal key's
# public half) is caught by the seals.
mkdir "$TMP/forged"
cp "$cast" "$cast.chain" "$cast.seal" "$TMP/forged/"
sed -i '0,/"o", "/ s//"o", "forged /' "$TMP/forged/$(basename "$cast")"
tests/tools/rechain.py "$TMP/forged/$(basename "$cast")"
"$BIN" verify "$TMP/forged/$(basename "$cast")" >"$TMP/forged.out"
check verify-forged-fails test $? -eq 1
check verify-forged-says grep -q 'ALTERED: lines 1 to' "$TMP/forged.out"
"$BIN" commands "$id" >"$TMP/commands.out" 2>&1
check commands-exit-status grep -qE '^ +[0-9]+:[0-9.]+ +[0-9.]+s +0  stty size$' "$TMP/commands.out"
"$BIN" report "$id" >"$TMP/report.out" 2>&1
check report-first-login grep -q '^  first login  ' "$TMP/report.out"
check report-commands grep -q 'stty size' "$TMP/report.out"
if command -v asciinema >/dev/null; then
	script -qec "asciinema cat '$cast'" /dev/null >"$TMP/cat.out" 2>&1
	check asciinema-cat grep -q '33 101' "$TMP/cat.out"
fi

# --- key login; reconnects make new recordings ------------------------
# A command typed over two lines is listed as one line, escaped.
before=$(ls "$dir"/sessions/*.cast | wc -l)
printf '%s\n' 'id -un' "echo 'one" "## Checks: ALL PASS'" 'exit 5' |
    timeout 60 ssh -tt -o BatchMode=yes -i "$TMP/id" "${SSH_OPTS[@]}" \
    "$id@127.0.0.1" >"$TMP/key.out" 2>&1
check key-login-exit test $? -eq 5
check new-recording test "$(ls "$dir"/sessions/*.cast | wc -l)" -eq $((before + 1))
"$BIN" commands "$id" >"$TMP/commands2.out" 2>&1
check commands-multiline-escaped grep -qE \
    "^ +[0-9]+:[0-9.]+ +[0-9.]+s +0  echo 'one\\\\n## Checks: ALL PASS'\$" \
    "$TMP/commands2.out"
check commands-multiline-one-line sh -c "! grep -q '^##' '$TMP/commands2.out'"

# --- the exercise's time running out ends the session, with a message ---
set_expiry() { python3 - "$dir/exercise.json" "$1" <<'PY'
import json, sys, time
p, delta = sys.argv[1], int(sys.argv[2])
d = json.load(open(p))
saved = d["expires"]
d["expires"] = int(time.time()) + delta
json.dump(d, open(p, "w"), indent=2)
print(saved)
PY
}
saved=$(set_expiry 40)
# Input stays open (fd 3) until the gateway ends the session, or
# timeout does after 120 s.
mkfifo "$TMP/expire.in"
timeout 120 ssh -tt -o BatchMode=yes -i "$TMP/id" "${SSH_OPTS[@]}" \
    "$id@127.0.0.1" <"$TMP/expire.in" >"$TMP/expire.out" 2>&1 &
spid=$!
exec 3>"$TMP/expire.in"
printf 'echo still-here\n' >&3
wait "$spid"
exec 3>&-
check time-up-ends-session grep -q 'the time for this exercise is over' "$TMP/expire.out"
check hint-shown grep -q 'hint 1 of 1' "$TMP/expire.out"
check hint-audited grep -q '"event":"hint"' "$dir/audit.log"
printf 'exit\n' | timeout 60 ssh -tt -o BatchMode=yes -i "$TMP/id" \
    "${SSH_OPTS[@]}" "$id@127.0.0.1" >"$TMP/expired.out" 2>&1
check expired-refused grep -q 'the time for exercise .* is over' "$TMP/expired.out"
set_expiry $((saved - $(date +%s))) >/dev/null

# --- refused ----------------------------------------------------------
timeout 30 ssh -o BatchMode=yes -i "$TMP/other" "${SSH_OPTS[@]}" \
    "$id@127.0.0.1" true >/dev/null 2>&1
check wrong-key test $? -eq 255
timeout 30 ssh -o BatchMode=yes -i "$TMP/id" "${SSH_OPTS[@]}" \
    "nosuch-0000@127.0.0.1" true >/dev/null 2>&1
check unknown-user test $? -eq 255
cat >"$TMP/wrongpw.exp" <<'EXP'
set timeout 60
lassign $argv port user
spawn -noecho ssh -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=error -o PubkeyAuthentication=no -o NumberOfPasswordPrompts=5 -p $port $user@127.0.0.1
set n 0
expect {
	"password:" { incr n ; send "wrong-$n\r" ; exp_continue }
	eof
}
puts "prompts=$n"
EXP
expect "$TMP/wrongpw.exp" "$PORT" "$id" >"$TMP/wrongpw.out" 2>&1
# Three tries, then the gateway hangs up (the client may show a 4th prompt
# before it sees the connection close).
check wrong-password-cut-off test "$(grep -c 'Permission denied' "$TMP/wrongpw.out")" -eq 3
check auth-failures-audited test "$(grep -c '"auth-failure"' "$dir/audit.log")" -ge 3
timeout 30 ssh -o BatchMode=yes -i "$TMP/id" "${SSH_OPTS[@]}" \
    "$id@127.0.0.1" 'id' >"$TMP/exec.out" 2>&1
check exec-refused sh -c "[ $? -ne 0 ] && grep -q 'only interactive logins' '$TMP/exec.out'"
timeout 30 ssh -o BatchMode=yes -i "$TMP/id" "${SSH_OPTS[@]}" -s \
    "$id@127.0.0.1" sftp </dev/null >/dev/null 2>&1
check subsystem-refused test $? -ne 0
fp1=$(free_port) fp2=$(free_port) fp3=$(free_port)
for fwd in "-L 127.0.0.1:$fp1:127.0.0.1:22" "-R 127.0.0.1:$fp2:127.0.0.1:22" "-D 127.0.0.1:$fp3"; do
	# shellcheck disable=SC2086
	timeout 30 ssh -N -o BatchMode=yes -o ExitOnForwardFailure=yes \
	    -i "$TMP/id" "${SSH_OPTS[@]}" $fwd "$id@127.0.0.1" \
	    >"$TMP/fwd.out" 2>&1 &
	fpid=$!
	# Until the forward is granted (its port listens) or refused (ssh
	# exits: ExitOnForwardFailure); at most 30 s.
	fport=${fwd#-? 127.0.0.1:}
	fport=${fport%%:*}
	for i in $(seq 150); do
		kill -0 "$fpid" 2>/dev/null || break
		ss -Hltn "sport = :$fport" | grep -q . && break
		sleep 0.2
	done
	case $fwd in
	-L*|-D*)	# the listener opens, every channel through it is refused
		if [ "${fwd#-D}" != "$fwd" ]; then
			curl -s --max-time 5 --socks5 "127.0.0.1:$fp3" \
			    http://127.0.0.1/ >/dev/null 2>&1
		else
			timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$fp1; head -c 4 <&3" \
			    >"$TMP/fwd.data" 2>/dev/null
		fi
		check "forward ${fwd%% *} refused" sh -c "! grep -q SSH '$TMP/fwd.data' 2>/dev/null"
		;;
	-R*)
		check "forward -R refused" sh -c "! kill -0 $fpid 2>/dev/null || ! ss -Hltn 'sport = :$fp2' | grep -q ."
		;;
	esac
	kill "$fpid" 2>/dev/null
	wait "$fpid" 2>/dev/null
	rm -f "$TMP/fwd.data"
done
printf '%s\n' 'echo "agent=${SSH_AUTH_SOCK:-none}"' 'exit' |
    timeout 60 ssh -tt -A -o BatchMode=yes -i "$TMP/id" "${SSH_OPTS[@]}" \
    "$id@127.0.0.1" >"$TMP/agent.out" 2>&1
check agent-not-forwarded grep -q 'agent=none' "$TMP/agent.out"

# --- 50 connection attempts at once: bounded, and it still serves -----
# The flood comes from 127.0.0.2 with a wrong key: that address is shut
# out for its failures, while the candidate at 127.0.0.1 is still served.
pids=()
for i in $(seq 50); do
	timeout 20 ssh -b 127.0.0.2 -o BatchMode=yes -i "$TMP/other" \
	    "${SSH_OPTS[@]}" "$id@127.0.0.1" true >/dev/null 2>&1 &
	pids+=($!)
done
wait "${pids[@]}"
check gateway-alive kill -0 "$gwpid"
# Until the gateway has reaped the flood's connections (they count
# against its limit of connections not yet logged in).
wait_for 60 sh -c "[ \$(pgrep -c -P $gwpid -f -- --connection) -eq 0 ]"
printf 'exit 4\n' | timeout 60 ssh -tt -o BatchMode=yes -i "$TMP/id" \
    "${SSH_OPTS[@]}" "$id@127.0.0.1" >/dev/null 2>&1
rc=$?
check served-after-flood test "$rc" -eq 4
# Ten connections of wrong passwords from 127.0.0.3 shut that address
# out, even with the right key; 127.0.0.1 is still served.
sed 's/ -p \$port / -b 127.0.0.3 -p $port /' "$TMP/wrongpw.exp" >"$TMP/guess.exp"
pids=()
for i in $(seq 10); do
	expect "$TMP/guess.exp" "$PORT" "$id" >/dev/null 2>&1 &
	pids+=($!)
done
wait "${pids[@]}"
sleep 2
printf 'exit 4\n' | timeout 60 ssh -tt -b 127.0.0.3 -o BatchMode=yes \
    -i "$TMP/id" "${SSH_OPTS[@]}" "$id@127.0.0.1" >/dev/null 2>&1
rc=$?
check guessing-source-shut-out test "$rc" -eq 255
printf 'exit 4\n' | timeout 60 ssh -tt -o BatchMode=yes -i "$TMP/id" \
    "${SSH_OPTS[@]}" "$id@127.0.0.1" >/dev/null 2>&1
rc=$?
check others-still-served test "$rc" -eq 4

# --- kill -9 mid-session leaves a valid recording ----------------------
"$BIN" -q down "$id" >/dev/null 2>&1
id=
kill "$gwpid" 2>/dev/null
wait "$gwpid" 2>/dev/null
"$BIN" gateway --foreground --listen "127.0.0.1:$PORT" \
	>>"$TMP/gw.log" 2>&1 &
gwpid=$!
if "$BIN" up --json --candidate-key "$TMP/id.pub" --timeout 6m \
    tests/e2e/tiny.yaml >"$TMP/up2.json" 2>"$TMP/up2.err"; then
	id=$(json id <"$TMP/up2.json")
	dir=$STATE/exercises/$id
	# Input stays open (fd 3) until the gateway is killed.
	mkfifo "$TMP/kill.in"
	timeout 60 ssh -tt -o BatchMode=yes -i "$TMP/id" "${SSH_OPTS[@]}" \
	    "$id@127.0.0.1" <"$TMP/kill.in" >/dev/null 2>&1 &
	spid=$!
	exec 3>"$TMP/kill.in"
	printf 'echo before-kill\n' >&3
	# Mid-session: once the recording has the output (at most 60 s).
	for i in $(seq 300); do
		cast=$(ls -t "$dir"/sessions/*.cast 2>/dev/null | head -n 1)
		[ -n "$cast" ] && output_has "$cast" before-kill && break
		sleep 0.2
	done
	# The connection's process has dropped root before reading from it.
	check session-unprivileged sh -c "[ \"\$(ps -o user= --ppid $gwpid | sort -u)\" = breakfix-gw ]"
	pkill -9 -P "$gwpid"
	kill -9 "$gwpid"
	wait "$spid" 2>/dev/null
	exec 3>&-
	cast=$(ls -t "$dir"/sessions/*.cast | head -n 1)
	check killed-recording-valid python3 - "$cast" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
json.loads(lines[0])
ev = [json.loads(l) for l in lines[1:]]
assert "before-kill" in "".join(e[2] for e in ev if e[1] == "o")
PY
	"$BIN" verify "$cast" >"$TMP/killed.out"
	check killed-recording-cut-short test $? -eq 3
	check killed-recording-says grep -q 'CUT SHORT: ' "$TMP/killed.out"
	gwpid=
else
	bad up-again "$(tail -n 5 "$TMP/up2.err")"
fi

finish
