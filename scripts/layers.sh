#!/bin/bash
# layers.sh - the modules' include graph, checked against the layers of
# docs/architecture.md: a module may include its own layer's headers and
# those of the layers below it, never above.
#
# usage: scripts/layers.sh [--graph]
#   --graph  print each module and what it includes, by layer
set -euo pipefail
cd "$(dirname "$0")/.."

# Top to bottom. A module's helpers (inject-fs, gw-auth, pool-config...)
# are named here too: every provisioner/*.c must be in exactly one layer.
LAYERS=(
	"commands:main cmd cmd-check cmd-commands cmd-doctor cmd-down
	    cmd-export cmd-gateway cmd-image cmd-ls cmd-pool cmd-reap
	    cmd-replay cmd-report cmd-selftest cmd-show cmd-status cmd-up
	    cmd-validate cmd-verify"
	"exercise:launch launch-image disks pool pool-config gateway gw-auth gw-monitor gw-proto
	    gw-relay gw-session
	    report htmlexport player exercise check credentials candidate"
	"scenario:scenario variables fault yamltree inject inject-fs inject-net
	    inject-pkg inject-proc inject-sys"
	"machine:vm vm-host agent admin guest probe image derived keys spawn
	    password
	    record chain seal utf8 escape verify marks cast commands"
	"base:util units config log diag"
)

declare -A layer_of
names=()
for i in "${!LAYERS[@]}"; do
	names[i]=${LAYERS[i]%%:*}
	for m in ${LAYERS[i]#*:}; do
		layer_of[$m]=$i
	done
done

bad=0
for f in provisioner/*.c; do
	m=$(basename "$f" .c)
	if [ -z "${layer_of[$m]:-}" ]; then
		echo "layers: $m is in no layer (scripts/layers.sh)" >&2
		bad=1
	fi
done

# The headers a module's .c and .h include, as module names
# (x-int.h belongs to module x).
deps() {
	local f

	for f in "provisioner/$1.c" "provisioner/$1.h"; do
		if [ -f "$f" ]; then
			sed -n 's/^#include "\([^"]*\)\.h".*/\1/p' "$f"
		fi
	done | sed 's/-int$//' | sort -u | { grep -vx "$1" || true; }
}

for i in "${!LAYERS[@]}"; do
	if [ "${1:-}" = --graph ]; then printf '%s\n' "${names[i]}"; fi
	for m in ${LAYERS[i]#*:}; do
		d=$(deps "$m" | tr '\n' ' ')
		if [ "${1:-}" = --graph ]; then
			printf '  %-13s %s\n' "$m" "$d"
		fi
		for x in $d; do
			if [ -z "${layer_of[$x]:-}" ]; then
				echo "layers: $m includes $x.h, in no layer" >&2
				bad=1
			elif [ "${layer_of[$x]}" -lt "$i" ]; then
				echo "layers: $m (${names[i]}) includes" \
				    "$x.h (${names[${layer_of[$x]}]}), a layer" \
				    "above it" >&2
				bad=1
			fi
		done
	done
done
exit $bad
