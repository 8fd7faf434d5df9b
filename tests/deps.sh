#!/bin/bash
# Install every build and test dependency from Debian packages.
# Idempotent.  --if-missing: do nothing (quickly) when all are present.
set -euo pipefail
pkgs=(
	build-essential pkg-config gcc make bc kmod cpio xz-utils zstd file
	libmnl-dev libnetfilter-conntrack-dev libelf-dev libnetfilter-queue-dev
	liblzma-dev libzstd-dev zlib1g-dev
	bats bats-support bats-assert
	conntrack nftables iproute2 jq util-linux libcap2-bin strace strace
	qemu-system-x86 busybox-static
	linux-image-cloud-amd64 linux-headers-cloud-amd64
	linux-image-rt-amd64 linux-headers-rt-amd64
	linux-image-6.12-cloud-amd64 linux-headers-6.12-cloud-amd64
	linux-image-6.12-rt-amd64 linux-headers-6.12-rt-amd64
	groff man-db clang libclang-rt-14-dev
)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${db:Status-Status}\n' "$p" 2>/dev/null | grep -qx installed || missing+=("$p")
done
if [ "${1:-}" = --if-missing ] && [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing ${missing[*]}"
	if [ "$(id -u)" != 0 ]; then
		echo "deps: need root to apt-get install" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The metapackages pull one image+headers pair each (linux-image-cloud-amd64
# is Debian 12's 6.1 series); check each series and flavour has a match.
for series in 6.1 6.12; do
	for fl in cloud-amd64 rt-amd64; do
		if ! kver=$(KSERIES=$series KFLAVOUR=$fl "$(dirname "$0")/vm/kver"); then
			echo "deps: no $series $fl kernel whose image and headers match" >&2
			exit 1
		fi
		echo "deps: ok (guest kernel $kver)"
	done
done
