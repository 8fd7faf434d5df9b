#!/bin/bash
# Seed the ctparse fuzzer with listings our own fixture tool writes
# (tests/tools/mkleakfix: `conntrack -L -o extended,id` text and
# `ctdiag ls -o json` lines, plus each of its corrupted-line variants).
dst=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
mk=$top/tests/tools/mkleakfix
[ -x "$mk" ] || exit 0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$mk" -n 8 -l 2 "$tmp/good" >/dev/null 2>&1 &&
	cp "$tmp/good/listing.txt" "$dst/seed-listing.txt" &&
	cp "$tmp/good/listing.json" "$dst/seed-listing.json"
for b in badaddr noid garbage bigport notuple longline nul; do
	"$mk" -n 6 -b "$b" "$tmp/$b" >/dev/null 2>&1 &&
		cp "$tmp/$b/listing.txt" "$dst/seed-bad-$b.txt"
done
exit 0
