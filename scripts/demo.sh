#!/bin/bash
# demo.sh - what `make demo` runs once the build is done.
#
# Today breakfix reads and checks scenarios; booting them in VMs, the
# candidate's SSH gateway and the reviewer's tools come next. The demo
# shows what works and says plainly what does not yet.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== breakfix $(./breakfix --version | cut -d' ' -f2)"
echo
echo "== Checking the shipped scenarios: ./breakfix validate scenarios/*.yaml"
./breakfix validate scenarios/*.yaml
echo
first=scenarios/web-down.yaml
echo "== What an interviewer sees: ./breakfix show $first"
echo
./breakfix show "$first"
echo
echo "== A broken scenario gets every problem, with file:line:column:"
echo "   ./breakfix validate tests/data/bad/demo-typos.yaml"
./breakfix validate tests/data/bad/demo-typos.yaml || true
cat <<'MSG'

== Not yet available
   breakfix up / ls / down   boot a scenario in a throwaway VM
   the SSH gateway           the candidate's login, recorded
   replay / commands / verify  the reviewer's tools
These arrive in the next releases; see docs/ for what exists today.
MSG
