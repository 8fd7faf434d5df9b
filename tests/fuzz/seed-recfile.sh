#!/bin/bash
# Seed the recfile fuzzer with recordings our own writer produced
# (the unit test's writer path via tests/tools/mkrecording when built,
# and tests/tools/mkleakfix's snapshots).
dst=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
if [ -x "$top/tests/tools/mkrecording" ]; then
	"$top/tests/tools/mkrecording" "$dst/seed-all.rec" >/dev/null 2>&1 || true
fi
# recordings with snapshots, both formats (CT_MSG, version 1's CT_LINE)
if [ -x "$top/tests/tools/mkleakfix" ]; then
	tmp=$(mktemp -d)
	"$top/tests/tools/mkleakfix" -n 8 -l 2 "$tmp/v2" >/dev/null 2>&1 &&
		cp "$tmp/v2/rec.ctr" "$dst/seed-snap-v2.rec"
	"$top/tests/tools/mkleakfix" -1 -n 8 -l 2 "$tmp/v1" >/dev/null 2>&1 &&
		cp "$tmp/v1/rec.ctr" "$dst/seed-snap-v1.rec"
	rm -rf "$tmp"
fi
exit 0
