#!/bin/bash
# Seed the elfscan fuzzer with doctor's ELF fixtures (tests/elf-fixtures.sh:
# modules and vmlinux images built with gcc/ld, their xz/zstd/gzip forms
# and truncated/corrupt variants).  Kept small: libFuzzer's default
# -max_len follows the largest seed.
dst=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$top/tests/elf-fixtures.sh" "$tmp/fx" >/dev/null 2>&1 || exit 0
n=0
find "$tmp/fx" -type f ! -path '*/src/*' -size -64k | sort | while read -r f; do
	n=$((n + 1))
	cp "$f" "$dst/seed-$n-$(basename "$f")"
done
exit 0
