#!/bin/bash
# capacity.sh - how many exercises this host holds at once: launch N
# (default 10) two at a time, prove each still answers (its checks run),
# and measure the memory each idle VM takes.
#
# usage: bench/capacity.sh [N] [SCENARIO]
#        (default 10 and tests/e2e/tiny.yaml; root, libvirtd, the image)
#
# The peer is the host itself: MemAvailable before and with N up, and
# the CPU the idle guests take (under TCG, CPU runs out before memory).
# Note: pids of every breakfix VM on the host count towards that CPU.
set -uo pipefail
cd "$(dirname "$0")/.."

N=${1:-10}
SC=${2:-tests/e2e/tiny.yaml}
BIN=./breakfix
URI=${BREAKFIX_CONNECT:-qemu:///system}
TMP=$(mktemp -d)
cleanup() {
	local f
	for f in "$TMP"/up.*.json; do
		[ -s "$f" ] && $BIN -q down "$(field "$f" id)" >/dev/null 2>&1
	done
	rm -rf "$TMP"
}
trap cleanup EXIT

field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$@"; }
avail_mib() { awk '/^MemAvailable/ { printf "%d", $2 / 1024 }' /proc/meminfo; }

before=$(avail_mib)
t0=$(date +%s)
# --no-pool: each one boots, so the figure does not hide in a pool.
seq "$N" | xargs -P 2 -I{} sh -c \
    "$BIN -q up --json --no-pool --candidate cap-{} '$SC' >'$TMP/up.{}.json' 2>'$TMP/up.{}.err'"
t1=$(date +%s)
up=0 answering=0
rss=()
for i in $(seq "$N"); do
	f=$TMP/up.$i.json
	if [ ! -s "$f" ]; then
		echo "exercise $i failed: $(tail -n 1 "$TMP/up.$i.err")" >&2
		continue
	fi
	up=$((up + 1))
	id=$(field "$f" id)
	# 1: the checks ran and fail (the faults are in); 0 or 2+: trouble.
	$BIN -q check "$id" >/dev/null 2>&1
	[ $? -eq 1 ] && answering=$((answering + 1))
	pid=$(cat "/run/libvirt/qemu/breakfix-$id.pid" 2>/dev/null)
	[ -n "$pid" ] && rss+=("$(ps -o rss= -p "$pid" | awk '{ printf "%d", $1 / 1024 }')")
done
sleep 30	# idle: let the guests settle
with=$(avail_mib)
load=$(cut -d' ' -f1 /proc/loadavg)
# CPU the idle VMs take together, over 10 s, in percent of one core.
# (libvirt's pid files end without a newline: read them one by one.)
pids=$(for f in /run/libvirt/qemu/breakfix-*.pid; do
	[ -f "$f" ] && printf '%s ' "$(cat "$f")"; done)
ticks() { local p t=0; for p in $pids; do
	t=$((t + $(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0)))
done; echo "$t"; }
c0=$(ticks); sleep 10; c1=$(ticks)
idle_cpu=$(echo "scale=1; ($c1 - $c0) * 100 / $(getconf CLK_TCK) / 10" | bc)

printf '\nExercises at once on this host (%s MiB total memory, %d cores)\n\n' \
    "$(awk '/^MemTotal/ { printf "%d", $2 / 1024 }' /proc/meminfo)" "$(nproc)"
python3 - "$N" "$up" "$answering" "$before" "$with" "$((t1 - t0))" "$load" \
    "$idle_cpu" "${rss[@]}" <<'PY'
import statistics, sys
n, up, answering, before, with_, secs = map(int, sys.argv[1:7])
load, idle_cpu = sys.argv[7], float(sys.argv[8])
rss = [int(x) for x in sys.argv[9:]]
print(f"{'asked':<26} {n}")
print(f"{'up and ready':<26} {up}")
print(f"{'answering (checks run)':<26} {answering}")
print(f"{'launch, two at a time':<26} {secs} s")
if rss:
    print(f"{'QEMU RSS per VM (MiB)':<26} median {statistics.median(rss):.0f}, "
          f"min {min(rss)}, max {max(rss)}")
print(f"{'MemAvailable (MiB)':<26} {before} before, {with_} with {up} up "
      f"({(before - with_) / max(up, 1):.0f} per exercise)")
if rss:
    print(f"{'would fit by memory':<26} about {int(before // statistics.median(rss))}")
print(f"{'CPU of all, idle':<26} {idle_cpu:.1f} % of one core "
      f"({idle_cpu / max(up, 1):.1f} % each); load average {load}")
PY
