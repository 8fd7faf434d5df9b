#!/bin/bash
# Seed the elfscan fuzzer with the doctor test fixtures (gcc -c objects,
# compressed and linked variants; tests/elf-fixtures.sh).
dst=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
if "$top/tests/elf-fixtures.sh" "$tmp" >/dev/null 2>&1; then
	i=0
	for f in $(find "$tmp" -type f ! -name '*.c' | sort); do
		i=$((i + 1))
		cp "$f" "$dst/seed-$i-$(basename "$f")"
	done
fi
rm -rf "$tmp"
exit 0
