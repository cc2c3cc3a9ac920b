#!/bin/bash
# demo.sh - what `make demo` runs once the build is done: check the
# scenarios, build the base image, start libvirt and the gateway, and
# launch the sample exercise.
#
# usage: scripts/demo.sh [--no-vm]
#
# --no-vm stops after checking the scenarios, before anything that needs
# libvirt (make demo DEMO_FLAGS=--no-vm; the fresh-machine test runs it
# so in a chroot).
set -euo pipefail
cd "$(dirname "$0")/.."

no_vm=0
case ${1:-} in
--no-vm) no_vm=1 ;;
'') ;;
*)
	echo "usage: scripts/demo.sh [--no-vm]" >&2
	exit 2
	;;
esac

echo "== breakfix $(./breakfix --version | cut -d' ' -f2)"
echo
echo "== Checking the shipped scenarios: ./breakfix validate scenarios/*.yaml"
./breakfix validate scenarios/*.yaml
echo
if [ "$no_vm" -eq 1 ]; then
	echo "== Stopping here (--no-vm): libvirt, the base image and the exercise are next"
	exit 0
fi
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

echo "== The candidates' SSH gateway: ./breakfix gateway"
if ./breakfix doctor 2>/dev/null | grep -q '^ok    gateway'; then
	echo "already running"
else
	./breakfix gateway
	sleep 1
fi
./breakfix doctor 2>/dev/null | grep '^ok    gateway' || true
echo

echo "== Launching the sample exercise: ./breakfix up --candidate demo scenarios/web-down.yaml"
./breakfix up --candidate demo scenarios/web-down.yaml
echo
./breakfix ls
cat <<'MSG'

== Connect as the candidate
   Run the 'login' line above and type the password when asked; the
   briefing greets you. (From another machine, use this host's name or
   address with the same port.) Every byte of the session is recorded
   in /var/lib/breakfix/exercises/ID/sessions/.

   'breakfix check ID' shows which checks pass; 'breakfix down ID'
   removes the exercise. docs/operations.md has the rest.

== Afterwards, for the reviewer (docs/reviewing.md)
   breakfix report ID                  one page: logins, checks, commands
   breakfix commands ID                the commands typed, with exit status
   breakfix replay REC.cast            watch a session in the terminal
   breakfix verify REC.cast            was the recording altered?
   breakfix export REC.cast --html F   one HTML page with the player
MSG
