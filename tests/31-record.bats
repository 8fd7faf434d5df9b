#!/usr/bin/env bats
# ctdiag record on the host (no module here): usage and the missing-module
# error, and that nothing is left behind.  Recording proper is proven in the
# VM (tests/vm/60-watch.bats: record then watch -r, full disk).
load test_helper

@test "record needs -w FILE: usage error, exit 2" {
	run_ctdiag record
	assert_failure 2
	[ "${stderr_lines[0]}" = "ctdiag: error: no output file (-w FILE)" ]
	[ "${stderr_lines[1]}" = "Try 'ctdiag record --help' for more information." ]
}

@test "record usage errors: bad count, duration, filter, stray argument" {
	run_ctdiag record -w "$BATS_TEST_TMPDIR/r" -c x
	assert_failure 2
	[ "${stderr_lines[0]}" = "ctdiag: error: bad count 'x'" ]
	run_ctdiag record -w "$BATS_TEST_TMPDIR/r" --duration -1
	assert_failure 2
	[ "${stderr_lines[0]}" = "ctdiag: error: bad duration '-1'" ]
	run_ctdiag record -w "$BATS_TEST_TMPDIR/r" --zone 70000
	assert_failure 2
	[ "${stderr_lines[0]}" = "ctdiag: error: bad zone '70000' (0-65535)" ]
	run_ctdiag record -w "$BATS_TEST_TMPDIR/r" stray
	assert_failure 2
	[ "${stderr_lines[0]}" = "ctdiag: error: unexpected argument 'stray'" ]
	[ ! -e "$BATS_TEST_TMPDIR/r" ]
}

@test "record without the module: one clear error, exit 1, no file created" {
	run_ctdiag record -w "$BATS_TEST_TMPDIR/r.rec"
	assert_failure 1
	[ "${stderr_lines[0]}" = "ctdiag: error: cannot open /dev/ctdiag: module not loaded (insmod ctdiag.ko)" ]
	[ ! -e "$BATS_TEST_TMPDIR/r.rec" ]
}

@test "record --help names -w FILE and the filters, exit 0" {
	run_ctdiag record --help
	assert_success
	assert_line --index 0 "Usage: ctdiag record -w FILE [OPTIONS]"
	assert_line --regexp '^  -w, --write FILE +the recording to create$'
	assert_line --regexp '^      --zone ZONE +conntrack zone$'
	assert_line --regexp '^      --snapshot '
}
