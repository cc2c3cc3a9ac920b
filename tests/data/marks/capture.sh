#!/bin/bash
# Regenerate the bash.out/bash.timing fixtures: a real interactive bash with
# images/debian-12/overlay/etc/breakfix-marks.bash, driven through a pty by
# util-linux script(1). bash.out is every byte the terminal received;
# bash.timing is script's classic timing log ("DELAY BYTES" a line, DELAY
# in seconds since the previous chunk), so tests can replay the chunks.
#
#   tests/data/marks/capture.sh      (from the top of the tree)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# As in the image: Debian's ~/.bashrc sets HISTCONTROL=ignoreboth; here
# it also loads the marks, as /etc/bash.bashrc does in the image.
{
	printf 'PS1='\''$ '\''\nHISTCONTROL=ignoreboth\n'
	cat "$top/images/debian-12/overlay/etc/breakfix-marks.bash"
} >"$tmp/.bashrc"

# One line (or lone ^C) at a time: a ^C flushes what the pty has not
# delivered yet.
feed() {
	local line
	sleep 0.5
	for line in 'true' 'false' '' '(exit 3)' \
	    "printf '%s\\n' \"naïve ☕ \\\"q\\\" 'x'\"" \
	    'sleep 1' 'sleep 1' ' echo hidden' 'abc' $'\003' 'sleep 5' $'\003' \
	    'bash' 'false' 'exit 4' 'exit'; do
		case $line in
		abc) printf %s "$line" ;;
		$'\003') printf %s "$line" ;;
		*) printf '%s\n' "$line" ;;
		esac
		sleep 0.4
		case $line in sleep\ 1) sleep 1 ;; esac
	done
	sleep 0.5
}
feed | TERM=xterm-256color script -q -e -O "$tmp/out" -T "$tmp/timing" \
    -c "env -i TERM=xterm-256color HOME=$tmp LANG=C.UTF-8 bash --noprofile -i" \
    >/dev/null || true
# script's log has a line of its own before and after the session's bytes.
total=$(awk '{ n += $2 } END { print n }' "$tmp/timing")
tail -n +2 "$tmp/out" | head -c "$total" >"$here/bash.out"
cp "$tmp/timing" "$here/bash.timing"
