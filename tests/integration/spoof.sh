#!/bin/bash
# spoof.sh - a hostile candidate cannot forge what reviewers read. Their
# commands (tests/data/spoof/: newlines that look like entries and
# headings, CR, escape sequences, tabs, backticks, pipes, <script>, a
# link, a C1 control, a direction override, a literal backslash-n, a
# byte that is not UTF-8) through commands, report in its three forms
# and export: every command one line (one table row), nothing injected,
# nothing for the terminal to obey, and JSON that holds the real text.
#
# usage: tests/integration/spoof.sh path/to/breakfix
set -u

BIN=$(realpath "${1:?usage: spoof.sh BREAKFIX}")
TOP=$(cd "$(dirname "$0")/../.." && pwd)
DATA=$TOP/tests/data/spoof
. "$TOP/tests/integration/lib.sh"

# py NAME FILE PYTHON: the Python assertions hold; FILE is sys.argv[1],
# the hostile commands are `log`, lines of the commands log.
py() {
	if python3 - "$2" "$DATA/session.commands" "$3" >"$TMP/py" 2>&1 <<'EOF'
import json, re, sys
log = [json.loads(l)["command"] for l in open(sys.argv[2])]
text = open(sys.argv[1], "rb").read().decode("utf-8")
lines = text.splitlines()
# The command column of a line of breakfix commands.
shown = lambda l: re.match(r" +\d+:\d\d\.\d +(-|\d+\.\ds) +(-|\d+)  (.*)$",
    l).group(3)
exec(sys.argv[3])
EOF
	then ok "$1"; else
		bad "$1" "check failed"; sed 's/^/  /' "$TMP/py" | tail -5
	fi
}

# What nothing shown may hold: C0 controls but newline, DEL, C1
# controls, direction marks and overrides, line separators.
CLEAN='
bad = [c for c in text if (ord(c) < 0x20 and c != "\n") or
    0x7f <= ord(c) <= 0x9f or 0x200b <= ord(c) <= 0x200f or
    0x2028 <= ord(c) <= 0x202e or 0x2066 <= ord(c) <= 0x2069]
assert not bad, [hex(ord(c)) for c in bad]
'

# An exercise that is down, with the two sessions: one with its commands
# log, one rebuilt from the keys (Alt-é leaves a byte that is not UTF-8).
ID=web-down-5p00f
DIR=$TMP/state/exercises/$ID
mkdir -p "$DIR/sessions"
cp "$DATA/scenario.yaml" "$DIR/scenario.yaml"
cp "$DATA/session.cast" "$DIR/sessions/20261125T154524Z-101.cast"
cp "$DATA/session.commands" "$DIR/sessions/20261125T154524Z-101.commands"
cp "$DATA/keys.cast" "$DIR/sessions/20261125T155320Z-102.cast"
python3 - "$DIR" <<'EOF'
import json, sys
json.dump({"format": 1, "id": "web-down-5p00f", "state": "down",
    "scenario": "web-down", "dir": sys.argv[1],
    "candidate": "ada | \x1b[31mred\n## Checks: ALL PASS",
    "created": 1795621484, "expires": 1795623284, "downed": 1795623000},
    open(sys.argv[1] + "/exercise.json", "w"))
EOF
echo '{"time":1795621556,"event":"check","results":[{"id":"config-valid","pass":true},{"id":"portal-served","pass":false}]}' \
	>"$DIR/events.log"
B=("$BIN" --state-dir "$TMP/state")
NCMD=$(wc -l <"$DATA/session.commands")

# commands: one line per command, each as escape_text shows it.
run commands 0 "${B[@]}" commands "$ID" && py commands "$TMP/out" "$CLEAN"'
entries = [l for l in lines if not l.startswith("# ")]
assert len(entries) == len(log) + 4, len(entries)
for l in entries:
    assert re.match(r" +\d+:\d\d\.\d +(-|\d+\.\ds) +(-|\d+)  ", l), l
assert len(lines) == len(entries) + 2
'
expect commands-newline out "^ +0:03.4 +0.1s +0  echo 'one\\\\n## Checks: ALL PASS'\$"
expect commands-entry out '^ +0:05.0 +0.1s +0  true\\n   0:31.0     0.4s    0  sudo nginx -t\\n    0:31.0'
expect commands-cr out '  rm -rf /srv/www/portal\\rls -l /srv/www/portal$'
expect commands-esc out "  printf '\\\\e\\[2K\\\\e\\]0;all good\\\\a'\$"
expect commands-tab out "  printf 'a\\\\tb'\$"
expect commands-backslash out "  printf 'one\\\\\\\\ntwo'\$"
expect commands-c1 out '  echo \\u009b2J \\u202e\)lanigiro\($'
expect commands-not-utf8 out $'  ~ \xef\xbf\xbdx$'
expect commands-typed-backslash out "  printf '%s\\\\\\\\n' x\$"
if grep -q '^##' "$TMP/out"; then bad commands-no-heading "a line starts with ##"
else ok commands-no-heading; fi
cp "$TMP/out" "$TMP/commands.txt"

# --json: valid, ASCII, and the real text.
run commands-json 0 "${B[@]}" commands --json "$ID" &&
	py commands-json "$TMP/out" '
assert text.isascii()
d = json.loads(text)
assert [c["command"] for c in d if c["source"] == "log"] == log
assert [c["command"] for c in d if c["source"] == "input"] == \
    ["echo ok", "\ufffdx", "printf '"'"'%s\\n'"'"' x", "exit"], d[-4:]
'

# report: the Commands section is session lines and entries only, and
# the candidate's name one line.
run report 0 "${B[@]}" report "$ID" && py report "$TMP/out" "$CLEAN"'
cmds = lines[lines.index("Commands") + 1:]
assert len(cmds) == len(log) + 4 + 2, len(cmds)
for l in cmds:
    assert re.match(r"  session \d|    +\d+:\d\d\.\d +(-|\d+)  ", l), l
assert lines[2] == "  candidate    ada | \\e[31mred\\n## Checks: ALL PASS", lines[2]
assert not [l for l in lines if l.startswith("#")]
'
expect report-newline out "^ +0:03.4 +0  echo 'one\\\\n## Checks: ALL PASS'\$"

# --markdown: four headings, every table row with its number of cells,
# nothing but those, session lines, the admin channel's line and blank
# lines.
run report-md 0 "${B[@]}" report --markdown "$ID" && py report-md "$TMP/out" "$CLEAN"'
heads = [l for l in lines if l.startswith("#")]
assert heads == ["# web-down-5p00f: Operations portal down after a web "
    "server config change", "## Checks (last run 2026-11-25 15:45:56 UTC)",
    "## Admin channel", "## Commands"], heads
cells = lambda l: len(re.findall(r"(?<!\\)\|", l)) - 1
widths = []
for l in lines:
    if l.startswith("|"):
        assert l.endswith("|") and not l.endswith("\\|"), l
        widths.append(cells(l))
    else:
        assert l == "" or l in heads or l.startswith("**Session ") or \
            l == "never lost, altered or tampered with", l
assert widths == [2] * 8 + [5] * 4 + [3] * (len(log) + 2) + [3] * 6, widths
'
cp "$TMP/out" "$TMP/report.md"

# The same, rendered by GitHub's renderer: the tables hold every row, no
# heading or link is added, and each command's code is what commands
# shows for it.
if ! command -v cmark-gfm >/dev/null; then
	bad report-md-rendered "cmark-gfm is not installed (make deps)"
else
	cmark-gfm -e table -e autolink -e strikethrough -e tagfilter \
	    "$TMP/report.md" >"$TMP/report.html"
	py report-md-rendered "$TMP/report.html" '
import html
listed = [shown(l) for l in open(sys.argv[1][:-len("report.html")]
    + "commands.txt").read().splitlines() if not l.startswith("# ")]
assert text.count("<h1>") == 1 and text.count("<h2>") == 3
assert "<a " not in text and "<script" not in text
assert text.count("<tr>") == 7 + 3 + (1 + len(log)) + 5, text.count("<tr>")
code = [html.unescape(c) for c in re.findall(r"<td>(?:~ )?<code>(.*?)</code>", text)]
assert code == [s[2:] if s.startswith("~ ") else s for s in listed], code
assert "<td>ada | \\e[31mred\\n## Checks: ALL PASS</td>" in text
assert "<td>nginx -t | grep -q successful</td>" in text
'
fi

# --json: the real text, ASCII.
run report-json 0 "${B[@]}" report --json "$ID" && py report-json "$TMP/out" '
assert text.isascii()
d = json.loads(text)
assert [c["command"] for c in d["sessions"][0]["commands"]] == log
assert d["sessions"][1]["commands"][1]["command"] == "\ufffdx"
assert d["candidate"] == "ada | \x1b[31mred\n## Checks: ALL PASS"
'

# export: one list item per command, shown as commands shows it.
if [ -f "$(dirname "$BIN")/web-player/asciinema-player.min.js" ]; then
	run export 0 "$BIN" export "$DIR/sessions/20261125T154524Z-101.cast" \
	    --html "$TMP/page.html" && py export "$TMP/page.html" '
import html.parser
class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.code, self.inc = [], [], False
    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "code":
            self.inc = True
            self.code.append("")
    def handle_endtag(self, tag):
        self.inc = self.inc and tag != "code"
    def handle_data(self, data):
        if self.inc:
            self.code[-1] += data
p = P()
p.feed(text)
assert p.tags.count("li") == len(log) and p.tags.count("script") == 2
assert "a" not in p.tags and "img" not in p.tags
listed = [shown(l) for l in open(sys.argv[1][:-len("page.html")]
    + "commands.txt").read().splitlines()[1:len(log) + 1]]
assert p.code == listed, p.code
'
else
	skip export "no web player (make web-player)"
fi

finish
