#!/bin/bash
# launch.sh - launch to ready (faults in and proven, checks failing, the
# candidate able to log in), cold vs warm vs hot, for two scenarios.
#
#   VM ready  from up's start to a guest that has finished booting and
#             takes breakfix's login (up --json's vm_ms)
#   ready     all of up, as the interviewer waits for it (wall clock),
#             with the scenario's account, faults and checks
#
# usage: bench/launch.sh [RUNS] [SCENARIO...]
#        (default 3 runs of scenarios/web-down.yaml and disk-full.yaml;
#        needs root, libvirtd and the image; drains the pool)
#
#   cold  a new VM boots (up --no-pool)
#   warm  a pool member is restored from its saved memory
#   hot   a pool member is already running
#
# Each warm or hot run gets a pool of one, filled beforehand; the pool's
# background refill is stopped before the next run, so runs do not
# share the CPU with a booting VM.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${1:-3}
shift || true
SCENARIOS=("$@")
[ ${#SCENARIOS[@]} -gt 0 ] || SCENARIOS=(scenarios/web-down.yaml scenarios/disk-full.yaml)
BIN=./breakfix
TMP=$(mktemp -d)
id=
cleanup() {
	[ -n "$id" ] && $BIN -q down "$id" >/dev/null 2>&1 || true
	$BIN -q pool drain >/dev/null 2>&1 || true
	rm -rf "$TMP"
}
trap cleanup EXIT

field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$@"; }

one() { # SCENARIO MODE: append "wall_s ssh_s" to $TMP/<name>.<mode>
	local sc=$1 mode=$2 name t0 t1 args=()
	name=$(basename "$sc" .yaml)
	case $mode in
	cold)	args=(--no-pool) ;;
	warm)	BREAKFIX_POOL_SIZE=1 BREAKFIX_POOL_HOT=0 $BIN -q pool fill ;;
	hot)	BREAKFIX_POOL_SIZE=1 BREAKFIX_POOL_HOT=1 $BIN -q pool fill ;;
	esac
	t0=$(date +%s.%N)
	BREAKFIX_POOL_SIZE=1 $BIN -q up --json "${args[@]}" "$sc" >"$TMP/up.json"
	t1=$(date +%s.%N)
	id=$(field "$TMP/up.json" id)
	if [ "$(field "$TMP/up.json" launch)" != "$mode" ]; then
		echo "launch.sh: wanted a $mode launch, got $(field "$TMP/up.json" launch)" >&2
		exit 1
	fi
	echo "$(python3 -c "print($t1 - $t0)") $(field "$TMP/up.json" vm_ms)" \
	    >>"$TMP/$name.$mode"
	$BIN -q pool drain >/dev/null
	$BIN -q down "$id" >/dev/null
	id=
}

$BIN -q pool drain >/dev/null
for sc in "${SCENARIOS[@]}"; do
	for r in $(seq "$RUNS"); do
		for mode in cold warm hot; do
			printf '%s run %d: %s\n' "$(basename "$sc" .yaml)" "$r" "$mode" >&2
			one "$sc" "$mode"
		done
	done
done

printf '\nLaunch to ready, %d run(s) each (%s, %d cores)\n\n' "$RUNS" \
    "$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)" "$(nproc)"
printf '%-12s %-6s %12s %9s %7s %7s %8s\n' scenario launch 'VM ready med' \
    'ready med' 'min' 'max' 'vs cold'
for sc in "${SCENARIOS[@]}"; do
	name=$(basename "$sc" .yaml)
	python3 - "$TMP" "$name" <<'PY'
import statistics, sys
tmp, name = sys.argv[1], sys.argv[2]
def load(mode):
    rows = [l.split() for l in open(f"{tmp}/{name}.{mode}")]
    return [float(r[0]) for r in rows], [int(r[1]) / 1000 for r in rows]
cold = statistics.median(load("cold")[0])
for mode in ("cold", "warm", "hot"):
    wall, vm = load(mode)
    med = statistics.median(wall)
    print(f"{name:<12} {mode:<6} {statistics.median(vm):12.1f} {med:9.1f} "
          f"{min(wall):7.1f} {max(wall):7.1f} {med / cold:8.2f}")
PY
done
