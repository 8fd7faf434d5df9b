#!/usr/bin/env bats
# asan: not-applicable
# DKMS, really: the tree `make dkms-src` installs is added to DKMS and built
# with `dkms build` for the cloud kernel of each series the project
# supports (6.1 and 6.12), in a DKMS tree of the test's own (nothing under
# /var/lib/dkms or /usr/src changes).  The release comes from one place,
# CTDIAG_VERSION in lib/ctdiag_abi.h.
load test_helper

@test "dkms: make dkms-src, dkms add and dkms build for 6.1 and 6.12; the built module carries the release" {
	command -v dkms >/dev/null || { echo "dkms is not installed (make deps)"; false; }
	ver=$(sed -n 's/^#define CTDIAG_VERSION[[:space:]]*"\(.*\)"$/\1/p' "$CTDIAG_TOP/lib/ctdiag_abi.h")
	[ -n "$ver" ]
	d=$BATS_TEST_TMPDIR
	run make -s -C "$CTDIAG_TOP" dkms-src DESTDIR="$d/root"
	assert_success
	src=$d/root/usr/src
	[ -f "$src/ctdiag-$ver/dkms.conf" ]
	grep -qx "PACKAGE_VERSION=\"$ver\"" "$src/ctdiag-$ver/dkms.conf"
	mkdir -p "$d/dkms"
	dk=(--sourcetree "$src" --dkmstree "$d/dkms")
	run dkms add -m ctdiag -v "$ver" "${dk[@]}"
	assert_success
	for series in 6.1 6.12; do
		k=$(KSERIES=$series KFLAVOUR=cloud-amd64 "$CTDIAG_TOP/tests/vm/kver")
		run dkms build -m ctdiag -v "$ver" -k "$k" "${dk[@]}" \
			--kernelsourcedir "/usr/src/linux-headers-$k"
		echo "$output" | tail -5
		assert_success
		ko=$(find "$d/dkms/ctdiag/$ver/$k" -name 'ctdiag.ko*' | head -1)
		[ -n "$ko" ] || { echo "no ctdiag.ko built for $k"; false; }
		[ "$(modinfo -F vermagic "$ko" | awk '{print $1}')" = "$k" ]
		[ "$(modinfo -F version "$ko")" = "$ver" ]
		# the module users install has no test knobs
		! modinfo -F parm "$ko" | grep -q '^fail_'
	done
	run dkms status -m ctdiag "${dk[@]}"
	assert_output --partial "ctdiag/$ver"
	[ "$(grep -c ': built' <<<"$output")" -eq 2 ]
}
