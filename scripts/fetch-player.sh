#!/bin/sh
# fetch-player.sh - put asciinema-player's standalone bundle where
# 'breakfix export --html' finds it.
#
# usage: scripts/fetch-player.sh [--update-sums] [DIR]
#
# DIR (default build/web-player) gets asciinema-player.min.js,
# asciinema-player.css, LICENSE and VERSION. The package comes from the
# npm registry (npm pack, into DIR/cache); npm's own cache is preferred,
# so this works offline once the version has been fetched on the
# machine. The files must match third_party/asciinema-player/SHA256SUMS;
# --update-sums rewrites that list instead, when moving to a new version.
# Does nothing when DIR already holds the right files.
set -eu

VERSION=3.18.0
FILES="asciinema-player.min.js asciinema-player.css LICENSE"

TOP=$(cd "$(dirname "$0")/.." && pwd)
SUMS=$TOP/third_party/asciinema-player/SHA256SUMS
update=0
if [ "${1:-}" = --update-sums ]; then
	update=1
	shift
fi
DEST=${1:-$TOP/build/web-player}

intact() {
	[ -f "$1/VERSION" ] && [ "$(cat "$1/VERSION")" = "$VERSION" ] &&
	    (cd "$1" && sha256sum --quiet --strict -c "$SUMS") >/dev/null 2>&1
}

if [ "$update" -eq 0 ] && intact "$DEST"; then
	exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
	echo "fetch-player: npm not found: run 'make deps' as root" >&2
	exit 1
fi

mkdir -p "$DEST/cache"
tgz=$DEST/cache/asciinema-player-$VERSION.tgz
if [ ! -s "$tgz" ]; then
	echo "fetch-player: npm pack asciinema-player@$VERSION"
	(cd "$DEST/cache" && npm pack --silent --prefer-offline \
	    "asciinema-player@$VERSION" >/dev/null) || {
		echo "fetch-player: cannot fetch asciinema-player@$VERSION" \
		    "from npm" >&2
		exit 1
	}
fi

tmp=$(mktemp -d "$DEST/.unpack.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
tar -xzf "$tgz" -C "$tmp" package/LICENSE \
    package/dist/bundle/asciinema-player.min.js \
    package/dist/bundle/asciinema-player.css
mkdir "$tmp/out"
cp "$tmp/package/LICENSE" "$tmp/package/dist/bundle/asciinema-player.min.js" \
    "$tmp/package/dist/bundle/asciinema-player.css" "$tmp/out/"

if [ "$update" -eq 1 ]; then
	# shellcheck disable=SC2086
	(cd "$tmp/out" && sha256sum $FILES) >"$SUMS"
	echo "fetch-player: wrote $SUMS for $VERSION"
elif ! (cd "$tmp/out" && sha256sum --quiet --strict -c "$SUMS"); then
	echo "fetch-player: asciinema-player@$VERSION does not match" \
	    "$SUMS: not installed" >&2
	rm -f "$tgz"
	exit 1
fi

echo "$VERSION" >"$tmp/out/VERSION"
for f in $FILES VERSION; do
	mv -f "$tmp/out/$f" "$DEST/$f"
done
echo "fetch-player: asciinema-player $VERSION in $DEST"
