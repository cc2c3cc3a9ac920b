#!/bin/bash
# cli.sh - drive the real breakfix binary: exit codes, streams, messages.
#
# usage: tests/integration/cli.sh path/to/breakfix
set -u

BIN=$(realpath "${1:?usage: cli.sh BREAKFIX}")
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/integration/lib.sh"

cd "$TOP"

run version 0 "$BIN" --version && expect version out '^breakfix [0-9a-f.]+'
run no-args 2 "$BIN" && expect no-args err '^usage: breakfix'
run help 0 "$BIN" --help && expect help out '^  validate '
run help-cmd 0 "$BIN" help validate &&
	expect help-cmd out '^usage: breakfix validate'
run cmd-h 0 "$BIN" show -h && expect cmd-h out '^usage: breakfix show'
run typo 2 "$BIN" valdate x && expect typo err "^	validate$"
run typo-msg 2 "$BIN" valdate x &&
	expect typo-msg err "'valdate' is not a breakfix command"
run help-typo 2 "$BIN" help shwo && expect help-typo err "^	show$"
run bad-global 2 "$BIN" --frob validate &&
	expect bad-global err "unknown option '--frob'"
run bad-option 2 "$BIN" validate --frob x &&
	expect bad-option err "unknown option '--frob'"
run no-file 2 "$BIN" validate && expect no-file err 'no file given'
run show-two 2 "$BIN" show a b && expect show-two err 'one file at a time'

# Usage errors of the VM commands are caught before anything is touched.
run up-none 2 "$BIN" up && expect up-none err 'no scenario given'
run up-accel 2 "$BIN" up --accel fast x.yaml &&
	expect up-accel err "--accel is 'fast': use auto, kvm or tcg"
run up-ttl 2 "$BIN" up --ttl soon x.yaml &&
	expect up-ttl err "'soon' is not a duration"
run up-novalue 2 "$BIN" up x.yaml --ttl &&
	expect up-novalue err "option '--ttl' needs a value"
run up-bad-scenario 1 "$BIN" up tests/data/bad/demo-typos.yaml &&
	expect up-bad-scenario err 'demo-typos.yaml:2:7: '
run down-none 2 "$BIN" down && expect down-none err 'no exercise given'
run down-both 2 "$BIN" down --all x && expect down-both err 'not both'
run status-none 2 "$BIN" status && expect status-none err 'one exercise id'
run check-none 2 "$BIN" check && expect check-none err 'one exercise id'
run check-unknown 1 "$BIN" --state-dir "$TMP" check nope-0000 &&
	expect check-unknown err "no exercise 'nope-0000'"
run image-verb 2 "$BIN" image frob &&
	expect image-verb err "unknown image command 'frob'"
# The reviewer's tools on a recording made here, sealed as the gateway
# seals one (tests/tools/seal-cast.py) with a scratch gateway key.
GW=$TMP/rs/gateway
mkdir -p "$GW"
newkey() {	# newkey PATH: an Ed25519 pair, PATH and PATH.pub
	openssl genpkey -algorithm ED25519 -out "$1" 2>/dev/null &&
	openssl pkey -in "$1" -pubout -out "$1.pub"
}
newkey "$GW/seal_ed25519" && newkey "$TMP/other_ed25519" || bad openssl-keys
python3 - "$TMP/rec.cast" <<'PY'
import json, sys
lines = [json.dumps({"version": 2, "width": 80, "height": 24})]
t = 0.0
for k in "ls -l\r" + "sytem\x7f\x7f\x7fstemctl status\r":
    t += 0.1
    lines.append(json.dumps([round(t, 6), "i", k]))
    lines.append(json.dumps([round(t + 0.01, 6), "o", k]))
open(sys.argv[1], "w").write("\n".join(lines) + "\n")
PY
tests/tools/seal-cast.py --every 5 "$TMP/rec.cast" "$GW/seal_ed25519"
VERIFY=("$BIN" --state-dir "$TMP/rs" verify)
run verify-ok 0 "${VERIFY[@]}" "$TMP/rec.cast" &&
	expect verify-ok out 'rec.cast: intact \(59 lines, its end sealed\)$'
# Copies keep the recording's name, which its seals hold: one directory each.
copy() {	# copy NAME: $TMP/NAME/rec.cast and its chain and seals
	mkdir -p "$TMP/$1" && cp "$TMP"/rec.cast* "$TMP/$1/"
}
copy edited && sed -i '2s/"l"/"L"/' "$TMP/edited/rec.cast"
run verify-edited 1 "${VERIFY[@]}" "$TMP/edited/rec.cast" &&
	expect verify-edited out 'ALTERED: line 2 does not match its chain entry$'
copy rechained && sed -i '2s/"l"/"L"/' "$TMP/rechained/rec.cast" &&
	tests/tools/rechain.py "$TMP/rechained/rec.cast"
run verify-rechained 1 "${VERIFY[@]}" "$TMP/rechained/rec.cast" &&
	expect verify-rechained out 'ALTERED: lines 1 to 6 do not match the seal made at .* UTC \(the recording and its chain were rewritten\)$'
copy cut && tests/tools/seal-cast.py --every 5 --no-end \
	--gone 'the connection process was killed by signal 9' \
	"$TMP/cut/rec.cast" "$GW/seal_ed25519"
run verify-cut 3 "${VERIFY[@]}" "$TMP/cut/rec.cast" &&
	expect verify-cut out 'CUT SHORT: the connection process was killed by signal 9; the last sealed line is 56, sealed at .* UTC, and lines after it are not vouched for$'
copy live && tests/tools/seal-cast.py --every 5 --no-end --pid $$ \
	"$TMP/live/rec.cast" "$GW/seal_ed25519"
run verify-live 0 "${VERIFY[@]}" "$TMP/live/rec.cast" &&
	expect verify-live out 'intact so far: its session is still going \(56 of 59 lines sealed\)$'
copy noseal && rm "$TMP/noseal/rec.cast.seal"
run verify-noseal 1 "${VERIFY[@]}" "$TMP/noseal/rec.cast" &&
	expect verify-noseal out 'ALTERED: no seal file$'
run verify-otherkey 1 "${VERIFY[@]}" --key "$TMP/other_ed25519.pub" \
    "$TMP/rec.cast" &&
	expect verify-otherkey out 'ALTERED: seal 1: a seal whose signature does not match$'
run verify-missing 4 "${VERIFY[@]}" "$TMP/nope.cast" &&
	expect verify-missing out "cannot check: cannot open '.*nope.cast': No such file"
run verify-dir 4 "${VERIFY[@]}" "$TMP" &&
	expect verify-dir out 'cannot check: '
# The worst verdict decides: altered, then unreadable, then cut short.
run verify-worst-cut 3 "${VERIFY[@]}" "$TMP/rec.cast" "$TMP/cut/rec.cast"
run verify-worst-unread 4 "${VERIFY[@]}" "$TMP/cut/rec.cast" "$TMP/nope.cast"
run verify-worst-altered 1 "${VERIFY[@]}" "$TMP/edited/rec.cast" \
    "$TMP/nope.cast" "$TMP/cut/rec.cast"
run verify-nokey 4 "$BIN" --state-dir "$TMP" verify "$TMP/rec.cast" &&
	expect verify-nokey err "cannot open '.*/gateway/seal_ed25519.pub'"
run verify-none 2 "$BIN" verify && expect verify-none err 'no recording given'
run verify-key-none 2 "$BIN" verify --key &&
	expect verify-key-none err "option '--key' needs a value"
run commands-rebuilt 0 "$BIN" commands "$TMP/rec.cast" &&
	expect commands-rebuilt out '^ +0:00.[0-9] +- +-  systemctl status$'
run commands-grep 0 "$BIN" commands --grep '^ls' --json "$TMP/rec.cast" &&
	expect commands-grep out '"command": "ls -l"' &&
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d) == 1 and d[0]["source"] == "input"' "$TMP/out" &&
	ok commands-grep-one
printf '%s\n' '{"start": 1.5, "end": 2, "duration": 0.5, "exit": 2, "command": "false"}' \
	>"$TMP/rec.commands"
run commands-log 0 "$BIN" commands "$TMP/rec.cast" &&
	expect commands-log out '^ +0:01.5 +0.5s +2  false$'
run commands-badre 2 "$BIN" commands --grep '(' "$TMP/rec.cast" &&
	expect commands-badre err "--grep '\(': "
run commands-what 1 "$BIN" commands "not/a.recording" &&
	expect commands-what err "neither a recording"
# asciinema rec --stdin (made with asciinema 2.2 under expect): rebuilt
# through backspaces and Ctrl-U.
run commands-asciinema 0 "$BIN" commands tests/data/cast/asciinema-stdin.cast &&
	expect commands-asciinema out '  echo two$' &&
	expect commands-asciinema out '  echo three$' &&
	! grep -q 'ecko\|rm -rf' "$TMP/out" && ok commands-asciinema-edited
run report-none 1 "$BIN" --state-dir "$TMP" report nope-0000 &&
	expect report-none err "no exercise 'nope-0000'"
run report-usage 2 "$BIN" report
run gateway-listen 2 "$BIN" gateway --listen 1.2.3.4:99999 &&
	expect gateway-listen err '--listen wants ADDR, ADDR:PORT or :PORT'
run gateway-args 2 "$BIN" gateway now && expect gateway-args err 'no arguments expected'
run selftest-jobs 2 "$BIN" selftest -j 0 x.yaml &&
	expect selftest-jobs err '--jobs must be 1 to 8'
run reap-args 2 "$BIN" reap x && expect reap-args err 'no arguments'
run help-up 0 "$BIN" help up && expect help-up out '^  --accel MODE'
run up-nopool 0 "$BIN" help up && expect up-nopool out '^  --no-pool'

# The pool: usage, settings, and status on libvirt's test driver.
run pool-none 2 "$BIN" pool && expect pool-none err 'no action given'
run pool-verb 2 "$BIN" pool fil && expect pool-verb err "unknown action 'fil'"
run pool-two 2 "$BIN" pool status fill && expect pool-two err 'too many'
run pool-n-status 2 "$BIN" pool status -n 3 &&
	expect pool-n-status err '-n and --hot are for fill'
run pool-n-bad 2 "$BIN" pool fill -n x && expect pool-n-bad err '-n must be 0 to 32'
run pool-hot-bad 2 "$BIN" pool fill --hot 33 &&
	expect pool-hot-bad err '--hot must be 0 to 32'
run pool-json-fill 2 "$BIN" pool fill --json &&
	expect pool-json-fill err '--json is for status'
TEST_POOL=("$BIN" --connect test:///default --state-dir "$TMP/pool")
run pool-size-env 1 env BREAKFIX_POOL_SIZE=lots "${TEST_POOL[@]}" pool status &&
	expect pool-size-env err "BREAKFIX_POOL_SIZE='lots': expected a number from 0 to 32"
run pool-hot-env 1 env BREAKFIX_POOL_SIZE=2 BREAKFIX_POOL_HOT=3 \
    "${TEST_POOL[@]}" pool status &&
	expect pool-hot-env err "BREAKFIX_POOL_HOT='3': expected a number from 0 to 2"
run pool-disk-env 1 env BREAKFIX_POOL_DISK=big "${TEST_POOL[@]}" pool status &&
	expect pool-disk-env err "BREAKFIX_POOL_DISK='big'"
run pool-status 0 env BREAKFIX_POOL_SIZE=3 "${TEST_POOL[@]}" pool status &&
	expect pool-status out '^pool: 0 ready \(0 warm, 0 hot\) of 3 wanted'
run pool-status-json 0 "${TEST_POOL[@]}" pool status --json &&
	expect pool-status-json out '"members": \[\]'
run pool-off 0 env BREAKFIX_POOL_SIZE=0 "${TEST_POOL[@]}" pool status &&
	expect pool-off out 'off \(size 0, from BREAKFIX_POOL_SIZE\)'
run pool-set-none 2 "${TEST_POOL[@]}" pool set &&
	expect pool-set-none err 'nothing to set: give -n, --hot or --disk'
run pool-disk-fill 2 "${TEST_POOL[@]}" pool fill --disk 4G &&
	expect pool-disk-fill err '--disk is for set'
run pool-set 0 "${TEST_POOL[@]}" pool set -n 4 --hot 1 --disk 12G &&
	expect pool-set err 'pool settings kept: size 4, hot 1, disk 12G'
run pool-set-status 0 "${TEST_POOL[@]}" pool status &&
	expect pool-set-status out '^settings: size 4 \(pool set\), hot 1 \(pool set\), disk 12G \(pool set\)$'
run pool-set-keeps 0 "${TEST_POOL[@]}" pool set -n 3 &&
	expect pool-set-keeps err 'kept: size 3, hot 1, disk 12G'
run pool-set-env 0 env BREAKFIX_POOL_SIZE=0 "${TEST_POOL[@]}" pool status &&
	expect pool-set-env out '^settings: size 0 \(BREAKFIX_POOL_SIZE\), hot 0 \(pool set\)'
run pool-set-overridden 0 env BREAKFIX_POOL_HOT=2 "${TEST_POOL[@]}" pool set -n 3 &&
	expect pool-set-overridden err "environment's BREAKFIX_POOL_\* override them: size 3, hot 2"
run pool-set-hot 1 "${TEST_POOL[@]}" pool set --hot 5 &&
	expect pool-set-hot err '5 hot of 3 members: hot cannot be more than the size'
run pool-set-disk 1 "${TEST_POOL[@]}" pool set --disk lots &&
	expect pool-set-disk err "^breakfix: --disk 'lots': "
echo '{"size": 2, "hott": 1}' >"$TMP/pool/pool/settings.json"
run pool-settings-key 1 "${TEST_POOL[@]}" pool status &&
	expect pool-settings-key err "pool/settings.json: unknown key 'hott' \(size, hot or disk\)"
echo '{"size": 2,' >"$TMP/pool/pool/settings.json"
run pool-settings-json 1 "${TEST_POOL[@]}" pool status &&
	expect pool-settings-json err 'pool/settings.json:2:0: '
echo '{"size": "two"}' >"$TMP/pool/pool/settings.json"
run pool-settings-size 1 "${TEST_POOL[@]}" pool status &&
	expect pool-settings-size err "'size' must be a number from 0 to 32"
rm "$TMP/pool/pool/settings.json"
run pool-drain-empty 0 "${TEST_POOL[@]}" pool drain &&
	expect pool-drain-empty err 'pool drained: 0 members removed'
run help-pool 0 "$BIN" help pool && expect help-pool out '^  drain '

run shipped 0 "$BIN" validate scenarios/*.yaml &&
	expect shipped out ': ok \('
n=$(ls scenarios/*.yaml | wc -l)
if [ "$n" -ge 3 ] && [ "$(grep -c ': ok (' "$TMP/out")" -eq "$n" ]; then
	ok shipped-count
else
	bad shipped-count "want $n ok lines, at least 3"
fi
run quiet 0 "$BIN" -q validate scenarios/*.yaml &&
	if [ -s "$TMP/out" ] || [ -s "$TMP/err" ]; then bad quiet "not quiet"
	else ok quiet; fi

# The CLI prints exactly the golden messages on stderr, nothing on stdout.
cd "$TOP/tests/data"
for f in bad/*.yaml; do
	run "golden $f" 1 "$BIN" validate "$f" || continue
	if cmp -s "$TMP/err" "${f%.yaml}.err" && [ ! -s "$TMP/out" ]; then
		ok "golden $f"
	else
		bad "golden $f" "stderr differs from ${f%.yaml}.err"
		diff "${f%.yaml}.err" "$TMP/err" | head -5
	fi
done
run mixed 1 "$BIN" validate good/minimal.yaml bad/empty.yaml &&
	expect mixed err '^breakfix: 1 problem in 1 of 2 files$'
cd "$TOP"

for f in scenarios/*.yaml; do
	run "show $f" 0 "$BIN" show "$f" &&
		expect "show $f" out '^Solution \(never shown'
	run "show-json $f" 0 "$BIN" show --json "$f" &&
	if python3 -c 'import json,sys; d=json.load(sys.stdin);
assert d["name"] and d["faults"] and d["checks"]' <"$TMP/out"; then
		ok "show-json $f"
	else
		bad "show-json $f" "not the JSON expected"
	fi
done
# The annotated example in the format guide (its first YAML block) is
# itself a valid scenario.
awk '/^```yaml$/ { n++; next } /^```$/ && n == 1 { exit } n == 1' \
	docs/scenario-format.md >"$TMP/doc-example.yaml"
run doc-example 0 "$BIN" validate "$TMP/doc-example.yaml" &&
	expect doc-example out 'ok \(web-down: 2 faults, 2 checks\)'

run show-bad 1 "$BIN" show tests/data/bad/empty.yaml &&
	expect show-bad err 'file is empty'

# Variants: the same seed shows the same values, another seed others;
# the seed is on the command line or pinned by the file.
V=tests/data/good/variables.yaml
run var-validate 0 "$BIN" validate --seed 5 $V &&
	expect var-validate out 'ok \(variables: 2 faults, 2 checks\)'
run var-show-5 0 "$BIN" show --seed 5 $V &&
	expect var-show-5 out '^Variant: seed 5 \(another with --seed N\)'
cp "$TMP/out" "$TMP/seed5"
run var-show-5-again 0 "$BIN" show --seed 5 $V &&
	if cmp -s "$TMP/out" "$TMP/seed5"; then ok var-same-seed
	else bad var-same-seed "seed 5 shown twice differs"; fi
differ=0
for s in 6 7 8; do
	"$BIN" show --seed $s $V >"$TMP/other" 2>/dev/null &&
		! cmp -s "$TMP/other" "$TMP/seed5" && differ=$((differ + 1))
done
if [ $differ -eq 3 ]; then ok var-other-seeds
else bad var-other-seeds "seeds 6 to 8 should each show other values"; fi
port=$(sed -n 's/^  port  *\([0-9]*\) .*/\1/p' "$TMP/seed5")
if [ -n "$port" ] && grep -q "on port $port lost" "$TMP/seed5" &&
    grep -q "^    host     TCP connection to guest port $port$" \
    "$TMP/seed5" && grep -q '\$HOME, \${HOME} and \$\$' "$TMP/seed5" &&
    grep -q ' \${{port}} is written' "$TMP/seed5"; then
	ok var-substituted
else
	bad var-substituted "port '$port' not in briefing and check, or" \
	    "shell variables touched"
fi
run var-json 0 "$BIN" show --json --seed 5 $V &&
	if python3 -c 'import json,sys; d=json.load(sys.stdin);
v=d["variant"]; assert v["seed"] == 5 and not v["pinned"]
assert d["checks"][0]["tcp"]["port"] == int(v["values"]["port"])' <"$TMP/out"
	then ok var-json-values; else bad var-json-values "variant"; fi
run var-json-none 0 "$BIN" show --json tests/data/good/minimal.yaml &&
	if python3 -c 'import json,sys
assert json.load(sys.stdin)["variant"] is None' <"$TMP/out"; then ok var-json-none; else bad var-json-none \
	"a scenario without variables has variant null"; fi
run var-bad-seed 2 "$BIN" show --seed 4294967296 $V &&
	expect var-bad-seed err "--seed: '4294967296' is not a seed"
run var-bad-seed-word 2 "$BIN" validate --seed five $V &&
	expect var-bad-seed-word err "--seed: 'five' is not a seed"
{ cat $V; echo "seed: 12"; } >"$TMP/pinned.yaml"
run var-pinned 0 "$BIN" show "$TMP/pinned.yaml" &&
	expect var-pinned out "^Variant: seed 12 \(pinned by the file's 'seed:'\)"
run var-pinned-other 1 "$BIN" validate --seed 13 "$TMP/pinned.yaml" &&
	expect var-pinned-other err \
	"pinned.yaml:.*: 'seed' pins this file to the variant of seed 12, not 13"
{ sed '/^briefing:/,$d' $V; echo "  spare: {type: word}"; sed -n '/^briefing:/,$p' $V; } \
	>"$TMP/unused.yaml"
run var-unused 0 "$BIN" validate "$TMP/unused.yaml" &&
	expect var-unused err \
	"unused.yaml:11:3: warning: variable 'spare' is declared but never used"
run var-undeclared 1 "$BIN" validate tests/data/bad/variables-undeclared.yaml &&
	expect var-undeclared err \
	"variables-undeclared.yaml:9:22: 'briefing': variable 'prot' is not declared"
run var-help-up 0 "$BIN" help up && expect var-help-up out '^  --seed N '
run var-help-selftest 0 "$BIN" help selftest &&
	expect var-help-selftest out '^  --seeds N '

# replay without a terminal prints the output stream, as asciinema cat
# does (which wants /dev/tty, so it runs under script, raw for no CRLF).
C=tests/data/cast
for f in asciinema breakfix play; do
	run "replay-cat $f" 0 "$BIN" replay "$C/$f.cast" </dev/null || continue
	if ! command -v asciinema >/dev/null; then
		bad "replay-cat $f" "asciinema is not installed (make deps)"
	elif script -qec "stty raw -echo; asciinema cat $C/$f.cast" \
	    /dev/null </dev/null >"$TMP/want" 2>/dev/null &&
	    [ -s "$TMP/want" ] && cmp -s "$TMP/want" "$TMP/out"; then
		ok "replay-cat $f"
	else
		bad "replay-cat $f" "differs from asciinema cat"
	fi
done
run replay-range 0 "$BIN" replay --from 0.2 --to 0.4 $C/asciinema.cast \
	</dev/null &&
	if [ "$(cat "$TMP/out")" = "$(printf 'done\r\n')" ]; then
		ok replay-range; else bad replay-range "not just 'done'"; fi
run replay-durations 0 "$BIN" replay --from 19.5 --to 1m $C/play.cast \
	</dev/null &&
	if [ "$(tr -d '\r' <"$TMP/out" | cut -c1-7 | tr '\n' ' ')" = \
	    "line 39 line 40 line 41 " ]; then ok replay-durations
	else bad replay-durations "wanted lines 39 to 41"; fi
run replay-truncated 0 "$BIN" replay $C/truncated.cast </dev/null &&
	expect replay-truncated err 'truncated.cast: the last line is cut short'
run replay-bad-json 1 "$BIN" replay $C/bad-json.cast </dev/null &&
	expect replay-bad-json err \
	"^breakfix: $C/bad-json.cast:4: invalid JSON: ']' expected"
printf '%s\n' '{"version": 2, "width": 80, "height": 24}' '[0.5, "o", "a"]' \
	'[1, "o", 5]' >"$TMP/types.cast"
run replay-types 1 "$BIN" replay "$TMP/types.cast" </dev/null &&
	expect replay-types err ':3: the event data is not a string$'
run replay-v1 1 "$BIN" replay tests/data/good/minimal.yaml </dev/null &&
	expect replay-v1 err 'minimal.yaml:1: invalid JSON'
run replay-missing 1 "$BIN" replay "$TMP/nope.cast" </dev/null &&
	expect replay-missing err "cannot open '.*nope.cast': No such file"
run replay-none 2 "$BIN" replay && expect replay-none err 'no recording given'
run replay-two 2 "$BIN" replay a.cast b.cast &&
	expect replay-two err 'one recording at a time'
run replay-speed 2 "$BIN" replay --speed 0 x.cast &&
	expect replay-speed err '--speed must be from 0.015625 to 256'
run replay-speed-nan 2 "$BIN" replay --speed fast x.cast &&
	expect replay-speed-nan err "--speed: 'fast' is not a number"
run replay-from 2 "$BIN" replay --from soon x.cast &&
	expect replay-from err "--from: 'soon' is not a duration"
run replay-order 2 "$BIN" replay --from 1m --to 30 x.cast &&
	expect replay-order err '--to must be after --from'
run replay-idle 2 "$BIN" replay --idle-limit 0 x.cast &&
	expect replay-idle err '--idle-limit must be more than 0'
run replay-help 0 "$BIN" help replay &&
	expect replay-help out '^  --idle-limit S'

finish
