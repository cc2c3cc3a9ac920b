#!/bin/bash
# gateway.sh - the gateway with real peers and no VM: the real OpenSSH
# client logs in through it to a real sshd standing in for the exercise's
# VM (an exercise laid out by tests/tools/fake-exercise.py). What a
# hostile connection process, a reviewer or a crash can do to the
# evidence, tried for real. Needs root (the gateway drops privileges,
# the test makes two local users: bfitest, whom the "VM" lets in, and
# bfreview, a reviewer).
#
# usage: tests/integration/gateway.sh path/to/breakfix
set -u
BIN=$(realpath "${1:?usage: gateway.sh BREAKFIX}")
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	skip gateway "needs root"
	finish
	exit 0
fi

STATE=$TMP/state
ID=gwtest-0001
PASS=test-pass-1234
sshd_pid=
gw_pid=
cleanup() {
	[ -n "$gw_pid" ] && kill "$gw_pid" 2>/dev/null
	[ -n "$sshd_pid" ] && kill "$sshd_pid" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

# can USER CMD / cannot USER CMD: whether CMD (a shell line) works as USER.
can() { su -s /bin/sh "$1" -c "$2" >/dev/null 2>&1; }
cannot() { ! can "$@"; }

# The local users, made once.
id bfitest >/dev/null 2>&1 ||
	useradd --system -M -d /nonexistent -s /bin/bash bfitest
usermod -p '*' bfitest		# no password, but not locked: keys work
getent group breakfix-review >/dev/null || groupadd --system breakfix-review
id bfreview >/dev/null 2>&1 ||
	useradd --system -M -d /nonexistent -s /bin/sh -G breakfix-review \
	    bfreview

# The "VM": an sshd on loopback that lets bfitest in with the relay key.
chmod 0711 "$TMP"
mkdir -p "$STATE" "$TMP/vm"
chmod 0711 "$STATE"
ssh-keygen -q -t ed25519 -N '' -f "$TMP/vm/host_key" </dev/null
ssh-keygen -q -t ed25519 -N '' -f "$TMP/cand" </dev/null
VMPORT=$(free_port)
"$TOP/tests/tools/fake-exercise.py" "$STATE" "$ID" "$VMPORT" \
    "$TMP/vm/host_key.pub" bfitest "$PASS" "$TMP/cand.pub" \
    >"$TMP/vm/authorized_keys"
cat >"$TMP/vm/sshd_config" <<EOF
Port $VMPORT
ListenAddress 127.0.0.1
HostKey $TMP/vm/host_key
AuthorizedKeysFile $TMP/vm/authorized_keys
PidFile none
UsePAM no
StrictModes no
PasswordAuthentication no
KbdInteractiveAuthentication no
EOF
mkdir -p /run/sshd
/usr/sbin/sshd -D -f "$TMP/vm/sshd_config" -E "$TMP/vm/sshd.log" &
sshd_pid=$!

GWPORT=$(free_port)
GW_EXTRA=()
# Each start logs to its own file; wait until it listens.
start_gateway() {
	: >"$TMP/gw.log"
	"$BIN" --state-dir "$STATE" gateway --foreground \
	    --listen "127.0.0.1:$GWPORT" "${GW_EXTRA[@]}" >"$TMP/gw.log" 2>&1 &
	gw_pid=$!
	wait_for 60 grep -q "port $GWPORT" "$TMP/gw.log" ||
		bad gateway-start "not listening after 60 s: $(tail -n 3 "$TMP/gw.log")"
}
start_gateway
check gateway-started grep -q "listening on 127.0.0.1 port $GWPORT" \
    "$TMP/gw.log"

printf '#!/bin/sh\necho %s\n' "$PASS" >"$TMP/askpass"
printf '#!/bin/sh\necho wrong-password\n' >"$TMP/askwrong"
chmod +x "$TMP/askpass" "$TMP/askwrong"
SSH_OPTS=(-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-o LogLevel=error -o ConnectTimeout=20 -p "$GWPORT")
# login ASKPASS: the real ssh client with a password, stdin typed.
# login ASKPASS: one password login (at most LOGIN_TIMEOUT s, default 60)
login() {
	SSH_ASKPASS=$1 SSH_ASKPASS_REQUIRE=force timeout "${LOGIN_TIMEOUT:-60}" ssh -tt \
	    -o PubkeyAuthentication=no -o NumberOfPasswordPrompts=1 \
	    "${SSH_OPTS[@]}" "$ID@127.0.0.1"
}
SESSIONS=$STATE/exercises/$ID/sessions
newest() { ls -t "$SESSIONS"/*.cast 2>/dev/null | head -n 1; }
# sealed REC: wait (bounded) for REC's end seal. The client is told the
# session ended before the recording is finished and sealed, so a
# verdict on the whole recording waits for that, not for the client.
sealed() { wait_for 60 grep -q '"kind":"end"' "$1.seal"; }

# --- logging in, and what a session leaves ---------------------------
printf 'echo hello-from-vm\nexit 3\n' | login "$TMP/askpass" >"$TMP/s1" 2>&1
check password-login-exit-status test $? -eq 3
check relayed grep -q hello-from-vm "$TMP/s1"
rec=$(newest)
sealed "$rec"
check recording-made test -n "$rec"
check recording-has-output grep -q hello-from-vm "$rec"
run verify-intact 0 "$BIN" --state-dir "$STATE" verify "$rec" &&
	expect verify-intact out ': intact \([0-9]+ lines, its end sealed\)$'
check seal-end grep -q '"kind":"end"' "$rec.seal"

printf 'exit 4\n' | timeout 60 ssh -tt -o BatchMode=yes -i "$TMP/cand" \
    "${SSH_OPTS[@]}" "$ID@127.0.0.1" >/dev/null 2>&1
check key-login-exit-status test $? -eq 4

printf 'exit\n' | login "$TMP/askwrong" >/dev/null 2>&1
check wrong-password-refused test $? -eq 255
check failure-audited grep -q '"auth-failure"' \
    "$STATE/exercises/$ID/audit.log"
printf 'exit\n' | SSH_ASKPASS=$TMP/askpass SSH_ASKPASS_REQUIRE=force \
    timeout 60 ssh -tt -o PubkeyAuthentication=no \
    -o NumberOfPasswordPrompts=1 "${SSH_OPTS[@]}" nope-0000@127.0.0.1 \
    >/dev/null 2>&1
check unknown-id-refused test $? -eq 255
check unknown-audited-gateway grep -q '"user":"nope-0000"' \
    "$STATE/gateway/audit.log"

# --- nothing the connection's user can read or write helps a forger ---
dir=$STATE/exercises/$ID
for f in password authorized_keys candidate_ed25519; do
	check "secret-$f-root-only" sh -c \
	    "[ \"\$(stat -c %a:%U:%G '$dir/$f')\" = 600:root:root ]"
	check "secret-$f-unreadable-by-gw" cannot breakfix-gw "cat $dir/$f"
done
check seal-key-root-only sh -c \
    "[ \"\$(stat -c %a:%U '$STATE/gateway/seal_ed25519')\" = 600:root ]"
check seal-key-unreadable-by-gw cannot breakfix-gw \
    "cat $STATE/gateway/seal_ed25519"
check gateway-dir-not-writable-by-gw cannot breakfix-gw \
    "touch $STATE/gateway/planted"
check sessions-not-writable-by-gw cannot breakfix-gw "touch $SESSIONS/planted"
check recording-not-readable-by-gw cannot breakfix-gw "cat $rec"

# --- a reviewer reads and verifies, and can change nothing ------------
check reviewer-reads can bfreview "cat $rec"
check reviewer-verifies can bfreview \
    "$BIN --state-dir $STATE verify $rec | grep -q ': intact'"
check reviewer-cannot-edit cannot bfreview "echo x >>$rec"
check reviewer-cannot-reseal cannot bfreview "echo x >>$rec.seal"

# --- forgeries, made with everything a reviewer or the gateway's user
# can read: the public chain key, the public seal key ------------------
mkdir "$TMP/forged"
f=$TMP/forged/$(basename "$rec")
cp "$rec" "$rec.chain" "$rec.seal" "$TMP/forged/"
sed -i 's/hello-from-vm/hello-from-XX/' "$f"
run forged-edit 1 "$BIN" --state-dir "$STATE" verify "$f" &&
	expect forged-edit out 'ALTERED: line [0-9]+ does not match its chain entry'
"$TOP/tests/tools/rechain.py" "$f"
run forged-rechained 1 "$BIN" --state-dir "$STATE" verify "$f" &&
	expect forged-rechained out 'ALTERED: lines 1 to [0-9]+ do not match the seal'
cp "$rec" "$rec.chain" "$TMP/forged/"
head -n -3 "$rec" >"$f"
"$TOP/tests/tools/rechain.py" "$f"
run forged-cut 1 "$BIN" --state-dir "$STATE" verify "$f" &&
	expect forged-cut out 'ALTERED: line [0-9]+ was sealed at .* but is missing'
head -n 1 "$rec.seal" >"$f.seal"
cp "$rec" "$f"
"$TOP/tests/tools/rechain.py" "$f"
run forged-seals-dropped 3 "$BIN" --state-dir "$STATE" verify "$f" &&
	expect forged-seals-dropped out 'CUT SHORT: the gateway stopped'

# --- a session in progress, then its process killed ---------------------
mkfifo "$TMP/in"
login "$TMP/askpass" <"$TMP/in" >"$TMP/s2" 2>&1 &
exec 7>"$TMP/in"
echo 'echo live-one' >&7
wait_for 30 sh -c "grep -q live-one \"\$(ls -t $SESSIONS/*.cast | head -n 1)\""
rec2=$(newest)
wait_for 10 grep -q '"kind":"head"' "$rec2.seal"
run verify-live 0 "$BIN" --state-dir "$STATE" verify "$rec2" &&
	expect verify-live out ': intact so far: its session is still going'
pid=$(basename "$rec2" .cast | sed 's/.*-//')
check session-unprivileged sh -c "[ \"\$(ps -o user= -p $pid)\" = breakfix-gw ]"
kill -9 "$pid"
wait_for 10 grep -q '"kind":"gone"' "$rec2.seal"
exec 7>&-
run verify-killed 3 "$BIN" --state-dir "$STATE" verify "$rec2" &&
	expect verify-killed out 'CUT SHORT: the connection process was killed by signal 9; the last sealed line is [0-9]+'

# --- the gateway stops: a live session carries on, sealed to the end ---
login "$TMP/askpass" <"$TMP/in" >"$TMP/s3" 2>&1 &
exec 7>"$TMP/in"
echo 'echo before-stop' >&7
wait_for 30 sh -c "grep -q before-stop \"\$(ls -t $SESSIONS/*.cast | head -n 1)\""
rec3=$(newest)
kill -TERM "$gw_pid"
wait_for 10 grep -q 'gateway stopping; 1 sessions carry on' "$TMP/gw.log"
check stop-keeps-session kill -0 "$gw_pid"
echo 'echo after-stop; exit 5' >&7
exec 7>&-
wait_for 30 sh -c "! kill -0 $gw_pid"
check gateway-left-after-session sh -c "! kill -0 $gw_pid"
check after-stop-recorded grep -q after-stop "$rec3"
run verify-after-stop 0 "$BIN" --state-dir "$STATE" verify "$rec3" &&
	expect verify-after-stop out ': intact \('

# --- the gateway dies: its sessions end, and say so ---------------------
start_gateway
login "$TMP/askpass" <"$TMP/in" >"$TMP/s4" 2>&1 &
login_pid=$!
exec 7>"$TMP/in"
echo 'echo before-crash' >&7
wait_for 30 sh -c "grep -q before-crash \"\$(ls -t $SESSIONS/*.cast | head -n 1)\""
rec4=$(newest)
kill -9 "$gw_pid"
wait_for 30 sh -c "! kill -0 $login_pid"
exec 7>&-
check crash-told grep -q "the gateway stopped; connect again" "$TMP/s4"
run verify-after-crash 3 "$BIN" --state-dir "$STATE" verify "$rec4" &&
	expect verify-after-crash out 'CUT SHORT: the gateway stopped before the session ended'

# --- an exercise that is down, or over ----------------------------------
start_gateway
python3 - "$dir/exercise.json" <<'EOF'
import json, sys
p = sys.argv[1]; j = json.load(open(p)); j["state"] = "down"
json.dump(j, open(p, "w"))
EOF
printf 'exit\n' | login "$TMP/askpass" >"$TMP/s5" 2>&1
check down-refused test $? -eq 1
check down-says grep -q "exercise $ID is down: it cannot be used any more" \
    "$TMP/s5"
python3 - "$dir/exercise.json" <<'EOF'
import json, sys, time
p = sys.argv[1]; j = json.load(open(p))
j["state"] = "ready"; j["expires"] = int(time.time()) - 1
json.dump(j, open(p, "w"))
EOF
printf 'exit\n' | login "$TMP/askpass" >"$TMP/s6" 2>&1
check expired-says grep -q "the time for exercise $ID is over" "$TMP/s6"

# --- connections that never log in cannot hold the door ---------------
python3 - "$dir/exercise.json" <<'EOF'
import json, sys, time
p = sys.argv[1]; j = json.load(open(p))
j["state"] = "ready"; j["expires"] = int(time.time()) + 3600
json.dump(j, open(p, "w"))
EOF
kill "$gw_pid" 2>/dev/null
wait_for 20 sh -c "! kill -0 $gw_pid"
# A grace long enough that a loaded host still tries the fifth login
# while the four wait: what is tested is the limit, not the clock.
GW_EXTRA=(--login-grace 45 --max-startups 4:100:4)
start_gateway
# Four idle connections from four addresses (one's own limit is 10).
idle_pids=()
for a in 2 3 4 5; do
	python3 -c 'import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])),
    source_address=(sys.argv[2], 0))
time.sleep(90)' "$GWPORT" "127.0.0.$a" &
	idle_pids+=($!)
done
wait_for 20 sh -c "[ \$(pgrep -c -P $gw_pid -f -- --connection) -ge 4 ]"
printf 'exit 6\n' | login "$TMP/askpass" >/dev/null 2>&1
check startups-full-refuses test $? -eq 255
# Cut at the grace time: then the candidate gets in.
wait_for 80 sh -c "[ \$(pgrep -c -P $gw_pid -f -- --connection) -eq 0 ]"
printf 'exit 6\n' | login "$TMP/askpass" >/dev/null 2>&1
check after-grace-served test $? -eq 6
kill "${idle_pids[@]}" 2>/dev/null
kill "$gw_pid" 2>/dev/null
wait_for 20 sh -c "! kill -0 $gw_pid"
GW_EXTRA=()
start_gateway

# A slow guesser is counted as it guesses: two wrong passwords a
# connection, five connections, and the address is shut out.
for i in 1 2 3 4 5; do
	printf 'exit\n' | SSH_ASKPASS=$TMP/askwrong SSH_ASKPASS_REQUIRE=force \
	    timeout 60 ssh -tt -b 127.0.0.6 -o PubkeyAuthentication=no \
	    -o NumberOfPasswordPrompts=2 "${SSH_OPTS[@]}" "$ID@127.0.0.1" \
	    >/dev/null 2>&1
done
check slow-guesser-counted grep -q '127.0.0.6: 10 failed logins' \
    "$TMP/gw.log"
printf 'exit\n' | SSH_ASKPASS=$TMP/askpass SSH_ASKPASS_REQUIRE=force \
    timeout 60 ssh -tt -b 127.0.0.6 -o PubkeyAuthentication=no \
    "${SSH_OPTS[@]}" "$ID@127.0.0.1" >/dev/null 2>&1
check slow-guesser-shut-out test $? -eq 255
printf 'exit 7\n' | login "$TMP/askpass" >/dev/null 2>&1
check others-served test $? -eq 7

# --- a VM that cannot be reached leaves no empty recording --------------
"$TOP/tests/tools/fake-exercise.py" "$STATE" gwtest-0002 "$(free_port)" \
    "$TMP/vm/host_key.pub" bfitest "$PASS" >/dev/null
printf 'exit\n' | SSH_ASKPASS=$TMP/askpass SSH_ASKPASS_REQUIRE=force \
    timeout 90 ssh -tt -o PubkeyAuthentication=no "${SSH_OPTS[@]}" \
    gwtest-0002@127.0.0.1 >"$TMP/s7" 2>&1
check unreachable-told grep -q "the exercise's machine cannot be reached" \
    "$TMP/s7"
check unreachable-audited wait_for 20 grep -q '"relay-failed"' \
    "$STATE/exercises/gwtest-0002/audit.log"
# (once its process is gone: the listener tidies up when it reaps it)
wait_for 20 sh -c "! ls $STATE/exercises/gwtest-0002/sessions/ | grep -q ."
check unreachable-no-recording sh -c \
    "! ls $STATE/exercises/gwtest-0002/sessions/ | grep -q ."

# --- an output flood: the recording stays under its cap, the session
# goes on, and every tool reads what is left --------------------------
kill "$gw_pid" 2>/dev/null
wait_for 20 sh -c "! kill -0 $gw_pid"
GW_EXTRA=(--record-max 1M)
start_gateway
# The image's marks, sourced by hand: the "VM"'s bash has none.
{
	printf '. %s\n' "$TOP/images/debian-12/overlay/etc/breakfix-marks.bash"
	printf 'yes | head -c 200M\necho after-flood; false\nexit 0\n'
} | LOGIN_TIMEOUT=600 login "$TMP/askpass" 2>&1 | tail -c 65536 >"$TMP/flood.out"
check flood-session-exit test "${PIPESTATUS[1]}" -eq 0
# Its output follows the marks printed before it ran (PS0's, ending in BEL).
check flood-relayed grep -qa $'\aafter-flood\r' "$TMP/flood.out"
frec=$(newest)
sealed "$frec"
# The output lines and their chain entries (65 bytes each) stay under
# 1 MiB; the header, the input and the markers add little.
python3 - "$frec" >"$TMP/flood.tally" <<'PY'
import json, sys
out = 0
marks = []
for line in open(sys.argv[1], "rb"):
    e = json.loads(line)
    if isinstance(e, list) and e[1] == "o":
        out += len(line) + 65
    elif isinstance(e, list) and e[1] == "m":
        marks.append(e[2])
print(out)
for m in marks:
    print(m)
PY
read -r fout <"$TMP/flood.tally"
ftotal=$(($(stat -c %s "$frec") + $(stat -c %s "$frec.chain")))
check flood-output-under-cap test "$fout" -le 1048576
check flood-output-up-to-cap test "$fout" -gt $((1048576 - 400000))
check flood-files-under-cap test "$ftotal" -lt $((1048576 + 65536))
check flood-marker-from grep -qx "output elided from here: over the recording's cap of 1048576 bytes of output" "$TMP/flood.tally"
elided=$(sed -n 's/^output elided: \([0-9]*\) bytes not recorded$/\1/p' "$TMP/flood.tally")
check flood-marker-count test "${elided:-0}" -gt $((200 << 20))
check flood-one-marker-each test "$(grep -c '^output elided' "$TMP/flood.tally")" -eq 2
check flood-input-kept grep -q 'echo after-flood; false' "$frec"
check flood-commands-log-small test "$(stat -c %s "${frec%.cast}.commands")" -lt 4096
run flood-verify 0 "$BIN" --state-dir "$STATE" verify "$frec" &&
	expect flood-verify out ': intact \([0-9]+ lines, its end sealed\)$'
run flood-commands 0 "$BIN" --state-dir "$STATE" commands "$frec" &&
	expect flood-commands out '^ +[0-9]+:[0-9.]+ +[0-9.]+s +1  echo after-flood; false$'
run flood-report 0 "$BIN" --state-dir "$STATE" report "$ID" &&
	expect flood-report out "output over the recording's cap was not recorded from [0-9]+:[0-9.]+ on \([0-9.]+ MiB\)"
run flood-export 0 "$BIN" --state-dir "$STATE" export "$frec" \
    --html "$TMP/flood.html" &&
	expect flood-export err "warning: output over the recording's cap was not recorded from"
check flood-page-says grep -q "Output over the recording's cap was not recorded from" "$TMP/flood.html"
run flood-replay 0 "$BIN" --state-dir "$STATE" replay "$frec" </dev/null &&
	expect flood-replay err "output over the recording's cap was not recorded from .*: the screen stops changing there"
# A paste flood: input is never left out, so past its cap (16 MiB) it
# is not passed on and the session ends; the files stay under the caps.
# (Without echo: the relay passes a paste the VM echoes back slowly. So
# the paste starts once the shell says echo is off, not after a guess.)
mkfifo "$TMP/paste.in"
LOGIN_TIMEOUT=600 login "$TMP/askpass" <"$TMP/paste.in" >"$TMP/paste.out" 2>&1 &
paste_pid=$!
exec 5>"$TMP/paste.in"
printf 'stty -echo; echo paste-$((6 * 7))-ready; cat >/dev/null\n' >&5
wait_for 120 grep -q 'paste-42-ready' "$TMP/paste.out"
yes "$(printf '%099d' 0)" | head -c 17M >&5
exec 5>&-
wait "$paste_pid"
check paste-told grep -q "this session's input is over the recording's cap; the session ends now" "$TMP/paste.out"
prec=$(newest)
sealed "$prec"
check paste-marker grep -q '"m", "input over its cap: over the recording.s cap of 16777216 bytes of input"' "$prec"
check paste-end-reason grep -q '"m", "input over the recording.s cap"' "$prec"
ptotal=$(($(stat -c %s "$prec") + $(stat -c %s "$prec.chain")))
check paste-files-under-caps test "$ptotal" -lt $(((16 << 20) + (1 << 20) + 65536))
run paste-verify 0 "$BIN" --state-dir "$STATE" verify "$prec" &&
	expect paste-verify out ': intact \('
GW_EXTRA=()

# --- the reviewer's tools in bounded memory: their peak on a recording
# at the default cap (64 MiB of output) is within a few MiB of theirs on
# a small one ----------------------------------------------------------
big=$TMP/big/20261207T120000Z-1.cast
mkdir -p "$TMP/big"
python3 - "$big" <<'PY'
import json, sys
out = open(sys.argv[1], "w")
out.write(json.dumps({"version": 2, "width": 80, "height": 24,
    "timestamp": 1700000000, "env": {}, "title": "big"}) + "\n")
chunk = json.dumps("y\r\n" * 10000)
t, n = 0.0, 0
while n < 64 << 20:
    line = '[%.6f, "o", %s]\n' % (t, chunk)
    out.write(line)
    n += len(line)
    t += 0.001
    if int(t * 1000) % 500 == 0:
        out.write('[%.6f, "i", "echo %d\\r"]\n' % (t, t))
out.write('[%.6f, "m", "output elided from here: over the recording\'s '
    'cap of 67108864 bytes of output"]\n' % t)
out.write('[%.6f, "i", "echo after\\r"]\n' % (t + 1))
PY
small=$TMP/big/20261207T110000Z-1.cast
head -n 40 "$big" >"$small"
# peak NAME CMD...: CMD's peak resident memory in KiB. ASan's quarantine
# would keep what was freed: not for this.
peak() {
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=1 \
	    /usr/bin/time -f %M -o "$TMP/peak" "$@" </dev/null >/dev/null 2>&1
	tail -n 1 "$TMP/peak"
}
# tool_peak TOOL REC: peak of the tool on REC (report: REC as a session).
tool_peak() {
	local in=$SESSIONS/20991231T235959Z-1.cast
	case $1 in
	export) peak "$BIN" export "$2" --html "$TMP/peak.html" ;;
	report)
		cp "$2" "$in"
		peak "$BIN" --state-dir "$STATE" report "$ID"
		rm -f "$in" ;;
	*) peak "$BIN" "$1" "$2" ;;
	esac
}
if [ -x /usr/bin/time ]; then
	mb=$(($(stat -c %s "$big") >> 20))
	for tool in commands replay export report; do
		s=$(tool_peak "$tool" "$small")
		b=$(tool_peak "$tool" "$big")
		echo "  $tool: peak $s KiB on a small recording, $b KiB on $mb MiB"
		check "$tool-bounded-memory" test "$b" -lt $((s + 16384))
	done
else
	skip bounded-memory "no /usr/bin/time"
fi

# --- the host key is never silently replaced; nothing is written
# through a link -------------------------------------------------------
kill "$gw_pid" 2>/dev/null
wait_for 20 sh -c "! kill -0 $gw_pid"
mv "$STATE/gateway/host_ed25519" "$TMP/host_ed25519.moved"
run host-key-missing 1 "$BIN" --state-dir "$STATE" gateway --foreground \
    --listen "127.0.0.1:$GWPORT" &&
	expect host-key-missing err "host key '.*/gateway/host_ed25519' is missing: restore it, or make a new one with 'breakfix gateway --new-host-key'"
check host-key-not-made test ! -e "$STATE/gateway/host_ed25519"
mv "$TMP/host_ed25519.moved" "$STATE/gateway/host_ed25519"
echo untouched >"$TMP/target"
ln -s "$TMP/target" "$STATE/gateway/gateway.json.tmp"
start_gateway
check no-write-through-link sh -c "[ \"\$(cat '$TMP/target')\" = untouched ]"
check info-written grep -q '"fingerprint"' "$STATE/gateway/gateway.json"
check info-not-a-link test ! -L "$STATE/gateway/gateway.json"

finish
