#!/usr/bin/env bats
# The VM harness must be able to fail: a module whose init fails, and a
# module that WARNs, must each turn into a failed guest test.
# asan: not-applicable (runs no ctdiag on the host)
load test_helper

@test "vm harness reports a broken module and a kernel WARNING as failures" {
	run "$CTDIAG_TOP/tests/vm/run" --expect-fail "$CTDIAG_TOP/tests/vm/selftest/broken.bats"
	assert_success
	assert_line --regexp '^not ok 1 selftest: a module whose init fails makes the test fail'
	assert_line --regexp '^not ok 2 selftest: a module that WARNs is caught by the kernel-log check'
	assert_line "not ok - vm: kernel log is clean"
	assert_line --partial "# dmesg: "
}
