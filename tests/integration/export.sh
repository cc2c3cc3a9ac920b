#!/bin/bash
# export.sh - 'breakfix export --html': exit codes and messages, what the
# page holds and how it escapes the recording, and the page itself in
# headless Chromium (export_check.py): the player draws, clicking a
# command seeks it, nothing errs or reaches outside the file. The
# checker is also run on pages broken on purpose, which it must fail.
#
# usage: tests/integration/export.sh path/to/breakfix
set -u

BIN=$(realpath "${1:?usage: export.sh BREAKFIX}")
TOP=$(cd "$(dirname "$0")/../.." && pwd)
DATA=$TOP/tests/data/export
CHECK=$TOP/tests/integration/export_check.py
. "$TOP/tests/integration/lib.sh"

# page NAME HTML PYTHON: the parsed page (p.tags, p.text, p.comments,
# p.attrs) satisfies the Python assertions.
page() {
	if python3 - "$2" "$3" <<'EOF' >"$TMP/py" 2>&1; then ok "$1"; else
import html.parser, sys

class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.text, self.comments, self.attrs = [], "", [], []
    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += attrs
    def handle_data(self, data):
        self.text += data
    def handle_comment(self, data):
        self.comments.append(data)

p = P()
p.feed(open(sys.argv[1], encoding="utf-8").read())
exec(sys.argv[2])
EOF
		bad "$1" "page check failed"; sed 's/^/  /' "$TMP/py" | tail -5
	fi
}

# browser NAME WANT HTML: export_check.py on HTML exits WANT (0 or 1).
browser() {
	local got
	if [ -z "$CHROMIUM_OK" ]; then
		skip "$1" "no chromium (scripts/deps.sh installs it)"
		return
	fi
	python3 "$CHECK" "$3" >"$TMP/browser" 2>&1
	got=$?
	if [ "$got" -eq "$2" ]; then
		# A failure wanted: show what the checker caught, not as FAIL.
		grep '^FAIL' "$TMP/browser" | sed 's/^FAIL /  caught: /'
		ok "$1"
	else
		sed 's/^/  /' "$TMP/browser"
		bad "$1" "export_check.py exit $got, wanted $2"
	fi
}

CHROMIUM_OK=$(command -v "${CHROMIUM:-chromium}" || true)
mkdir "$TMP/rec"
cp "$DATA/session.cast" "$DATA/session.commands" "$TMP/rec/"
REC=$TMP/rec/session.cast

# Usage errors.
run none 2 "$BIN" export && expect none err 'no recording given'
run no-html 2 "$BIN" export "$REC" &&
	expect no-html err 'say where to write the page: --html FILE'
run two 2 "$BIN" export a.cast b.cast --html x.html &&
	expect two err 'one recording at a time'
run unknown 2 "$BIN" export --frob "$REC" --html x.html &&
	expect unknown err "unknown option '--frob'"
run html-value 2 "$BIN" export "$REC" --html &&
	expect html-value err "option '--html' needs a value"
run help 0 "$BIN" export -h && expect help out '^usage: breakfix export '
run listed 0 "$BIN" help && expect listed out '^  export '

# Failures: exit 1, a message naming what failed.
run missing 1 "$BIN" export "$TMP/nope.cast" --html "$TMP/o.html" &&
	expect missing err "cannot open '$TMP/nope.cast': No such file"
run no-player 1 env BREAKFIX_PLAYER_DIR="$TMP/none" "$BIN" export "$REC" \
	--html "$TMP/o.html" &&
	expect no-player err "asciinema-player is not in '$TMP/none'.*make web-player"
printf '{"version": 2, "width": 80, "height": 24}\n[0.1, "o", "a"]\nnot json\n' \
	>"$TMP/bad.cast"
run bad-line 1 "$BIN" export "$TMP/bad.cast" --html "$TMP/o.html" &&
	expect bad-line err "bad.cast:3: "
printf '{"version": 2, "width": 80, "height": 24}\n[0.1, "o"]\n' >"$TMP/short.cast"
run bad-event 1 "$BIN" export "$TMP/short.cast" --html "$TMP/o.html" &&
	expect bad-event err "short.cast:2: not an event"
printf '{"version": 1, "width": 80, "height": 24, "stdout": []}\n' >"$TMP/v1.cast"
run v1 1 "$BIN" export "$TMP/v1.cast" --html "$TMP/o.html" &&
	expect v1 err "v1.cast:1: not asciicast version 2"
: >"$TMP/empty.cast"
run empty 1 "$BIN" export "$TMP/empty.cast" --html "$TMP/o.html" &&
	expect empty err "empty.cast' is empty"
python3 -c 'import sys; sys.stdout.write("{\"version\": 2, \"width\": 80, '\
'\"height\": 24}\n[0.1, \"o\", \"" + "x" * (9 << 20) + "\"]\n")' \
	>"$TMP/long.cast"
run long-line 1 "$BIN" export "$TMP/long.cast" --html "$TMP/o.html" &&
	expect long-line err "long.cast:2: line longer than 8 MiB"
run over-rec 1 "$BIN" export "$REC" --html "$REC" &&
	expect over-rec err "is the recording or its log: not overwriting it"
if cmp -s "$REC" "$DATA/session.cast"; then ok "over-rec intact"; else
	bad "over-rec intact" "the recording was changed"
fi
run no-dir 1 "$BIN" export "$REC" --html "$TMP/nodir/o.html" &&
	expect no-dir err "cannot write '$TMP/nodir/o.html': No such file"
# A failed export leaves the old page as it was, and no temporary file.
echo old >"$TMP/keep.html"
run keep 1 "$BIN" export "$TMP/bad.cast" --html "$TMP/keep.html"
if [ "$(cat "$TMP/keep.html")" = old ] &&
    [ -z "$(find "$TMP" -name '.keep.html.*')" ]; then ok "keep untouched"
else bad "keep untouched" "old page changed or temporary file left"
fi

# The page.
run export 0 "$BIN" export "$REC" --html "$TMP/session.html" &&
	expect export err "wrote '$TMP/session.html': 22 events over 10 s, 6 commands"
if [ -z "$(find "$TMP" -name '.session.html.*')" ]; then ok "no temporary file"
else bad "no temporary file" "left in $TMP"
fi
# The recording's '</script><img ...>' must stay text: two scripts (the
# player's and ours), no img, and the command shown as typed.
page "page: structure" "$TMP/session.html" '
assert p.tags.count("script") == 2, p.tags.count("script")
assert "img" not in p.tags
assert p.tags.count("li") == 6, p.tags.count("li")
assert "exercise web-down-7f3a: candidate ada" in p.text
assert "Commands (6)" in p.text
assert "echo '"'"'</script><img src=x onerror=alert(1)> & \"q\" café'"'"'" in p.text
assert p.text.index("systemctl status nginx") < p.text.index("false")
'
page "page: licence and nothing to fetch" "$TMP/session.html" '
assert any("Apache License" in c and "Marcin Kulik" in c for c in p.comments)
links = [v for k, v in p.attrs if k in ("src", "href") and v]
assert not links, links
'
page "page: exit statuses and offsets" "$TMP/session.html" '
import re
rows = re.findall(r"(\d\d:\d\d)\s*(\d+)", p.text)
assert rows[:2] == [("00:01", "3"), ("00:03", "0")], rows
assert rows[-1] == ("00:09", "1"), rows
'

# No commands log: the markers instead, with a warning.
cp "$DATA/session.cast" "$TMP/rec/nolog.cast"
run markers 0 "$BIN" export "$TMP/rec/nolog.cast" --html "$TMP/markers.html" &&
	expect markers err "warning: no commands log beside the recording: listing its 3 markers"
page "page: markers" "$TMP/markers.html" '
assert "Markers (3)" in p.text
assert "No commands log (nolog.commands)" in p.text
assert "check web-up passed" in p.text
'
# A log given by path; bad log lines are left out with a note.
{ cat "$DATA/session.commands"; echo 'not json'; echo '{"start": "x"}'; } \
	>"$TMP/other.log"
run log-path 0 "$BIN" export "$TMP/rec/nolog.cast" --commands "$TMP/other.log" \
	--html "$TMP/other.html" &&
	expect log-path err "2 lines of the commands log could not be read"
page "page: log by path" "$TMP/other.html" '
assert "Commands (6)" in p.text and "2 lines of the commands log" in p.text
'
# A last line cut short (a crashed writer) is dropped, with a warning.
{ cat "$DATA/session.cast"; printf '[10.5, "o", "cut sh'; } >"$TMP/rec/cut.cast"
run cut 0 "$BIN" export "$TMP/rec/cut.cast" --html "$TMP/cut.html" &&
	expect cut err "last line was cut short"

# In the browser, and the checker failing pages it must fail.
browser "browser: session.html" 0 "$TMP/session.html"
browser "browser: markers.html" 0 "$TMP/markers.html"
sed 's/player\.seek(t)/Promise.resolve(0)/' \
	"$TMP/session.html" >"$TMP/noseek.html"
if grep -q 'Promise.resolve(0)' "$TMP/noseek.html"; then
	browser "browser: a page whose list does not seek fails" 1 \
	    "$TMP/noseek.html"
else
	bad "noseek" "could not break the page: the test is out of date"
fi
sed 's|<code>false</code>|<code><img src=x onerror=alert(1)></code>|' \
	"$TMP/session.html" >"$TMP/unescaped.html"
browser "browser: a page with markup from the recording fails" 1 \
	"$TMP/unescaped.html"

finish
