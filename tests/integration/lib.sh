# lib.sh - what the integration scripts share: the tally (tests/lib.sh),
# a scratch directory, and running the binary to look at what it said.
# Sourced. Not for the e2e scripts: there expect is the program.

. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

# Scratch space for the script, removed when it exits.
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# run NAME WANT_STATUS CMD...: run CMD, keep stdout/stderr in $TMP/out
# and $TMP/err. Another status fails NAME, and run returns 1.
run() {
	local name=$1 want=$2 got
	shift 2
	"$@" >"$TMP/out" 2>"$TMP/err"
	got=$?
	if [ "$got" -ne "$want" ]; then
		bad "$name" "exit $got, wanted $want"
		sed 's/^/  stderr: /' "$TMP/err" | head -5
		return 1
	fi
	return 0
}

# expect NAME FILE PATTERN: FILE (out or err) matches the grep pattern.
expect() {
	if grep -qE -- "$3" "$TMP/$2"; then ok "$1"; else
		bad "$1" "$2 lacks /$3/"; sed 's/^/  /' "$TMP/$2" | head -10
	fi
}
