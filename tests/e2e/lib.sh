# lib.sh - what the end-to-end scripts share: counting their checks.
# Sourced; the script's own cleanup stays its own.

passed=0
failed=0

ok() { echo "ok   $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
check() { # NAME CMD...: passes when CMD succeeds
	local name=$1
	shift
	if "$@"; then ok "$name"; else bad "$name" "$*"; fi
}
# The tally; the script's exit status.
finish() {
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}
