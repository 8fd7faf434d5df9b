#!/usr/bin/env bats
# Harness self-test: both tests MUST be reported as failures.
# tests/10-vm-harness.bats runs this with tests/vm/run --expect-fail.
load ../helper

@test "selftest: a module whose init fails makes the test fail" {
	run insmod /ctdiag/tests/vm/badmod/badmod.ko fail=1
	assert_success
}

@test "selftest: a module that WARNs is caught by the kernel-log check" {
	insmod /ctdiag/tests/vm/badmod/badmod.ko warn=1
	rmmod badmod
}
