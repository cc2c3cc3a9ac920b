#!/bin/bash
# reviewer.sh - the reviewer's tools on a generated one-hour recording:
# how long `commands` (rebuilt from the keys typed, and from a commands
# log) and `verify` take, against reading the file once with cat.
#
# The recording is written the way the gateway writes one (asciicast v2,
# its chain and seals, signed with a scratch gateway key in a scratch
# state directory): a key every 0.25 s with its echo, and a 2 KiB burst
# of output every 10 s.
#
# usage: bench/reviewer.sh [ROUNDS]
set -eu

ROUNDS=${1:-5}
TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=$TOP/breakfix
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export BREAKFIX_STATE_DIR=$TMP/state
mkdir -p "$TMP/state/gateway"
KEY=$TMP/state/gateway/seal_ed25519
openssl genpkey -algorithm ED25519 -out "$KEY" 2>/dev/null
openssl pkey -in "$KEY" -pubout -out "$KEY.pub"

python3 - "$TMP/hour.cast" <<'PY'
import json, random, sys
path = sys.argv[1]
random.seed(1)
lines = [json.dumps({"version": 2, "width": 120, "height": 40,
    "timestamp": 1795600000, "env": {"TERM": "xterm-256color",
    "SHELL": "/bin/bash"}, "title": "one hour"})]
cmds = []
t, typed = 0.0, ""
words = ["systemctl", "status", "nginx", "journalctl", "-u", "ls", "-la",
    "/var/log", "df", "-h", "cat", "/etc/hosts", "ps", "aux", "grep", "ss"]
while t < 3600:
    t += 0.25
    if len(typed) > 20 + random.randint(0, 20):
        lines.append(json.dumps([round(t, 6), "i", "\r"]))
        lines.append(json.dumps([round(t + 0.01, 6), "o", "\r\n" +
            "".join(random.choice("abcdef0123456789 \r\n") for _ in range(2048))]))
        cmds.append((t, typed))
        typed = ""
        t += 10
        continue
    c = random.choice(words)[0] if random.random() > 0.1 else " "
    typed += c
    lines.append(json.dumps([round(t, 6), "i", c]))
    lines.append(json.dumps([round(t + 0.005, 6), "o", c]))
open(path, "w").write("\n".join(lines) + "\n")
with open(path[:-5] + ".log.commands", "w") as f:
    for s, c in cmds:
        f.write(json.dumps({"start": s, "end": s + 0.5, "duration": 0.5,
            "exit": 0, "command": c}) + "\n")
PY
# A head every 200 lines (the gateway seals about once a second while
# output comes: verify's cost is in the lines, not the seals).
"$TOP/tests/tools/seal-cast.py" --every 200 "$TMP/hour.cast" "$KEY"
cp "$TMP/hour.cast" "$TMP/hour.log.cast"
"$TOP/tests/tools/seal-cast.py" --every 200 "$TMP/hour.log.cast" "$KEY"

best() {	# best of ROUNDS, seconds
	local b=999 t0 t1 t i
	for i in $(seq "$ROUNDS"); do
		t0=$(date +%s.%N)
		"$@" >/dev/null
		t1=$(date +%s.%N)
		t=$(echo "$t1 - $t0" | bc)
		b=$(echo "if ($t < $b) $t else $b" | bc)
	done
	printf '%.3f' "$b"
}

events=$(($(wc -l <"$TMP/hour.cast") - 1))
size=$(du -k "$TMP/hour.cast" | cut -f1)
"$BIN" verify "$TMP/hour.cast" >/dev/null   # must be intact, or set -e stops here
printf '%-44s %10s\n' "one-hour recording: $events events, $size KiB" "seconds"
printf '%-44s %10s\n' "cat (read once, the floor)" "$(best cat "$TMP/hour.cast")"
printf '%-44s %10s\n' "breakfix verify" "$(best "$BIN" verify "$TMP/hour.cast")"
printf '%-44s %10s\n' "breakfix commands (rebuilt from keys)" "$(best "$BIN" commands "$TMP/hour.cast")"
printf '%-44s %10s\n' "breakfix commands (from the commands log)" "$(best "$BIN" commands "$TMP/hour.log.cast")"
printf '%-44s %10s\n' "(best of $ROUNDS; target: well under 1 s)" ""
