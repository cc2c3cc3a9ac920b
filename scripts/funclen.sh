#!/bin/bash
# funclen.sh - no function longer than MAX lines (default 70), counted
# from its opening brace to its closing one, in the sources and tests.
#
# usage: scripts/funclen.sh [MAX]
set -euo pipefail
cd "$(dirname "$0")/.."
max=${1:-70}
awk -v max="$max" '
	FNR == 1 { start = 0 }
	/^[A-Za-z_].*\(/ { name = $0 }
	/^\{/ { start = FNR }
	/^\}/ && start {
		if (FNR - start + 1 > max) {
			printf "funclen: %s:%d: %s is %d lines (most %d)\n",
			    FILENAME, start, name, FNR - start + 1, max
			bad = 1
		}
		start = 0
	}
	END { exit bad }
' provisioner/*.c tests/unit/*.c tests/fuzz/*.c
