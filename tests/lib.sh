# lib.sh - what the test scripts (tests/integration/, tests/e2e/) share:
# counting their checks, reading JSON, a state directory of their own.
# Sourced; each script's scratch directory and cleanup stay its own
# (tests/integration/lib.sh has the integration scripts' one).

passed=0
failed=0
skipped=0

ok() { echo "ok   $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
skip() { echo "skip $1: $2"; skipped=$((skipped + 1)); }
check() { # NAME CMD...: passes when CMD succeeds
	local name=$1
	shift
	if "$@"; then ok "$name"; else bad "$name" "$*"; fi
}
# check_out NAME FILE CMD...: check, showing FILE's tail when it fails
check_out() {
	local name=$1 file=$2
	shift 2
	if "$@"; then
		ok "$name"
	else
		bad "$name" "$*"
		tail -n 8 "$file" 2>&1 | sed 's/^/   | /'
	fi
}
# The tally; the script's exit status.
finish() {
	if [ "$skipped" -gt 0 ]; then
		echo "$passed passed, $failed failed, $skipped skipped"
	else
		echo "$passed passed, $failed failed"
	fi
	[ "$failed" -eq 0 ]
}

# wait_for SECONDS CMD...: until CMD succeeds, or give up (status 1).
wait_for() {
	local n=$(($1 * 10))
	shift
	while [ "$n" -gt 0 ]; do
		"$@" 2>/dev/null && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}
# json KEY[.KEY...]: that field of the JSON object on standard input.
json() {
	python3 -c 'import json,sys; d=json.load(sys.stdin)
for k in sys.argv[1].split("."): d=d[k]
print(d)' "$1"
}
# e2e_state NAME BREAKFIX: the opening of an e2e script. Sets BIN (the
# binary, absolute), TOP (the tree, now the working directory), TMP (a
# scratch directory, 0711: QEMU reaches the overlays through it) and
# STATE, a state directory of the script's own under TMP with the real
# one's (REAL) images and keys linked in, exported as BREAKFIX_STATE_DIR.
# The admin channel gets the patience of a loaded host (operations.md),
# so that which channel answers never depends on the load.
# Call it after the script's cleanup trap is set (it removes TMP).
e2e_state() {
	export BREAKFIX_AGENT_PING=10 BREAKFIX_SSH_FALLBACK=30
	BIN=$(realpath "${2:?usage: $1 path/to/breakfix}")
	TOP=$(cd "$(dirname "$0")/../.." && pwd)
	REAL=${BREAKFIX_STATE_DIR:-/var/lib/breakfix}
	TMP=$(mktemp -d)
	STATE=$TMP/state
	export BREAKFIX_STATE_DIR=$STATE
	chmod 0711 "$TMP"
	own_state "$STATE" "$REAL"
	cd "$TOP" || exit 1
}
# free_port: a TCP port on 127.0.0.1 that nothing listens on now.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
# own_state STATE REAL: a state directory of the script's own, with the
# images and keys of the real one REAL linked in, so that a gateway or
# pool the script starts disturbs no other. The scratch directory above
# STATE must be 0711 (QEMU reaches the overlays through it).
own_state() {
	mkdir -p "$1/exercises"
	chmod 0711 "$1" "$1/exercises"
	ln -s "$2/images" "$1/images"
	ln -s "$2/keys" "$1/keys"
}
# own_domains STATE [URI [VIRSH-LIST-FLAG...]]: the breakfix domains on
# URI (qemu:///system) whose exercise lives in STATE (another state
# directory's are not the script's business), one name a line.
own_domains() {
	local d state=$1 uri=${2:-qemu:///system}
	shift $(($# < 2 ? $# : 2))
	for d in $(virsh -c "$uri" list --all --name "$@" | grep '^breakfix-'); do
		virsh -c "$uri" dumpxml "$d" 2>/dev/null |
		    grep -qF "<breakfix:dir>$state/" && echo "$d"
	done
}
# guest_agent DOMAIN CMD: run CMD as root in DOMAIN through its guest
# agent; its output on stdout, its exit status as ours (at most 60 s).
guest_agent() {
	python3 - "$1" "$2" <<'EOF'
import base64, json, subprocess, sys, time
dom, cmd = sys.argv[1], sys.argv[2]
def agent(req):
    out = subprocess.run(["virsh", "-c", "qemu:///system",
        "qemu-agent-command", "--timeout", "10", dom, json.dumps(req)],
        capture_output=True, text=True, check=True).stdout
    return json.loads(out)["return"]
pid = agent({"execute": "guest-exec", "arguments": {"path": "/bin/sh",
    "arg": ["-c", cmd], "capture-output": True}})["pid"]
for _ in range(600):
    st = agent({"execute": "guest-exec-status", "arguments": {"pid": pid}})
    if st["exited"]:
        sys.stdout.write(base64.b64decode(st.get("out-data", "")).decode())
        sys.exit(st.get("exitcode", 1))
    time.sleep(0.1)
sys.exit(124)
EOF
}
