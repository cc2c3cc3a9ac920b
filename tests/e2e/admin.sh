#!/bin/bash
# admin.sh - the admin channel against a hostile candidate, for real: a
# VM from 'up', the gateway on a loopback port, and a candidate with sudo
# typing through the real OpenSSH client. Each attack must fail to make
# a check pass, and 'check' must say what it found (its time is printed;
# docs/performance.md has the figures):
#
#   the authorized_keys one-liner   checks run over the guest agent
#   the agent stopped as well       SSH stands in; its answers are tampered
#   a typo in /etc/sudoers.d/       SSH stands in; tampered
#   sshd stopped too                "admin channel lost"
#   the candidate really fixes it   passes over the agent again
#
# and two exercises have different SSH host keys, none from the image.
# Verdicts wait for markers in the session's output (bounded), never on
# a sleep. Runs in its own state directory (images and keys linked from
# the real one), like gateway.sh.
#
# usage: tests/e2e/admin.sh path/to/breakfix
set -u
. "$(dirname "$0")/../lib.sh"
export BREAKFIX_POOL_SIZE=0

ids=()
gwpid=
spid=

TMP=
cleanup() {
	exec 3>&- 2>/dev/null
	[ -n "$spid" ] && kill "$spid" 2>/dev/null
	for i in "${ids[@]}"; do "$BIN" -q down "$i" >/dev/null 2>&1; done
	[ -n "$gwpid" ] && kill "$gwpid" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
e2e_state admin.sh "${1:-}"
PORT=$(free_port)

SSH_OPTS=(-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-o LogLevel=error -o ConnectTimeout=20 -o BatchMode=yes -p "$PORT")

ssh-keygen -q -t ed25519 -N '' -f "$TMP/id" </dev/null
"$BIN" gateway --foreground --listen "127.0.0.1:$PORT" >"$TMP/gw.log" 2>&1 &
gwpid=$!

up() { # NAME: up tests/e2e/admin.yaml, its id in $id
	if ! "$BIN" up --json --candidate-key "$TMP/id.pub" --timeout 6m \
	    tests/e2e/admin.yaml >"$TMP/$1.json" 2>"$TMP/$1.err"; then
		bad "up-$1" "$(tail -n 5 "$TMP/$1.err")"
		finish
		exit 1
	fi
	id=$(json id <"$TMP/$1.json")
	ids+=("$id")
	ok "up $id"
}

# --- the candidate's session: one root shell, driven line by line -------
# say CMD STEP: type CMD in the session, then wait (at most 60 s) until
# the session has printed "STEP-done" (typed as STEP-'done', so that the
# echo of the line itself does not count).
session() {
	mkfifo "$TMP/in"
	timeout 900 ssh -tt -i "$TMP/id" "${SSH_OPTS[@]}" "$id@127.0.0.1" \
	    <"$TMP/in" >"$TMP/session.out" 2>&1 &
	spid=$!
	exec 3>"$TMP/in"
}
say() {
	local i
	printf '%s; echo %s-'"'done'"'\n' "$1" "$2" >&3
	for i in $(seq 120); do
		grep -q "$2-done" "$TMP/session.out" 2>/dev/null && return 0
		kill -0 "$spid" 2>/dev/null || break
		sleep 0.5
	done
	bad "$2" "the session did not get through '$1'"
	return 1
}
# runcheck NAME: breakfix check, its output in $TMP/NAME.out, its exit
# status in $rc and its time in $secs.
runcheck() {
	local t0=$(date +%s%N)
	"$BIN" check "$id" >"$TMP/$1.out" 2>&1
	rc=$?
	secs=$(( ($(date +%s%N) - t0) / 1000000000 ))
	echo "   check ($1): exit $rc in $secs s"
	sed 's/^/     | /' "$TMP/$1.out"
}

up one
dir=$STATE/exercises/$id
session
printf 'sudo -i\n' >&3
say 'echo "uid=$(id -u)"' whoami
check root-shell grep -q 'uid=0' "$TMP/session.out"

# --- 1. the one-liner: the admin key made to run "exit 0" ---------------
say "sed -i 's/^ssh-/command=\"exit 0\" ssh-/' /home/breakfix/.ssh/authorized_keys" oneliner
runcheck oneliner
check oneliner-not-passing test "$rc" -ne 0
check oneliner-honest grep -q '^0 of 2 checks pass$' "$TMP/oneliner.out"
check oneliner-over-agent grep -q '^admin channel: guest agent$' "$TMP/oneliner.out"
check oneliner-altered grep -q '^admin channel altered since up (seen .*): /home/breakfix/.ssh/authorized_keys' "$TMP/oneliner.out"

# --- 2. and the agent stopped: SSH stands in, and is not believed -------
say "systemctl stop qemu-guest-agent" agentstop
runcheck agentstop
check agentstop-not-passing test "$rc" -ne 0
check agentstop-fallback grep -q '^admin channel: ssh (the guest agent did not answer' "$TMP/agentstop.out"
check agentstop-tampered grep -q '^marker-gone  *TAMPERED' "$TMP/agentstop.out"
check agentstop-says grep -q '^admin channel tampered: 2 of 2 checks' "$TMP/agentstop.out"

# --- 3. the key back, sudo broken: SSH logs in, sudo answers nothing ----
# (A typo in the admin's own rule: sudo skips the line it cannot parse,
# so breakfix has no sudo left. A typo elsewhere leaves the rule working,
# and the checks then run, with their nonces, and tell the truth.)
say "sed -i 's/^command=\"exit 0\" //' /home/breakfix/.ssh/authorized_keys" keyback
say "sed -i 's/NOPASSWD/NOPASWD/' /etc/sudoers.d/breakfix" sudoers
runcheck sudoers
check sudoers-not-passing test "$rc" -ne 0
check sudoers-fallback grep -q '^admin channel: ssh' "$TMP/sudoers.out"
check sudoers-tampered grep -q '^admin channel tampered: 2 of 2 checks' "$TMP/sudoers.out"

# --- 4. sshd stopped too: nothing answers, and check says so at once ----
say "systemctl stop ssh.service" sshdstop
runcheck lost
check lost-not-passing test "$rc" -ne 0
check lost-says grep -q 'admin channel lost' "$TMP/lost.out"
check lost-no-table sh -c "! grep -q 'checks pass' '$TMP/lost.out'"

# --- 5. an honest fix passes, over the agent again ----------------------
say "sed -i 's/NOPASWD/NOPASSWD/' /etc/sudoers.d/breakfix; rm -f /etc/breakfix-e2e /etc/breakfix-e2e2; systemctl start ssh.service qemu-guest-agent" fix
# The agent just started: wait (bounded) until libvirt sees it again.
for i in $(seq 60); do
	virsh -c qemu:///system qemu-agent-command --timeout 2 "breakfix-$id" \
	    '{"execute":"guest-ping"}' >/dev/null 2>&1 && break
	sleep 0.5
done
runcheck fixed
check fixed-passes test "$rc" -eq 0
check fixed-all grep -q '^2 of 2 checks pass$' "$TMP/fixed.out"
check fixed-over-agent grep -q '^admin channel: guest agent$' "$TMP/fixed.out"
check fixed-still-altered grep -q '^admin channel altered since up' "$TMP/fixed.out"
printf 'exit\nexit\n' >&3
exec 3>&-
for i in $(seq 60); do kill -0 "$spid" 2>/dev/null || break; sleep 0.5; done
kill "$spid" 2>/dev/null
wait "$spid" 2>/dev/null
spid=

# --- the record: events.log and the report say what happened, and when ---
for s in fallback tampered altered lost; do
	check "event-$s" grep -q "\"event\":\"admin\",\"status\":\"$s\"" "$dir/events.log"
done
"$BIN" report "$id" >"$TMP/report.out" 2>&1
sed 's/^/     | /' "$TMP/report.out" | sed -n '/Admin channel/,/^     | $/p'
check report-section grep -q '^Admin channel$' "$TMP/report.out"
for s in 'lost' 'fallback to ssh' 'tampered' 'altered'; do
	check "report-$s" grep -qE "^  [0-9-]+ [0-9:]+ UTC  $s" "$TMP/report.out"
done
"$BIN" report --json "$id" >"$TMP/report.json" 2>&1
check report-json python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
assert {e["status"] for e in d["admin"]} >= {"lost", "fallback", "tampered", "altered"}, d["admin"]
assert all(isinstance(e["time"], int) for e in d["admin"])' "$TMP/report.json"

# --- one host key per exercise, none in the image ------------------------
key1=$(awk '{ print $2, $3 }' "$dir/known_hosts")
up two
key2=$(awk '{ print $2, $3 }' "$STATE/exercises/$id/known_hosts")
check host-key-learned test -n "$key1"
check host-keys-differ test "$key1" != "$key2"
check image-has-no-host-keys sh -c "! grep -q ssh_host_keys '$REAL/images/debian-12/manifest.json'"
printf 'exit 4\n' | timeout 60 ssh -tt -i "$TMP/id" "${SSH_OPTS[@]}" \
    "$id@127.0.0.1" >/dev/null 2>&1
check relay-uses-learned-key test $? -eq 4

finish
