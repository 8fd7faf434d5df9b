#!/usr/bin/env bats
# The CLI's front door: help, version, usage errors.
load test_helper

@test "ctdiag --help lists the commands and exits 0" {
	run_ctdiag --help
	assert_success
	assert_line --index 0 "Usage: ctdiag [--help | --version] COMMAND [OPTIONS]"
	assert_line --regexp '^  leaks +find extension records whose conntrack is gone$'
	assert_line --regexp '^  watch +'
	[ -z "$stderr" ]
}

@test "ctdiag --version prints version and ABI" {
	run_ctdiag --version
	assert_success
	assert_output --regexp '^ctdiag [0-9]+\.[0-9]+\.[0-9]+ \(ABI 1\)$'
}

@test "no command is a usage error: exit 2, usage on stderr" {
	run_ctdiag
	assert_failure 2
	[ -z "$output" ]
	[[ "$stderr" == "Usage: ctdiag"* ]]
}

@test "unknown command: exit 2, one clear line on stderr" {
	run_ctdiag frobnicate
	assert_failure 2
	[ -z "$output" ]
	[ "${stderr_lines[0]}" = "ctdiag: error: unknown command 'frobnicate'" ]
	[ "${stderr_lines[1]}" = "Try 'ctdiag --help' for more information." ]
}

@test "commands match exactly: no prefix matching" {
	run_ctdiag lea
	assert_failure 2
	[ "${stderr_lines[0]}" = "ctdiag: error: unknown command 'lea'" ]
}

@test "status rejects an unknown output format with exit 2" {
	run_ctdiag status -o yaml
	assert_failure 2
	[ "${stderr_lines[0]}" = "ctdiag: error: unknown output format 'yaml'" ]
}

@test "status without the module: exit 0, says not loaded, reports the table" {
	# this host kernel cannot load modules, so ctdiag.ko is never loaded here
	run_ctdiag status
	assert_success
	assert_line "module: not loaded (insmod ctdiag.ko)"
	assert_line --regexp '^conntrack: count=[0-9]+ max=[0-9]+$'
	run_ctdiag status -o json
	assert_success
	run jq -e '.schema == 1 and .module_loaded == false and (.conntrack.max > 0)' <<<"$output"
	assert_success
}
