#!/bin/bash
# Seed the recfile fuzzer with recordings our own writer produced
# (the unit test's writer path via tests/tools/mkrecording when built).
dst=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
if [ -x "$top/tests/tools/mkrecording" ]; then
	"$top/tests/tools/mkrecording" "$dst/seed-all.rec" >/dev/null 2>&1 || true
fi
exit 0
