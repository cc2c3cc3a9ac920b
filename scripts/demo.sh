#!/bin/bash
# demo.sh - what `make demo` runs once the build is done: check the
# scenarios, build the base image, start libvirt, and launch the sample
# exercise.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== breakfix $(./breakfix --version | cut -d' ' -f2)"
echo
echo "== Checking the shipped scenarios: ./breakfix validate scenarios/*.yaml"
./breakfix validate scenarios/*.yaml
echo
echo "== Starting libvirt if needed: ./breakfix doctor --fix"
./breakfix doctor --fix || true
echo
echo "== The base image (built once; a few minutes the first time)"
./breakfix image build debian-12
echo

# One demo exercise at a time: take down the previous one.
old=$(./breakfix ls --json | python3 -c 'import json, sys
print(" ".join(e["id"] for e in json.load(sys.stdin) if e["candidate"] == "demo"))')
if [ -n "$old" ]; then
	echo "== Taking down the previous demo exercise"
	# shellcheck disable=SC2086
	./breakfix down $old
	echo
fi

echo "== Launching the sample exercise: ./breakfix up --candidate demo scenarios/web-down.yaml"
./breakfix up --candidate demo scenarios/web-down.yaml
echo
./breakfix ls
cat <<'MSG'

== Not yet available
   the SSH gateway            the candidate's login, recorded
   replay / commands / verify the reviewer's tools
The faults are in and every check fails: 'breakfix check ID' shows them.
Until the gateway arrives, the 'admin' line above is how to get into the
VM. 'breakfix down ID' removes it; docs/operations.md has the rest.
MSG
