#!/usr/bin/env bats
# The module loads on the real 6.1 kernel, exposes /dev/ctdiag, unloads.
load helper

@test "ctdiag.ko loads, shows in /proc/modules and /dev/ctdiag, unloads cleanly" {
	run ctdiag_load
	assert_success
	run grep '^ctdiag ' /proc/modules
	assert_success
	[ -c /dev/ctdiag ]
	run stat -c %a /dev/ctdiag
	assert_output "600"
	run ctdiag status
	assert_success
	assert_line --regexp '^module: loaded, version [0-9.]+ \(ABI 1\)$'
	run rmmod ctdiag
	assert_success
	run grep '^ctdiag ' /proc/modules
	assert_failure
	[ ! -e /dev/ctdiag ]
	run dmesg
	assert_output --partial "ctdiag: unloaded"
}

@test "ctdiag status without the module says so and exits 0" {
	run ctdiag status
	assert_success
	assert_line "module: not loaded (insmod ctdiag.ko)"
}
